// The llama.cpp worker: a child process that owns node-llama-cpp and the model weights, so a
// native crash or an out-of-memory kills only this process, never the extension host.
// It answers WorkerRequests (workerProtocol.ts) one message at a time over Node's IPC channel.
import type * as NodeLlamaCpp from "node-llama-cpp" with { "resolution-mode": "import" };
import type { ChatMessage, Generation, LoadedModel } from "../backend";
import { GenerationClock } from "../backend";
import { BackendError } from "../backendError";
import { assertModelFileUsable, describeLoadFailure } from "./modelFileErrors";
import type { HostToWorker, LlamaRunSettings, SamplingOptions, WorkerRequest, WorkerToHost } from "./workerProtocol";

type Library = typeof NodeLlamaCpp;

interface LoadedEntry {
  readonly settingsKey: string;
  readonly model: NodeLlamaCpp.LlamaModel;
  readonly context: NodeLlamaCpp.LlamaContext;
  /** One sequence per use, so a chat turn and a completion keep their own KV cache. */
  readonly chatSequence: NodeLlamaCpp.LlamaContextSequence;
  readonly infillSequence: NodeLlamaCpp.LlamaContextSequence;
  embeddingContext?: Promise<NodeLlamaCpp.LlamaEmbeddingContext>;
  /** Resolving a chat wrapper renders the model's template many times (~200 ms): once per format. */
  readonly chatWrappers: Map<string, NodeLlamaCpp.ChatWrapper>;
  readonly queues: { chat: Promise<unknown>; infill: Promise<unknown> };
}

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
let llama: Promise<NodeLlamaCpp.Llama> | undefined;
const loaded = new Map<string, Promise<LoadedEntry>>();
const cancellations = new Map<number, AbortController>();
let gpuNoticeSent = false;

function nodeLlamaCpp(): Promise<Library> {
  library ??= import("node-llama-cpp");
  return library;
}

async function getLlama(threads: number): Promise<NodeLlamaCpp.Llama> {
  const lib = await nodeLlamaCpp();
  // build: "never": use the prebuilt binaries shipped with Hearth; never compile llama.cpp here.
  llama ??= lib.getLlama({ gpu: "auto", build: "never", maxThreads: threads, logLevel: lib.LlamaLogLevel.warn });
  return llama;
}

async function loadModel(request: { id: number; modelPath: string; settings: LlamaRunSettings }): Promise<LoadedEntry> {
  const { modelPath, settings } = request;
  const settingsKey = JSON.stringify([settings.gpuLayers, settings.contextSize, settings.threads, settings.batchSize, settings.flashAttention]);
  const existing = loaded.get(modelPath);
  if (existing) {
    const entry = await existing.catch(() => undefined);
    if (entry?.settingsKey === settingsKey) return entry;
    loaded.delete(modelPath);
    await entry?.model.dispose();
  }
  const loading = (async (): Promise<LoadedEntry> => {
    await assertModelFileUsable(modelPath);
    const instance = await getLlama(settings.threads);
    send({ type: "loading", id: request.id, modelPath, progress: 0 });
    let model: NodeLlamaCpp.LlamaModel;
    try {
      model = await instance.loadModel({
        modelPath,
        gpuLayers: settings.gpuLayers,
        onLoadProgress: (progress) => send({ type: "loading", id: request.id, modelPath, progress }),
      });
    } catch (error) {
      throw await describeLoadFailure(modelPath, error);
    }
    noteMissingGpu(instance, settings, model);
    let context: NodeLlamaCpp.LlamaContext;
    try {
      context = await model.createContext({
        contextSize: settings.contextSize > 0 ? settings.contextSize : "auto",
        sequences: 2,
        threads: settings.threads,
        ...(settings.batchSize > 0 ? { batchSize: settings.batchSize } : {}),
        flashAttention: settings.flashAttention,
      });
    } catch (error) {
      await model.dispose();
      throw await describeLoadFailure(modelPath, error);
    }
    return {
      settingsKey,
      model,
      context,
      chatSequence: context.getSequence(),
      infillSequence: context.getSequence(),
      queues: { chat: Promise.resolve(), infill: Promise.resolve() },
      chatWrappers: new Map(),
    };
  })();
  loaded.set(modelPath, loading);
  loading.catch(() => loaded.delete(modelPath));
  return loading;
}

