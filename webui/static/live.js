// The one WebSocket of the page (DESIGN §6): connects, reconnects by itself with capped,
// jittered backoff, and resumes each subscribed stream from the last seq it saw, so an event
// is neither missed nor shown twice. A socket that went quiet (no answer to a ping) or a
// browser that went offline counts as dropped at once, not after TCP gives up. A socket the
// hub closes because the login ended (logout elsewhere, expiry: close code 4001) is not
// retried: the page goes to the login form, which brings the reader back here.

const RETRY_FIRST_MS = 500;
const RETRY_MAX_MS = 15000;
const PING_EVERY_MS = 25000;
const PONG_WITHIN_MS = 10000;
const SESSION_ENDED = 4001;

const connection = document.querySelector('[data-testid="connection-state"]');
const lastSeq = new Map(); // stream → the last event seq seen on it
let socket = null;
let retryMs = RETRY_FIRST_MS;
let retryTimer = null;
let pongTimer = null;
let handlers = { frame: () => {}, open: () => {} };

function setState(state) {
  if (connection) {
    connection.dataset.state = state;
    connection.textContent = state;
  }
}

/** False for an event already seen (a replay overlapping what the page showed). */
function fresh(frame) {
  if (frame.type === "subscribed") {
    lastSeq.set(frame.stream, Math.max(lastSeq.get(frame.stream) ?? 0, frame.seq));
    return true;
  }
  if (frame.type === "unsubscribed") {
    lastSeq.delete(frame.stream); // access was taken away: not resubscribed on reconnect
    return true;
  }
  if (frame.type !== "event" || typeof frame.seq !== "number") return true;
  if (frame.seq <= (lastSeq.get(frame.stream) ?? -1)) return false;
  lastSeq.set(frame.stream, frame.seq);
  return true;
}

function connect() {
  clearTimeout(retryTimer);
  setState("connecting");
  const scheme = window.location.protocol === "https:" ? "wss" : "ws";
  const current = new WebSocket(`${scheme}://${window.location.host}/ws`);
  socket = current;
  current.addEventListener("open", () => {
    if (current !== socket) return;
    retryMs = RETRY_FIRST_MS;
    setState("online");
    for (const [stream, seq] of lastSeq) {
      if (!stream.startsWith("user:")) sendFrame({ type: "subscribe", stream, since: seq });
    }
    handlers.open();
  });
  current.addEventListener("message", (message) => {
    if (current !== socket) return; // a dropped socket still talking
    clearTimeout(pongTimer); // anything heard answers the ping
    const frame = JSON.parse(message.data);
    if (fresh(frame)) handlers.frame(frame);
  });
  current.addEventListener("close", (event) => {
    if (event.code === SESSION_ENDED && current === socket) loggedOut();
    else dropped(current);
  });
}

/** The login ended: no more retries; log in again and come back to this page. */
function loggedOut() {
  socket = null;
  clearTimeout(pongTimer);
  clearTimeout(retryTimer);
  setState("offline");
  const here = window.location.pathname + window.location.search;
  window.location.assign(`/login?next=${encodeURIComponent(here)}`);
}

/** The socket is gone (closed, silent or offline): say so and try again later. */
function dropped(gone) {
  if (gone !== socket) return; // an older socket, already given up
  socket = null;
  clearTimeout(pongTimer);
  gone.close();
  setState("offline");
  retryTimer = setTimeout(connect, retryMs * (0.75 + Math.random() / 2));
  retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
}

function ping() {
  const current = socket;
  if (current && sendFrame({ type: "ping" })) {
    clearTimeout(pongTimer);
    pongTimer = setTimeout(() => dropped(current), PONG_WITHIN_MS);
  }
}

/** Send a frame now; false when the socket is not open (the caller decides what to do). */
export function sendFrame(frame) {
  if (!socket || socket.readyState !== WebSocket.OPEN) return false;
  socket.send(JSON.stringify(frame));
  return true;
}

/**
 * Start the live connection. `streams` maps each stream to subscribe to the seq the page is
 * already up to (0: nothing yet); `onFrame` gets every new frame, `onOpen` runs on each
 * (re)connection after the subscriptions are sent.
 */
export function startLive({ streams, onFrame, onOpen }) {
  if (!connection) return;
  for (const [stream, seq] of streams) lastSeq.set(stream, seq);
  handlers = { frame: onFrame, open: onOpen };
  connect();
  setInterval(ping, PING_EVERY_MS);
  window.addEventListener("offline", () => socket && dropped(socket));
  window.addEventListener("online", () => {
    if (!socket) {
      retryMs = RETRY_FIRST_MS;
      connect();
    }
  });
}
