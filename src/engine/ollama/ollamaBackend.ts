// The Ollama backend, through the `ollama` client. Every call gets its own client whose fetch
// carries the caller's AbortSignal, so cancelling one request aborts that request only (the
// client's own abort() would end every stream it has open).
import { Ollama, type ChatResponse, type GenerateResponse } from "ollama";
import type { BackendKind } from "../../config/settings";
import type { Backend, BackendState, ChatMessage, Generation, GenerationOptions, InfillRequest, LoadedModel, ModelInfo } from "../backend";
import { GenerationClock } from "../backend";
import { BackendError, isAbortError } from "../backendError";
import { BackendActivity } from "../backendActivity";
import { COMPLETION_MODEL_SETTING, infillUnsupportedError } from "../fim/chooseFimFormat";
import { serverFimPrompt } from "../fim/serverPrompt";
import { describeNetworkError } from "../networkErrors";

const CHAT_MODEL_SETTING = "hearth.models.chat";

export interface OllamaConfiguration {
  /** Normalised address, such as http://127.0.0.1:11434. */
  readonly host: string;
  /** Passed to Ollama as keep_alive ("5m", "1h", "-1"); empty leaves Ollama's default. */
  readonly keepAlive: string;
}

/**
 * The context Ollama gives a model whose Modelfile sets no num_ctx: 4096 since about Ollama 0.6
 * (2048 before) with under 24 GiB of VRAM; more on larger GPUs, or what OLLAMA_CONTEXT_LENGTH
 * says, which the API does not tell. Assuming the common case on laptops: a larger real context
 * only means a prompt was trimmed more than it had to be.
 */
const OLLAMA_DEFAULT_NUM_CTX = 4096;

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

  constructor(private readonly configuration: () => OllamaConfiguration) {}

  get state(): BackendState {
    return this.activity.state;
  }

  async chat(model: string, messages: readonly ChatMessage[], options: GenerationOptions = {}, signal?: AbortSignal): Promise<Generation> {
    return this.stream(model, signal, options, { role: "chat", setting: CHAT_MODEL_SETTING }, (client) =>
      client.chat({ model, messages: [...messages], stream: true, options: samplingOptions(options), ...this.keepAlive() }),
    (part: ChatResponse) => part.message?.content ?? "");
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
      const shown = await this.show(model, signal);
      const numCtx = /^num_ctx\s+(\d+)\s*$/m.exec(shown.parameters ?? "")?.[1];
      const window = numCtx ? Number(numCtx) : OLLAMA_DEFAULT_NUM_CTX;
      const trained = trainedContextLength(shown.model_info as unknown);
      return trained ? Math.min(window, trained) : window;
    } catch {
      return undefined;
    }
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
    await this.call(model, signal, async (client) => {
      for await (const part of await client.pull({ model, stream: true })) {
        onProgress({ status: part.status, completed: part.completed, total: part.total });
      }
    });
  }

  /** `ollama rm`. */
  async delete(model: string, signal?: AbortSignal): Promise<void> {
    await this.call(model, signal, (client) => client.delete({ model }));
  }

  dispose(): void {
    this.activity.dispose();
  }

  /** keep_alive as Ollama reads it: a number of seconds ("-1", "0", "300") or a duration ("10m"). */
  private keepAlive(): { keep_alive?: string | number } {
    const { keepAlive } = this.configuration();
    if (!keepAlive) return {};
    return { keep_alive: /^-?\d+$/.test(keepAlive) ? Number(keepAlive) : keepAlive };
  }

  private idle(): BackendState {
    return { kind: "idle", loaded: [...this.used].map((name) => ({ name })) };
  }

  private client(signal: AbortSignal | undefined): Ollama {
    const { host } = this.configuration();
    return new Ollama({
      host,
      fetch: (input, init) => fetch(input, { ...init, signal: signal && init?.signal ? AbortSignal.any([signal, init.signal]) : (signal ?? init?.signal) }),
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
      return {
        text,
        stopReason: !last?.done ? "cancelled" : last.done_reason === "length" ? "maxTokens" : "endOfText",
        // Ollama reports evaluated prompt tokens; how many came from its cache it does not say.
        usage: clock.usage(last?.prompt_eval_count ?? 0, 0, last?.eval_count ?? 0),
      } satisfies Generation;
    };
    if (purpose.role === "completion") return this.activity.background(() => this.idle(), run);
    const generation = await this.activity.track(model, () => this.idle(), run);
    this.activity.finished(generation.usage);
    return generation;
  }

  /**
   * Ollama's failures, told in the user's terms (the ollama client's error shapes are in
   * LIBRARY-NOTES); `setting` names the model the request was for.
   */
  private explain(error: unknown, model: string, partialText: string, setting = CHAT_MODEL_SETTING): BackendError {
    const { host } = this.configuration();
    const status = (error as { status_code?: number }).status_code;
    const message = (error as Error)?.message ?? String(error);
    // Ollama's 400 for a suffix its template for the model cannot place: "<name> does not support insert".
    if (/does not support insert/.test(message)) return infillUnsupportedError(model, "it has no fill-in-the-middle support", "qwen2.5-coder:1.5b-base or starcoder2:3b");
    // Ollama's own 404 names the model ("model \"x\" not found, try pulling it first"); another
    // server's 404 page at that address means hearth.ollama.host is not an Ollama server.
    if (/not found/.test(message) && /model/.test(message)) {
      return new BackendError("modelNotFound", `Ollama has no model named ${model}. Pull it with \`ollama pull ${model}\`, or select another model in ${setting}.`, partialText, setting);
    }
    if (status === 404) {
      return new BackendError("badResponse", `${host} answered 404 (${message}): is hearth.ollama.host the address of an Ollama server?`, partialText, "hearth.ollama.host");
    }
    if (status !== undefined) {
      return new BackendError("badResponse", `Ollama at ${host} answered ${status}: ${message}`, partialText);
    }
    if (error instanceof TypeError && /terminated|other side closed/i.test(message + String((error as { cause?: unknown }).cause))) {
      return new BackendError("streamCut", `Ollama at ${host} closed the connection in the middle of the answer. What it sent is kept; try again.`, partialText);
    }
    if (error instanceof TypeError && /fetch failed/.test(message)) {
      return new BackendError(
        "serverUnreachable",
        `Ollama isn't running at ${host} (${describeNetworkError(error)}); start it with \`ollama serve\`, or set hearth.ollama.host to where it runs.`,
        partialText,
        "hearth.ollama.host",
      );
    }
    // An {"error": …} line inside a 200 stream arrives as a plain Error with Ollama's text.
    return new BackendError("badResponse", `Ollama at ${host} reported an error: ${message}`, partialText);
  }

}

function samplingOptions(options: GenerationOptions): { num_predict?: number; temperature?: number } {
  return {
    ...(options.maxTokens !== undefined ? { num_predict: options.maxTokens } : {}),
    ...(options.temperature !== undefined ? { temperature: options.temperature } : {}),
  };
}

/** The model's trained context length from `show`'s model_info ("llama.context_length", "qwen2.context_length"…). */
function trainedContextLength(modelInfo: unknown): number | undefined {
  if (!modelInfo || typeof modelInfo !== "object") return undefined;
  for (const [key, value] of Object.entries(modelInfo)) {
    if (key.endsWith(".context_length") && typeof value === "number" && value > 0) return value;
  }
  return undefined;
}
