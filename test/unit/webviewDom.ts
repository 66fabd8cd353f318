// A browser-like global environment (jsdom) for the chat webview's modules in plain Node.
import { JSDOM } from "jsdom";

let dom: JSDOM | undefined;
let saved: Map<string, PropertyDescriptor | undefined> | undefined;

const GLOBALS = ["window", "document", "Node", "Element", "HTMLElement", "DocumentFragment", "KeyboardEvent", "MouseEvent", "Event"];

/** Installs one jsdom window as the globals the webview code uses, with an empty body. */
export function installDom(): JSDOM {
  dom ??= new JSDOM("<!DOCTYPE html><html><body></body></html>", { pretendToBeVisual: true });
  if (!saved) {
    saved = new Map(GLOBALS.map((name) => [name, Object.getOwnPropertyDescriptor(globalThis, name)]));
    const window = dom.window as unknown as Record<string, unknown>;
    for (const name of GLOBALS) {
      Object.defineProperty(globalThis, name, { value: name === "window" ? dom.window : window[name], configurable: true, writable: true });
    }
  }
  dom.window.document.body.replaceChildren();
  return dom;
}

/** Puts the globals back as they were, so other test files see plain Node. */
export function uninstallDom(): void {
  if (!saved) return;
  for (const [name, descriptor] of saved) {
    if (descriptor) Object.defineProperty(globalThis, name, descriptor);
    else Reflect.deleteProperty(globalThis, name);
  }
  saved = undefined;
}
