// Edit and delete of one's own posts in the page: Edit opens the text in place (Enter saves,
// Shift+Enter is a newline, Esc cancels), Delete asks first. Other pages learn of the change
// from the hub's message.updated / message.deleted events.

import { api } from "./api.js";
import { autosize } from "./autosize.js";
import { errorText } from "./error_text.js";
import { findPost, updatePost } from "./posts.js";
import { toast } from "./toast.js";

function button(action, label) {
  const element = document.createElement("button");
  element.type = "button";
  element.className = "link-button";
  element.dataset.action = action;
  element.dataset.testid = `${action}-post`;
  element.textContent = label;
  return element;
}

/** Item hook: own, undeleted posts get Edit and Delete; others (and deleted ones) none. */
function actionsFor(thread) {
  return (item) => {
    const own = item.dataset.author === thread.me && !item.classList.contains("deleted");
    const actions = item.querySelector(".post-actions");
    if (own && !actions) {
      const box = document.createElement("span");
      box.className = "post-actions";
      box.append(button("edit", "Edit"), button("delete", "Delete"));
      item.querySelector(".meta").append(box);
    } else if (!own) {
      actions?.remove();
      const editor = item.querySelector(".post-editor");
      if (editor) {
        editor.remove();
        item.querySelector('[data-testid="message-body"]').hidden = false;
      }
    }
  };
}

async function change(thread, item, method, body) {
  try {
    const post = await api(method, thread.postPath(item.dataset.id), body);
    const shown = findPost(thread, post.id);
    if (shown) updatePost(shown, post, thread);
    return true;
  } catch (error) {
    toast(`Not ${method === "DELETE" ? "deleted" : "saved"}. ${errorText(error, thread.noun)}`);
    return false;
  }
}

function openEditor(thread, item) {
  if (item.querySelector(".post-editor")) return;
  const body = item.querySelector('[data-testid="message-body"]');
  const editor = document.createElement("div");
  editor.className = "post-editor";
  const box = document.createElement("textarea");
  box.dataset.testid = "edit-box";
  box.rows = 2;
  box.value = item.dataset.body ?? "";
  box.setAttribute("aria-label", `Edit your ${thread.noun}`);
  const hint = document.createElement("span");
  hint.className = "muted small";
  hint.textContent = "Enter to save · Esc to cancel";
  editor.append(box, hint);
  body.hidden = true;
  body.after(editor);
  autosize(box);
  box.focus();

  function closeEditor() {
    editor.remove();
    body.hidden = false;
  }

  box.addEventListener("keydown", async (event) => {
    if (event.key === "Escape") {
      event.preventDefault();
      closeEditor();
    } else if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      if (box.value === item.dataset.body) return closeEditor();
      if (await change(thread, item, "PATCH", { body: box.value })) closeEditor();
    }
  });
}

export function setupEditing(thread) {
  thread.itemHooks.push(actionsFor(thread));
  thread.list.addEventListener("click", async (event) => {
    const action = event.target.closest("[data-action]");
    const item = action?.closest('[data-testid="message"]');
    if (!item) return;
    if (action.dataset.action === "edit") openEditor(thread, item);
    else if (action.dataset.action === "delete" && window.confirm(`Delete this ${thread.noun}?`)) {
      await change(thread, item, "DELETE");
    }
  });
}
