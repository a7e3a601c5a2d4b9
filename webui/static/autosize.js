// Text boxes that grow with their text (the composer, the edit box), up to their CSS
// max-height, past which they scroll.

/** Fit the box's height to its text now (after its value was set by code). */
export function fitHeight(box) {
  box.style.height = "auto";
  const border = box.offsetHeight - box.clientHeight;
  box.style.height = `${box.scrollHeight + border}px`;
}

/** Fit the box now and on every change of its text. */
export function autosize(box) {
  box.addEventListener("input", () => fitHeight(box));
  fitHeight(box);
}
