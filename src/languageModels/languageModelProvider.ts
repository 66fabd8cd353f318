// The adapter between VS Code's language-model API and Hearth's engine: VS Code's chat, agent
// mode and any extension calling `vscode.lm` get the current backend's models, answers streamed
// through the same engine as the sidebar chat, tool calls checked before they are handed over,
// and the model's own token counts where there is a tokenizer.
import * as vscode from "vscode";
import type { Backend, Generation, GenerationOptions } from "../engine/backend";
import { BackendError, isAbortError } from "../engine/backendError";
import { fullTextOf, toChatMessages } from "./messageMapping";
import type { ChatModelDescription } from "./modelDescriptions";
import type { OfferedModels } from "./offeredModels";
import { QueueFullError, RequestQueue } from "./requestQueue";
import { estimateTokens } from "../engine/tokenEstimate";
import { checkToolCall, toToolDefinitions } from "./toolCallParts";
import { readCountable, readMessage } from "./vscodeParts";

/** Requests handed to the engine at once, and how many more may wait (see RequestQueue). */
const CONCURRENT_REQUESTS = 2;
const WAITING_REQUESTS = 128;

export class HearthLanguageModelProvider implements vscode.LanguageModelChatProvider<ChatModelDescription> {
  readonly onDidChangeLanguageModelChatInformation: vscode.Event<void>;
  private readonly queue = new RequestQueue(CONCURRENT_REQUESTS, WAITING_REQUESTS);

  constructor(
    private readonly backend: () => Backend,
    private readonly models: OfferedModels,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.onDidChangeLanguageModelChatInformation = (listener, thisArgs, disposables) => {
      const subscription = models.onDidChange(() => {
        listener.call(thisArgs, undefined);
      });
      disposables?.push(subscription);
      return subscription;
    };
  }

  async provideLanguageModelChatInformation(_options: vscode.PrepareLanguageModelChatModelOptions, token: vscode.CancellationToken): Promise<ChatModelDescription[]> {
    return await withSignal(token, (signal) => this.models.list(signal));
  }

  async provideLanguageModelChatResponse(
    model: ChatModelDescription,
    messages: readonly vscode.LanguageModelChatRequestMessage[],
    options: vscode.ProvideLanguageModelChatResponseOptions,
    progress: vscode.Progress<vscode.LanguageModelResponsePart>,
    token: vscode.CancellationToken,
  ): Promise<void> {
    this.currentBackendFor(model); // fails at once for a model no longer offered
    const offered = options.tools ?? [];
    const canCallTools = this.models.find(model.id)?.capabilities.toolCalling ?? model.capabilities?.toolCalling === true;
    const toolsRequired = options.toolMode === vscode.LanguageModelChatToolMode.Required && offered.length > 0;
    if (toolsRequired && !canCallTools) {
      throw new Error(vscode.l10n.t("{0} cannot call tools, and this request requires a tool call. Pick a model that can call tools.", model.name));
    }
    // Tools offered to a model that cannot call them (VS Code was told so) are left out: it answers in text.
    const tools = canCallTools && offered.length ? toToolDefinitions(offered) : undefined;
    const generationOptions: GenerationOptions = {
      ...sampling(options.modelOptions, model.maxOutputTokens),
      // Pieces already on their way when the caller cancelled are dropped, not reported.
      onChunk: (text) => {
        if (token.isCancellationRequested) return;
        progress.report(new vscode.LanguageModelTextPart(text));
      },
      ...(tools ? { tools, toolMode: toolsRequired ? "required" : "auto" } : {}),
    };
    const chatMessages = toChatMessages(messages.map(readMessage));
    let generation: Generation;
    try {
      // The backend is taken when the request's turn comes: the settings may have changed while it waited.
      generation = await withSignal(token, (signal) => this.queue.run(() => this.currentBackendFor(model).chat(model.id, chatMessages, generationOptions, signal), signal));
    } catch (error) {
      if (token.isCancellationRequested && isCancellation(error)) return; // VS Code already knows
      throw this.callerError(error, model);
    }
    for (const call of generation.toolCalls ?? []) {
      const checked = checkToolCall(call, offered);
      if (checked.ok) progress.report(new vscode.LanguageModelToolCallPart(checked.callId, checked.name, checked.input));
      else {
        this.log.warn(`Language models: ${checked.problem}`);
        progress.report(new vscode.LanguageModelTextPart(`\n\n${vscode.l10n.t("Hearth: {0}", checked.problem)}`));
      }
    }
  }

