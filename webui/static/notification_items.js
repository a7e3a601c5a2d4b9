// The notifications page, live: a new notification appears at the top, built as
// notifications.html (and notification_place.html) render one, and read ones change their
// data-read when they are marked read anywhere (another tab, reading the room).

const list = document.querySelector("ul.notifications");

/** The target's address with ?notification=<id>, which marks it read when opened. */
function followedUrl(item) {
  const [path, fragment] = item.target.url.split("#", 2);
  return `${path}?notification=${item.id}${fragment === undefined ? "" : `#${fragment}`}`;
}

function placeText(item) {
  const place = item.place ?? {};
  const parts = [];
  if (place.room !== undefined) parts.push(`#${place.room}`);
  if (place.task !== undefined) parts.push(`Task #${item.target.task} ${place.task}`);
  if (place.board !== undefined) parts.push(place.board);
  return parts.join(" · ");
}

function span(className, text) {
  const element = document.createElement("span");
  element.className = className;
  element.textContent = text;
  return element;
}

function notificationItem(item) {
  const entry = document.createElement("li");
  entry.className = "card notification unread";
  entry.dataset.testid = "notification";
  entry.dataset.id = String(item.id);
  entry.dataset.read = "false";
  const link = document.createElement("a");
  link.href = followedUrl(item);
  const place = span("place", placeText(item));
  place.dataset.testid = "notification-place";
  link.append(span("kind", item.kind.replaceAll("_", " ")), place);
  if (item.actor) {
    const actor = document.createElement("strong");
    actor.textContent = item.actor.display_name;
    link.append(" ", actor);
  }
  link.append(" ", span("snippet", item.snippet));
  const time = document.createElement("time");
  time.dateTime = item.created_at;
  time.textContent = item.created_at.slice(0, 16).replace("T", " ");
  entry.append(link, time);
  return entry;
}

function markShownRead(ids) {
  for (const id of ids) {
    const entry = list.querySelector(`[data-testid="notification"][data-id="${Number(id)}"]`);
    if (entry) {
      entry.dataset.read = "true";
      entry.classList.remove("unread");
    }
  }
}

/** The frame handler of the notifications page (null on other pages). */
export function setupNotificationList() {
  if (!list) return null;
  return (frame) => {
    if (frame.type !== "event") return;
    if (frame.event === "notification.created") {
      const id = Number(frame.data.id);
      if (list.querySelector(`[data-testid="notification"][data-id="${id}"]`)) return;
      list.prepend(notificationItem(frame.data));
      list.parentElement.querySelector(".empty")?.remove();
    } else if (frame.event === "notification.read") {
      markShownRead(frame.data.ids);
    }
  };
}
