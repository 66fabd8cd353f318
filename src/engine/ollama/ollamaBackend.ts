// The Ollama backend, through the `ollama` client. Every call gets its own client whose fetch
// carries the caller's AbortSignal, so cancelling one request aborts that request only (the
// client's own abort() would end every stream it has open).
import { Ollama, type ChatResponse, type GenerateResponse, type ModelResponse } from "ollama";
import type { BackendKind } from "../../config/settings";
import type { Backend, BackendState, ChatMessage, Generation, GenerationOptions, InfillRequest, LoadedModel, ModelFacts, ModelInfo } from "../backend";
import { GenerationClock } from "../backend";
import { isAbortError, type BackendError } from "../backendError";
import { BackendActivity } from "../backendActivity";
import { fetchWithoutRedirects } from "../noRedirects";
import { serverFimPrompt } from "../fim/serverPrompt";
import { explainOllamaError } from "./ollamaErrors";
import { contextWindowOf, modelFacts } from "./ollamaModelFacts";
import { OllamaToolCallCollector, toOllamaMessages, toOllamaTools } from "./ollamaTools";
import { CHAT_MODEL_SETTING, COMPLETION_MODEL_SETTING, OLLAMA_HOST_SETTING } from "../settingNames";

/** How long a model's facts are reused: a model pulled again under its name outside Hearth may change. */
const FACTS_TTL_MS = 60_000;
/** How long one `ollama list` gives the sizes of the models described after it. */
const TAGS_TTL_MS = 10_000;

export interface OllamaConfiguration {
  /** Normalised address, such as http://127.0.0.1:11434. */
  readonly host: string;
  /** Passed to Ollama as keep_alive ("5m", "1h", "-1"); empty leaves Ollama's default. */
  readonly keepAlive: string;
}

export interface PullProgress {
  readonly status: string;
  readonly completed?: number;
  readonly total?: number;
}

export class OllamaBackend implements Backend {
  readonly kind: BackendKind = "ollama";
  private readonly activity = new BackendActivity();
  /** Models Hearth has used on this server (what unload() asks Ollama to free). */
  private readonly used = new Set<string>();
  readonly onDidChangeState = this.activity.onDidChangeState;
  readonly onDidFinishRequest = this.activity.onDidFinishRequest;
  /** Per host and model: facts read recently (see FACTS_TTL_MS). */
  private readonly facts = new Map<string, { readonly at: number; readonly facts: ModelFacts }>();
  /** The last `ollama list`, shared by the facts of the models described with it. */
  private tags: { readonly host: string; readonly at: number; readonly models: Promise<ModelResponse[]> } | undefined;

  constructor(private readonly configuration: () => OllamaConfiguration) {}

  get state(): BackendState {
    return this.activity.state;
  }

  /**
   * Tools offered go in `tools`; the calls Ollama parses out of the answer come back in
   * `toolCalls` (stopReason "toolCalls") while the text around them streams as usual. Ollama has
   * no way to force a call: toolMode "required" is left to the model.
   */
  async chat(model: string, messages: readonly ChatMessage[], options: GenerationOptions = {}, signal?: AbortSignal): Promise<Generation> {
    const calls = new OllamaToolCallCollector();
    const tools = options.tools?.length ? { tools: toOllamaTools(options.tools) } : {};
    return this.stream(model, signal, options, { role: "chat", setting: CHAT_MODEL_SETTING }, (client) =>
      client.chat({ model, messages: toOllamaMessages(messages), ...tools, stream: true, options: samplingOptions(options), ...this.keepAlive() }),
    (part: ChatResponse) => {
      calls.add(part.message?.tool_calls);
      return part.message?.content ?? "";
    }, calls);
  }

  /**
   * "auto": Ollama's template for the model lays out prompt and `suffix` (other files ride
   * ahead of the prefix as commented headers). A family named in settings: the whole prompt in
   * that format, in raw mode. A background request (BackendActivity.background).
   */
  async infill(model: string, request: InfillRequest, options: GenerationOptions = {}, signal?: AbortSignal): Promise<Generation> {
    const fim = serverFimPrompt(request);
    const body =
      fim.kind === "suffix"
        ? { prompt: fim.prompt, suffix: fim.suffix, options: samplingOptions(options) }
        : { prompt: fim.prompt, raw: true, options: { ...samplingOptions(options), stop: [...fim.stop] } };
    return this.stream(model, signal, options, { role: "completion", setting: COMPLETION_MODEL_SETTING }, (client) =>
      client.generate({ model, ...body, stream: true, ...this.keepAlive() }),
    (part: GenerateResponse) => part.response ?? "");
  }

