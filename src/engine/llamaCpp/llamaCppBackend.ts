// The llama.cpp backend: GGUF files from the models folder, run in the worker process.
import type { BackendKind } from "../../config/settings";
import { listModelFiles, resolveModelPath } from "../../modelStore/modelFiles";
import { promises as fs } from "node:fs";
import { quantizationName } from "../../modelStore/ggufFacts";
import type { Backend, BackendState, ChatMessage, Generation, GenerationOptions, InfillRequest, LoadedModel, ModelFacts, ModelInfo } from "../backend";
import { BackendError } from "../backendError";
import { BackendActivity } from "../backendActivity";
import type { LlamaWorkerClient } from "./llamaWorkerClient";
import type { GpuMemoryReport, LlamaModelFacts, LlamaRunSettings, SequenceNeeds } from "./workerProtocol";
import { CHAT_MODEL_SETTING, COMPLETION_MODEL_SETTING, EMBEDDING_MODEL_SETTING } from "../settingNames";

export interface LlamaCppConfiguration {
  readonly modelsDirectory: string;
  readonly run: LlamaRunSettings;
  /** The files the settings name for chat and completion: a model gets the sequences its roles need. */
  readonly roles?: { readonly chat?: string; readonly completion?: string };
}

export class LlamaCppBackend implements Backend {
  readonly kind: BackendKind = "llamaCpp";
  /** What the worker reports it has in memory, by path. */
  private readonly loaded = new Map<string, LoadedModel>();
  private readonly activity = new BackendActivity();
  readonly onDidChangeState = this.activity.onDidChangeState;
  readonly onDidFinishRequest = this.activity.onDidFinishRequest;
  private readonly subscriptions;
  /** The GPU's memory as last reported by llama.cpp (after a load); undefined without a GPU. */
  gpuMemory: GpuMemoryReport | undefined;
  /** Header facts by path, modification time and chat format: a header is read once. */
  private readonly facts = new Map<string, Promise<LlamaModelFacts>>();

  constructor(
    private readonly worker: LlamaWorkerClient,
    private readonly configuration: () => LlamaCppConfiguration,
  ) {
    this.subscriptions = [
      worker.onLoading(({ modelPath, progress }) => this.activity.set({ kind: "loading", model: modelPath, progress })),
      worker.onLoaded((model) => {
        this.loaded.set(model.name, model);
        // A model loaded for counting tokens or the context size: no generation follows it.
        if (this.activity.state.kind === "loading") this.activity.set(this.activity.busy ? { kind: "generating", model: model.name } : this.idle());
        // A context made again (a model took a new role) changes what idle shows.
        else if (this.activity.state.kind === "idle") this.activity.set(this.idle());
      }),
      worker.onUnloaded((modelPath) => {
        this.loaded.delete(modelPath);
        if (this.activity.state.kind === "idle") this.activity.set(this.idle());
      }),
      worker.onGpu((memory) => (this.gpuMemory = memory)),
      worker.onExit(() => {
        this.loaded.clear();
        this.activity.set(this.idle());
      }),
    ];
  }

  get state(): BackendState {
    return this.activity.state;
  }

  async chat(model: string, messages: readonly ChatMessage[], options: GenerationOptions = {}, signal?: AbortSignal): Promise<Generation> {
    if (signal?.aborted) return cancelledBeforeStart();
    const { modelPath, run } = this.resolve(model, CHAT_MODEL_SETTING);
    return await this.generate(modelPath, () =>
      this.worker.request(
        {
          type: "chat",
          modelPath,
          settings: run,
          setting: CHAT_MODEL_SETTING,
          sequences: this.sequences(modelPath, run, "chat"),
          messages,
          options: { maxTokens: options.maxTokens, temperature: options.temperature },
          ...(options.conversation ? { conversation: options.conversation } : {}),
          ...(options.tools?.length ? { tools: options.tools, toolMode: options.toolMode ?? "auto" } : {}),
        },
        { onChunk: options.onChunk, signal },
      ),
    );
  }

