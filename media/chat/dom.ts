// Small DOM helpers: every element of the view is built here with DOM APIs and textContent,
// never from HTML strings (the one exception is sanitized markdown, see sanitize.ts).

export function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className = "",
  text?: string,
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

export interface ButtonOptions {
  /** What a screen reader says; also the hover unless `title` is given. */
  readonly label: string;
  /** Visible text; absent for icon-only buttons. */
  readonly text?: string;
  readonly icon?: SVGElement;
  readonly title?: string;
  readonly className?: string;
  readonly onClick?: (event: MouseEvent) => void;
}

export function button({ label, text, icon, title, className, onClick }: ButtonOptions): HTMLButtonElement {
  const node = element("button", className ?? "");
  node.type = "button";
  node.setAttribute("aria-label", label);
  node.title = title ?? label;
  if (icon) node.append(icon);
  if (text !== undefined) node.append(element("span", "button-text", text));
  if (onClick) node.addEventListener("click", onClick);
  return node;
}

export function isElement(value: unknown): value is Element {
  return typeof value === "object" && value !== null && (value as Node).nodeType === 1;
}

/** Whether the scrollable element is scrolled (almost) to its end. */
export function isScrolledToBottom(scroller: HTMLElement, slack = 24): boolean {
  return scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight <= slack;
}

/** The last item that passes the test (Array.prototype.findLast is ES2023). */
export function findLast<T>(items: readonly T[], test: (item: T) => boolean): T | undefined {
  for (let index = items.length - 1; index >= 0; index--) if (test(items[index])) return items[index];
  return undefined;
}
