// Display names for the usernames that typing and presence frames carry (DESIGN §6 frames name
// people by username; pages show display names, as messages do). Learnt from the posts on the
// page and from the place's members (the first page at once, then one `q=` lookup per name
// not known yet); until then, and if a lookup fails, the username is shown.

import { api } from "./api.js";

export function setupPeople(thread, onLearn) {
  const names = new Map(); // username → display name
  const asked = new Set();

  function learnPeople(people) {
    let changed = false;
    for (const person of people) {
      if (person.display_name && names.get(person.username) !== person.display_name) {
        names.set(person.username, person.display_name);
        changed = true;
      }
    }
    if (changed) onLearn();
  }

  function learnPost(item) {
    const author = item.querySelector('[data-testid="message-author"]');
    if (item.dataset.author && author) {
      learnPeople([{ username: item.dataset.author, display_name: author.textContent }]);
    }
  }

  async function ask(path) {
    try {
      learnPeople((await api("GET", path)).items);
    } catch {
      // Usernames stay shown: a name is a nicety, not worth a notice.
    }
  }

  thread.itemHooks.push(learnPost);
  ask(thread.membersPath);

  return {
    /** The display name of `username`, else the username (and it is looked up). */
    name(username) {
      const known = names.get(username);
      if (known) return known;
      if (!asked.has(username)) {
        asked.add(username);
        ask(`${thread.membersPath}?q=${encodeURIComponent(username)}`);
      }
      return username;
    },
  };
}
