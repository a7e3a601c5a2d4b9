// Who is on a board or in a room (issue 13): the member list and its add form (with
// suggestions) and remove buttons, kept live from the board's stream; and the viewer's own
// boards and rooms lists, which gain a place when they are added to it and lose it when they
// are removed (their `user:` stream). Forms post without JavaScript too; here they go through
// the API and the list changes in place.

import { api } from "./api.js";
import { toast } from "./toast.js";

const SHOWN_MAX = 8;
const csrfToken = document.querySelector('meta[name="csrf-token"]')?.content ?? "";
const me = document.querySelector(".viewer[data-username]")?.dataset.username ?? "";
const panels = [...document.querySelectorAll("[data-members]")];

/** An API refusal as a sentence: no `field:` prefix, a full stop. */
function sentence(message, username) {
  let text = message.replace(/^username: /, "");
  if (text.startsWith("no such user")) text = `There is nobody called ${username}`;
  else if (!text.toLowerCase().startsWith(username.toLowerCase())) text = text[0].toUpperCase() + text.slice(1);
  return text.endsWith(".") ? text : `${text}.`;
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function memberItem(panel, person) {
  const item = element("li", "member");
  item.dataset.testid = "member";
  item.dataset.username = person.username;
  const role = person.role === "owner" ? " · owner" : "";
  item.append(element("span", "member-name", person.display_name), " ", element("span", "muted small", `@${person.username}${role}`));
  if (panel.dataset.manage === "true" && person.username !== me) {
    const form = element("form", "remove-member-form");
    form.method = "post";
    form.action = `${panel.dataset.action}${encodeURIComponent(person.username)}/remove`;
    const csrf = element("input");
    Object.assign(csrf, { type: "hidden", name: "csrf_token", value: csrfToken });
    const button = element("button", "link-button", "Remove");
    Object.assign(button, { type: "submit", title: `Remove ${person.username}` });
    button.dataset.testid = "remove-member";
    form.append(csrf, button);
    item.append(" ", form);
  }
  return item;
}

function memberList(panel) {
  return panel.querySelector('[data-testid="member-list"]');
}

function findMember(panel, username) {
  const key = username.toLowerCase();
  return [...memberList(panel).children].find((item) => item.dataset.username.toLowerCase() === key);
}

function recount(panel) {
  const count = String(memberList(panel).children.length);
  const box = panel.closest(".room-members")?.querySelector("[data-member-count]") ?? document.querySelector("h1 .count");
  if (box) box.textContent = count;
}

function addMember(panel, person) {
  if (findMember(panel, person.username)) return;
  memberList(panel).append(memberItem(panel, person));
  recount(panel);
}

function dropMember(panel, username) {
  findMember(panel, username)?.remove();
  recount(panel);
}

/** Suggestions under the add form's input: `suggest` (people not yet here) by prefix. */
function setupSuggestions(panel, input) {
  const box = element("ul", "mention-suggestions member-suggestions");
  box.setAttribute("role", "listbox");
  box.id = `member-suggestions-${panel.dataset.scope}`;
  box.hidden = true;
  input.after(box);
  input.setAttribute("aria-controls", box.id);
  input.setAttribute("aria-autocomplete", "list");
  let people = [];
  let active = 0;
  let asked = "";

  function close() {
    box.hidden = true;
    box.replaceChildren();
    people = [];
  }

  function highlight(index) {
    active = (index + people.length) % people.length;
    [...box.children].forEach((option, i) => option.setAttribute("aria-selected", String(i === active)));
  }

  function pick(index) {
    const person = people[index];
    if (!person) return;
    input.value = person.username;
    close();
    input.focus();
  }

  async function update() {
    const prefix = input.value.trim().replace(/^@/, "");
    asked = prefix;
    if (!prefix) return close();
    let page;
    try {
      page = await api("GET", `${panel.dataset.suggest}?q=${encodeURIComponent(prefix)}`);
    } catch {
      return close(); // suggestions are a help; typing the name still works
    }
    if (asked !== prefix) return; // typed on meanwhile
    people = page.items.filter((person) => !findMember(panel, person.username)).slice(0, SHOWN_MAX);
    if (!people.length) return close();
    box.replaceChildren(
      ...people.map((person, index) => {
        const option = element("li");
        option.setAttribute("role", "option");
        option.dataset.username = person.username;
        option.append(element("strong", "", `@${person.username}`), " ", element("span", "muted", person.display_name));
        option.addEventListener("mousedown", (event) => event.preventDefault());
        option.addEventListener("click", () => pick(index));
        return option;
      }),
    );
    box.hidden = false;
    highlight(0);
  }

  input.addEventListener("input", update);
  input.addEventListener("blur", close);
  input.addEventListener("keydown", (event) => {
    if (box.hidden) return;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") highlight(active + (event.key === "ArrowDown" ? 1 : -1));
    else if (event.key === "Enter" || event.key === "Tab") pick(active);
    else if (event.key === "Escape") close();
    else return;
    event.preventDefault();
  });
}

function setupPanel(panel) {
  const form = panel.querySelector('[data-testid="add-member-form"]');
  const problem = form?.querySelector("[data-member-error]");
  const say = (text) => {
    if (!problem) return toast(text);
    problem.textContent = text;
    problem.hidden = !text;
  };
  if (form) {
    const input = form.querySelector('input[name="username"]');
    setupSuggestions(panel, input);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const username = input.value.trim().replace(/^@/, "");
      if (!username) return;
      try {
        addMember(panel, await api("POST", panel.dataset.api, { username }));
        input.value = "";
        input.removeAttribute("aria-invalid");
        say("");
      } catch (error) {
        input.setAttribute("aria-invalid", "true");
        say(sentence(error.message, username));
      }
    });
  }
  panel.addEventListener("submit", async (event) => {
    const removal = event.target.closest(".remove-member-form");
    if (!removal) return;
    event.preventDefault();
    const username = removal.closest('[data-testid="member"]').dataset.username;
    try {
      await api("DELETE", `${panel.dataset.api}/${encodeURIComponent(username)}`);
      dropMember(panel, username);
      say("");
    } catch (error) {
      say(sentence(error.message, username));
    }
  });
}

