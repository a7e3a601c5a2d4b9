// A board's numbers, live (the board page and its rooms page): each room's unread count
// follows the messages arriving in the rooms the viewer is in (one subscription per such room,
// from the seq the page was rendered at: no per-message event on the board stream for all
// its members) and the viewer's reading of them anywhere (`room.read` on their own stream);
// each task card's mention badge follows their mention notifications about the task.

/** Show `text` in the holder's badge of class `badgeClass` (found in `scope`), made with
 * `after` when missing; no badge at 0. */
function setCount(holder, scope, badgeClass, count, text, after) {
  let badge = holder.querySelector(`${scope}.${badgeClass}`);
  if (count <= 0) {
    badge?.remove();
    return;
  }
  if (!badge) {
    badge = document.createElement("span");
    badge.className = badgeClass;
    after(badge);
  }
  badge.textContent = text;
}

function roomCounter(item, me) {
  let readSeq = 0; // only messages after the render count: the render counted the rest
  const rendered = Number(item.dataset.seq);
  const show = (count) => {
    item.dataset.unread = String(count);
    setCount(item, ":scope > ", "unread-count", count, String(count), (badge) => {
      badge.title = "Unread messages";
      item.querySelector(".room-link").after(" ", badge);
    });
  };
  return {
    stream: `room:${item.dataset.roomId}`,
    seq: rendered,
    created(message) {
      const author = message.author?.username;
      if (author !== me && message.seq > Math.max(readSeq, rendered)) {
        show(Number(item.dataset.unread) + 1);
      }
    },
    read({ seq, unread }) {
      readSeq = Math.max(readSeq, seq);
      show(unread);
    },
  };
}

function showMentions(card, count) {
  card.dataset.mentions = String(count);
  setCount(card, ".task-meta > ", "mention-badge", count, `@${count}`, (badge) => {
    badge.title = "Unread mentions of you";
    card.querySelector(".task-meta .comment-count").before(badge);
  });
}

/** The streams this page follows and its frame handler; null when the page has no board. */
export function setupBoardLive(me) {
  const items = document.querySelectorAll("[data-room-id][data-seq]");
  const cards = document.querySelectorAll("li.task[data-task-id]");
  if (!items.length && !cards.length) return null;
  const rooms = new Map();
  for (const item of items) {
    const counter = roomCounter(item, me);
    rooms.set(counter.stream, counter);
  }
  const card = (taskId) => document.querySelector(`li.task[data-task-id="${Number(taskId)}"]`);
  const onFrame = (frame) => {
    if (frame.type !== "event") return;
    if (frame.event === "message.created") {
      rooms.get(frame.stream)?.created(frame.data);
    } else if (frame.event === "room.read") {
      rooms.get(`room:${frame.data.room}`)?.read(frame.data);
    } else if (frame.event === "notification.created") {
      const { kind, target } = frame.data;
      const found = kind === "mention" && target.task !== undefined && card(target.task);
      if (found) showMentions(found, Number(found.dataset.mentions) + 1);
    } else if (frame.event === "notification.read") {
      for (const { task, mentions } of frame.data.tasks ?? []) {
        const found = card(task);
        if (found) showMentions(found, mentions);
      }
    }
  };
  return { streams: new Map([...rooms.values()].map((room) => [room.stream, room.seq])), onFrame };
}
