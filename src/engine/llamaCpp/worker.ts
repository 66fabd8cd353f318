// The llama.cpp worker: a child process that owns node-llama-cpp and the model weights, so a
// native crash or an out-of-memory kills only this process, never the extension host.
// It answers WorkerRequests (workerProtocol.ts) over Node's IPC channel.
import type * as NodeLlamaCpp from "node-llama-cpp" with { "resolution-mode": "import" };
import type { ChatMessage, Generation } from "../backend";
import { GenerationClock, infillPrompt } from "../backend";
import { BackendError } from "../backendError";
import { describeLoaded, LoadedModels, type LoadedEntry } from "./loadedModels";
import { cancelledBeforeStart, metered, resolveChatFormat, toChatHistory, type GenerationRequest } from "./workerGeneration";
import type { HostToWorker, LlamaRunSettings, WorkerRequest, WorkerToHost } from "./workerProtocol";

type Library = typeof NodeLlamaCpp;

const send = (message: WorkerToHost) => process.send?.(message);

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
        return await metered(request, send, entry.chatSequence, promptTokens, "answering", (options) => session.generateResponse(history, options));
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
        return await metered(request, send, entry.infillSequence, promptTokens, "completing", (options) =>
          completion.generateInfillCompletionWithMeta(prefix, suffix, options),
        );
      } finally {
        completion.dispose();
      }
    }),
  );
}

interface PlainRequest {
  readonly id: number;
  readonly modelPath: string;
  readonly settings: LlamaRunSettings;
  readonly signal: AbortSignal;
}

async function embed(request: PlainRequest, texts: readonly string[]): Promise<number[][]> {
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

/** Tokenizing is synchronous: after this many characters the worker lets other messages (a cancel) in. */
const TOKENIZE_CHARACTERS_BETWEEN_PAUSES = 200_000;

/**
 * Token counts as the model's tokenizer makes them from plain text: `model.tokenize(text)` adds
 * no BOS and reads special-token text as ordinary text, as chat templates treat message contents.
 */
async function tokenize(request: PlainRequest, texts: readonly string[]): Promise<number[]> {
  const cancelled = () => new BackendError("cancelled", "Counting tokens was cancelled.");
  if (request.signal.aborted) throw cancelled();
  return models.use(request, async (entry) => {
    const counts: number[] = [];
    let sincePause = 0;
    for (const text of texts) {
      if (request.signal.aborted) throw cancelled();
      counts.push(entry.model.tokenize(text).length);
      sincePause += text.length;
      if (sincePause >= TOKENIZE_CHARACTERS_BETWEEN_PAUSES) {
        sincePause = 0;
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
    return counts;
  });
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
    case "tokenize":
      return tokenize({ ...request, signal }, request.texts);
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
