// The models loaded in the llama.cpp worker, one copy per file (so a file used for chat and for
// completion is loaded once). A request for a file with other run settings replaces the copy:
// the old one is retired, and freed only when the requests still using it have finished, so a
// settings change never pulls a model out from under an answer being written.
import type * as NodeLlamaCpp from "node-llama-cpp" with { "resolution-mode": "import" };
import type { LoadedModel } from "../backend";
import { assertModelFileUsable, describeLoadFailure } from "./modelFileErrors";
import type { InfillState } from "./workerInfill";
import type { LlamaRunSettings, WorkerToHost } from "./workerProtocol";

type Library = typeof NodeLlamaCpp;

export interface LoadedEntry {
  readonly modelPath: string;
  readonly model: NodeLlamaCpp.LlamaModel;
  readonly context: NodeLlamaCpp.LlamaContext;
  /** One sequence per use, so a chat turn and a completion keep their own KV cache. */
  readonly chatSequence: NodeLlamaCpp.LlamaContextSequence;
  readonly infillSequence: NodeLlamaCpp.LlamaContextSequence;
  embeddingContext?: Promise<NodeLlamaCpp.LlamaEmbeddingContext>;
  /** Resolving a chat wrapper renders the model's template many times (~200 ms): once per format. */
  readonly chatWrappers: Map<string, NodeLlamaCpp.ChatWrapper>;
  /** Requests on one sequence run one after another. */
  readonly queues: { chat: Promise<unknown>; infill: Promise<unknown> };
  /** The completion sequence's FIM formats and last prompt. */
  readonly infill: InfillState;
  users: number;
  retired: boolean;
  drained?: () => void;
}

interface Entry {
  readonly settingsKey: string;
  readonly loading: Promise<LoadedEntry>;
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
  async use<T>(request: { id: number; modelPath: string; settings: LlamaRunSettings }, work: (entry: LoadedEntry) => Promise<T>): Promise<T> {
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

  /** Frees every model not named in `keep` (once its requests finish). */
  async evict(keep: readonly string[] = []): Promise<void> {
    const retiring: Array<Promise<void>> = [];
    for (const [modelPath, entry] of this.entries) {
      if (keep.includes(modelPath)) continue;
      this.entries.delete(modelPath);
      retiring.push(this.retire(modelPath, entry.loading));
    }
    await Promise.all(retiring);
  }

  private acquire(request: { id: number; modelPath: string; settings: LlamaRunSettings }): Promise<LoadedEntry> {
    const { modelPath, settings } = request;
    const settingsKey = JSON.stringify([settings.gpuLayers, settings.contextSize, settings.threads, settings.batchSize, settings.flashAttention]);
    const existing = this.entries.get(modelPath);
    if (existing?.settingsKey === settingsKey) return existing.loading;
    // Registered before anything is awaited, so concurrent requests share this one load.
    const entry: Entry = { settingsKey, loading: this.load(request, existing) };
    this.entries.set(modelPath, entry);
    entry.loading.catch(() => this.entries.get(modelPath) === entry && this.entries.delete(modelPath));
    return entry.loading;
  }

  private async load(request: { id: number; modelPath: string; settings: LlamaRunSettings }, previous: Entry | undefined): Promise<LoadedEntry> {
    const { modelPath, settings } = request;
    if (previous) await this.retire(modelPath, previous.loading);
    await this.retiring.get(modelPath);
    await assertModelFileUsable(modelPath);
    const lib = await this.library();
    // build: "never": use the prebuilt binaries shipped with Hearth; never compile llama.cpp here.
    this.llama ??= lib.getLlama({ gpu: "auto", build: "never", maxThreads: settings.threads, logLevel: lib.LlamaLogLevel.warn });
    const llama = await this.llama;
    llama.maxThreads = settings.threads; // contexts never get more threads than this
    this.send({ type: "loading", id: request.id, modelPath, progress: 0 });
    let model: NodeLlamaCpp.LlamaModel;
    try {
      model = await llama.loadModel({
        modelPath,
        gpuLayers: settings.gpuLayers,
        onLoadProgress: (progress) => this.send({ type: "loading", id: request.id, modelPath, progress }),
      });
    } catch (error) {
      throw await describeLoadFailure(modelPath, error);
    }
    this.noteMissingGpu(llama, settings, model);
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
    const entry: LoadedEntry = {
      modelPath,
      model,
      context,
      chatSequence: context.getSequence(),
      infillSequence: context.getSequence(),
      chatWrappers: new Map(),
      queues: { chat: Promise.resolve(), infill: Promise.resolve() },
      infill: { formats: new Map() },
      users: 0,
      retired: false,
    };
    this.send({ type: "loaded", model: describeLoaded(entry) });
    return entry;
  }

  private retire(modelPath: string, loading: Promise<LoadedEntry>): Promise<void> {
    const retiring = (async () => {
      await this.retiring.get(modelPath); // an older copy of the same file goes first
      const entry = await loading.catch(() => undefined);
      if (!entry || entry.retired) return;
      entry.retired = true;
      if (entry.users > 0) await new Promise<void>((resolve) => (entry.drained = resolve));
      await entry.model.dispose();
      this.send({ type: "unloaded", modelPath: entry.modelPath });
    })();
    this.retiring.set(modelPath, retiring);
    void retiring.finally(() => this.retiring.get(modelPath) === retiring && this.retiring.delete(modelPath));
    return retiring;
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

export function describeLoaded(entry: LoadedEntry): LoadedModel {
  return {
    name: entry.modelPath,
    gpuLayers: entry.model.gpuLayers,
    totalLayers: entry.model.fileInsights.totalLayers,
    contextSize: entry.context.contextSize, // per sequence: node-llama-cpp allocates it for each of the two
  };
}
