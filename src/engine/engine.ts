// The engine facade: the one Backend the features use, built for the backend the settings
// name and rebuilt when they name another. For llama.cpp, a change to how models run (GPU
// layers, context, threads…) reloads the models that were loaded, so the change applies at once.
import * as path from "node:path";
import type { HearthSettings } from "../config/settings";
import { withServerApproval, type ApproveServer, type ServerToApprove } from "./approvedBackend";
import type { Backend, BackendState, Usage } from "./backend";
import { Emitter, type Disposable } from "./event";
import { LlamaCppBackend } from "./llamaCpp/llamaCppBackend";
import { LlamaWorkerClient } from "./llamaCpp/llamaWorkerClient";
import { resolveThreads } from "./llamaCpp/threads";
import type { GpuMemoryReport, LlamaRunSettings } from "./llamaCpp/workerProtocol";
import { OllamaBackend } from "./ollama/ollamaBackend";
import { OpenAiBackend } from "./openai/openAiBackend";
import { resolveOllamaHost } from "./serverAddress";
import { resolveModelPath } from "../modelStore/modelFiles";
import { MODEL_ROLES } from "../modelStore/modelRoles";

export interface EngineOptions {
  readonly settings: () => HearthSettings;
  readonly modelsDirectory: () => string;
  /** dist/llamaWorker.js */
  readonly workerScript: string;
  /** The OpenAI-compatible server's API key for this origin, if one is stored for it. */
  readonly apiKey: (origin: string) => Promise<string | undefined>;
  /** OLLAMA_HOST, used when hearth.ollama.host is empty. */
  readonly ollamaHostFromEnvironment: string | undefined;
  /**
   * Asked before each request to an Ollama or OpenAI-compatible server (the answer is the
   * caller's to remember); a refused server receives nothing. Absent: every server is allowed.
   */
  readonly approveServer?: ApproveServer;
  readonly log: (level: "info" | "warn" | "error", message: string) => void;
  /** Said once to the user, such as "no GPU: layers run on the CPU". */
  readonly notify: (message: string) => void;
}

export function llamaRunSettings(settings: HearthSettings): LlamaRunSettings {
  const { llamaCpp } = settings;
  return {
    gpuLayers: llamaCpp.gpuLayers,
    contextSize: llamaCpp.contextSize,
    parallelConversations: llamaCpp.parallelConversations,
    threads: resolveThreads(llamaCpp.threads),
    batchSize: llamaCpp.batchSize,
    flashAttention: llamaCpp.flashAttention === "auto" ? "auto" : llamaCpp.flashAttention === "on",
    chatFormat: llamaCpp.chatFormat,
  };
}

export class Engine implements Disposable {
  private current: { backend: Backend; key: string; subscriptions: Disposable[] } | undefined;
  private readonly stateEmitter = new Emitter<BackendState>();
  private readonly usageEmitter = new Emitter<Usage>();
  readonly onDidChangeState = this.stateEmitter.event;
  readonly onDidFinishRequest = this.usageEmitter.event;
  private lastRunSettings: string;
  /** What the backend depends on, as last seen: only a change to it can fix an error. */
  private lastEngineSettings: string;
  /** Settings changes are applied one after another, each reading the settings anew. */
  private applying: Promise<void> = Promise.resolve();
  /** Notices already given this session (a new worker or backend does not repeat them). */
  private readonly noticesGiven = new Set<string>();

  constructor(private readonly options: EngineOptions) {
    this.lastRunSettings = JSON.stringify(llamaRunSettings(options.settings()));
    this.lastEngineSettings = engineSettingsKey(options.settings());
  }

  /** The current backend's state, without creating a backend. */
  get state(): BackendState {
    return this.current?.backend.state ?? { kind: "idle", loaded: [] };
  }

  /**
   * The backend for the current settings (created on first use: nothing starts at activation).
   * Replacing one fires the new one's state, whoever noticed the switch first.
   */
  get backend(): Backend {
    const kind = this.options.settings().backend;
    if (this.current?.key === kind) return this.current.backend;
    const backend = this.switchTo(kind);
    return this.current?.backend ?? backend; // a listener may have switched again, or disposed the engine
  }

  /** The GPU's memory as llama.cpp last reported it (after a model load), when it runs models on one. */
  get gpuMemory(): GpuMemoryReport | undefined {
    const backend = this.current?.backend;
    return backend instanceof LlamaCppBackend ? backend.gpuMemory : undefined;
  }

  /** Call when something outside settings may have fixed an error (a model file appeared): the state leaves "error". */
  clearError(): void {
    this.current?.backend.clearError?.();
  }