  async provideTokenCount(model: ChatModelDescription, text: string | vscode.LanguageModelChatRequestMessage, token: vscode.CancellationToken): Promise<number> {
    const plain = fullTextOf(readCountable(text));
    if (!plain) return 0;
    const backend = this.backend();
    if (!backend.countTokens || !this.offeredBy(backend, model)) return estimateTokens(plain);
    try {
      const [count] = await withSignal(token, (signal) => backend.countTokens!(model.id, [plain], signal));
      return count ?? estimateTokens(plain);
    } catch (error) {
      if (!isCancellation(error)) this.log.warn(`Language models: counting tokens with ${model.id} failed, estimating instead: ${(error as Error).message}`);
      return estimateTokens(plain);
    }
  }

  /** The backend to answer with; a model of another backend (the settings changed meanwhile) is an error the caller sees. */
  private currentBackendFor(model: ChatModelDescription): Backend {
    const backend = this.backend();
    if (!this.offeredBy(backend, model)) {
      throw vscode.LanguageModelError.NotFound(
        vscode.l10n.t("{0} is no longer offered: Hearth now runs models through {1}. Pick one of its models.", model.name, this.models.surroundings().location),
      );
    }
    return backend;
  }

  /**
   * Whether the model is the current backend's: the last listing says, else the backend it was
   * listed for (a request may come before VS Code has asked for the new list).
   */
  private offeredBy(backend: Backend, model: ChatModelDescription): boolean {
    return this.models.find(model.id) !== undefined || (model.backend ?? backend.kind) === backend.kind;
  }

  /** An engine failure as the caller should read it: what happened, and the setting that fixes it. */
  private callerError(error: unknown, model: ChatModelDescription): Error {
    if (error instanceof QueueFullError) return new Error(error.message);
    const message = (error as Error)?.message ?? String(error);
    this.log.warn(`Language models: a request to ${model.id} failed: ${message}`);
    if (error instanceof BackendError) {
      const withSetting = error.setting && !message.includes(error.setting) ? `${message} (${vscode.l10n.t("setting: {0}", error.setting)})` : message;
      if (error.code === "modelMissing" || error.code === "modelNotFound") return vscode.LanguageModelError.NotFound(withSetting);
      if (error.code === "unauthorized") return vscode.LanguageModelError.NoPermissions(withSetting);
      return new Error(withSetting);
    }
    return new Error(vscode.l10n.t("Hearth could not answer with {0}: {1}", model.name, message));
  }
}

/** maxTokens and temperature from the caller's model options, else the model's own answer limit. */
function sampling(modelOptions: { readonly [name: string]: unknown } | undefined, maxOutputTokens: number): Pick<GenerationOptions, "maxTokens" | "temperature"> {
  const number = (...names: string[]) => names.map((name) => modelOptions?.[name]).find((value): value is number => typeof value === "number" && Number.isFinite(value));
  const maxTokens = number("maxTokens", "max_tokens", "maxOutputTokens");
  const temperature = number("temperature");
  return { maxTokens: maxTokens !== undefined && maxTokens > 0 ? Math.min(Math.floor(maxTokens), maxOutputTokens) : maxOutputTokens, ...(temperature !== undefined ? { temperature } : {}) };
}

/** Runs `work` with an AbortSignal that follows the cancellation token. */
async function withSignal<T>(token: vscode.CancellationToken, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const subscription = token.onCancellationRequested(() => controller.abort());
  if (token.isCancellationRequested) controller.abort();
  try {
    return await work(controller.signal);
  } finally {
    subscription.dispose();
  }
}

function isCancellation(error: unknown): boolean {
  return isAbortError(error) || (error instanceof BackendError && error.code === "cancelled") || (error instanceof Error && /cancel/i.test(error.message));
}
