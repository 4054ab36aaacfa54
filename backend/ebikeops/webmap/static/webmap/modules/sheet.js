/* On a phone the panel is a bottom sheet over the map: a peek (the handle and the first
 * deployment) or open (most of the screen). The handle is a 44-pixel touch target. */
const panel = document.getElementById("panel");
const handle = document.getElementById("sheet-handle");
const text = document.getElementById("sheet-label");

function set(open) {
  panel.dataset.sheet = open ? "open" : "peek";
  handle.setAttribute("aria-expanded", String(open));
  text.textContent = open ? "Show the map" : "Show the list";
}

export function wireSheet() {
  handle.addEventListener("click", () => set(panel.dataset.sheet !== "open"));
  // Choosing "Show on map" in the list brings the map back on a phone.
  panel.addEventListener("click", (event) => {
    if (event.target.closest(".zoom-link")) set(false);
  });
}