  /**
   * A completion runs in the background (BackendActivity.background): no "generating" state, no
   * usage event, no error state; a newer completion for the model cancels it in the worker.
   */
  async infill(model: string, request: InfillRequest, options: GenerationOptions = {}, signal?: AbortSignal): Promise<Generation> {
    if (signal?.aborted) return cancelledBeforeStart();
    const { modelPath, run } = this.resolve(model, COMPLETION_MODEL_SETTING);
    return await this.activity.background(() => this.idle(), () =>
      this.worker.request(
        {
          type: "infill",
          modelPath,
          settings: run,
          setting: COMPLETION_MODEL_SETTING,
          sequences: this.sequences(modelPath, run, "infill"),
          request,
          options: { maxTokens: options.maxTokens, temperature: options.temperature },
        },
        { onChunk: options.onChunk, signal },
      ),
    );
  }

  async embed(model: string, texts: readonly string[], signal?: AbortSignal): Promise<number[][]> {
    const { modelPath, run } = this.resolve(model, EMBEDDING_MODEL_SETTING);
    return await this.activity.track(modelPath, () => this.idle(), () => this.worker.request({ type: "embed", modelPath, settings: run, setting: EMBEDDING_MODEL_SETTING, texts }, { signal }));
  }

  async listModels(): Promise<ModelInfo[]> {
    const files = await listModelFiles(this.configuration().modelsDirectory);
    return files.map((file) => ({ name: file.name, sizeBytes: file.sizeBytes }));
  }

  async load(model: string, signal?: AbortSignal): Promise<LoadedModel> {
    const { modelPath, run } = this.resolve(model, CHAT_MODEL_SETTING);
    return await this.activity.track(modelPath, () => this.idle(), () =>
      this.worker.request({ type: "load", modelPath, settings: run, setting: CHAT_MODEL_SETTING, sequences: this.sequences(modelPath, run, "load") }, { signal }),
    );
  }

  /** Counts with the chat model's tokenizer in the worker, in one request (see Backend.countTokens). */
  async countTokens(model: string, texts: readonly string[], signal?: AbortSignal): Promise<number[]> {
    if (signal?.aborted) throw new BackendError("cancelled", "Counting tokens was cancelled.");
    if (texts.length === 0) return [];
    const { modelPath, run } = this.resolve(model, CHAT_MODEL_SETTING);
    return await this.activity.quiet(() => this.idle(), () => this.worker.request({ type: "tokenize", modelPath, settings: run, setting: CHAT_MODEL_SETTING, texts }, { signal }));
  }

  /**
   * The tokens one chat sequence holds, less one: node-llama-cpp keeps a sequence's last cell free
   * (it shifts the context once the next token would reach `contextSize - 1`). The size is per
   * sequence: the worker's context allocates it for chat and again for completion.
   */
  async contextWindow(model: string, signal?: AbortSignal): Promise<number | undefined> {
    if (signal?.aborted) throw new BackendError("cancelled", "Asking the context size was cancelled.");
    const { modelPath, run } = this.resolve(model, CHAT_MODEL_SETTING);
    // Loaded already with the size the settings ask for: no round trip to the worker before a chat.
    const known = this.loaded.get(modelPath);
    if (run.contextSize > 0 && known?.contextSize === run.contextSize) return known.contextSize - 1;
    const loaded = await this.activity.quiet(() => this.idle(), () =>
      this.worker.request({ type: "load", modelPath, settings: run, setting: CHAT_MODEL_SETTING, sequences: this.sequences(modelPath, run, "chat") }, { signal }),
    );
    return loaded.contextSize === undefined ? undefined : loaded.contextSize - 1;
  }

