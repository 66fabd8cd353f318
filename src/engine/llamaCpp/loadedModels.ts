// The models loaded in the llama.cpp worker, one copy per file (so a file used for chat and for
// completion is loaded once). A request for a file with other run settings replaces the copy:
// the old one is retired, and freed only when the requests still using it have finished, so a
// settings change never pulls a model out from under an answer being written. A load nobody
// waits for any more (every request cancelled, or the model freed meanwhile) is stopped.
import type * as NodeLlamaCpp from "node-llama-cpp" with { "resolution-mode": "import" };
import type { LoadedModel } from "../backend";
import { assertModelFileUsable, describeLoadFailure } from "./modelFileErrors";
import { BackendError } from "../backendError";
import { untilAborted } from "../untilAborted";
import { ModelContext, unionShape } from "./modelContext";
import type { InfillState } from "./workerInfill";
import type { LlamaRunSettings, SequenceNeeds, WorkerToHost } from "./workerProtocol";

type Library = typeof NodeLlamaCpp;

export interface LoadedEntry {
  readonly modelPath: string;
  readonly model: NodeLlamaCpp.LlamaModel;
  /** The context with the sequences the model's roles need, made on first use (see ModelContext). */
  context?: Promise<ModelContext>;
  embeddingContext?: Promise<NodeLlamaCpp.LlamaEmbeddingContext>;
  /** Resolving a chat wrapper renders the model's template many times (~200 ms): once per format. */
  readonly chatWrappers: Map<string, NodeLlamaCpp.ChatWrapper>;
  /** The completion sequence's FIM formats and last prompt. */
  readonly infill: InfillState;
  users: number;
  retired: boolean;
  drained?: () => void;
}

interface Entry {
  readonly settingsKey: string;
  readonly loading: Promise<LoadedEntry>;
  /** Aborts the load: every request that waited for it was cancelled, or the model was freed meanwhile. */
  readonly controller: AbortController;
  /** Requests waiting for this load to finish. */
  waiting: number;
  settled: boolean;
}

interface ModelUse {
  readonly id: number;
  readonly modelPath: string;
  readonly settings: LlamaRunSettings;
  readonly signal?: AbortSignal;
}

export class LoadedModels {
  private readonly entries = new Map<string, Entry>();
  /** Copies being freed, by file: a new copy of that file is loaded only after the old one is gone. */
  private readonly retiring = new Map<string, Promise<void>>();
  private llama: Promise<NodeLlamaCpp.Llama> | undefined;

  constructor(
    private readonly library: () => Promise<Library>,
    private readonly send: (message: WorkerToHost) => void,
  ) {}

  /** Runs `work` with the model loaded for `settings`; the model is not freed while `work` runs. */
  async use<T>(request: ModelUse, work: (entry: LoadedEntry) => Promise<T>): Promise<T> {
    let entry: LoadedEntry;
    for (;;) {
      entry = await this.acquire(request);
      if (!entry.retired) break; // replaced meanwhile: take the new copy
    }
    entry.users++;
    try {
      return await work(entry);
    } finally {
      entry.users--;
      if (entry.retired && entry.users === 0) entry.drained?.();
    }
  }

  /**
   * Runs `work` on the model's context with at least the sequences `needs` asks for; the context is
   * held from the moment it is chosen, so no other request can free it first. A context that lacks
   * some sequences is replaced by one with both shapes', once the requests using the old one finish.
   */
  async withContext<T>(entry: LoadedEntry, needs: SequenceNeeds, settings: LlamaRunSettings, signal: AbortSignal | undefined, work: (context: ModelContext) => Promise<T>): Promise<T> {
    for (;;) {
      if (signal?.aborted) throw requestCancelled(entry.modelPath);
      const pending = entry.context;
      const current = pending && (await untilAborted(pending.catch(() => undefined), signal, () => requestCancelled(entry.modelPath)));
      if (current && !current.retired && current.covers(needs)) return current.use(work);
      if (entry.context !== pending) continue; // another request is replacing it: wait for that one
      const shape = unionShape(current?.shape, needs);
      const replacing = (async () => {
        await current?.retire();
        try {
          const context = await ModelContext.create(entry.model, shape, settings);
          this.send({ type: "loaded", model: describeLoaded(entry, context) });
          return context;
        } catch (error) {
          throw await describeLoadFailure(entry.modelPath, error);
        }
      })();
      entry.context = replacing;
      // A context that could not be made is tried again by the next request, not remembered.
      replacing.catch(() => entry.context === replacing && (entry.context = undefined));
      await untilAborted(replacing, signal, () => requestCancelled(entry.modelPath)); // then take it as any request would
    }
  }

