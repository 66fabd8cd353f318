// The conversation the Chat view shows, and the answers being written: sends questions through
// the engine, streams answers to the view, keeps each conversation on disk as it changes, and
// turns every failure into an answer that keeps its text and says what to do. No VS Code here:
// the view provider hands it the webview's (already validated) requests.
import type { Backend, Generation } from "../engine/backend";
import { BackendError } from "../engine/backendError";
import type { AnswerUsage, ChatAction, ChatMessageView, ConversationView, HostToWebview } from "../shared/chatProtocol";
import { CONVERSATION_FORMAT, CONVERSATION_FORMAT_VERSION, newId, titleFrom, type Conversation, type StoredContext, type StoredMessage } from "./conversation";
import type { ConversationStore } from "./conversationStore";
import { buildPrompt, PromptTooLargeError } from "./promptBuilder";
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
  /** Tells the user something went wrong outside an answer (a conversation file set aside). */
  readonly notify?: (message: string) => void;
  readonly now?: () => number;
}

/** Used when a server does not say how large its context is (Ollama's default num_ctx). */
export const FALLBACK_CONTEXT_WINDOW = 4096;
/** How often an answer being written is saved, so a reload mid-answer loses little. */
const SAVE_INTERVAL_MS = 1000;

interface Running {
  readonly conversationId: string;
  readonly messageId: string;
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

  /** Asks `text` with `context` attached, in the conversation shown. */
  send(text: string, context: readonly StoredContext[]): void {
    if (!text.trim() || this.running) return;
    const question: StoredMessage = { id: newId("m"), role: "user", text, status: "complete", createdAt: this.now(), ...(context.length ? { context } : {}) };
    const first = this.conversation.messages.length === 0;
    this.update({ ...(first ? { title: titleFrom(text) } : {}), messages: [...this.conversation.messages, question] });
    if (first) this.options.post({ type: "conversation", conversation: this.view() });
    else this.options.post({ type: "messageAdded", conversationId: this.conversation.id, message: toView(question) });
    this.answer();
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
    this.options.post({ type: "conversation", conversation: this.view() });
    this.answer();
  }

  /** Replaces a question by `text`, drops everything after it, and asks again. */
  editAndResend(messageId: string, text: string): void {
    if (this.running || !text.trim()) return;
    const index = this.conversation.messages.findIndex((message) => message.id === messageId && message.role === "user");
    if (index < 0) return;
    const edited: StoredMessage = { ...this.conversation.messages[index], text, createdAt: this.now() };
    this.update({ ...(index === 0 ? { title: titleFrom(text) } : {}), messages: [...this.conversation.messages.slice(0, index), edited] });
    this.options.post({ type: "conversation", conversation: this.view() });
    this.answer();
  }

  /** Shows a new, empty conversation (nothing is stored until its first question). */
  async newConversation(): Promise<void> {
    await this.stopAndWait();
    this.conversation = this.empty();
    this.options.post({ type: "conversation", conversation: this.view() });
  }

  /**
   * Shows the most recent stored conversation if nothing was asked yet in this window (after a
   * reload the chat shows where the user left off). A corrupt latest file is skipped (and set aside).
   */
  async restoreLatest(): Promise<void> {
    if (this.restored) return;
    this.restored = true;
    if (this.conversation.messages.length) return;
    for (const summary of await this.options.store.list()) {
      try {
        if (await this.open(summary.id)) return;
      } catch (error) {
        this.options.log("warn", (error as Error).message);
        this.options.notify?.((error as Error).message);
      }
    }
  }

  /** Shows a stored conversation. Throws when its file is corrupt (the store sets it aside). */
  async open(id: string): Promise<boolean> {
    if (id === this.conversation.id) return true;
    const loaded = await this.options.store.load(id);
    if (!loaded) return false;
    await this.stopAndWait();
    this.conversation = loaded;
    this.options.post({ type: "conversation", conversation: this.view() });
    return true;
  }

  /** Shows `conversation` (just imported, or renamed) as it is. */
  show(conversation: Conversation): void {
    if (this.running && this.running.conversationId !== conversation.id) this.stop();
    this.conversation = conversation;
    this.options.post({ type: "conversation", conversation: this.view() });
  }

  /** After the conversation shown was deleted: an empty one takes its place. */
  async forget(id: string): Promise<void> {
    if (id !== this.conversation.id) return;
    await this.newConversation();
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
    return this.options.store.save(conversation).catch((error: Error) => {
      this.options.log("error", `Could not save the conversation "${conversation.title}": ${error.message}`);
    });
  }

