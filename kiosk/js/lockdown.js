// @ts-check
// Kiosk hygiene: no zooming, no text selection, no context menu, no dragging.
// Pinch and double-tap zoom are off through CSS touch-action (not the viewport meta tag,
// which accessibility checkers rightly flag); ctrl+wheel and ctrl +/- are refused here.

export function lockDown() {
  /** @param {Event} event */
  const stop = (event) => event.preventDefault();
  document.addEventListener("contextmenu", stop);
  document.addEventListener("dragstart", stop);
  document.addEventListener("selectstart", (event) => {
    const target = /** @type {Partial<Element> | null} */ (event.target);
    if (!target || !target.closest || !target.closest("input")) event.preventDefault();
  });
  document.addEventListener("gesturestart", stop);
  window.addEventListener("wheel", (event) => { if (event.ctrlKey) event.preventDefault(); },
                          { passive: false });
  document.addEventListener("keydown", (event) => {
    if ((event.ctrlKey || event.metaKey) && ["+", "-", "=", "0"].includes(event.key)) {
      event.preventDefault();
    }
  });
}
