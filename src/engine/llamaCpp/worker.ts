// The llama.cpp worker: a child process that owns node-llama-cpp and the model weights, so a
// native crash or an out-of-memory kills only this process, never the extension host.
// It answers WorkerRequests (workerProtocol.ts) over Node's IPC channel. Each model's context has
// the sequences its roles need (modelContext.ts): chat requests share a pool of chat sequences
// (sequencePool.ts); completions take the infill sequence latest-wins (a keystroke's request
// cancels the stale one at once, since nobody waits for its answer any more).
import type * as NodeLlamaCpp from "node-llama-cpp" with { "resolution-mode": "import" };
import type { ChatMessage, Generation, InfillRequest } from "../backend";
import { GenerationClock } from "../backend";
import { BackendError } from "../backendError";
import { describeLoaded, LoadedModels } from "./loadedModels";
import { modelFileError } from "./modelFileErrors";
import type { ModelContext } from "./modelContext";
import { generateChat } from "./workerChat";
import { cancelledBeforeStart, type GenerationRequest } from "./workerGeneration";
import { generateInfill } from "./workerInfill";
import { readModelFacts } from "./workerModelFacts";
import type { ChatExtras, HostToWorker, LlamaRunSettings, SequenceNeeds, WorkerRequest, WorkerToHost } from "./workerProtocol";

type Library = typeof NodeLlamaCpp;

const send = (message: WorkerToHost) => process.send?.(message);

let library: Promise<Library> | undefined;
const nodeLlamaCpp = (): Promise<Library> => (library ??= import("node-llama-cpp"));
const models = new LoadedModels(nodeLlamaCpp, send);
const cancellations = new Map<number, AbortController>();
/** The infill request under way or waiting for each model: a newer one cancels it (latest wins). */
const latestInfill = new Map<string, number>();

/**
 * Runs `work` on the model's infill sequence after the infill before it; a request cancelled while
 * it waits gives up at once, and the request after it still waits for the one holding the sequence.
 */
function queuedUnlessCancelled<T>(context: ModelContext, signal: AbortSignal, work: () => Promise<T>, cancelled: () => T): Promise<T> {
  const previous = context.infillQueue;
  let stopWaiting: () => void = () => undefined;
  const aborted = new Promise<void>((resolve) => (stopWaiting = resolve));
  signal.addEventListener("abort", stopWaiting, { once: true });
  const run = Promise.race([previous, aborted]).then(() => {
    signal.removeEventListener("abort", stopWaiting);
    return signal.aborted ? cancelled() : work();
  });
  // Only the order is kept, not the answers (a queue of settled generations would grow with every keystroke).
  context.infillQueue = Promise.allSettled([previous, run]).then(() => undefined);
  return run;
}

/** A generation whose load or wait was cut short by its own cancel ends as cancelled, not as an error. */
async function cancellable(request: GenerationRequest, work: () => Promise<Generation>): Promise<Generation> {
  if (request.signal.aborted) return cancelledBeforeStart(request);
  try {
    return await work();
  } catch (error) {
    if (request.signal.aborted) return cancelledBeforeStart(request);
    throw error;
  }
}

async function chat(request: GenerationRequest & ChatExtras & { sequences?: SequenceNeeds }, messages: readonly ChatMessage[]): Promise<Generation> {
  return cancellable(request, async () => {
    const lib = await nodeLlamaCpp();
    const needs = { chat: Math.max(1, request.sequences?.chat ?? request.settings.parallelConversations), infill: request.sequences?.infill ?? false };
    return models.use(request, (entry) => models.withContext(entry, needs, request.settings, request.signal, (context) => generateChat(lib, entry, context, request, messages, send)));
  });
}

async function infill(request: GenerationRequest & { sequences?: SequenceNeeds }, fim: InfillRequest): Promise<Generation> {
  return cancellable(request, async () => {
    const lib = await nodeLlamaCpp();
    const needs = { chat: request.sequences?.chat ?? 0, infill: true };
    return models.use(request, (entry) =>
      models.withContext(entry, needs, request.settings, request.signal, (context) =>
        queuedUnlessCancelled(context, request.signal, () => generateInfill(lib, entry, context, request, fim, send), () => cancelledBeforeStart(request)),
      ),
    );
  });
}

/** A new infill request cancels the model's previous one at once, wherever it is (loading, waiting, evaluating, generating). */
function supersedeInfill(modelPath: string, id: number): void {
  const previous = latestInfill.get(modelPath);
  if (previous !== undefined) cancellations.get(previous)?.abort();
  latestInfill.set(modelPath, id);
}

interface PlainRequest {
  readonly id: number;
  readonly modelPath: string;
  readonly settings: LlamaRunSettings;
  readonly signal: AbortSignal;
}

async function embed(request: PlainRequest, texts: readonly string[]): Promise<number[][]> {
  return models.use(request, async (entry) => {
    if (!entry.embeddingContext) {
      const creating = entry.model.createEmbeddingContext({ threads: request.settings.threads });
      entry.embeddingContext = creating;
      // One that could not be made is tried again next time (memory may have been freed), not remembered.
      creating.catch(() => entry.embeddingContext === creating && (entry.embeddingContext = undefined));
    }
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
      return models.use({ ...request, signal }, async (entry) =>
        request.sequences ? models.withContext(entry, request.sequences, request.settings, signal, (context) => Promise.resolve(describeLoaded(entry, context))) : describeLoaded(entry),
      );
    case "chat":
      return chat({ ...request, signal, clock }, request.messages);
    case "infill":
      return infill({ ...request, signal, clock }, request.request);
    case "embed":
      return embed({ ...request, signal }, request.texts);
    case "tokenize":
      return tokenize({ ...request, signal }, request.texts);
    case "facts":
      return readModelFacts(await nodeLlamaCpp(), request.modelPath, request.settings.chatFormat);
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
  if (message.type === "infill") supersedeInfill(message.modelPath, message.id);
  const setting = message.type === "unload" ? undefined : message.setting;
  handle(message, controller.signal, clock)
    .then(
      (result) => send({ type: "result", id: message.id, result: result as never }),
      (error: unknown) => {
        const known = modelFileError(error instanceof BackendError ? error : new BackendError("internal", (error as Error)?.message ?? String(error)), setting);
        send({ type: "error", id: message.id, code: known.code, message: known.message, partialText: known.partialText, setting: known.setting });
      },
    )
    .finally(() => {
      cancellations.delete(message.id);
      if (message.type === "infill" && latestInfill.get(message.modelPath) === message.id) latestInfill.delete(message.modelPath);
    });
});
// The host going away (extension host closed or crashed) ends the worker too.
process.on("disconnect", () => process.exit(0));