  /**
   * Frees every model not named in `keep` (once its requests finish). A load nobody waits for is
   * stopped; one that requests still wait for finishes, answers them, and is freed after.
   */
  async evict(keep: readonly string[] = []): Promise<void> {
    const retiring: Array<Promise<void>> = [];
    for (const [modelPath, entry] of this.entries) {
      if (keep.includes(modelPath)) continue;
      this.entries.delete(modelPath);
      if (!entry.settled && entry.waiting === 0) entry.controller.abort();
      retiring.push(this.retire(modelPath, entry.loading));
    }
    await Promise.all(retiring);
  }

  private async acquire(request: ModelUse): Promise<LoadedEntry> {
    const { modelPath, settings } = request;
    const settingsKey = JSON.stringify([settings.gpuLayers, settings.contextSize, settings.parallelConversations, settings.threads, settings.batchSize, settings.flashAttention]);
    let entry = this.entries.get(modelPath);
    // A load that was stopped is not joined: a new one starts once it has let go.
    if (entry?.settingsKey !== settingsKey || entry.controller.signal.aborted) {
      // Registered before anything is awaited, so concurrent requests share this one load.
      const controller = new AbortController();
      const created: Entry = { settingsKey, controller, waiting: 0, settled: false, loading: this.load(request, entry, controller.signal) };
      this.entries.set(modelPath, created);
      void created.loading.then(
        () => (created.settled = true),
        () => {
          created.settled = true;
          if (this.entries.get(modelPath) === created) this.entries.delete(modelPath);
        },
      );
      entry = created;
    }
    return await this.waitFor(entry, request.signal, modelPath);
  }

  /**
   * Waits for the load, or until this request is cancelled. When no request waits any more, the
   * load is stopped — one turn later, so the request sent right after a cancel (the next keystroke)
   * joins it instead of starting over.
   */
  private async waitFor(entry: Entry, signal: AbortSignal | undefined, modelPath: string): Promise<LoadedEntry> {
    if (entry.settled) return await entry.loading;
    if (signal?.aborted) throw requestCancelled(modelPath);
    entry.waiting++;
    let left = false;
    const leave = () => {
      if (left) return;
      left = true;
      entry.waiting--;
      if (entry.waiting > 0 || entry.settled) return;
      setImmediate(() => entry.waiting === 0 && !entry.settled && entry.controller.abort());
    };
    try {
      return await untilAborted(entry.loading, signal, () => requestCancelled(modelPath));
    } finally {
      leave();
    }
  }

