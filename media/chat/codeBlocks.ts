// Code blocks in answers: a header with the language and the actions (Copy, Insert at cursor,
// Apply to selection, New file). The buttons carry no code; a click reads the block's text, so
// what is sent is exactly the code shown, never HTML.
import type { CodeAction, WebviewToHost } from "../../src/shared/chatProtocol";
import { element, isElement } from "./dom";

interface ActionButton {
  readonly action: CodeAction;
  readonly label: string;
  readonly text: string;
}

export const CODE_ACTION_BUTTONS: readonly ActionButton[] = [
  { action: "copy", label: "Copy", text: "Copy" },
  { action: "insert", label: "Insert at cursor", text: "Insert" },
  { action: "apply", label: "Apply to selection", text: "Apply" },
  { action: "newFile", label: "New file", text: "New file" },
];

const COPIED_FOR_MS = 1500;

/**
 * Wraps every `<pre><code>` in the fragment in a code block with a header. `withActions`: the block
 * is finished; a block still streaming gets the header without buttons (so nothing jumps later).
 */
export function decorateCodeBlocks(root: DocumentFragment | Element, withActions: boolean): void {
  for (const pre of Array.from(root.querySelectorAll("pre"))) {
    const code = pre.firstElementChild;
    if (!code || code.tagName !== "CODE" || pre.parentElement?.classList.contains("code-block")) continue;
    const language = /(?:^|\s)language-([\w+#.-]+)/.exec(code.className)?.[1];
    const block = element("div", "code-block");
    if (language) block.dataset.language = language;
    const header = element("div", "code-header");
    header.append(element("span", "code-language", language ?? "text"));
    if (withActions) header.append(actionBar());
    pre.replaceWith(block);
    block.append(header, pre);
  }
}

function actionBar(): HTMLElement {
  const bar = element("div", "code-actions");
  bar.setAttribute("role", "toolbar");
  bar.setAttribute("aria-label", "Code actions");
  for (const { action, label, text } of CODE_ACTION_BUTTONS) {
    const node = element("button", "code-action", text);
    node.type = "button";
    node.dataset.codeAction = action;
    node.setAttribute("aria-label", label);
    node.title = label;
    bar.append(node);
  }
  return bar;
}

/** The code of the block a button belongs to, as text (without the newline the fence ends with). */
export function codeOfBlock(block: Element): string {
  return block.querySelector("pre > code")?.textContent ?? "";
}

/**
 * One listener for every code block under `container` (blocks come and go while answers stream).
 * `onCopied` lets the view announce the copy to screen readers.
 */
export function handleCodeActions(
  container: HTMLElement,
  post: (message: WebviewToHost) => void,
  onCopied: () => void = () => undefined,
): void {
  container.addEventListener("click", (event) => {
    const target = event.target;
    const node = isElement(target) ? target.closest<HTMLButtonElement>("button[data-code-action]") : null;
    const block = node?.closest(".code-block");
    if (!node || !block) return;
    const action = CODE_ACTION_BUTTONS.find((candidate) => candidate.action === node.dataset.codeAction)?.action;
    if (!action) return;
    const language = (block as HTMLElement).dataset.language;
    post({ type: "codeAction", action, code: codeOfBlock(block), ...(language ? { language } : {}) });
    if (action === "copy") showCopied(node, onCopied);
  });
}

function showCopied(node: HTMLButtonElement, onCopied: () => void): void {
  const text = node.textContent;
  node.textContent = "Copied";
  node.classList.add("copied");
  onCopied();
  setTimeout(() => {
    node.textContent = text;
    node.classList.remove("copied");
  }, COPIED_FOR_MS);
}