  /**
   * Call when settings change: switches backend; for llama.cpp, loads the loaded models again
   * when how they run changed, and frees the models no setting names any more.
   */
  settingsChanged(): void {
    const settings = this.options.settings();
    const run = JSON.stringify(llamaRunSettings(settings));
    const runChanged = run !== this.lastRunSettings;
    this.lastRunSettings = run;
    const engineSettings = engineSettingsKey(settings);
    const engineChanged = engineSettings !== this.lastEngineSettings;
    this.lastEngineSettings = engineSettings;
    if (!this.current) return;
    if (this.current.key !== settings.backend) {
      this.switchTo(settings.backend);
      return;
    }
    const backend = this.current.backend;
    // Whatever failed may work with these settings; the next request shows an error again if not.
    // A change to anything else (a chat prompt, say) leaves a true error standing.
    if (engineChanged) backend.clearError?.();
    if (!(backend instanceof LlamaCppBackend)) return;
    this.applying = this.applying.then(() => this.applyToLlamaCpp(backend, runChanged));
  }

  private async applyToLlamaCpp(backend: LlamaCppBackend, runChanged: boolean): Promise<void> {
    const settings = this.options.settings();
    const inUse = MODEL_ROLES.map((role) => resolveModelPath(settings.models[role], this.options.modelsDirectory()))
      .filter((modelPath): modelPath is string => modelPath !== undefined);
    const state = backend.state;
    const loaded = state.kind === "idle" ? state.loaded.map((model) => model.name) : [];
    await backend.unloadExcept(inUse).catch((error: Error) => this.options.log("warn", `Freeing unused models: ${error.message}`));
    if (!runChanged) return;
    for (const name of loaded.filter((modelPath) => inUse.includes(modelPath))) {
      if (this.current?.backend !== backend) return; // switched backend meanwhile
      this.options.log("info", `llama.cpp settings changed: loading ${name} again.`);
      await backend.load(name).catch((error: Error) => this.options.log("error", `Reloading ${name}: ${error.message}`));
    }
  }

  dispose(): void {
    this.disposeCurrent();
    this.stateEmitter.dispose();
    this.usageEmitter.dispose();
  }

  /** Replaces the backend, then says so: listeners run once `current` is the new one (they may read it). */
  private switchTo(kind: HearthSettings["backend"]): Backend {
    const replacing = this.current !== undefined;
    const backend = this.replace(kind);
    if (replacing) this.stateEmitter.fire(backend.state);
    return backend;
  }

  private replace(kind: HearthSettings["backend"]): Backend {
    this.disposeCurrent();
    const backend = this.create(kind);
    this.current = {
      backend,
      key: kind,
      subscriptions: [
        backend.onDidChangeState((state) => this.stateEmitter.fire(state)),
        backend.onDidFinishRequest((usage) => this.usageEmitter.fire(usage)),
      ],
    };
    return backend;
  }

  private create(kind: HearthSettings["backend"]): Backend {
    const { settings, modelsDirectory, log } = this.options;
    switch (kind) {
      case "llamaCpp": {
        const worker = new LlamaWorkerClient({
          workerScript: this.options.workerScript,
          // 0 means "until VS Code closes"; timers take at most 2^31-1 ms.
          keepAliveMs: () => (settings().llamaCpp.keepAlive > 0 ? settings().llamaCpp.keepAlive * 1000 : 2 ** 31 - 1),
          log,
        });
        worker.onNotice((message) => {
          if (this.noticesGiven.has(message)) return;
          this.noticesGiven.add(message);
          this.options.notify(message);
        });
        return new LlamaCppBackend(worker, () => ({
          modelsDirectory: modelsDirectory(),
          run: llamaRunSettings(settings()),
          roles: {
            chat: resolveModelPath(settings().models.chat, modelsDirectory()),
            completion: resolveModelPath(settings().models.completion, modelsDirectory()),
          },
        }));
      }
      case "ollama": {
        const host = () => resolveOllamaHost(settings().ollama.host, this.options.ollamaHostFromEnvironment);
        return this.approved(new OllamaBackend(() => ({ host: host(), keepAlive: settings().ollama.keepAlive })), "ollama", host);
      }
      case "openai":
        return this.approved(new OpenAiBackend(() => ({ baseUrl: settings().openai.baseUrl, apiKey: this.options.apiKey })), "openai", () => settings().openai.baseUrl);
    }
  }

  /** The server backend, asking approveServer before each request to the address `url()` names now. */
  private approved<T extends Backend>(backend: T, kind: ServerToApprove["backend"], url: () => string): T {
    const approve = this.options.approveServer;
    if (!approve) return backend;
    // An address that has no http(s) origin cannot be fetched: the backend's own error says so.
    const origin = () => (URL.canParse(url()) ? new URL(url()).origin : "null");
    return withServerApproval(backend, () => (origin() === "null" ? undefined : { backend: kind, address: origin() }), approve);
  }

  private disposeCurrent(): void {
    if (!this.current) return;
    for (const subscription of this.current.subscriptions) subscription.dispose();
    this.current.backend.dispose();
    this.current = undefined;
  }
}

/** The settings a backend's errors can depend on (not the chat's prompts, say). */
function engineSettingsKey(settings: HearthSettings): string {
  return JSON.stringify([settings.backend, settings.models, settings.modelsDirectory, settings.llamaCpp, settings.ollama, settings.openai]);
}

/** A model's display name: the file name for a GGUF path, the name itself otherwise. */
export function modelLabel(name: string): string {
  return name.includes(path.sep) ? path.basename(name) : name;
}
