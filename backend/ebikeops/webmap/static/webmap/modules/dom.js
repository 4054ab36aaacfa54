/* Building DOM nodes. Every string passed here reaches the page as text (textContent or an
 * attribute value), never as HTML: user data (operation names, notes, titles) cannot become
 * markup. There is deliberately no helper that takes HTML. */

/** `el("p", {class: "hint", text: "..."}, [children])`; `style` takes an object applied through
 * the CSSOM (allowed by the page's CSP, unlike a style attribute). */
export function el(tag, attrs = {}, children = []) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "text") node.textContent = String(value);
    else if (key === "class") node.className = value;
    else if (key === "style") Object.assign(node.style, value);
    else if (key.startsWith("on") && typeof value === "function") node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children) if (child !== null && child !== undefined && child !== false) node.append(child);
  return node;
}

export function svg(tag, attrs = {}) {
  const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "text") node.textContent = String(value);
    else node.setAttribute(key, String(value));
  }
  return node;
}

/** A Leaflet tooltip or popup body: a DOM element, so Leaflet never parses the text as HTML. */
export function textNode(text, className = "") {
  return el("span", { class: className, text });
}
