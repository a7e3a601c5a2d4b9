// TaskFlow Hub dashboard client (DESIGN §9): the live parts of the server-rendered pages, over
// one WebSocket (DESIGN §6). ES modules, no dependencies, no build step.

import { api } from "./api.js";
import { setupComposer } from "./composer.js";
import { setupEditing } from "./editing.js";
import { setupHistory } from "./history.js";
import { startLive } from "./live.js";
import { membershipStreams, onMembershipFrame } from "./membership.js";
import { warnNotNotified } from "./mention_warning.js";
import { setupMentions } from "./mentions.js";
import { runHooks, showPost } from "./posts.js";
import { newestItem, pageThread, postItems } from "./thread.js";
import { toast } from "./toast.js";
import { setupUnread } from "./unread.js";

const TYPING_SHOWN_MS = 5000;

const badge = document.querySelector('[data-testid="notification-badge"]');
const typingBox = document.querySelector('[data-testid="typing"]');
const presenceBox = document.querySelector('[data-testid="presence"]');
const composerBox = document.querySelector('[data-testid="composer"]');
const thread = pageThread();
const typists = new Map(); // username → when their last typing frame came
const DRAFT_KEY = `draft:${window.location.pathname}`;

function setUnread(count) {
  if (badge) badge.textContent = count > 0 ? String(count) : "";
}

async function refreshUnread() {
  try {
    setUnread((await api("GET", "/api/v1/notifications/unread-count")).count);
  } catch {
    // The badge keeps its count; the connection indicator already tells of trouble.
  }
}

function showTyping() {
  if (!typingBox) return;
  const now = Date.now();
  const names = [...typists].filter(([, at]) => now - at < TYPING_SHOWN_MS).map(([name]) => name);
  typingBox.textContent = names.length ? `${names.join(", ")} ${names.length > 1 ? "are" : "is"} typing…` : "";
}

let composer = null;
let unread = { markRead() {}, firstUnread: () => null };

function onThreadFrame(frame) {
  if (frame.type === "event" && /^(message|comment)\./.test(frame.event)) {
    if (frame.event.endsWith(".created")) typists.delete(frame.data.author?.username);
    showPost(thread, frame.data);
    showTyping();
    unread.markRead();
  } else if (frame.type === "typing" && frame.user !== thread.me) {
    typists.set(frame.user, Date.now());
    showTyping();
    setTimeout(showTyping, TYPING_SHOWN_MS);
  } else if (frame.type === "presence" && presenceBox) {
    presenceBox.textContent = frame.online.length ? `Online: ${frame.online.join(", ")}` : "";
  } else if (frame.type === "reset") {
    // Too far behind to replay: the page shows the present, with the draft kept.
    if (composerBox?.value) sessionStorage.setItem(DRAFT_KEY, composerBox.value);
    window.location.reload();
  }
}

function onFrame(frame) {
  onMembershipFrame(frame);
  if (frame.type === "event" && frame.event === "notification.created") {
    setUnread(Number(badge?.textContent || 0) + 1);
  } else if (frame.type === "event" && frame.event === "notification.read") {
    setUnread(frame.data.unread);
  } else if (frame.type === "ack") {
    if (composer?.settle(frame.client_id, null)) warnNotNotified(frame.not_notified);
  } else if (frame.type === "error") {
    if (!composer?.settle(frame.client_id, frame.message)) toast(frame.message);
  } else if (thread && frame.stream === thread.stream) {
    onThreadFrame(frame);
  }
}

function onOpen() {
  refreshUnread(); // notifications made while the socket was down are not replayed
  composer?.resend();
  unread.markRead();
}

const streams = new Map();
if (thread) {
  unread = setupUnread(thread);
  setupEditing(thread);
  for (const item of postItems(thread)) runHooks(thread, item);
  const start = unread.firstUnread();
  const list = thread.list;
  if (start) list.scrollTop += start.getBoundingClientRect().top - list.getBoundingClientRect().top;
  else list.scrollTop = list.scrollHeight;
  setupHistory(thread);
  if (composerBox) {
    composerBox.value ||= sessionStorage.getItem(DRAFT_KEY) ?? "";
    sessionStorage.removeItem(DRAFT_KEY);
    composer = setupComposer(thread, composerBox, setupMentions(thread, composerBox));
  }
  streams.set(thread.stream, Number(newestItem(thread)?.dataset.seq ?? 0));
}
for (const [stream, seq] of membershipStreams()) streams.set(stream, seq);
startLive({ streams, onFrame, onOpen });
