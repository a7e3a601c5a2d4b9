// The viewer's own mentions stand out: the hub marks each `@name` in a post's html as
// `<span class="mention" data-username>`; a post item gets `.me` on those naming the viewer
// or (in a room) the whole room.

const WHOLE_ROOM = new Set(["room", "here", "channel", "everyone"]);

export function setupMentionMarks(thread) {
  thread.itemHooks.push((item) => {
    for (const mark of item.querySelectorAll(".mention[data-username]")) {
      const name = mark.dataset.username;
      const room = thread.kind === "room" && WHOLE_ROOM.has(name);
      mark.classList.toggle("me", name === thread.me.toLowerCase() || room);
    }
  });
}
