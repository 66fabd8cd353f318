// The chat view's webview script. It renders what the host sends and asks the host to run
// commands; it builds the page with DOM APIs and textContent only, never with HTML strings.
import type { ChatAction, ChatStatus, HostToWebview, WebviewToHost } from "../../src/shared/chatProtocol";
import "./chat.css";

interface VsCodeApi {
  postMessage(message: WebviewToHost): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const root = document.getElementById("status") as HTMLElement;

window.addEventListener("message", (event: MessageEvent<HostToWebview>) => {
  if (event.data?.type === "status") render(event.data.status);
});
vscode.postMessage({ type: "ready" });

function render(status: ChatStatus): void {
  const children: HTMLElement[] = [];
  children.push(element("h2", "backend", status.backend));
  children.push(element("p", "model", status.model ? `Model: ${status.model}` : "No model selected"));

  if (status.details.length) {
    const list = element("dl", "details");
    for (const { label, value } of status.details) {
      list.append(element("dt", "", label), element("dd", "", value));
    }
    children.push(list);
  }
  if (status.notice) children.push(element("p", "notice", status.notice));

  if (status.problem) {
    const problem = element("section", "problem");
    problem.setAttribute("role", "alert");
    problem.append(element("p", "", status.problem.message));
    const actions = element("div", "actions");
    for (const action of status.problem.actions) actions.append(button(action));
    problem.append(actions);
    children.push(problem);
  } else {
    children.push(element("p", "ready", "Ready. Conversations with the model arrive in the next version of Hearth."));
  }
  root.replaceChildren(...children);
}

function button(action: ChatAction): HTMLButtonElement {
  const node = element("button", "", action.label);
  node.addEventListener("click", () =>
    vscode.postMessage({ type: "runCommand", command: action.command, argument: action.argument }),
  );
  return node;
}

function element<K extends keyof HTMLElementTagNameMap>(tag: K, className: string, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}
