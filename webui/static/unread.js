// The unread marker of a room: a "New messages" divider before the first message from someone
// else after the viewer's read marker (data-read-seq), and the read frame of DESIGN §6 sent
// when the newest message is in view and the tab has the focus. A task's comments keep no read
// marker (no divider), but send the same read frame: it clears what notified the reader there.

import { sendFrame } from "./live.js";
import { newestItem, postItems } from "./thread.js";

function divider() {
  const line = document.createElement("li");
  line.className = "unread-divider";
  line.dataset.testid = "unread-marker";
  line.setAttribute("role", "separator");
  line.textContent = "New messages";
  return line;
}

export function inView(item, list) {
  const box = item.getBoundingClientRect();
  const view = list.getBoundingClientRect();
  return box.bottom > view.top && box.top < view.bottom;
}

export function setupUnread(thread) {
  const list = thread.list;
  const marked = thread.kind === "room" && list.dataset.readSeq !== undefined;
  if (thread.kind === "room" && !marked) return { markRead() {}, firstUnread: () => null };
  const readSeq = Number(list.dataset.readSeq ?? 0);
  let sentSeq = readSeq;
  const loadedSeq = Number(newestItem(thread)?.dataset.seq ?? 0);

  const unseen = (item) =>
    item.dataset.author !== thread.me &&
    Number(item.dataset.seq) > readSeq &&
    !item.classList.contains("deleted");
  const present = () => list.querySelector('[data-testid="unread-marker"]') !== null;
  const attention = () => document.visibilityState === "visible" && document.hasFocus();

  /** Item hook: the divider goes before the first unseen message the page came with, once
   * what precedes it is known to be read (it may be on an older page not loaded yet), or
   * before a message that arrived live while the reader was not looking. */
  function place(item) {
    if (present() || !unseen(item)) return;
    if (Number(item.dataset.seq) > loadedSeq) {
      if (!(attention() && inView(item, list))) item.before(divider());
      return;
    }
    const items = [...postItems(thread)];
    const index = items.indexOf(item);
    const before = items.slice(0, index);
    if ((index > 0 || !list.dataset.older) && !before.some(unseen)) item.before(divider());
  }

  function markRead() {
    const newest = newestItem(thread);
    if (!newest || !attention() || !inView(newest, list)) return;
    const seq = Number(newest.dataset.seq);
    if (seq > sentSeq && sendFrame({ type: "read", stream: thread.stream, seq })) sentSeq = seq;
  }

  if (marked) thread.itemHooks.push(place);
  let queued = false;
  list.addEventListener("scroll", () => {
    if (!queued) {
      queued = true;
      requestAnimationFrame(() => {
        queued = false;
        markRead();
      });
    }
  });
  window.addEventListener("focus", markRead);
  document.addEventListener("visibilitychange", markRead);
  return {
    markRead,
    /** Where the reader should start: at the divider when there is one. */
    firstUnread: () => list.querySelector('[data-testid="unread-marker"]'),
  };
}
