// The conversation the Chat view shows, and the answers being written: sends questions through
// the engine, streams answers to the view, keeps each conversation on disk as it changes, and
// turns every failure into an answer that keeps its text and says what to do. No VS Code here:
// the view provider hands it the webview's (already validated) requests.
import type { Backend } from "../engine/backend";
import type { ConversationView, HostToWebview } from "../shared/chatProtocol";
import { CONVERSATION_FORMAT, CONVERSATION_FORMAT_VERSION, newId, titleFrom, type Conversation, type StoredContext, type StoredMessage } from "./conversation";
import type { ConversationStore } from "./conversationStore";
import { writeAnswer } from "./answerWriter";
import { toView, withoutUnfinished } from "./conversationView";
import { EstimatingTokenCounter, type TokenCounter } from "./tokenCounting";

export interface ChatSessionOptions {
  readonly store: ConversationStore;
  /** The engine's current backend (it changes when the settings name another). */
  readonly backend: () => Backend;
  /** The chat model as settings name it, and how the UI names it and its backend. */
  readonly chatModel: () => { readonly model: string; readonly label: string; readonly backendLabel: string };
  readonly systemPrompt: () => string;
  /** hearth.chat.maxAnswerTokens */
  readonly maxAnswerTokens: () => number;
  readonly post: (message: HostToWebview) => void;
  readonly log: (level: "info" | "warn" | "error", message: string) => void;
  /** Tells the user something went wrong outside an answer (a conversation file set aside, a save that failed). */
  readonly notify?: (message: string) => void;
  /** Which conversation this workspace showed last (VS Code's workspace state). */
  readonly lastConversation?: { get(): string | undefined; set(id: string): void };
  readonly now?: () => number;
}

/** How often an answer being written is saved, so a reload mid-answer loses little. */
const SAVE_INTERVAL_MS = 1000;

interface Running {
  readonly conversationId: string;
  readonly controller: AbortController;
  readonly done: Promise<void>;
}

export class ChatSession {
  private conversation: Conversation;
  private running: Running | undefined;
  /** Estimators per server backend, calibrated from the prompt tokens each server reports. */
  private readonly estimators = new Map<string, EstimatingTokenCounter>();
  private readonly now: () => number;
  private restored = false;
  private saveFailed = false;

  constructor(private readonly options: ChatSessionOptions) {
    this.now = options.now ?? Date.now;
    this.conversation = this.empty();
  }

  get current(): Conversation {
    return this.conversation;
  }

  get answering(): boolean {
    return this.running !== undefined;
  }

  /** Resolves when the answer being written (if any) has ended and been saved. */
  whenIdle(): Promise<void> {
    return this.running?.done ?? Promise.resolve();
  }

  view(): ConversationView {
    return { id: this.conversation.id, title: this.conversation.title, messages: this.conversation.messages.map((message) => toView(message)) };
  }

  /** Asks `text` with `context` attached, in the conversation shown; false when it cannot now (an answer is being written). */
  send(text: string, context: readonly StoredContext[]): boolean {
    if (!text.trim() || this.running) return false;
    const question: StoredMessage = { id: newId("m"), role: "user", text, status: "complete", createdAt: this.now(), ...(context.length ? { context } : {}) };
    const first = this.conversation.messages.length === 0;
    this.update({ ...(first ? { title: titleFrom(text) } : {}), messages: [...this.conversation.messages, question] });
    if (first) this.post({ type: "conversation", conversation: this.view() });
    else this.post({ type: "messageAdded", conversationId: this.conversation.id, message: toView(question) });
    this.answer();
    return true;
  }

  stop(): void {
    this.running?.controller.abort();
  }

  /** Asks again for the last answer (Regenerate, or Retry after a failure). */
  regenerate(): void {
    if (this.running) return;
    const messages = [...this.conversation.messages];
    while (messages.at(-1)?.role === "assistant") messages.pop();
    if (!messages.length) return;
    this.update({ messages });
    this.post({ type: "conversation", conversation: this.view() });
    this.answer();
  }

  /** Replaces a question by `text`, drops everything after it, and asks again. */
  editAndResend(messageId: string, text: string): void {
    if (this.running || !text.trim()) return;
    const index = this.conversation.messages.findIndex((message) => message.id === messageId && message.role === "user");
    if (index < 0) return;
    const edited: StoredMessage = { ...this.conversation.messages[index], text, createdAt: this.now() };
    this.update({ ...(index === 0 ? { title: titleFrom(text) } : {}), messages: [...this.conversation.messages.slice(0, index), edited] });
    this.post({ type: "conversation", conversation: this.view() });
    this.answer();
  }

  /** Shows a new, empty conversation (nothing is stored until its first question). */
  async newConversation(): Promise<void> {
    await this.stopAndWait();
    this.conversation = this.empty();
    this.post({ type: "conversation", conversation: this.view() });
  }

  /**
   * Shows the conversation this workspace showed last, if nothing was asked yet in this window:
   * after a reload the chat is where the user left it. (Per workspace, so two windows do not
   * write to one conversation.) A corrupt file is set aside by the store, and the user told.
   * True when it showed one (and posted it to the view).
   */
  async restoreLast(): Promise<boolean> {
    if (this.restored) return false;
    this.restored = true;
    const id = this.options.lastConversation?.get();
    if (!id || this.conversation.messages.length || this.running) return false;
    try {
      const loaded = await this.options.store.load(id);
      // Something may have been asked meanwhile: that wins.
      if (!loaded || this.conversation.messages.length || this.running) return false;
      this.display(loaded);
      return true;
    } catch (error) {
      this.options.log("warn", (error as Error).message);
      this.options.notify?.((error as Error).message);
      return false;
    }
  }

