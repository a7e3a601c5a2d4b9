// The room or task thread shown on this page (DESIGN §9), as the other modules need it: its
// stream, its API paths, the viewer, and hooks run on every post item added to the list.

export function pageThread() {
  const section = document.querySelector(".thread[data-kind]");
  const list = section?.querySelector('[data-testid="message-list"]');
  if (!section || !list) return null;
  const kind = section.dataset.kind;
  const id = Number(section.dataset.id);
  const noun = kind === "room" ? "message" : "comment";
  return {
    kind,
    id,
    noun,
    list,
    stream: `${kind}:${id}`,
    me: document.querySelector(".viewer[data-username]")?.dataset.username ?? "",
    listPath: kind === "room" ? `/api/v1/rooms/${id}/messages` : `/api/v1/tasks/${id}/comments`,
    membersPath:
      kind === "room" ? `/api/v1/rooms/${id}/members` : `/api/v1/boards/${section.dataset.board}/members`,
    postPath: (postId) => `/api/v1/${noun}s/${postId}`,
    itemHooks: [], // each called with a post item once it is in the list
  };
}

export function postItems(thread) {
  return thread.list.querySelectorAll('[data-testid="message"]');
}

export function newestItem(thread) {
  const items = postItems(thread);
  return items.length ? items[items.length - 1] : null;
}