  async embed(model: string, texts: readonly string[], signal?: AbortSignal): Promise<number[][]> {
    return this.call(model, signal, async (client) => (await client.embed({ model, input: [...texts], ...this.keepAlive() })).embeddings);
  }

  async listModels(signal?: AbortSignal): Promise<ModelInfo[]> {
    const { models } = await this.call("", signal, (client) => client.list());
    return models.map((model) => ({
      name: model.name,
      sizeBytes: model.size,
      details: [model.details?.parameter_size, model.details?.quantization_level].filter(Boolean).join(" "),
    }));
  }

  /** Models Ollama holds in memory now (`ollama ps`). */
  async runningModels(signal?: AbortSignal): Promise<LoadedModel[]> {
    const { models } = await this.call("", signal, (client) => client.ps());
    return models.map((model) => ({ name: model.name }));
  }

  /** The model's details (`ollama show`): template, parameters, capabilities. */
  async show(model: string, signal?: AbortSignal) {
    return this.call(model, signal, (client) => client.show({ model }));
  }

  /**
   * From `ollama show`: the Modelfile's num_ctx, else Ollama's default, never more than the
   * model's trained context length. Undefined when Ollama cannot be asked; never throws.
   */
  async contextWindow(model: string, signal?: AbortSignal): Promise<number | undefined> {
    try {
      return contextWindowOf(await this.show(model, signal));
    } catch {
      return undefined;
    }
  }

  /**
   * From `ollama show` (capabilities, trained context, quantization, family) and `ollama list`
   * (size, when it answers); reused for a minute per host and model. Throws modelNotFound for a
   * model Ollama lacks, as other requests do.
   */
  async describeModel(model: string, signal?: AbortSignal): Promise<ModelFacts> {
    const key = `${this.configuration().host}\n${model}`;
    const cached = this.facts.get(key);
    if (cached && Date.now() - cached.at < FACTS_TTL_MS) return cached.facts;
    const [shown, listed] = await Promise.all([this.show(model, signal), this.listed(model)]);
    const facts = modelFacts(model, shown, listed);
    this.facts.set(key, { at: Date.now(), facts });
    return facts;
  }

  clearError(): void {
    this.activity.clearError(this.idle());
  }

  /** Loads the model into Ollama's memory (a generate request with no prompt, as the Ollama docs describe). */
  async load(model: string, signal?: AbortSignal): Promise<LoadedModel> {
    await this.activity.track(model, () => this.idle(), async () => {
      this.activity.set({ kind: "loading", model });
      await this.call(model, signal, (client) => client.generate({ model, prompt: "", stream: false, ...this.keepAlive() }));
      this.used.add(model);
    });
    return { name: model };
  }

  /** Asks Ollama to free, now, every model Hearth used on it (keep_alive 0). */
  async unload(): Promise<void> {
    for (const model of [...this.used]) {
      await this.call(model, undefined, (client) => client.generate({ model, prompt: "", stream: false, keep_alive: 0 })).catch(() => undefined);
      this.used.delete(model);
    }
    this.activity.set(this.idle());
  }

  /** `ollama pull`, reporting Ollama's progress statuses as they come. */
  async pull(model: string, onProgress: (progress: PullProgress) => void, signal?: AbortSignal): Promise<void> {
    this.forgetFacts(); // a model pulled again may be another one under the same name
    await this.call(model, signal, async (client) => {
      for await (const part of await client.pull({ model, stream: true })) {
        onProgress({ status: part.status, completed: part.completed, total: part.total });
      }
    });
  }

  /** `ollama rm`. */
  async delete(model: string, signal?: AbortSignal): Promise<void> {
    this.forgetFacts();
    await this.call(model, signal, (client) => client.delete({ model }));
  }

  dispose(): void {
    this.activity.dispose();
  }

  private forgetFacts(): void {
    this.facts.clear();
    this.tags = undefined;
  }

