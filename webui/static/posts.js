// Messages and comments in the list: built from the API's JSON exactly as thread.html renders
// them, updated in place by edits and deletes. User text goes in as text only; a post's `html`
// is inserted as HTML because the hub renders and sanitises it.

import { postItems } from "./thread.js";
import { localizeTimes } from "./times.js";

function fillBody(body, post, noun) {
  if (post.deleted_at) {
    const note = document.createElement("em");
    note.className = "muted";
    note.textContent = `This ${noun} was deleted.`;
    body.replaceChildren(note);
  } else {
    body.innerHTML = post.html; // rendered and sanitised by the hub
  }
}

function postItem(post, thread) {
  const item = document.createElement("li");
  item.className = "message";
  item.id = `${thread.noun}-${post.id}`;
  item.dataset.testid = "message";
  item.dataset.id = String(post.id);
  item.dataset.seq = String(post.seq);
  item.dataset.author = post.author?.username ?? "";
  const meta = document.createElement("div");
  meta.className = "meta";
  const author = document.createElement("span");
  author.className = "author";
  author.dataset.testid = "message-author";
  author.textContent = post.author ? post.author.display_name : post.author_name;
  const time = document.createElement("time");
  time.dataset.testid = "message-time";
  time.dateTime = post.created_at;
  meta.append(author, time);
  localizeTimes(meta);
  if (post.source === "slack" || post.source === "discord") {
    const source = document.createElement("span");
    source.className = "source";
    source.textContent = `via ${post.source}`;
    meta.append(source);
  }
  const body = document.createElement("div");
  body.className = "body";
  body.dataset.testid = "message-body";
  item.append(meta, body);
  fillPost(item, post, thread);
  return item;
}

function fillPost(item, post, thread) {
  fillBody(item.querySelector('[data-testid="message-body"]'), post, thread.noun);
  item.classList.toggle("deleted", Boolean(post.deleted_at));
  if (post.author?.username === thread.me) item.dataset.body = post.body;
  const meta = item.querySelector(".meta");
  if (post.deleted_at) meta.querySelector(".edited")?.remove();
  else if (post.edited_at && !meta.querySelector(".edited")) {
    const edited = document.createElement("span");
    edited.className = "muted edited";
    edited.textContent = "(edited)";
    meta.querySelector("time").after(edited);
  }
}

export function runHooks(thread, item) {
  for (const hook of thread.itemHooks) hook(item);
}

/** Show an edit or delete of a post already in the list. */
export function updatePost(item, post, thread) {
  fillPost(item, post, thread);
  runHooks(thread, item);
}

export function findPost(thread, id) {
  return thread.list.querySelector(`[data-testid="message"][data-id="${Number(id)}"]`);
}

function nearBottom(list) {
  return list.scrollHeight - list.scrollTop - list.clientHeight < 80;
}

/** A live post: updated in place when it is already shown, else added at the end. */
export function showPost(thread, post) {
  const existing = findPost(thread, post.id);
  if (existing) {
    updatePost(existing, post, thread);
    return;
  }
  const list = thread.list;
  const item = postItem(post, thread);
  const follow = nearBottom(list) || item.dataset.author === thread.me;
  list.append(item);
  list.parentElement.querySelector(".empty")?.remove();
  if (follow) list.scrollTop = list.scrollHeight; // before the hooks, which ask what is in view
  runHooks(thread, item);
  if (follow) list.scrollTop = list.scrollHeight;
}

/** Older posts (oldest first) put above the shown ones, keeping what the reader sees in place. */
export function prependPosts(thread, posts) {
  const list = thread.list;
  const first = postItems(thread)[0] ?? null;
  const fromBottom = list.scrollHeight - list.scrollTop;
  const fresh = posts.filter((post) => !findPost(thread, post.id));
  const items = fresh.map((post) => postItem(post, thread));
  if (first) first.before(...items);
  else list.append(...items);
  for (const item of items) runHooks(thread, item);
  list.scrollTop = list.scrollHeight - fromBottom;
  return items.length;
}
