// TaskFlow Hub dashboard client: one WebSocket for live updates (DESIGN §6). An ES module,
// no dependencies, no build step. User text goes into the page as text only; a post's `html`
// is inserted as HTML because the hub renders and sanitises it.

const RETRY_MAX_MS = 15000;
const TYPING_EVERY_MS = 3000;
const TYPING_SHOWN_MS = 5000;

const connection = document.querySelector('[data-testid="connection-state"]');
const badge = document.querySelector('[data-testid="notification-badge"]');
const thread = document.querySelector(".thread[data-kind]");
const list = document.querySelector('[data-testid="message-list"]');
const composer = document.querySelector('[data-testid="composer"]');
const typingBox = document.querySelector('[data-testid="typing"]');
const presenceBox = document.querySelector('[data-testid="presence"]');
const me = document.querySelector("[data-username]")?.dataset.username;

const stream = thread ? `${thread.dataset.kind}:${thread.dataset.id}` : null;
const anchor = thread && thread.dataset.kind === "room" ? "message" : "comment";
let socket = null;
let retryMs = 500;
let lastTyping = 0;
const typists = new Map();

function setState(state) {
  if (connection) {
    connection.dataset.state = state;
    connection.textContent = state;
  }
}

function lastSeq() {
  let seq = 0;
  for (const item of list ? list.querySelectorAll("[data-seq]") : []) {
    seq = Math.max(seq, Number(item.dataset.seq));
  }
  return seq;
}

function renderPost(post) {
  const item = document.createElement("li");
  item.className = "message";
  item.id = `${anchor}-${post.id}`;
  item.dataset.testid = "message";
  item.dataset.id = String(post.id);
  item.dataset.seq = String(post.seq);
  const meta = document.createElement("div");
  meta.className = "meta";
  const author = document.createElement("span");
  author.className = "author";
  author.dataset.testid = "message-author";
  author.textContent = post.author ? post.author.display_name : post.author_name;
  const time = document.createElement("time");
  time.dateTime = post.created_at;
  time.textContent = post.created_at.slice(0, 16).replace("T", " ");
  meta.append(author, " ", time);
  const body = document.createElement("div");
  body.className = "body";
  body.dataset.testid = "message-body";
  fillBody(body, post);
  item.append(meta, body);
  return item;
}

function fillBody(body, post) {
  if (post.deleted_at) {
    const note = document.createElement("em");
    note.className = "muted";
    note.textContent = `This ${anchor} was deleted.`;
    body.replaceChildren(note);
  } else {
    body.innerHTML = post.html; // rendered and sanitised by the hub
  }
}

function showPost(post) {
  if (!list) return;
  const existing = list.querySelector(`[data-testid="message"][data-id="${post.id}"]`);
  if (existing) {
    fillBody(existing.querySelector('[data-testid="message-body"]'), post);
    existing.classList.toggle("deleted", Boolean(post.deleted_at));
    return;
  }
  const nearBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
  list.append(renderPost(post));
  document.querySelector(".thread .empty")?.remove();
  if (nearBottom) list.scrollTop = list.scrollHeight;
}

function showTyping() {
  if (!typingBox) return;
  const now = Date.now();
  const names = [...typists].filter(([, at]) => now - at < TYPING_SHOWN_MS).map(([name]) => name);
  typingBox.textContent = names.length ? `${names.join(", ")} ${names.length > 1 ? "are" : "is"} typing…` : "";
}

function setUnread(count) {
  if (badge) badge.textContent = count > 0 ? String(count) : "";
}

function onFrame(frame) {
  if (frame.type === "event") {
    if (frame.event === "notification.created") {
      setUnread(Number(badge?.textContent || 0) + 1);
    } else if (frame.event === "notification.read") {
      setUnread(frame.data.unread);
    } else if (frame.stream === stream && /^(message|comment)\./.test(frame.event)) {
      typists.delete(frame.data.author?.username);
      showPost(frame.data);
      showTyping();
    }
  } else if (frame.type === "typing" && frame.stream === stream && frame.user !== me) {
    typists.set(frame.user, Date.now());
    showTyping();
    setTimeout(showTyping, TYPING_SHOWN_MS);
  } else if (frame.type === "presence" && frame.stream === stream && presenceBox) {
    presenceBox.textContent = frame.online.length ? `Online: ${frame.online.join(", ")}` : "";
  } else if (frame.type === "reset" && frame.stream === stream) {
    window.location.reload();
  } else if (frame.type === "error" && frame.client_id && composer) {
    composer.setCustomValidity(frame.message);
    composer.reportValidity();
  }
}

function connect() {
  setState("connecting");
  const scheme = window.location.protocol === "https:" ? "wss" : "ws";
  socket = new WebSocket(`${scheme}://${window.location.host}/ws`);
  socket.addEventListener("open", () => {
    retryMs = 500;
    setState("online");
    if (stream) {
      const since = lastSeq();
      socket.send(JSON.stringify(since ? { type: "subscribe", stream, since } : { type: "subscribe", stream }));
    }
  });
  socket.addEventListener("message", (message) => onFrame(JSON.parse(message.data)));
  socket.addEventListener("close", () => {
    setState("offline");
    socket = null;
    setTimeout(connect, retryMs);
    retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
  });
}

function send() {
  const body = composer.value;
  if (!body.trim()) return;
  if (!socket || socket.readyState !== WebSocket.OPEN) {
    composer.form.requestSubmit(); // the plain form post works without the socket
    return;
  }
  const kind = thread.dataset.kind;
  const frame = { type: kind === "room" ? "message.send" : "comment.send", body, client_id: crypto.randomUUID() };
  frame[kind] = Number(thread.dataset.id);
  socket.send(JSON.stringify(frame));
  composer.value = "";
}

if (composer && thread) {
  composer.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      send();
    }
  });
  composer.addEventListener("input", () => {
    composer.setCustomValidity("");
    const now = Date.now();
    if (socket?.readyState === WebSocket.OPEN && now - lastTyping > TYPING_EVERY_MS) {
      lastTyping = now;
      socket.send(JSON.stringify({ type: "typing", stream }));
    }
  });
  if (list) list.scrollTop = list.scrollHeight;
}

if (connection) connect();