  /** Shows a stored conversation. Throws when its file is corrupt (the store sets it aside). */
  async open(id: string): Promise<boolean> {
    if (id === this.conversation.id) return true;
    const loaded = await this.options.store.load(id);
    if (!loaded) return false;
    await this.stopAndWait();
    this.display(loaded);
    return true;
  }

  /** Shows `conversation` (just imported) as it is, once the answer being written has ended. */
  async show(conversation: Conversation): Promise<void> {
    if (this.running && this.running.conversationId !== conversation.id) await this.stopAndWait();
    this.display(conversation);
  }

  /** Renames the conversation shown (the store has the new title already). */
  retitle(id: string, title: string): void {
    if (id !== this.conversation.id) return;
    this.conversation = { ...this.conversation, title };
    this.post({ type: "conversation", conversation: this.view() });
  }

  private display(conversation: Conversation): void {
    this.conversation = withoutUnfinished(conversation);
    this.options.lastConversation?.set(conversation.id);
    this.post({ type: "conversation", conversation: this.view() });
  }

  /** After the conversation shown was deleted: an empty one takes its place. */
  async forget(id: string): Promise<void> {
    if (id !== this.conversation.id) return;
    await this.newConversation();
  }

  private post(message: HostToWebview): void {
    this.options.post(message);
  }

  private async stopAndWait(): Promise<void> {
    this.stop();
    await this.whenIdle();
  }

  private empty(): Conversation {
    const now = this.now();
    return { format: CONVERSATION_FORMAT, version: CONVERSATION_FORMAT_VERSION, id: newId("c"), title: "New conversation", createdAt: now, updatedAt: now, messages: [] };
  }

  private update(change: Partial<Pick<Conversation, "title" | "messages">>): void {
    this.conversation = { ...this.conversation, ...change, updatedAt: this.now() };
  }

  private replaceMessage(message: StoredMessage): void {
    this.update({ messages: this.conversation.messages.map((entry) => (entry.id === message.id ? message : entry)) });
  }

  private save(): Promise<void> {
    const conversation = this.conversation;
    this.options.lastConversation?.set(conversation.id);
    return this.options.store.save(conversation).then(
      () => {
        this.saveFailed = false;
      },
      (error: Error) => {
        this.options.log("error", error.message);
        // Said once until a save works again, not once per streamed second.
        if (!this.saveFailed) this.options.notify?.(error.message);
        this.saveFailed = true;
      },
    );
  }

  /** Writes the answer to the conversation's last question, streaming it to the view. */
  private answer(): void {
    const conversationId = this.conversation.id;
    let message: StoredMessage = { id: newId("m"), role: "assistant", text: "", status: "streaming", createdAt: this.now() };
    const history = this.conversation.messages;
    this.update({ messages: [...history, message] });
    this.post({ type: "messageAdded", conversationId, message: toView(message) });
    const controller = new AbortController();
    // Marked as running before any work starts, so even a failure on the spot ends it properly.
    let finished!: () => void;
    const running: Running = { conversationId, controller, done: new Promise<void>((resolve) => (finished = resolve)) };
    this.running = running;
    const change = (next: StoredMessage) => {
      message = next;
      this.replaceMessage(message);
    };
    let lastSave = this.now();
    const { model, label, backendLabel } = this.options.chatModel();
    const backend = this.options.backend();
    const counter = this.tokenCounter(backend, model);
    void writeAnswer({
      backend,
      model,
      modelLabel: label,
      backendLabel,
      history,
      conversationId,
      systemPrompt: this.options.systemPrompt(),
      maxAnswerTokens: this.options.maxAnswerTokens(),
      counter,
      signal: controller.signal,
      onPrompt: (leftOut) => leftOut && change({ ...message, leftOut }),
      // The question is saved once the request is on its way, so the disk never delays the first token.
      onSent: () => void this.save(),
      onText: (text) => {
        change({ ...message, text: message.text + text });
        this.post({ type: "answerChunk", conversationId, messageId: message.id, text });
        if (this.now() - lastSave > SAVE_INTERVAL_MS) {
          lastSave = this.now();
          void this.save();
        }
      },
    })
      .then(async (written) => {
        // An estimate learns from what the server counted; the model's own tokenizer needs no lesson.
        if (counter instanceof EstimatingTokenCounter && written.promptCharacters && written.reportedPromptTokens) {
          counter.calibrate(written.promptCharacters, written.reportedPromptTokens);
        }
        if (written.status === "failed") this.options.log("warn", `Chat answer failed: ${written.error}`);
        const { status, usage, error, errorSetting, note } = written;
        change({
          ...message,
          text: written.text && written.text.length >= message.text.length ? written.text : message.text,
          status,
          ...(usage ? { usage } : {}),
          ...(error ? { error } : {}),
          ...(errorSetting ? { errorSetting } : {}),
          ...(note ? { note } : {}),
        });
        // Free for the next question as soon as the view hears the answer ended (saving goes on).
        if (this.running === running) this.running = undefined;
        this.post({ type: "messageUpdated", conversationId, message: toView(message) });
        await this.save();
      })
      .finally(() => {
        if (this.running === running) this.running = undefined;
        finished();
      });
  }

  private tokenCounter(backend: Backend, model: string): TokenCounter {
    const countTokens = backend.countTokens?.bind(backend);
    if (countTokens) return { count: (texts, signal) => countTokens(model, texts, signal), roundTrip: true };
    let estimator = this.estimators.get(backend.kind);
    if (!estimator) this.estimators.set(backend.kind, (estimator = new EstimatingTokenCounter()));
    return estimator;
  }
}
