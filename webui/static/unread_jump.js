// The unread jump of a room: when the page opens with its first unread message older than the
// first page of history (so no "New messages" divider yet), a bar says "N new messages" (N: the
// room's unread count, data-unread-count) with a Jump that loads older pages until the first
// unread is there, then scrolls to its divider. The bar goes once the divider has been in view.

import { inView } from "./unread.js";

function label(count) {
  return `${count} new ${count === 1 ? "message" : "messages"}`;
}

export function setupUnreadJump(thread, history, unread) {
  const list = thread.list;
  const count = Number(list.dataset.unreadCount ?? 0);
  if (thread.kind !== "room" || count <= 0 || unread.firstUnread() || !list.dataset.older) return;
  const bar = document.createElement("div");
  bar.className = "unread-jump";
  bar.dataset.testid = "unread-jump";
  bar.setAttribute("role", "status");
  const text = document.createElement("span");
  text.textContent = label(count);
  const jump = document.createElement("button");
  jump.type = "button";
  jump.textContent = "Jump";
  bar.append(text, " ", jump);
  list.before(bar);

  function hideOnceSeen() {
    const marker = unread.firstUnread();
    if (marker && inView(marker, list)) {
      bar.remove();
      list.removeEventListener("scroll", hideOnceSeen);
    }
  }

  jump.addEventListener("click", async () => {
    jump.disabled = true;
    while (!unread.firstUnread() && list.dataset.older) {
      if (!(await history.loadOlder())) break; // the history edge tells what failed
    }
    jump.disabled = false;
    unread.firstUnread()?.scrollIntoView({ block: "start" });
    hideOnceSeen();
  });
  list.addEventListener("scroll", hideOnceSeen);
}