/** Layers were asked for the GPU but none can go there: say so once, plainly. */
function noteMissingGpu(instance: NodeLlamaCpp.Llama, settings: LlamaRunSettings, model: NodeLlamaCpp.LlamaModel): void {
  const asked = settings.gpuLayers === "max" || (typeof settings.gpuLayers === "number" && settings.gpuLayers > 0);
  if (gpuNoticeSent || !asked || model.gpuLayers > 0) return;
  gpuNoticeSent = true;
  send({
    type: "notice",
    message:
      instance.gpu === false
        ? `hearth.llamaCpp.gpuLayers asks for ${String(settings.gpuLayers)} layers on the GPU, but llama.cpp found no GPU it can use on this machine, so the model runs on the CPU.`
        : `hearth.llamaCpp.gpuLayers asks for ${String(settings.gpuLayers)} layers on the GPU (${String(instance.gpu)}), but none fit; the model runs on the CPU.`,
  });
}

function describeLoaded(modelPath: string, entry: LoadedEntry): LoadedModel {
  return {
    name: modelPath,
    gpuLayers: entry.model.gpuLayers,
    totalLayers: entry.model.fileInsights.totalLayers,
    contextSize: entry.context.contextSize,
  };
}

/** Runs `work` after the previous request on the same sequence has finished. */
function queued<T>(entry: LoadedEntry, lane: "chat" | "infill", work: () => Promise<T>): Promise<T> {
  const next = entry.queues[lane].then(work, work);
  entry.queues[lane] = next.catch(() => undefined);
  return next;
}

async function chat(id: number, modelPath: string, settings: LlamaRunSettings, messages: readonly ChatMessage[], options: SamplingOptions, signal: AbortSignal): Promise<Generation> {
  const lib = await nodeLlamaCpp();
  const entry = await loadModel({ id, modelPath, settings });
  return queued(entry, "chat", async () => {
    let chatWrapper = entry.chatWrappers.get(settings.chatFormat);
    if (!chatWrapper) {
      chatWrapper = resolveChatFormat(lib, entry.model, settings.chatFormat);
      entry.chatWrappers.set(settings.chatFormat, chatWrapper);
    }
    const session = new lib.LlamaChat({ contextSequence: entry.chatSequence, chatWrapper });
    const history = toChatHistory(messages);
    const promptTokens = chatWrapper.generateContextState({ chatHistory: history }).contextText.tokenize(entry.model.tokenizer).length;
    try {
      return await metered(id, entry.chatSequence, promptTokens, "answering", (onTextChunk) =>
        session.generateResponse(history, { signal, stopOnAbortSignal: true, maxTokens: options.maxTokens, temperature: options.temperature, onTextChunk }),
      );
    } finally {
      session.dispose();
    }
  });
}

/** Runs one generation on `sequence`, streaming its chunks and measuring its usage. */
async function metered(
  id: number,
  sequence: NodeLlamaCpp.LlamaContextSequence,
  promptTokens: number,
  doing: string,
  generate: (onTextChunk: (chunk: string) => void) => Promise<{ response: string; metadata: { stopReason: string } }>,
): Promise<Generation> {
  const meter = sequence.tokenMeter.getState();
  const clock = new GenerationClock();
  const chunks = new ChunkStream(id);
  try {
    const response = await generate((chunk) => {
      clock.chunk();
      chunks.push(chunk);
    });
    const used = sequence.tokenMeter.diff(meter);
    return {
      text: response.response,
      stopReason: stopReason(response.metadata.stopReason),
      // What the sequence did not have to evaluate was served from its KV cache.
      usage: clock.usage(promptTokens, Math.max(0, promptTokens - used.usedInputTokens), used.usedOutputTokens),
    };
  } catch (error) {
    throw error instanceof BackendError ? error : new BackendError("internal", `llama.cpp failed while ${doing}: ${(error as Error).message}`, chunks.text);
  } finally {
    chunks.flush();
  }
}

