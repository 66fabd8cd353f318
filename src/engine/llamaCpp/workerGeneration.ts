// The worker's generation helpers, shared by chat and infill: chunks streamed to the host, one
// generation run and measured on a sequence, and node-llama-cpp's chat history and formats.
import type * as NodeLlamaCpp from "node-llama-cpp" with { "resolution-mode": "import" };
import type { ChatMessage, Generation, GenerationClock } from "../backend";
import { BackendError } from "../backendError";
import { toToolCalls } from "./toolCalls";
import type { LlamaRunSettings, SamplingOptions, WorkerToHost } from "./workerProtocol";

type Library = typeof NodeLlamaCpp;
export type Send = (message: WorkerToHost) => void;

/** Streams chunks to the host: the first at once (time to first token), the rest at most every 16 ms,
 * so a fast model does not spend its time on one IPC message per token. */
class ChunkStream {
  private pending = "";
  private timer: NodeJS.Timeout | undefined;
  private sentFirst = false;
  text = "";

  constructor(
    private readonly id: number,
    private readonly send: Send,
  ) {}

  push(chunk: string): void {
    this.text += chunk;
    if (!this.sentFirst) {
      this.sentFirst = true;
      this.send({ type: "chunk", id: this.id, text: chunk });
      return;
    }
    this.pending += chunk;
    this.timer ??= setTimeout(() => this.flush(), 16);
  }

  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending) this.send({ type: "chunk", id: this.id, text: this.pending });
    this.pending = "";
  }
}

export interface GenerationRequest {
  readonly id: number;
  readonly modelPath: string;
  readonly settings: LlamaRunSettings;
  readonly options: SamplingOptions;
  readonly signal: AbortSignal;
  /** Started when the request arrived: time to first token includes loading and waiting. */
  readonly clock: GenerationClock;
}

/** The answer to a request cancelled before it started: no model is loaded or waited for. */
export function cancelledBeforeStart(request: GenerationRequest): Generation {
  return { text: "", stopReason: "cancelled", usage: request.clock.usage(0, 0, 0) };
}

/** What node-llama-cpp's chat and infill generations both take from a request. */
interface GenerateOptions {
  readonly signal: AbortSignal;
  readonly stopOnAbortSignal: true;
  readonly maxTokens?: number;
  readonly temperature?: number;
  readonly onTextChunk: (chunk: string) => void;
}

/** What a generation function returns: node-llama-cpp's response, and the prompt tokens it got to when cut short. */
interface GenerateResult {
  readonly response: string;
  readonly metadata: { readonly stopReason: string };
  readonly promptTokens?: number;
  /** The tools the model called (a chat with functions). */
  readonly calls?: readonly { functionName: string; params: unknown }[];
}

/**
 * Runs one generation on `sequence`, streaming its chunks and measuring its usage with the
 * sequence's token meter: prompt tokens it did not evaluate came from its KV cache.
 */
export async function metered(
  request: GenerationRequest,
  send: Send,
  sequence: NodeLlamaCpp.LlamaContextSequence,
  promptTokens: number,
  doing: string,
  generate: (options: GenerateOptions) => Promise<GenerateResult>,
): Promise<Generation> {
  const { clock, signal } = request;
  const chunks = new ChunkStream(request.id, send);
  const meter = sequence.tokenMeter.getState();
  const usage = (prompt: number) => {
    const used = sequence.tokenMeter.diff(meter);
    // The last prompt token is evaluated with the first generated one, and metered as output.
    const evaluated = used.usedInputTokens + Math.min(1, used.usedOutputTokens);
    return clock.usage(prompt, Math.max(0, prompt - evaluated), used.usedOutputTokens);
  };
  try {
    const response = await generate({
      signal,
      stopOnAbortSignal: true,
      maxTokens: request.options.maxTokens,
      temperature: request.options.temperature,
      onTextChunk: (chunk) => {
        clock.chunk();
        chunks.push(chunk);
      },
    });
    const toolCalls = toToolCalls(response.calls);
    return {
      text: response.response,
      stopReason: toolCalls ? "toolCalls" : stopReason(response.metadata.stopReason),
      usage: usage(response.promptTokens ?? promptTokens),
      ...(toolCalls ? { toolCalls } : {}),
    };
  } catch (error) {
    if (signal.aborted) return { text: chunks.text, stopReason: "cancelled", usage: usage(promptTokens) };
    throw error instanceof BackendError ? error : new BackendError("internal", `llama.cpp failed while ${doing}: ${(error as Error).message}`, chunks.text);
  } finally {
    chunks.flush();
  }
}

export function resolveChatFormat(lib: Library, model: NodeLlamaCpp.LlamaModel, format: string): NodeLlamaCpp.ChatWrapper {
  if (format !== "auto" && !(lib.resolvableChatWrapperTypeNames as readonly string[]).includes(format)) {
    throw new BackendError(
      "unknownChatFormat",
      `hearth.llamaCpp.chatFormat "${format}" is not a chat format Hearth knows. Use "auto" (the model's own template) or one of: ${lib.resolvableChatWrapperTypeNames.filter((name) => name !== "auto").join(", ")}.`,
      "",
      "hearth.llamaCpp.chatFormat",
    );
  }
  return lib.resolveChatWrapper(model, { type: format as NodeLlamaCpp.ResolvableChatWrapperTypeName });
}

/**
 * Hearth's messages as node-llama-cpp's chat history. An assistant message's tool calls become
 * function calls in its response, each carrying the result from the "tool" message that answers
 * it (node-llama-cpp renders a call and its result together). A conversation that ends with tool
 * results continues that model response; otherwise a new, empty one is opened to be generated.
 */
export function toChatHistory(messages: readonly ChatMessage[]): NodeLlamaCpp.ChatHistoryItem[] {
  const history: NodeLlamaCpp.ChatHistoryItem[] = [];
  const results = new Map(messages.filter((message) => message.role === "tool").map((message) => [message.toolCallId, message.content]));
  let open: NodeLlamaCpp.ChatModelResponse | undefined;
  for (const message of messages) {
    if (message.role === "tool") continue; // carried by its call
    if (message.role !== "assistant") {
      history.push(message.role === "system" ? { type: "system", text: message.content } : { type: "user", text: message.content });
      open = undefined;
      continue;
    }
    // Consecutive assistant messages (an answer resumed after tool results) are one model response.
    if (!open) history.push((open = { type: "model", response: [] }));
    if (message.content) open.response.push(message.content);
    // Each message's calls are one batch: a format that calls in parallel renders them together, then their results.
    for (const [index, call] of (message.toolCalls ?? []).entries()) {
      open.response.push({ type: "functionCall", name: call.name, params: parseArguments(call.arguments), result: results.get(call.id) ?? "", ...(index === 0 ? { startsNewChunk: true } : {}) });
    }
  }
  const last = messages.at(-1);
  const continuing = last?.role === "tool" || (last?.role === "assistant" && (last.toolCalls?.length ?? 0) > 0);
  if (!continuing) history.push({ type: "model", response: [] });
  return history;
}

/** Arguments the model wrote as JSON: parsed when they parse, else kept as the text they are. */
function parseArguments(text: string): unknown {
  try {
    return text.trim() ? JSON.parse(text) : undefined;
  } catch {
    return text;
  }
}

function stopReason(reason: string): Generation["stopReason"] {
  return reason === "abort" ? "cancelled" : reason === "maxTokens" ? "maxTokens" : "endOfText";
}
