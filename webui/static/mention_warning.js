// The warning under the composer when a post @mentioned people who cannot see it and so were
// not notified (Slack's behaviour): "carol is not in #launch and was not notified." with an
// "Add to room" button for people on the board, or "… is not on this board …". The hub says
// who (`not_notified` on the ack or the HTTP answer, by its own mention parser).

import { api } from "./api.js";
import { pageThread } from "./thread.js";

const thread = pageThread();
const composerForm = thread?.list.closest(".thread")?.querySelector("form.composer");

function placeName() {
  const panel = document.querySelector('[data-members][data-scope="room"]');
  return panel?.dataset.roomName ?? document.querySelector("h1")?.textContent.replace(/^#\s*/, "") ?? "";
}

function warningBox() {
  let box = document.querySelector('[data-testid="mention-warning"]');
  if (!box) {
    box = document.createElement("div");
    box.className = "mention-warning";
    box.dataset.testid = "mention-warning";
    box.setAttribute("role", "status");
    const dismiss = document.createElement("button");
    dismiss.type = "button";
    dismiss.className = "link-button mention-warning-dismiss";
    dismiss.textContent = "Dismiss";
    dismiss.setAttribute("aria-label", "Dismiss this warning");
    dismiss.addEventListener("click", () => box.remove());
    box.append(dismiss);
    composerForm.after(box);
  }
  return box;
}

function row(box, person) {
  const line = document.createElement("p");
  line.dataset.username = person.username;
  const text = document.createElement("span");
  const inRoom = thread.kind === "room" && person.on_board;
  text.textContent = inRoom
    ? `${person.username} is not in #${placeName()} and was not notified.`
    : `${person.username} is not on this board and was not notified.`;
  line.append(text);
  if (inRoom) {
    const add = document.createElement("button");
    add.type = "button";
    add.className = "mention-warning-add";
    add.textContent = "Add to room";
    add.addEventListener("click", async () => {
      add.disabled = true;
      try {
        await api("POST", `/api/v1/rooms/${thread.id}/members`, { username: person.username });
        line.remove();
        if (!box.querySelector("p[data-username]")) box.remove();
      } catch (error) {
        text.textContent = error.message;
        add.remove();
      }
    });
    line.append(" ", add);
  }
  return line;
}

/** Show who a post of the viewer's named but did not notify (nothing when nobody). */
export function warnNotNotified(people) {
  if (!thread || !composerForm || !people?.length) return;
  const box = warningBox();
  for (const old of box.querySelectorAll("p[data-username]")) old.remove();
  box.prepend(...people.map((person) => row(box, person)));
}