  private async load(request: ModelUse, previous: Entry | undefined, signal: AbortSignal): Promise<LoadedEntry> {
    const { modelPath, settings } = request;
    if (previous) await this.retire(modelPath, previous.loading);
    await this.retiring.get(modelPath);
    await assertModelFileUsable(modelPath);
    const lib = await this.library();
    // build: "never": use the prebuilt binaries shipped with Hearth; never compile llama.cpp here.
    this.llama ??= lib.getLlama({ gpu: "auto", build: "never", maxThreads: settings.threads, logLevel: lib.LlamaLogLevel.warn });
    const llama = await this.llama;
    llama.maxThreads = settings.threads; // contexts never get more threads than this
    if (signal.aborted) throw loadCancelled(modelPath);
    this.send({ type: "loading", id: request.id, modelPath, progress: 0 });
    let model: NodeLlamaCpp.LlamaModel;
    try {
      model = await llama.loadModel({
        modelPath,
        gpuLayers: settings.gpuLayers,
        loadSignal: signal,
        onLoadProgress: (progress) => this.send({ type: "loading", id: request.id, modelPath, progress }),
      });
    } catch (error) {
      if (signal.aborted) throw loadCancelled(modelPath);
      throw await describeLoadFailure(modelPath, error);
    }
    if (signal.aborted) {
      await model.dispose();
      throw loadCancelled(modelPath);
    }
    this.noteMissingGpu(llama, settings, model);
    await this.reportGpu(llama);
    const entry: LoadedEntry = { modelPath, model, chatWrappers: new Map(), infill: { formats: new Map() }, users: 0, retired: false };
    this.send({ type: "loaded", model: describeLoaded(entry) });
    return entry;
  }

  private retire(modelPath: string, loading: Promise<LoadedEntry>): Promise<void> {
    const retiring = (async () => {
      await this.retiring.get(modelPath); // an older copy of the same file goes first
      const entry = await loading.catch(() => undefined);
      // Requests that waited for this load take it up in the same turn: they are answered first.
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (!entry || entry.retired) return;
      entry.retired = true;
      if (entry.users > 0) await new Promise<void>((resolve) => (entry.drained = resolve));
      await (await entry.context?.catch(() => undefined))?.retire();
      await entry.model.dispose();
      this.send({ type: "unloaded", modelPath: entry.modelPath });
    })();
    this.retiring.set(modelPath, retiring);
    void retiring.finally(() => this.retiring.get(modelPath) === retiring && this.retiring.delete(modelPath));
    return retiring;
  }

  /** What the GPU has free now, for the Models view's fit marks (nothing to say without a GPU). */
  private async reportGpu(llama: NodeLlamaCpp.Llama): Promise<void> {
    if (llama.gpu === false) return;
    const vram = await llama.getVramState().catch(() => undefined);
    if (vram) this.send({ type: "gpu", gpu: llama.gpu, totalBytes: vram.total, freeBytes: vram.free });
  }

  /** Layers were asked for the GPU but none went there (the host says so once per session). */
  private noteMissingGpu(llama: NodeLlamaCpp.Llama, settings: LlamaRunSettings, model: NodeLlamaCpp.LlamaModel): void {
    const asked = settings.gpuLayers === "max" || (typeof settings.gpuLayers === "number" && settings.gpuLayers > 0);
    if (!asked || model.gpuLayers > 0) return;
    this.send({
      type: "notice",
      message:
        llama.gpu === false
          ? `hearth.llamaCpp.gpuLayers asks for ${String(settings.gpuLayers)} layers on the GPU, but llama.cpp found no GPU it can use on this machine, so the model runs on the CPU.`
          : `hearth.llamaCpp.gpuLayers asks for ${String(settings.gpuLayers)} layers on the GPU (${String(llama.gpu)}), but none fit; the model runs on the CPU.`,
    });
  }
}

/** The model as the host sees it; the context size (per sequence) once a context is made. */
export function describeLoaded(entry: LoadedEntry, context?: ModelContext): LoadedModel {
  return {
    name: entry.modelPath,
    gpuLayers: entry.model.gpuLayers,
    totalLayers: entry.model.fileInsights.totalLayers,
    contextSize: context?.context.contextSize,
    sequences: context?.shape,
  };
}

function loadCancelled(modelPath: string): BackendError {
  return new BackendError("cancelled", `Loading ${modelPath} was stopped: nothing needs it any more.`);
}

function requestCancelled(modelPath: string): BackendError {
  return new BackendError("cancelled", `The request for ${modelPath} was cancelled while the model was being made ready.`);
}
