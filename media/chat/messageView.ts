// One message of the conversation. A question: its text (plain, as typed), the chips it was sent
// with, an Edit button. An answer: markdown rendered as it streams, then under it what happened
// (stopped, failed, what was left out, how it ended), what it cost, and Retry or Regenerate.
// No SVG icons in messages: they hold only text and buttons, so a check that model output left
// no <svg> behind stays simple.
import type { ChatAction, ChatMessageView } from "../../src/shared/chatProtocol";
import { sentChips } from "./contextChips";
import { button, element } from "./dom";
import type { PostToHost } from "./hostApi";
import { MarkdownStream, normalizeLineEnds } from "./markdownStream";
import { usageLine } from "./usage";

export interface MessageCallbacks {
  readonly post: PostToHost;
  /** Loads a question's text into the question box to edit and send again. */
  readonly edit: (messageId: string) => void;
}

export class MessageView {
  readonly element: HTMLElement;
  private message: ChatMessageView;
  private readonly body: HTMLElement;
  private readonly footer = element("div", "message-footer");
  private readonly stream: MarkdownStream | undefined;
  private last = false;
  /** The footer says "Thinking…" until the first text arrives. */
  private waitingForText = false;

  constructor(
    message: ChatMessageView,
    private readonly callbacks: MessageCallbacks,
  ) {
    this.message = message;
    const isUser = message.role === "user";
    this.element = element("article", `message ${message.role}`);
    this.element.dataset.id = message.id;
    this.element.setAttribute("aria-label", isUser ? "Your question" : "Hearth's answer");
    const header = element("div", "message-header");
    header.append(element("span", "message-role", isUser ? "You" : "Hearth"));
    if (isUser) {
      header.append(
        button({
          label: "Edit",
          title: "Edit this question and ask again",
          text: "Edit",
          className: "secondary small edit-message",
          onClick: () => this.callbacks.edit(this.message.id),
        }),
      );
    }
    this.body = element("div", isUser ? "message-body user-text" : "message-body markdown");
    this.element.append(header, this.body, this.footer);
    if (!isUser) this.stream = new MarkdownStream(this.body);
    this.render(message);
  }

  get id(): string {
    return this.message.id;
  }

  get role(): ChatMessageView["role"] {
    return this.message.role;
  }

  get isStreaming(): boolean {
    return this.message.status === "streaming";
  }

  /** The text shown (for an answer still streaming: what has arrived so far). */
  get text(): string {
    return this.stream ? this.stream.text : this.message.text;
  }

  /** More text of this streaming answer; false if it is not one. */
  appendChunk(text: string): boolean {
    if (!this.stream || !this.isStreaming) return false;
    this.stream.append(text);
    if (this.waitingForText && this.stream.text) this.renderFooter();
    return true;
  }

  update(message: ChatMessageView): void {
    if (message.role !== this.message.role) return;
    this.message = message;
    this.render(message);
  }

  /** Only the last answer offers Regenerate (or Retry). */
  setLast(last: boolean): void {
    if (last === this.last) return;
    this.last = last;
    if (this.message.role === "assistant") this.renderFooter();
  }

  private render(message: ChatMessageView): void {
    this.element.dataset.status = message.status;
    this.element.setAttribute("aria-busy", String(message.status === "streaming"));
    if (this.stream) this.showAnswerText(this.stream, message);
    else {
      this.body.textContent = message.text;
      this.element.querySelector(".sent-chips")?.remove();
      if (message.context?.length) this.body.after(sentChips(message.context));
    }
    this.renderFooter();
  }

  /** Brings the rendered answer to the host's text: appends what is missing, or starts over. */
  private showAnswerText(stream: MarkdownStream, message: ChatMessageView): void {
    const text = normalizeLineEnds(message.text);
    const shown = stream.text;
    let rest = "";
    if (text !== shown) {
      if (text.startsWith(shown)) rest = text.slice(shown.length);
      else {
        stream.reset();
        rest = text;
      }
    }
    if (message.status === "streaming") stream.append(rest);
    else if (rest || !stream.isFinished) stream.finish(rest);
  }

  private renderFooter(): void {
    const message = this.message;
    const parts: HTMLElement[] = [];
    this.waitingForText = message.status === "streaming" && !this.text;
    if (message.role === "assistant") {
      if (this.waitingForText) parts.push(element("p", "thinking", "Thinking…"));
      if (message.status === "stopped") parts.push(element("p", "answer-stopped", "Stopped"));
      if (message.note) parts.push(remark("answer-note", message.note));
      if (message.leftOut) parts.push(remark("left-out", message.leftOut));
      if (message.status === "failed") parts.push(this.errorBox(message.error?.message, message.error?.actions ?? []));
      if (message.usage && message.status !== "streaming") parts.push(usageLine(message.usage));
      if (this.last && message.status !== "streaming" && message.status !== "failed") {
        const actions = element("div", "message-actions");
        actions.append(
          button({
            label: "Regenerate",
            title: "Ask again for this answer",
            text: "Regenerate",
            className: "secondary",
            onClick: () => this.callbacks.post({ type: "regenerate" }),
          }),
        );
        parts.push(actions);
      }
    }
    this.footer.replaceChildren(...parts);
    this.footer.hidden = parts.length === 0;
  }

  private errorBox(text: string | undefined, actions: readonly ChatAction[]): HTMLElement {
    // Not an alert: re-rendering the footer would say it again. The announcer says it once.
    const box = element("div", "answer-error");
    box.append(element("p", "", text ?? "The answer failed."));
    const row = element("div", "actions");
    for (const action of actions) {
      row.append(
        button({
          label: action.label,
          text: action.label,
          className: "secondary",
          onClick: () =>
            this.callbacks.post({
              type: "runCommand",
              command: action.command,
              ...(action.argument === undefined ? {} : { argument: action.argument }),
            }),
        }),
      );
    }
    // Retry asks again for the last answer, so only the last answer offers it.
    if (this.last) {
      row.append(button({ label: "Retry", text: "Retry", onClick: () => this.callbacks.post({ type: "regenerate" }) }));
    }
    box.append(row);
    return box;
  }
}

/** A remark under an answer (what was left out of the prompt, how the answer ended). */
function remark(className: string, text: string): HTMLElement {
  const node = element("p", className, text);
  node.setAttribute("role", "note");
  return node;
}
