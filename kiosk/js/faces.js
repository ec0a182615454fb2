// @ts-check
// Face drawings for the five-point scale (inline SVG, so no emoji font is needed).

const NS = "http://www.w3.org/2000/svg";
/** @type {Record<number, number>} */
const MOUTH = { 1: 62, 2: 68, 3: 72, 4: 78, 5: 86 };  // control point: lower = sadder

/**
 * @param {string} tag
 * @param {Record<string, string | number>} attrs
 * @returns {SVGElement}
 */
function svg(tag, attrs) {
  const node = document.createElementNS(NS, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  return node;
}

/**
 * An SVG face for ``value`` 1–5; decorative (the button carries the words).
 * @param {number} value
 * @returns {SVGElement}
 */
export function face(value) {
  const root = svg("svg", { viewBox: "0 0 100 100", class: `face-svg face-v${value}`, "aria-hidden": "true",
                            focusable: "false" });
  root.append(svg("circle", { cx: 50, cy: 50, r: 46, class: "face-bg" }));
  root.append(svg("circle", { cx: 35, cy: 40, r: 6, class: "face-ink" }));
  root.append(svg("circle", { cx: 65, cy: 40, r: 6, class: "face-ink" }));
  const y = value <= 2 ? 74 : 70;
  root.append(svg("path", { d: `M28 ${y} Q50 ${MOUTH[value]} 72 ${y}`,
                            class: "face-mouth" }));
  if (value === 1) {
    root.append(svg("path", { d: "M24 28 L42 33 M76 28 L58 33", class: "face-mouth" }));
  }
  return root;
}
