// The chat view: lays out its parts and routes the host's messages to them. Messages are checked
// first (hostMessages.ts); updates for a conversation other than the one shown are ignored.
import type { HostToWebview } from "../../src/shared/chatProtocol";
import { createAnnouncer } from "./announcer";
import { handleCodeActions } from "./codeBlocks";
import { Composer } from "./composer";
import { ContextChipsBar } from "./contextChips";
import { element } from "./dom";
import { HistoryPanel } from "./history";
import type { DraftStore, PostToHost } from "./hostApi";
import { parseHostMessage } from "./hostMessages";
import { interceptNavigation } from "./links";
import { MessageList } from "./messageList";
import { StatusPanel } from "./statusPanel";
import { ConversationToolbar } from "./toolbar";

export interface ChatAppOptions {
  readonly post: PostToHost;
  readonly drafts: DraftStore;
}

export class ChatApp {
  private readonly toolbar: ConversationToolbar;
  private readonly status: StatusPanel;
  private readonly messages: MessageList;
  private readonly history: HistoryPanel;
  private readonly chips: ContextChipsBar;
  private readonly composer: Composer;
  private conversationId: string | undefined;
  /** History was asked for and its list has not arrived yet. */
  private historyRequested = false;

  constructor(root: HTMLElement, { post, drafts }: ChatAppOptions) {
    const announcer = createAnnouncer();
    this.toolbar = new ConversationToolbar(post, () => this.toggleHistory(post));
    this.status = new StatusPanel(post);
    this.history = new HistoryPanel(post);
    this.chips = new ContextChipsBar(post);
    this.messages = new MessageList({
      post,
      announce: announcer.announce,
      edit: (messageId) => this.editQuestion(messageId),
      onStreamingChange: (streaming) => this.composer.setStreaming(streaming),
    });
    this.composer = new Composer({
      post,
      drafts,
      chips: this.chips,
      lastQuestion: () => {
        const last = this.messages.lastQuestion();
        return last && { id: last.id, text: last.text };
      },
    });

    const header = element("header", "chat-header");
    header.append(this.toolbar.element, this.status.element, this.status.engine);
    const content = element("div", "content");
    content.append(this.messages.element, this.history.element);
    root.classList.add("app");
    root.replaceChildren(header, content, this.composer.element, announcer.element);

    handleCodeActions(this.messages.element, post, () => announcer.announce("Copied"));
    interceptNavigation(root.ownerDocument, post);
    root.ownerDocument.addEventListener("keydown", (event) => {
      if (event.key !== "Escape" || event.defaultPrevented) return;
      if (this.history.isOpen) this.history.close();
      else if (this.messages.isStreaming) post({ type: "stop" });
    });
  }

  /** Handles one message from the host; anything malformed is ignored. */
  handle(data: unknown): void {
    const message = parseHostMessage(data);
    if (message) this.route(message);
  }

  private route(message: HostToWebview): void {
    switch (message.type) {
      case "status":
        return this.status.show(message.status);
      case "engine":
        return this.status.showEngine(message.activity);
      case "conversation": {
        const { id, title, messages } = message.conversation;
        this.conversationId = id;
        this.toolbar.setTitle(title);
        this.messages.show(messages);
        this.composer.keepEditIf((messageId) => this.messages.message(messageId)?.role === "user");
        this.history.close();
        return this.status.setConversationEmpty(this.messages.isEmpty);
      }
      case "messageAdded":
        if (!this.isShown(message.conversationId)) return;
        this.messages.add(message.message);
        return this.status.setConversationEmpty(false);
      case "answerChunk":
        if (this.isShown(message.conversationId)) this.messages.appendChunk(message.messageId, message.text);
        return;
      case "messageUpdated":
        if (this.isShown(message.conversationId)) this.messages.update(message.message);
        return;
      case "context":
        return this.chips.show(message.chips);
      case "history":
        // Opens the panel only when the user asked for it; otherwise refreshes it if open.
        if (this.historyRequested || this.history.isOpen) this.history.show(message.conversations, this.conversationId);
        this.historyRequested = false;
        return;
      case "prefill":
        return this.composer.prefill(message.text);
    }
  }

  /** Whether the message is for the conversation shown (the first one seen becomes it). */
  private isShown(conversationId: string): boolean {
    this.conversationId ??= conversationId;
    return conversationId === this.conversationId;
  }

  private toggleHistory(post: PostToHost): void {
    if (this.history.isOpen) return this.history.close();
    this.historyRequested = true;
    post({ type: "showHistory" });
  }

  private editQuestion(messageId: string): void {
    const question = this.messages.message(messageId);
    if (question?.role === "user") this.composer.edit(messageId, question.text);
  }
}