  /** Writes the answer to the conversation's last question, streaming it to the view. */
  private answer(): void {
    const conversationId = this.conversation.id;
    let message: StoredMessage = { id: newId("m"), role: "assistant", text: "", status: "streaming", createdAt: this.now() };
    const history = this.conversation.messages;
    this.update({ messages: [...history, message] });
    this.options.post({ type: "messageAdded", conversationId, message: toView(message) });
    const controller = new AbortController();
    const done = (async () => {
      let lastSave = 0;
      const { model, label, backendLabel } = this.options.chatModel();
      const backend = this.options.backend();
      let errorSetting: string | undefined;
      try {
        if (!model) throw new BackendError("modelMissing", "No chat model is selected. Select one, or install one from the Models view.", "", "hearth.models.chat");
        const contextWindow = (await backend.contextWindow?.(model, controller.signal).catch(() => undefined)) ?? FALLBACK_CONTEXT_WINDOW;
        const built = await buildPrompt({
          systemPrompt: this.options.systemPrompt(),
          messages: history,
          contextWindow,
          reservedForAnswer: Math.min(this.options.maxAnswerTokens(), Math.floor(contextWindow / 4)),
          counter: this.tokenCounter(backend, model),
          signal: controller.signal,
        });
        if (built.leftOut) message = this.replaceIn(conversationId, { ...message, leftOut: built.leftOut });
        const generating: Promise<Generation> = backend.chat(
          model,
          built.messages,
          {
            maxTokens: this.options.maxAnswerTokens(),
            onChunk: (text) => {
              message = this.replaceIn(conversationId, { ...message, text: message.text + text });
              this.options.post({ type: "answerChunk", conversationId, messageId: message.id, text });
              if (this.now() - lastSave > SAVE_INTERVAL_MS && this.conversation.id === conversationId) {
                lastSave = this.now();
                void this.save();
              }
            },
          },
          controller.signal,
        );
        // The question is saved once the request is on its way (the store keeps one conversation's
        // saves in order), so the disk never delays the first token.
        void this.save();
        const generation = await generating;
        this.calibrate(backend, built.promptCharacters, generation.usage.promptTokens);
        message = this.replaceIn(conversationId, {
          ...message,
          text: generation.text || message.text,
          status: generation.stopReason === "cancelled" ? "stopped" : "complete",
          // A server stopped mid-answer reports no usage: better no figures than zeros.
          ...(generation.usage.promptTokens || generation.usage.completionTokens ? { usage: answerUsage(generation, label, backendLabel) } : {}),
        });
      } catch (error) {
        const cancelled = controller.signal.aborted && !(error instanceof BackendError && error.code !== "cancelled");
        if (error instanceof BackendError) errorSetting = error.setting;
        if (error instanceof PromptTooLargeError && backend.kind === "llamaCpp") errorSetting = "hearth.llamaCpp.contextSize";
        const partial = error instanceof BackendError && error.partialText.length > message.text.length ? error.partialText : message.text;
        message = this.replaceIn(conversationId, {
          ...message,
          text: partial,
          status: cancelled ? "stopped" : "failed",
          ...(cancelled ? {} : { error: (error as Error).message ?? String(error) }),
        });
        if (!cancelled) this.options.log("warn", `Chat answer failed: ${(error as Error).message}`);
      } finally {
        this.running = undefined;
        if (this.conversation.id === conversationId) {
          this.options.post({ type: "messageUpdated", conversationId, message: toView(message, errorSetting) });
          await this.save();
        }
      }
    })();
    this.running = { conversationId, messageId: message.id, controller, done };
  }

  /** Updates the answer in the conversation shown (a conversation switched away from is not touched). */
  private replaceIn(conversationId: string, message: StoredMessage): StoredMessage {
    if (this.conversation.id === conversationId) this.replaceMessage(message);
    return message;
  }

  private tokenCounter(backend: Backend, model: string): TokenCounter {
    const countTokens = backend.countTokens?.bind(backend);
    if (countTokens) return { count: (texts, signal) => countTokens(model, texts, signal), roundTrip: true };
    return this.estimator(backend);
  }

  private estimator(backend: Backend): EstimatingTokenCounter {
    let estimator = this.estimators.get(backend.kind);
    if (!estimator) this.estimators.set(backend.kind, (estimator = new EstimatingTokenCounter()));
    return estimator;
  }

  private calibrate(backend: Backend, promptCharacters: number, promptTokens: number): void {
    if (!backend.countTokens && promptTokens > 0) this.estimator(backend).calibrate(promptCharacters, promptTokens);
  }
}

function answerUsage(generation: Generation, model: string, backend: string): AnswerUsage {
  const { usage } = generation;
  return {
    model,
    backend,
    promptTokens: usage.promptTokens,
    reusedPromptTokens: usage.reusedPromptTokens,
    completionTokens: usage.completionTokens,
    timeToFirstTokenMs: Math.round(usage.timeToFirstTokenMs),
    tokensPerSecond: Math.round(usage.tokensPerSecond * 10) / 10,
  };
}

/** How a stored message is shown; a failed answer offers the setting that fixes it, when one does. */
export function toView(message: StoredMessage, setting?: string): ChatMessageView {
  const actions: ChatAction[] = [];
  if (message.error && setting) actions.push({ label: "Open Setting", command: "hearth.openSettings", argument: setting });
  if (message.error) actions.push({ label: "Show Log", command: "hearth.showLog" });
  return {
    id: message.id,
    role: message.role,
    text: message.text,
    status: message.status,
    ...(message.context?.length ? { context: message.context.map(({ id, kind, label, detail }) => ({ id, kind, label, ...(detail ? { detail } : {}) })) } : {}),
    ...(message.usage ? { usage: message.usage } : {}),
    ...(message.error ? { error: { message: message.error, actions } } : {}),
    ...(message.leftOut ? { leftOut: message.leftOut } : {}),
  };
}
