// The llama.cpp worker: a child process that owns node-llama-cpp and the model weights, so a
// native crash or an out-of-memory kills only this process, never the extension host.
// It answers WorkerRequests (workerProtocol.ts) over Node's IPC channel.
import type * as NodeLlamaCpp from "node-llama-cpp" with { "resolution-mode": "import" };
import type { ChatMessage, Generation } from "../backend";
import { GenerationClock, infillPrompt } from "../backend";
import { BackendError } from "../backendError";
import { describeLoaded, LoadedModels, type LoadedEntry } from "./loadedModels";
import type { HostToWorker, LlamaRunSettings, SamplingOptions, WorkerRequest, WorkerToHost } from "./workerProtocol";

type Library = typeof NodeLlamaCpp;

const send = (message: WorkerToHost) => process.send?.(message);

/** Streams chunks to the host: the first at once (time to first token), the rest at most every 16 ms,
 * so a fast model does not spend its time on one IPC message per token. */
class ChunkStream {
  private pending = "";
  private timer: NodeJS.Timeout | undefined;
  private sentFirst = false;
  text = "";

  constructor(private readonly id: number) {}

  push(chunk: string): void {
    this.text += chunk;
    if (!this.sentFirst) {
      this.sentFirst = true;
      send({ type: "chunk", id: this.id, text: chunk });
      return;
    }
    this.pending += chunk;
    this.timer ??= setTimeout(() => this.flush(), 16);
  }

  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending) send({ type: "chunk", id: this.id, text: this.pending });
    this.pending = "";
  }
}

let library: Promise<Library> | undefined;
const nodeLlamaCpp = (): Promise<Library> => (library ??= import("node-llama-cpp"));
const models = new LoadedModels(nodeLlamaCpp, send);
const cancellations = new Map<number, AbortController>();

/** Runs `work` after the previous request on the same sequence has finished. */
function queued<T>(entry: LoadedEntry, lane: "chat" | "infill", work: () => Promise<T>): Promise<T> {
  const next = entry.queues[lane].then(work, work);
  entry.queues[lane] = next.catch(() => undefined);
  return next;
}

interface GenerationRequest {
  readonly id: number;
  readonly modelPath: string;
  readonly settings: LlamaRunSettings;
  readonly options: SamplingOptions;
  readonly signal: AbortSignal;
  /** Started when the request arrived: time to first token includes loading and waiting. */
  readonly clock: GenerationClock;
}

/** The answer to a request cancelled before it started: no model is loaded or waited for. */
function cancelledBeforeStart(request: GenerationRequest): Generation {
  return { text: "", stopReason: "cancelled", usage: request.clock.usage(0, 0, 0) };
}

async function chat(request: GenerationRequest, messages: readonly ChatMessage[]): Promise<Generation> {
  if (request.signal.aborted) return cancelledBeforeStart(request);
  const lib = await nodeLlamaCpp();
  return models.use(request, (entry) =>
    queued(entry, "chat", async () => {
      if (request.signal.aborted) return cancelledBeforeStart(request);
      let chatWrapper = entry.chatWrappers.get(request.settings.chatFormat);
      if (!chatWrapper) {
        chatWrapper = resolveChatFormat(lib, entry.model, request.settings.chatFormat);
        entry.chatWrappers.set(request.settings.chatFormat, chatWrapper);
      }
      const session = new lib.LlamaChat({ contextSequence: entry.chatSequence, chatWrapper });
      const history = toChatHistory(messages);
      const promptTokens = chatWrapper.generateContextState({ chatHistory: history }).contextText.tokenize(entry.model.tokenizer).length;
      try {
        return await metered(request, entry.chatSequence, promptTokens, "answering", (options) => session.generateResponse(history, options));
      } finally {
        session.dispose();
      }
    }),
  );
}

async function infill(request: GenerationRequest, prefix: string, suffix: string): Promise<Generation> {
  if (request.signal.aborted) return cancelledBeforeStart(request);
  const lib = await nodeLlamaCpp();
  return models.use(request, (entry) =>
    queued(entry, "infill", async () => {
      if (request.signal.aborted) return cancelledBeforeStart(request);
      const completion = new lib.LlamaCompletion({ contextSequence: entry.infillSequence });
      if (!completion.infillSupported) {
        completion.dispose();
        throw new BackendError(
          "infillUnsupported",
          `${request.modelPath} has no fill-in-the-middle tokens, so it cannot complete code at the cursor. Choose a code model that supports FIM (a Qwen2.5-Coder, CodeLlama or StarCoder2 base model) for hearth.models.completion.`,
          "",
          "hearth.models.completion",
        );
      }
      // The FIM prompt: prefix token, prefix, suffix token, suffix, middle token.
      const promptTokens = entry.model.tokenize(prefix).length + entry.model.tokenize(suffix).length + 3;
      try {
        return await metered(request, entry.infillSequence, promptTokens, "completing", (options) =>
          completion.generateInfillCompletionWithMeta(prefix, suffix, options),
        );
      } finally {
        completion.dispose();
      }
    }),
  );
}

