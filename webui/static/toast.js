// Short notices for refused actions: role="alert" so screen readers announce them, a button to
// dismiss, and they go away by themselves.

const TOAST_SHOWN_MS = 7000;
const TOASTS_MAX = 4;

let region = null;

function toastRegion() {
  if (!region) {
    region = document.createElement("div");
    region.className = "toasts";
    document.body.append(region);
  }
  return region;
}

export function toast(message) {
  const box = document.createElement("div");
  box.className = "toast";
  box.setAttribute("role", "alert");
  box.dataset.testid = "toast";
  const text = document.createElement("span");
  text.textContent = message;
  const close = document.createElement("button");
  close.type = "button";
  close.className = "toast-close";
  close.setAttribute("aria-label", "Dismiss");
  close.textContent = "×";
  close.addEventListener("click", () => box.remove());
  box.append(text, close);
  const toasts = toastRegion();
  toasts.append(box);
  while (toasts.children.length > TOASTS_MAX) toasts.firstElementChild.remove();
  setTimeout(() => box.remove(), TOAST_SHOWN_MS);
}