function boardCard(board) {
  const card = element("li", "card board-card");
  card.dataset.boardId = String(board.id);
  const link = element("a");
  link.href = `/boards/${board.id}/`;
  link.append(element("strong", "", board.name));
  const rooms = element("a", "small", "Rooms");
  rooms.href = `/messaging/board/${board.id}/rooms/`;
  card.append(link, " ", rooms);
  return card;
}

function roomItem(list, room) {
  const asCard = list.classList.contains("cards");
  const item = element("li", asCard ? "card" : "");
  item.dataset.roomId = String(room.id);
  item.dataset.unread = "0";
  const link = element("a", "room-link");
  link.href = `/messaging/room/${room.id}/`;
  if (asCard) link.append(element("strong", "", `# ${room.name}`));
  else link.textContent = `# ${room.name}`;
  item.append(link);
  return item;
}

async function addedToBoard(boardId) {
  const list = document.querySelector("[data-board-list]");
  if (!list || list.querySelector(`[data-board-id="${boardId}"]`)) return;
  const board = await api("GET", `/api/v1/boards/${boardId}`);
  if (list.querySelector(`[data-board-id="${boardId}"]`)) return;
  list.append(boardCard(board));
  document.querySelector("[data-no-boards]")?.remove();
}

async function addedToRoom(roomId) {
  const lists = document.querySelectorAll("[data-room-list]");
  if (!lists.length) return;
  const room = await api("GET", `/api/v1/rooms/${roomId}`);
  for (const list of lists) {
    if (Number(list.dataset.board) !== room.board || list.querySelector(`[data-room-id="${roomId}"]`)) continue;
    list.querySelector(".empty")?.remove();
    list.append(roomItem(list, room));
    document.querySelector("[data-no-rooms]")?.remove();
  }
}

function onOwnStream(frame) {
  const data = frame.data;
  if (frame.event === "notification.created" && data.kind === "added_to_board") {
    addedToBoard(data.target.board).catch(() => {});
  } else if (frame.event === "notification.created" && data.kind === "added_to_room") {
    addedToRoom(data.target.room).catch(() => {});
  } else if (frame.event === "board.member_removed") {
    document.querySelector(`[data-board-list] [data-board-id="${data.board}"]`)?.remove();
    const here = document.querySelector(`[data-board="${data.board}"]`);
    if (here) toast("You are no longer on this board.");
  } else if (frame.event === "room.member_removed") {
    for (const item of document.querySelectorAll(`[data-room-list] [data-room-id="${data.room}"]`)) item.remove();
    const thread = document.querySelector('.thread[data-kind="room"]');
    if (thread && Number(thread.dataset.id) === data.room) {
      toast("You are no longer in this room.");
      thread.querySelector(".composer")?.setAttribute("inert", "");
    }
  }
}

function onBoardStream(frame) {
  const data = frame.data;
  for (const panel of panels) {
    if (`board:${panel.dataset.board}` !== frame.stream) continue;
    const scope = panel.dataset.scope;
    const mine = scope === "board" ? frame.event.startsWith("board.") : data.room === Number(panel.dataset.id);
    if (!mine || !frame.event.startsWith(`${scope}.member_`)) continue;
    if (frame.event.endsWith("_added")) addMember(panel, data);
    else dropMember(panel, data.username);
  }
}

/** The streams this page's member lists follow, each with the seq the page is up to. */
export function membershipStreams() {
  return new Map(panels.map((panel) => [`board:${panel.dataset.board}`, Number(panel.dataset.boardSeq)]));
}

/** Every frame of the page's socket: acts on membership events, ignores the rest. */
export function onMembershipFrame(frame) {
  if (frame.type !== "event") return;
  if (frame.stream.startsWith("user:")) onOwnStream(frame);
  else if (frame.stream.startsWith("board:")) onBoardStream(frame);
}

for (const panel of panels) setupPanel(panel);