/** What node-llama-cpp's chat and infill generations both take from a request. */
interface GenerateOptions {
  readonly signal: AbortSignal;
  readonly stopOnAbortSignal: true;
  readonly maxTokens?: number;
  readonly temperature?: number;
  readonly onTextChunk: (chunk: string) => void;
}

/** Runs one generation on `sequence`, streaming its chunks and measuring its usage. */
async function metered(
  request: GenerationRequest,
  sequence: NodeLlamaCpp.LlamaContextSequence,
  promptTokens: number,
  doing: string,
  generate: (options: GenerateOptions) => Promise<{ response: string; metadata: { stopReason: string } }>,
): Promise<Generation> {
  const { clock, signal } = request;
  const chunks = new ChunkStream(request.id);
  const meter = sequence.tokenMeter.getState();
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
    const used = sequence.tokenMeter.diff(meter);
    return {
      text: response.response,
      stopReason: stopReason(response.metadata.stopReason),
      // The last prompt token is evaluated with the first generated one and metered as output;
      // what the sequence did not evaluate at all came from its KV cache.
      usage: clock.usage(promptTokens, Math.max(0, promptTokens - used.usedInputTokens - 1), used.usedOutputTokens),
    };
  } catch (error) {
    if (signal.aborted) return { text: chunks.text, stopReason: "cancelled", usage: clock.usage(promptTokens, 0, 0) };
    throw error instanceof BackendError ? error : new BackendError("internal", `llama.cpp failed while ${doing}: ${(error as Error).message}`, chunks.text);
  } finally {
    chunks.flush();
  }
}

async function embed(request: { id: number; modelPath: string; settings: LlamaRunSettings; signal: AbortSignal }, texts: readonly string[]): Promise<number[][]> {
  return models.use(request, async (entry) => {
    entry.embeddingContext ??= entry.model.createEmbeddingContext({ threads: request.settings.threads });
    const context = await entry.embeddingContext;
    const vectors: number[][] = [];
    for (const text of texts) {
      if (request.signal.aborted) throw new BackendError("cancelled", "The embedding request was cancelled.");
      vectors.push([...(await context.getEmbeddingFor(text)).vector]);
    }
    return vectors;
  });
}

function resolveChatFormat(lib: Library, model: NodeLlamaCpp.LlamaModel, format: string): NodeLlamaCpp.ChatWrapper {
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

function toChatHistory(messages: readonly ChatMessage[]): NodeLlamaCpp.ChatHistoryItem[] {
  const history: NodeLlamaCpp.ChatHistoryItem[] = messages.map((message) =>
    message.role === "assistant" ? { type: "model", response: [message.content] } : { type: message.role, text: message.content },
  );
  history.push({ type: "model", response: [] });
  return history;
}

function stopReason(reason: string): Generation["stopReason"] {
  return reason === "abort" ? "cancelled" : reason === "maxTokens" ? "maxTokens" : "endOfText";
}

async function handle(request: WorkerRequest, signal: AbortSignal, clock: GenerationClock): Promise<unknown> {
  switch (request.type) {
    case "load":
      return models.use(request, (entry) => Promise.resolve(describeLoaded(entry)));
    case "chat":
      return chat({ ...request, signal, clock }, request.messages);
    case "infill":
      return infill({ ...request, signal, clock }, infillPrompt(request.request), request.request.suffix);
    case "embed":
      return embed({ ...request, signal }, request.texts);
    case "unload":
      await models.evict(request.keep);
      return null;
  }
}

process.on("message", (message: HostToWorker) => {
  if (message.type === "cancel") {
    cancellations.get(message.id)?.abort();
    return;
  }
  const clock = new GenerationClock();
  const controller = new AbortController();
  cancellations.set(message.id, controller);
  handle(message, controller.signal, clock)
    .then(
      (result) => send({ type: "result", id: message.id, result: result as never }),
      (error: unknown) => {
        const known = error instanceof BackendError ? error : new BackendError("internal", (error as Error)?.message ?? String(error));
        send({ type: "error", id: message.id, code: known.code, message: known.message, partialText: known.partialText, setting: known.setting });
      },
    )
    .finally(() => cancellations.delete(message.id));
});
// The host going away (extension host closed or crashed) ends the worker too.
process.on("disconnect", () => process.exit(0));
