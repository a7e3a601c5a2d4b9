// @mention autocomplete for the composer: `@al` offers the people who can see the place (room
// members, or the board's members for a task) and @room in rooms. Up/Down move, Enter/Tab pick,
// Esc closes, a click picks; picking puts `@alice ` in place of `@al`.

import { api } from "./api.js";
import { toast } from "./toast.js";

const SHOWN_MAX = 8;
// An `@name` being typed right before the caret, not inside a word or an e-mail address.
const TYPED_MENTION = /(?:^|[^A-Za-z0-9_.@-])@([A-Za-z0-9_.-]{0,32})$/;
const EVERYONE = { username: "room", display_name: "Everyone in this room" };

/**
 * Who may be mentioned. The first page of members is fetched once; when the place has more
 * members than one page holds, each prefix is asked of the API (`q=`) instead, and remembered.
 */
function memberSource(thread) {
  let everyone = null; // all members, when they fit in one page
  const byPrefix = new Map();

  async function load(path) {
    const page = await api("GET", path);
    return { items: page.items, complete: page.next === null };
  }

  return async function members(prefix) {
    if (everyone === null) {
      const first = await load(thread.membersPath);
      everyone = first.complete ? first.items : false;
    }
    if (everyone) return everyone;
    const key = prefix.toLowerCase();
    if (!byPrefix.has(key)) {
      byPrefix.set(key, (await load(`${thread.membersPath}?q=${encodeURIComponent(key)}`)).items);
    }
    return byPrefix.get(key);
  };
}

function matches(person, prefix) {
  const key = prefix.toLowerCase();
  return person.username.toLowerCase().startsWith(key) || person.display_name.toLowerCase().startsWith(key);
}

export function setupMentions(thread, composer) {
  const members = memberSource(thread);
  const box = document.createElement("ul");
  box.id = "mention-suggestions";
  box.className = "mention-suggestions";
  box.dataset.testid = "mention-suggestions";
  box.setAttribute("role", "listbox");
  box.setAttribute("aria-label", "People to mention");
  box.hidden = true;
  composer.after(box);
  composer.setAttribute("aria-autocomplete", "list");
  composer.setAttribute("aria-controls", box.id);
  composer.setAttribute("aria-expanded", "false");

  let options = []; // people shown
  let active = 0;
  let typed = null; // { start, prefix } of the `@name` before the caret
  let dismissed = null; // the typed text Esc closed the list for
  let warned = false; // an unavailable list is said once, not at every key

  function close() {
    box.hidden = true;
    box.replaceChildren();
    options = [];
    composer.setAttribute("aria-expanded", "false");
    composer.removeAttribute("aria-activedescendant");
  }

  function highlight(index) {
    active = (index + options.length) % options.length;
    box.querySelectorAll('[role="option"]').forEach((option, i) => {
      option.setAttribute("aria-selected", String(i === active));
      if (i === active) {
        composer.setAttribute("aria-activedescendant", option.id);
        option.scrollIntoView({ block: "nearest" });
      }
    });
  }

  function render(people) {
    options = people;
    if (!people.length) return close();
    box.replaceChildren(
      ...people.map((person, index) => {
        const option = document.createElement("li");
        option.id = `mention-option-${index}`;
        option.setAttribute("role", "option");
        option.dataset.username = person.username;
        const name = document.createElement("strong");
        name.textContent = `@${person.username}`;
        const display = document.createElement("span");
        display.className = "muted";
        display.textContent = person.display_name;
        option.append(name, " ", display);
        option.addEventListener("mousedown", (event) => event.preventDefault()); // keep focus
        option.addEventListener("click", () => pick(index));
        return option;
      }),
    );
    box.hidden = false;
    composer.setAttribute("aria-expanded", "true");
    highlight(0);
  }

  function pick(index) {
    const person = options[index];
    if (!person || !typed) return;
    const caret = composer.selectionStart;
    const inserted = `@${person.username} `;
    composer.value = composer.value.slice(0, typed.start) + inserted + composer.value.slice(caret);
    const at = typed.start + inserted.length;
    composer.setSelectionRange(at, at);
    close();
    composer.focus();
  }

  async function update() {
    const before = composer.value.slice(0, composer.selectionStart);
    const match = composer.selectionStart === composer.selectionEnd && TYPED_MENTION.exec(before);
    if (!match || before === dismissed) {
      typed = null;
      return close();
    }
    const prefix = match[1];
    typed = { start: before.length - prefix.length - 1, prefix };
    let people;
    try {
      people = await members(prefix);
    } catch (error) {
      if (!warned) toast(`Mention suggestions are unavailable: ${error.message}`);
      warned = true;
      return close();
    }
    if (typed?.prefix !== prefix) return; // the user typed on meanwhile
    const candidates = thread.kind === "room" ? [...people, EVERYONE] : people;
    const shown = candidates.filter((person) => person.username !== thread.me && matches(person, prefix));
    render(shown.slice(0, SHOWN_MAX));
  }

  composer.addEventListener("input", update);
  composer.addEventListener("click", update);
  composer.addEventListener("keyup", (event) => {
    if (["ArrowLeft", "ArrowRight", "Home", "End"].includes(event.key)) update();
  });
  composer.addEventListener("blur", close);

  return {
    /** Keys the open list takes (true: handled, the composer must not act on it). */
    handleKey(event) {
      if (box.hidden || event.isComposing) return false;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        highlight(active + (event.key === "ArrowDown" ? 1 : -1));
      } else if (event.key === "Enter" || event.key === "Tab") {
        pick(active);
      } else if (event.key === "Escape") {
        dismissed = composer.value.slice(0, composer.selectionStart);
        close();
      } else {
        return false;
      }
      event.preventDefault();
      return true;
    },
  };
}