  /** keep_alive as Ollama reads it: a number of seconds ("-1", "0", "300") or a duration ("10m"). */
  private keepAlive(): { keep_alive?: string | number } {
    const { keepAlive } = this.configuration();
    if (!keepAlive) return {};
    return { keep_alive: /^-?\d+$/.test(keepAlive) ? Number(keepAlive) : keepAlive };
  }

  /**
   * The model's entry in `ollama list`, for its size; undefined when the list cannot be had. One
   * list serves the facts of every model described in a burst (the language-model API describes
   * them all at once); it is not tied to one caller's signal, `show` is.
   */
  private async listed(model: string): Promise<ModelResponse | undefined> {
    const { host } = this.configuration();
    if (!this.tags || this.tags.host !== host || Date.now() - this.tags.at > TAGS_TTL_MS) {
      const models = this.call("", undefined, async (client) => (await client.list()).models);
      this.tags = { host, at: Date.now(), models };
      models.catch(() => {
        if (this.tags?.models === models) this.tags = undefined;
      });
    }
    const models = await this.tags.models.catch(() => []);
    return models.find((entry) => entry.name === model || entry.name === `${model}:latest`);
  }

  private idle(): BackendState {
    return { kind: "idle", loaded: [...this.used].map((name) => ({ name })) };
  }

  private client(signal: AbortSignal | undefined): Ollama {
    const { host } = this.configuration();
    return new Ollama({
      host,
      fetch: (input, init) =>
        fetchWithoutRedirects(input, { ...init, signal: signal && init?.signal ? AbortSignal.any([signal, init.signal]) : (signal ?? init?.signal) }, OLLAMA_HOST_SETTING),
    });
  }

  private async call<T>(model: string, signal: AbortSignal | undefined, work: (client: Ollama) => Promise<T>): Promise<T> {
    try {
      const result = await work(this.client(signal));
      this.activity.clearError(this.idle()); // Ollama answered: an error it caused may be over
      return result;
    } catch (error) {
      if (signal?.aborted && isAbortError(error)) throw error; // cancelled: not a failure to explain
      throw this.explain(error, model, "");
    }
  }

  private async stream<T extends ChatResponse | GenerateResponse>(
    model: string,
    signal: AbortSignal | undefined,
    options: GenerationOptions,
    purpose: { readonly role: "chat" | "completion"; readonly setting: string },
    start: (client: Ollama) => Promise<AsyncIterable<T>>,
    textOf: (part: T) => string,
    toolCalls?: OllamaToolCallCollector,
  ): Promise<Generation> {
    const run = async () => {
      const clock = new GenerationClock();
      let text = "";
      let last: T | undefined;
      try {
        for await (const part of await start(this.client(signal))) {
          if (signal?.aborted) break; // the client hands out lines it already received
          const piece = textOf(part);
          if (piece) {
            clock.chunk();
            text += piece;
            options.onChunk?.(piece);
          }
          last = part;
        }
      } catch (error) {
        if (!(signal?.aborted && isAbortError(error))) throw this.explain(error, model, text, purpose.setting);
      }
      this.used.add(model);
      const calls = toolCalls?.all ?? [];
      // Ollama ends an answer with calls as "stop"; calls of a cancelled answer are not to be run.
      const stopReason = !last?.done ? "cancelled" : last.done_reason === "length" ? "maxTokens" : calls.length ? "toolCalls" : "endOfText";
      return {
        text,
        stopReason,
        // Ollama reports evaluated prompt tokens; how many came from its cache it does not say.
        usage: clock.usage(last?.prompt_eval_count ?? 0, 0, last?.eval_count ?? 0),
        ...(stopReason === "toolCalls" ? { toolCalls: [...calls] } : {}),
      } satisfies Generation;
    };
    if (purpose.role === "completion") return this.activity.background(() => this.idle(), run);
    const generation = await this.activity.track(model, () => this.idle(), run);
    this.activity.finished(generation.usage);
    return generation;
  }

  private explain(error: unknown, model: string, partialText: string, setting = CHAT_MODEL_SETTING): BackendError {
    return explainOllamaError(error, this.configuration().host, model, partialText, setting);
  }
}

function samplingOptions(options: GenerationOptions): { num_predict?: number; temperature?: number } {
  return {
    ...(options.maxTokens !== undefined ? { num_predict: options.maxTokens } : {}),
    ...(options.temperature !== undefined ? { temperature: options.temperature } : {}),
  };
}