  /**
   * What the model is, from its GGUF header (read in the worker, nothing loaded). The context
   * window is the loaded one when the model is in memory, else what the settings ask for, capped
   * by the trained length (with hearth.llamaCpp.contextSize 0, llama.cpp may allocate less when memory is short).
   */
  async describeModel(model: string, signal?: AbortSignal): Promise<ModelFacts> {
    const { modelPath, run } = this.resolve(model, CHAT_MODEL_SETTING);
    const stat = await fs.stat(modelPath).catch(() => undefined);
    const key = JSON.stringify([modelPath, stat?.mtimeMs, run.chatFormat]);
    let facts = this.facts.get(key);
    if (!facts) {
      facts = this.activity.quiet(() => this.idle(), () => this.worker.request({ type: "facts", modelPath, settings: run, setting: CHAT_MODEL_SETTING }, { signal }));
      this.facts.set(key, facts);
      facts.catch(() => this.facts.get(key) === facts && this.facts.delete(key)); // a failure is asked again next time
    }
    const header = await facts;
    const loaded = this.loaded.get(modelPath)?.contextSize;
    const asked = run.contextSize > 0 ? Math.min(run.contextSize, header.trainedContextSize ?? run.contextSize) : header.trainedContextSize;
    const window = loaded ?? asked;
    return {
      name: model,
      contextWindow: window === undefined ? undefined : window - 1, // the sequence's last cell stays free (see contextWindow)
      toolCalling: header.toolCalling,
      chat: header.chatTemplate || header.chatFormat !== "none",
      fillInMiddle: header.fillInMiddle,
      sizeBytes: stat?.size,
      quantization: quantizationName(header.fileType),
      family: header.architecture,
    };
  }

  /** Settings or files changed: the error state goes, and loads that crashed the worker may be tried again. */
  clearError(): void {
    this.worker.retryCrashedLoads();
    this.activity.clearError(this.idle());
  }

  /**
   * Frees the models not at these paths (models no setting uses any more), including one still
   * loading: it is stopped, or freed as soon as it is in memory.
   */
  async unloadExcept(keep: readonly string[]): Promise<void> {
    if (!this.worker.running) return;
    await this.worker.request({ type: "unload", keep });
  }

  /** Stops the worker, freeing every model; requests under way end as cancelled. Resolves once its memory is free. */
  async unload(): Promise<void> {
    const exited = this.worker.stop();
    this.loaded.clear();
    this.activity.set(this.idle());
    await exited;
  }

  dispose(): void {
    for (const subscription of this.subscriptions) subscription.dispose();
    this.worker.dispose();
    this.activity.dispose();
  }

  /**
   * The sequences a model's context needs: a pool of chat sequences when it is used for chat
   * (by the settings or by this request), an infill sequence when it completes code. A load
   * (the settings changed, or a chat is about to start) keeps the shape a loaded model has; a
   * model not loaded gets its roles' shape, chat when it has none (a model loaded to chat with).
   */
  private sequences(modelPath: string, run: LlamaRunSettings, use: "chat" | "infill" | "load"): SequenceNeeds {
    const roles = this.configuration().roles;
    const chatRole = roles?.chat === modelPath;
    const completionRole = roles?.completion === modelPath;
    if (use === "load") {
      const had = this.loaded.get(modelPath)?.sequences;
      if (had) return { chat: had.chat > 0 ? run.parallelConversations : 0, infill: had.infill };
      return { chat: chatRole || !completionRole ? run.parallelConversations : 0, infill: completionRole };
    }
    return {
      chat: use === "chat" || chatRole ? run.parallelConversations : 0,
      infill: use === "infill" || completionRole,
    };
  }

  private resolve(model: string, setting: string): { modelPath: string; run: LlamaRunSettings } {
    const configuration = this.configuration();
    const modelPath = resolveModelPath(model, configuration.modelsDirectory);
    if (!modelPath) {
      throw new BackendError("modelMissing", `No model is selected (${setting}). Select one with "Hearth: Select Model…".`, "", setting);
    }
    return { modelPath, run: configuration.run };
  }

  private async generate(modelPath: string, work: () => Promise<Generation>): Promise<Generation> {
    const generation = await this.activity.track(modelPath, () => this.idle(), work);
    this.activity.finished(generation.usage);
    return generation;
  }

  private idle(): BackendState {
    return { kind: "idle", loaded: [...this.loaded.values()] };
  }
}

/** A generation cancelled before it was sent: no worker is started and no model loaded for it. */
function cancelledBeforeStart(): Generation {
  return { text: "", stopReason: "cancelled", usage: { promptTokens: 0, reusedPromptTokens: 0, completionTokens: 0, timeToFirstTokenMs: 0, tokensPerSecond: 0 } };
}
