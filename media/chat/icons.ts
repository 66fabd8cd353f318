// Icons drawn as small inline SVGs (built with DOM APIs: the CSP allows no icon font or image).
// They take the text colour, so they follow the VS Code theme.

const SVG = "http://www.w3.org/2000/svg";

/** Each icon: SVG path data on a 16×16 grid, stroked with the current colour. */
const ICON_PATHS = {
  plus: ["M8 3v10", "M3 8h10"],
  history: ["M8 2.5a5.5 5.5 0 1 1-5.2 3.7", "M2.5 2.8v3.4h3.4", "M8 5v3.2l2.2 1.4"],
  export: ["M8 2v8", "M5 7l3 3 3-3", "M3 11v2.5h10V11"],
  import: ["M8 10V2", "M5 5l3-3 3 3", "M3 11v2.5h10V11"],
  send: ["M2.5 8h10", "M8.5 4l4 4-4 4"],
  stop: ["M4.5 4.5h7v7h-7z"],
  close: ["M4 4l8 8", "M12 4l-8 8"],
  back: ["M13 8H3.5", "M7 4L3 8l4 4"],
  trash: ["M3 4.5h10", "M6.5 4.5V3h3v1.5", "M4.5 4.5l.7 9h5.6l.7-9"],
  rename: ["M2.5 12.5h11", "M9.5 3l2 2-5.5 5.5H4v-2z"],
  file: ["M4 2h5l3 3v9H4z", "M9 2v3h3"],
  selection: ["M3 4h10", "M3 8h7", "M3 12h9"],
  chevron: ["M4 6l4 4 4-4"],
} as const;

export type IconName = keyof typeof ICON_PATHS;

export function icon(name: IconName): SVGElement {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 16 16");
  svg.setAttribute("width", "16");
  svg.setAttribute("height", "16");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  svg.setAttribute("class", `icon icon-${name}`);
  for (const data of ICON_PATHS[name]) {
    const path = document.createElementNS(SVG, "path");
    path.setAttribute("d", data);
    svg.append(path);
  }
  return svg;
}
