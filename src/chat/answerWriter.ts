// Writes one answer: fits the conversation into the model's context, streams the model's text
// and says how it ended. It never throws: a failure becomes an answer that keeps its text and
// says what happened and which setting fixes it. No VS Code here.
import type { Backend, Generation } from "../engine/backend";
import { BackendError } from "../engine/backendError";
import type { AnswerUsage, MessageStatus } from "../shared/chatProtocol";
import type { StoredMessage } from "./conversation";
import { buildPrompt, PromptTooLargeError } from "./promptBuilder";
import type { TokenCounter } from "./tokenCounting";

/** Used when a server does not say how large its context is (Ollama's default num_ctx). */
export const FALLBACK_CONTEXT_WINDOW = 4096;

export interface AnswerRequest {
  readonly backend: Backend;
  /** The model as settings name it, and how the UI names it and its backend. */
  readonly model: string;
  readonly modelLabel: string;
  readonly backendLabel: string;
  /** The conversation so far, ending with the question to answer. */
  readonly history: readonly StoredMessage[];
  /** The conversation's id: llama.cpp keeps its KV cache for it while other callers use the model. */
  readonly conversationId?: string;
  readonly systemPrompt: string;
  readonly maxAnswerTokens: number;
  readonly counter: TokenCounter;
  readonly signal: AbortSignal;
  /** The prompt is built; `leftOut` says what did not fit. */
  readonly onPrompt: (leftOut: string | undefined) => void;
  /** The request has left for the model (a good moment to save the question). */
  readonly onSent: () => void;
  readonly onText: (text: string) => void;
}

/** How an answer ended: what to keep of it, and what to tell the user. */
export interface WrittenAnswer {
  readonly status: Exclude<MessageStatus, "streaming">;
  /** The whole text, when the backend returned it (otherwise what streamed is kept). */
  readonly text?: string;
  readonly usage?: AnswerUsage;
  readonly error?: string;
  readonly errorSetting?: string;
  readonly note?: string;
  /** For calibrating token estimates against what the server counted. */
  readonly promptCharacters?: number;
  readonly reportedPromptTokens?: number;
}

export async function writeAnswer(request: AnswerRequest): Promise<WrittenAnswer> {
  const { backend, model, signal } = request;
  try {
    if (!model) throw new BackendError("modelMissing", "No chat model is selected. Select one, or install one from the Models view.", "", "hearth.models.chat");
    const contextWindow = (await backend.contextWindow?.(model, signal).catch(() => undefined)) ?? FALLBACK_CONTEXT_WINDOW;
    const built = await buildPrompt({
      systemPrompt: request.systemPrompt,
      messages: request.history,
      contextWindow,
      reservedForAnswer: Math.min(request.maxAnswerTokens, Math.floor(contextWindow / 4)),
      counter: request.counter,
      signal,
    });
    request.onPrompt(built.leftOut);
    // The answer gets the room the prompt leaves, so nothing is pushed out of the context while it is written.
    const maxTokens = Math.max(1, Math.min(request.maxAnswerTokens, contextWindow - built.promptTokens));
    const generating: Promise<Generation> = backend.chat(model, built.messages, { maxTokens, onChunk: request.onText, conversation: request.conversationId }, signal);
    request.onSent();
    const generation = await generating;
    const measured = { promptCharacters: built.promptCharacters, reportedPromptTokens: generation.usage.promptTokens };
    // A server stopped mid-answer reports no usage: better no figures than zeros.
    const usage = generation.usage.promptTokens || generation.usage.completionTokens ? answerUsage(generation, request.modelLabel, request.backendLabel) : undefined;
    const ended = { text: generation.text, ...(usage ? { usage } : {}), ...measured };
    if (generation.stopReason === "cancelled" && !signal.aborted) {
      return { ...ended, status: "failed", error: `${request.backendLabel} ended the answer early. What it sent is kept; try again.` };
    }
    if (generation.stopReason === "cancelled") return { ...ended, status: "stopped" };
    if (generation.stopReason === "maxTokens") {
      const limit = maxTokens < request.maxAnswerTokens ? `the room left in the model's ${contextWindow.toLocaleString("en-US")}-token context` : `the ${maxTokens.toLocaleString("en-US")}-token limit of hearth.chat.maxAnswerTokens`;
      return { ...ended, status: "complete", note: `The answer reached ${limit} and was cut there. Regenerate, or ask it to go on.` };
    }
    return { ...ended, status: "complete" };
  } catch (error) {
    if (signal.aborted && !(error instanceof BackendError && error.code !== "cancelled")) return { status: "stopped" };
    const message = error instanceof Error ? error.message : String(error);
    const errorSetting =
      error instanceof BackendError ? error.setting : error instanceof PromptTooLargeError && backend.kind === "llamaCpp" ? "hearth.llamaCpp.contextSize" : undefined;
    const partial = error instanceof BackendError && error.partialText ? { text: error.partialText } : {};
    return { status: "failed", error: message, ...partial, ...(errorSetting ? { errorSetting } : {}) };
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
