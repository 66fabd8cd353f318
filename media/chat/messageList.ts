// The conversation's messages, in a scrolling region. Keeps the view at the bottom while an
// answer streams, but only if the user was already there (scrolling up to read stops it).
import type { ChatMessageView } from "../../src/shared/chatProtocol";
import { summarize, type Announce } from "./announcer";
import { element, findLast, isScrolledToBottom } from "./dom";
import { type MessageCallbacks, MessageView } from "./messageView";

export interface MessageListCallbacks extends MessageCallbacks {
  readonly onStreamingChange: (streaming: boolean) => void;
  readonly announce: Announce;
}

export class MessageList {
  /** The scrolling region. */
  readonly element = element("main", "messages");
  private readonly list = element("div", "message-list");
  private readonly emptyHint = emptyConversationHint();
  private views: MessageView[] = [];
  private readonly byId = new Map<string, MessageView>();
  private lastAnswer: MessageView | undefined;
  private pinnedToBottom = true;
  private streaming = false;

  constructor(private readonly callbacks: MessageListCallbacks) {
    this.element.id = "messages";
    this.element.setAttribute("aria-label", "Conversation");
    this.element.tabIndex = -1;
    this.element.append(this.emptyHint, this.list);
    this.element.addEventListener("scroll", () => (this.pinnedToBottom = isScrolledToBottom(this.element)), { passive: true });
  }

  get isStreaming(): boolean {
    return this.streaming;
  }

  get isEmpty(): boolean {
    return this.views.length === 0;
  }

  /** Replaces every message (another conversation, or the view shown again). */
  show(messages: readonly ChatMessageView[]): void {
    this.views = messages.map((message) => this.createView(message));
    this.byId.clear();
    for (const view of this.views) this.byId.set(view.id, view);
    this.list.replaceChildren(...this.views.map((view) => view.element));
    this.lastAnswer = undefined;
    this.afterChange();
    this.scrollToBottom();
  }

  add(message: ChatMessageView): void {
    if (this.byId.has(message.id)) {
      this.update(message);
      return;
    }
    const view = this.createView(message);
    this.views.push(view);
    this.byId.set(view.id, view);
    this.list.append(view.element);
    this.afterChange();
    // A question the user just asked, or the answer to it: show it.
    this.scrollToBottom();
    if (message.role !== "assistant") return;
    if (message.status === "streaming") this.callbacks.announce("Hearth is answering.");
    else this.announceEnd(message, view.text);
  }

  appendChunk(messageId: string, text: string): void {
    const stick = this.pinnedToBottom;
    if (this.byId.get(messageId)?.appendChunk(text) && stick) this.scrollToBottom();
  }

  update(message: ChatMessageView): void {
    const view = this.byId.get(message.id);
    if (!view) return;
    const stick = this.pinnedToBottom;
    const wasStreaming = view.isStreaming;
    view.update(message);
    this.afterChange();
    if (stick) this.scrollToBottom();
    if (wasStreaming && !view.isStreaming) this.announceEnd(message, view.text);
  }

  message(messageId: string): MessageView | undefined {
    return this.byId.get(messageId);
  }

  lastQuestion(): MessageView | undefined {
    return findLast(this.views, (view) => view.role === "user");
  }

  private createView(message: ChatMessageView): MessageView {
    return new MessageView(message, this.callbacks);
  }

  private afterChange(): void {
    this.emptyHint.hidden = this.views.length > 0;
    const lastAnswer = findLast(this.views, (view) => view.role === "assistant");
    if (lastAnswer !== this.lastAnswer) {
      this.lastAnswer?.setLast(false);
      lastAnswer?.setLast(true);
      this.lastAnswer = lastAnswer;
    }
    const streaming = this.views.some((view) => view.isStreaming);
    if (streaming !== this.streaming) {
      this.streaming = streaming;
      this.callbacks.onStreamingChange(streaming);
    }
  }

  private scrollToBottom(): void {
    this.element.scrollTop = this.element.scrollHeight;
    this.pinnedToBottom = true;
  }

  private announceEnd(message: ChatMessageView, text: string): void {
    // How the answer ended (cut at the token limit…) is said too: it is not in the text.
    const note = message.note ? ` ${message.note}` : "";
    if (message.status === "complete") this.callbacks.announce(`Hearth answered: ${summarize(text)}${note}`);
    else if (message.status === "stopped") this.callbacks.announce(`Answer stopped.${note}`);
    else if (message.status === "failed") this.callbacks.announce(`The answer failed. ${message.error?.message ?? ""}`);
  }
}

function emptyConversationHint(): HTMLElement {
  const hint = element("section", "empty-hint");
  hint.setAttribute("aria-label", "How to start");
  const examples = element("ul", "examples");
  for (const example of ["Explain the selected code", "Why does this test fail?", "Write a unit test for this function"]) {
    examples.append(element("li", "", example));
  }
  hint.append(
    element("p", "empty-title", "Ask Hearth about your code."),
    examples,
    element("p", "", "The code selected in the editor goes with your question. Type #file to add a file."),
    element("p", "keys", "Enter sends · Shift+Enter starts a new line · ↑ edits your last question · Escape stops an answer"),
  );
  return hint;
}
