// TaskFlow Hub dashboard client (DESIGN §9): the live parts of the server-rendered pages, over
// one WebSocket (DESIGN §6). ES modules, no dependencies, no build step.

import { api } from "./api.js";
import { autosize } from "./autosize.js";
import { setupBoardLive } from "./board_live.js";
import { errorText } from "./error_text.js";
import { setupComposer } from "./composer.js";
import { setupEditing } from "./editing.js";
import { setupHistory } from "./history.js";
import { startLive } from "./live.js";
import { setupMentionMarks } from "./mention_marks.js";
import { membershipStreams, onMembershipFrame } from "./membership.js";
import { warnNotNotified } from "./mention_warning.js";
import { setupMentions } from "./mentions.js";
import { setupNotificationList } from "./notification_items.js";
import { setupPeople } from "./people.js";
import { runHooks, showPost } from "./posts.js";
import { newestItem, pageThread, postItems } from "./thread.js";
import { localizeTimes } from "./times.js";
import { showUnreadInTitle } from "./title.js";
import { toast } from "./toast.js";
import { setupUnread } from "./unread.js";
import { setupUnreadJump } from "./unread_jump.js";

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
  showUnreadInTitle(count);
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
  const names = [...typists].filter(([, at]) => now - at < TYPING_SHOWN_MS).map(([name]) => people.name(name));
  typingBox.textContent = names.length ? `${names.join(", ")} ${names.length > 1 ? "are" : "is"} typing…` : "";
}

function showPresence() {
  if (presenceBox) presenceBox.textContent = online.length ? `Online: ${online.map(people.name).join(", ")}` : "";
}

let composer = null;
let people = { name: (username) => username };
let online = []; // usernames, as the last presence frame listed them
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
  } else if (frame.type === "presence") {
    online = frame.online;
    showPresence();
  } else if (frame.type === "reset") {
    // Too far behind to replay: the page shows the present, with the draft kept.
    if (composerBox?.value) sessionStorage.setItem(DRAFT_KEY, composerBox.value);
    window.location.reload();
  }
}

const board = setupBoardLive(document.querySelector(".viewer[data-username]")?.dataset.username);
const listeners = [setupNotificationList(), board?.onFrame].filter(Boolean); // page parts

function onFrame(frame) {
  for (const listen of listeners) listen(frame);
  onMembershipFrame(frame);
  if (frame.type === "event" && frame.event === "notification.created") {
    setUnread(Number(badge?.textContent || 0) + 1);
  } else if (frame.type === "event" && frame.event === "notification.read") {
    setUnread(frame.data.unread);
  } else if (frame.type === "ack") {
    if (composer?.settle(frame.client_id, null)) warnNotNotified(frame.not_notified);
  } else if (frame.type === "error") {
    if (!composer?.settle(frame.client_id, frame)) toast(errorText(frame, thread?.noun));
  } else if (thread && frame.stream === thread.stream) {
    onThreadFrame(frame);
  }
}

function onOpen() {
  refreshUnread(); // notifications made while the socket was down are not replayed
  composer?.resend();
  unread.markRead();
}

localizeTimes(document);
const streams = new Map();
if (thread) {
  unread = setupUnread(thread);
  setupEditing(thread);
  setupMentionMarks(thread);
  people = setupPeople(thread, () => {
    showTyping();
    showPresence();
  });
  for (const item of postItems(thread)) runHooks(thread, item);
  const start = unread.firstUnread();
  const list = thread.list;
  if (start) list.scrollTop += start.getBoundingClientRect().top - list.getBoundingClientRect().top;
  else list.scrollTop = list.scrollHeight;
  setupUnreadJump(thread, setupHistory(thread), unread);
  if (composerBox) {
    composerBox.value ||= sessionStorage.getItem(DRAFT_KEY) ?? "";
    sessionStorage.removeItem(DRAFT_KEY);
    composer = setupComposer(thread, composerBox, setupMentions(thread, composerBox));
    autosize(composerBox);
  }
  streams.set(thread.stream, Number(newestItem(thread)?.dataset.seq ?? 0));
}
for (const [stream, seq] of board?.streams ?? []) streams.set(stream, seq);
for (const [stream, seq] of membershipStreams()) streams.set(stream, seq);
startLive({ streams, onFrame, onOpen });
