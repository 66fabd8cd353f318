// The models Hearth offers VS Code: the current backend's models, each described once (facts are
// cached per backend and model), and a change event that fires only when what VS Code would be
// told really changed: models installed, removed or pulled, another backend, other limits.
import { withoutAsking } from "../engine/approvedBackend";
import type { HearthSettings } from "../config/settings";
import type { Backend, ModelFacts, ModelInfo } from "../engine/backend";
import { Emitter, type Disposable, type Event } from "../engine/event";
import { resolveOllamaHost } from "../engine/serverAddress";
import { describeChatModel, type ChatModelDescription, type Localize, type ModelSurroundings } from "./modelDescriptions";

export interface OfferedModelsOptions {
  readonly backend: () => Backend;
  readonly settings: () => HearthSettings;
  readonly ollamaHostFromEnvironment: string | undefined;
  /** Fired when models may have come or gone (the models folder, an Ollama pull, a refresh). */
  readonly modelsMayHaveChanged: readonly Event<unknown>[];
  readonly settingsChanged: Event<unknown>;
  /** Starts watching the models folder (it is not watched until something lists it). */
  readonly watchModelsFolder: () => void;
  readonly localize: Localize;
  readonly log: (level: "info" | "warn", message: string) => void;
}

/** Changes come in bursts (a download's progress, several settings written at once). */
/** How long after a failed listing it is tried again. */
const RETRY_LISTING_MS = 30_000;
const SETTLE_MS = 300;
/** A listing this fresh answers VS Code's next question, which follows the change event at once. */
const FRESH_MS = 2_000;

export class OfferedModels implements Disposable {
  private readonly changed = new Emitter<void>();
  readonly onDidChange = this.changed.event;
  private last: { key: string; at: number; models: ChatModelDescription[] } | undefined;
  private settleTimer: NodeJS.Timeout | undefined;
  /** VS Code has been told about the models, or asked for them: only then are changes worth telling. */
  private announced = false;
  /** Lists again after a listing failed (the server may be starting). */
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly subscriptions: Disposable[];
  private settingsKey: string;

  constructor(private readonly options: OfferedModelsOptions) {
    this.settingsKey = this.surroundingsKey();
    this.subscriptions = [
      ...options.modelsMayHaveChanged.map((event) => event(() => this.settle())),
      options.settingsChanged(() => {
        const key = this.surroundingsKey();
        if (key === this.settingsKey) return;
        this.settingsKey = key;
        this.settle();
      }),
    ];
  }

  /** The backend's models as VS Code is told about them; [] when the backend cannot list them now. */
  async list(signal?: AbortSignal): Promise<ChatModelDescription[]> {
    this.announced = true;
    const key = this.surroundingsKey();
    if (this.last && this.last.key === key && performance.now() - this.last.at < FRESH_MS) return this.last.models;
    const models = await this.read(signal);
    this.last = { key, at: performance.now(), models };
    return models;
  }

  /** Lists the models soon and tells VS Code about them (see registerLanguageModels). */
  announce(): void {
    this.announced = true;
    this.settle();
  }

  /** The description last given for `id`, if the current backend offered it. */
  find(id: string): ChatModelDescription | undefined {
    return this.last?.key === this.surroundingsKey() ? this.last.models.find((model) => model.id === id) : undefined;
  }

  /** Where the current backend's models run, in the user's words. */
  surroundings(): ModelSurroundings {
    const settings = this.options.settings();
    const { localize: t } = this.options;
    const location =
      settings.backend === "llamaCpp"
        ? t("llama.cpp on this machine")
        : settings.backend === "ollama"
          ? t("Ollama at {0}", resolveOllamaHost(settings.ollama.host, this.options.ollamaHostFromEnvironment))
          : settings.openai.baseUrl || t("an OpenAI-compatible server (none set)");
    return { kind: settings.backend, location, contextSizeSetting: settings.llamaCpp.contextSize, maxAnswerTokens: settings.chat.maxAnswerTokens };
  }

  dispose(): void {
    clearTimeout(this.settleTimer);
    clearTimeout(this.retryTimer);
    for (const subscription of this.subscriptions) subscription.dispose();
    this.changed.dispose();
  }

  /**
   * Lists without asking: VS Code lists models in the background (silently), so a server this
   * workspace chose that the user has not allowed yet lists nothing instead of opening a dialog;
   * once allowed (on the first real request), the list is read again.
   */
  private read(signal?: AbortSignal): Promise<ChatModelDescription[]> {
    return withoutAsking(() => this.readNow(signal));
  }

  private async readNow(signal?: AbortSignal): Promise<ChatModelDescription[]> {
    const backend = this.options.backend();
    const surroundings = this.surroundings();
    if (backend.kind === "llamaCpp") this.options.watchModelsFolder();
    let infos: ModelInfo[];
    try {
      infos = await backend.listModels(signal);
    } catch (error) {
      this.options.log("warn", `Language models: listing ${backend.kind} models failed: ${(error as Error).message}`);
      // VS Code will not ask again by itself: a server started after VS Code shows up at the next try.
      if ((error as { code?: string }).code === "serverUnreachable") {
        clearTimeout(this.retryTimer);
        this.retryTimer = setTimeout(() => this.settle(), RETRY_LISTING_MS);
      }
      return [];
    }
    const described = await Promise.all(infos.map(async (info) => describeChatModel(info, await this.factsOf(backend, info, signal), surroundings, this.options.localize)));
    return described;
  }

  /** What the backend knows of the model without loading it (it caches what is costly to find out). */
  private async factsOf(backend: Backend, info: ModelInfo, signal?: AbortSignal): Promise<ModelFacts | undefined> {
    try {
      return await backend.describeModel?.(info.name, signal);
    } catch (error) {
      this.options.log("warn", `Language models: describing ${info.name} failed: ${(error as Error).message}`);
      return undefined;
    }
  }

  /** After a burst of changes, lists again and tells VS Code only if the list is not what it was. */
  private settle(): void {
    if (!this.announced) return; // nothing is listed (no worker started) before VS Code is told or asks
    clearTimeout(this.settleTimer);
    this.settleTimer = setTimeout(() => void this.relist().catch((error: Error) => this.options.log("warn", `Language models: listing failed: ${error.message}`)), SETTLE_MS);
  }

  private async relist(): Promise<void> {
    const before = this.last ? JSON.stringify([this.last.key, this.last.models]) : undefined;
    this.last = undefined;
    const key = this.surroundingsKey();
    const models = await this.list();
    if (before !== JSON.stringify([key, models])) this.changed.fire();
  }

  /** What the descriptions depend on besides the models themselves. */
  private surroundingsKey(): string {
    const settings = this.options.settings();
    return JSON.stringify([settings.backend, settings.modelsDirectory, settings.llamaCpp.contextSize, settings.ollama.host, settings.openai.baseUrl, settings.chat.maxAnswerTokens]);
  }
}