async function infill(id: number, modelPath: string, settings: LlamaRunSettings, prefix: string, suffix: string, options: SamplingOptions, signal: AbortSignal): Promise<Generation> {
  const lib = await nodeLlamaCpp();
  const entry = await loadModel({ id, modelPath, settings });
  return queued(entry, "infill", async () => {
    const completion = new lib.LlamaCompletion({ contextSequence: entry.infillSequence });
    if (!completion.infillSupported) {
      throw new BackendError(
        "infillUnsupported",
        `${modelPath} has no fill-in-the-middle tokens, so it cannot complete code at the cursor. Choose a code model that supports FIM (a Qwen2.5-Coder, CodeLlama or StarCoder2 base model) for hearth.models.completion.`,
        "",
        "hearth.models.completion",
      );
    }
    // The FIM prompt: prefix token, prefix, suffix token, suffix, middle token.
    const promptTokens = entry.model.tokenize(prefix).length + entry.model.tokenize(suffix).length + 3;
    try {
      return await metered(id, entry.infillSequence, promptTokens, "completing", (onTextChunk) =>
        completion.generateInfillCompletionWithMeta(prefix, suffix, { signal, stopOnAbortSignal: true, maxTokens: options.maxTokens, temperature: options.temperature, onTextChunk }),
      );
    } finally {
      completion.dispose();
    }
  });
}

async function embed(id: number, modelPath: string, settings: LlamaRunSettings, texts: readonly string[]): Promise<number[][]> {
  const entry = await loadModel({ id, modelPath, settings });
  entry.embeddingContext ??= entry.model.createEmbeddingContext({ threads: settings.threads });
  const context = await entry.embeddingContext;
  const vectors: number[][] = [];
  for (const text of texts) vectors.push([...(await context.getEmbeddingFor(text)).vector]);
  return vectors;
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
    message.role === "assistant"
      ? { type: "model", response: [message.content] }
      : { type: message.role, text: message.content },
  );
  history.push({ type: "model", response: [] });
  return history;
}

function stopReason(reason: string): Generation["stopReason"] {
  return reason === "abort" ? "cancelled" : reason === "maxTokens" ? "maxTokens" : "endOfText";
}

async function unloadAll(): Promise<void> {
  const entries = [...loaded.values()];
  loaded.clear();
  for (const entry of entries) await (await entry.catch(() => undefined))?.model.dispose();
}

async function handle(request: WorkerRequest): Promise<unknown> {
  const controller = new AbortController();
  cancellations.set(request.id, controller);
  try {
    switch (request.type) {
      case "load":
        return describeLoaded(request.modelPath, await loadModel(request));
      case "chat":
        return await chat(request.id, request.modelPath, request.settings, request.messages, request.options, controller.signal);
      case "infill": {
        const context = request.request.context?.length ? `${request.request.context.join("\n\n")}\n\n` : "";
        return await infill(request.id, request.modelPath, request.settings, context + request.request.prefix, request.request.suffix, request.options, controller.signal);
      }
      case "embed":
        return await embed(request.id, request.modelPath, request.settings, request.texts);
      case "unload":
        await unloadAll();
        return null;
    }
  } finally {
    cancellations.delete(request.id);
  }
}

process.on("message", (message: HostToWorker) => {
  if (message.type === "cancel") {
    cancellations.get(message.id)?.abort();
    return;
  }
  handle(message).then(
    (result) => send({ type: "result", id: message.id, result: result as never }),
    (error: unknown) => {
      const known = error instanceof BackendError ? error : new BackendError("internal", (error as Error)?.message ?? String(error));
      send({ type: "error", id: message.id, code: known.code, message: known.message, partialText: known.partialText, setting: known.setting });
    },
  );
});
// The host going away (extension host closed or crashed) ends the worker too.
process.on("disconnect", () => process.exit(0));
send({ type: "ready" });
