// Nothing in the page may navigate the webview: every link click is cancelled, and web links
// are handed to the host, which opens them outside VS Code's webview.
import type { WebviewToHost } from "../../src/shared/chatProtocol";
import { isElement } from "./dom";

function webLink(href: string | null): string | undefined {
  if (!href) return undefined;
  try {
    const url = new URL(href);
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : undefined;
  } catch {
    return undefined;
  }
}

export function interceptNavigation(root: Document, post: (message: WebviewToHost) => void): void {
  const onActivate = (event: MouseEvent): void => {
    const anchor = isElement(event.target) ? event.target.closest("a") : null;
    if (!anchor) return;
    event.preventDefault();
    const href = webLink(anchor.getAttribute("href"));
    if (href && event.type === "click") post({ type: "openLink", href });
  };
  root.addEventListener("click", onActivate, true);
  root.addEventListener("auxclick", onActivate, true);
  root.addEventListener("submit", (event) => event.preventDefault(), true);
  // A link dropped onto the page would navigate it; text dropped into the question box is fine.
  const outsideTextBox = (event: DragEvent): void => {
    if (!(isElement(event.target) && event.target.tagName === "TEXTAREA")) event.preventDefault();
  };
  root.addEventListener("dragover", outsideTextBox);
  root.addEventListener("drop", outsideTextBox);
}
