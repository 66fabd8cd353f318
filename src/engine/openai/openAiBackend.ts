// The backend for OpenAI-compatible servers: llama-server, LM Studio, GPT4All's API server,
// vLLM, a Hugging Face endpoint. Chat streams over server-sent events; fill-in-the-middle uses
// llama-server's /infill when the server has it, else /v1/completions with a suffix.
import type { BackendKind } from "../../config/settings";
import type { Backend, BackendState, ChatMessage, Generation, GenerationOptions, InfillRequest, LoadedModel, ModelFacts, ModelInfo } from "../backend";
import { GenerationClock } from "../backend";
import { BackendError, isAbortError } from "../backendError";
import { BackendActivity } from "../backendActivity";
import { fetchWithoutRedirects } from "../noRedirects";
import { infillUnsupportedError } from "../fim/chooseFimFormat";
import { serverFimPrompt } from "../fim/serverPrompt";
import { llamaServerInfillBody, readLlamaServerInfillEvent } from "./llamaServerInfill";
import { askContextWindow } from "./llamaServerProps";
import { errorForStatus, explainFailure } from "./openAiErrors";
import { toOpenAiMessages, toolFields, ToolCallAssembler } from "./openAiTools";
import { readJsonEvents } from "./serverSentEvents";
import { readChatEvent, readCompletionEvent, type StreamedPiece } from "./streamedPiece";
import { CHAT_MODEL_SETTING, COMPLETION_MODEL_SETTING, OPENAI_BASE_URL_SETTING } from "../settingNames";

export interface OpenAiConfiguration {
  /** Base URL including /v1, without a trailing slash. */
  readonly baseUrl: string;
  /**
   * The API key stored for this origin (scheme, host and port of the URL about to be requested),
   * if any: a key goes only to the server it was given for, wherever the base URL points now.
   */
  readonly apiKey: (origin: string) => Promise<string | undefined>;
}

export class OpenAiBackend implements Backend {
  readonly kind: BackendKind = "openai";
  private readonly activity = new BackendActivity();
  readonly onDidChangeState = this.activity.onDidChangeState;
  readonly onDidFinishRequest = this.activity.onDidFinishRequest;
  /** Per base URL: whether the server has llama-server's /infill (absent: not tried yet). */
  private readonly hasInfillEndpoint = new Map<string, boolean>();
  /** What "idle" shows: the model of the last request (the server keeps it loaded as it sees fit). */
  private idle: BackendState = { kind: "idle", loaded: [] };
  /** Per base URL: the context size its /props gave, or undefined when it has none (absent: not asked yet). */
  private readonly contextWindows = new Map<string, number | undefined>();

  constructor(private readonly configuration: () => OpenAiConfiguration) {}

  get state(): BackendState {
    return this.activity.state;
  }

  /**
   * Tools offered go in `tools` with `tool_choice` ("auto", or "required" for toolMode
   * "required"); the calls come back assembled in `toolCalls` (stopReason "toolCalls") while the
   * text around them streams as usual.
   */
  chat(model: string, messages: readonly ChatMessage[], options: GenerationOptions = {}, signal?: AbortSignal): Promise<Generation> {
    const body = { model, messages: toOpenAiMessages(messages), ...toolFields(options), stream: true, stream_options: { include_usage: true }, ...sampling(options) };
    const calls = new ToolCallAssembler();
    return this.tracked(model, () => this.stream(model, `${this.baseUrl()}/chat/completions`, body, options, signal, readChatEvent, CHAT_MODEL_SETTING, calls));
  }

  /**
   * llama-server's /infill (it lays the prompt out with the model's own FIM tokens, and other
   * files with their names in input_extra), else /v1/completions: with `suffix` ("auto"), or the
   * whole prompt in the family's format named in settings. A background request
   * (BackendActivity.background): no "generating" state, no usage event, no error state.
   */
  infill(model: string, request: InfillRequest, options: GenerationOptions = {}, signal?: AbortSignal): Promise<Generation> {
    return this.activity.background(() => this.idle, async () => {
      const baseUrl = this.baseUrl();
      const known = this.hasInfillEndpoint.get(baseUrl);
      if (known !== false) {
        try {
          const generation = await this.llamaServerInfill(model, request, options, signal);
          // A request cancelled before the server answered says nothing about the endpoint.
          if (generation.stopReason !== "cancelled" || generation.text) this.hasInfillEndpoint.set(baseUrl, true);
          return generation;
        } catch (error) {
          // llama-server answers 501 for a model without FIM tokens: a chat model, not a missing endpoint.
          if (error instanceof BackendError && / 501: /.test(error.message)) throw infillUnsupportedError(model, "the server says it cannot fill in the middle");
          if (!(error instanceof BackendError && error.code === "modelNotFound" && known === undefined)) throw error;
          this.hasInfillEndpoint.set(baseUrl, false); // no /infill here: use /v1/completions from now on
        }
      }
      const fim = serverFimPrompt(request);
      const body =
        fim.kind === "suffix"
          ? { model, prompt: fim.prompt, suffix: fim.suffix, stream: true, ...sampling(options) }
          : { model, prompt: fim.prompt, stop: fim.stop, stream: true, ...sampling(options) };
      return this.stream(model, `${baseUrl}/completions`, body, options, signal, readCompletionEvent, COMPLETION_MODEL_SETTING);
    });
  }

  async embed(model: string, texts: readonly string[], signal?: AbortSignal): Promise<number[][]> {
    const response = await this.send(`${this.baseUrl()}/embeddings`, { model, input: texts }, model, signal);
    const body = (await this.json(response)) as { data?: Array<{ embedding?: number[]; index?: number }> };
    if (!Array.isArray(body.data)) throw new BackendError("badResponse", `The server at ${this.baseUrl()} answered /embeddings without a data list.`);
    this.clearError(); // the server answered: an error it caused may be over
    return [...body.data].sort((a, b) => (a.index ?? 0) - (b.index ?? 0)).map((item) => item.embedding ?? []);
  }

  async listModels(signal?: AbortSignal): Promise<ModelInfo[]> {
    const response = await this.send(`${this.baseUrl()}/models`, undefined, "", signal);
    const body = (await this.json(response)) as { data?: Array<{ id?: string }> };
    this.clearError(); // the server is back (the Chat view probes it with this)
    return (body.data ?? []).map((item) => ({ name: String(item.id) }));
  }

  /** The server loads models itself; this checks that it offers the model. */
  async load(model: string, signal?: AbortSignal): Promise<LoadedModel> {
    const models = await this.listModels(signal);
    if (!models.some((item) => item.name === model)) {
      throw new BackendError("modelNotFound", `The server at ${this.baseUrl()} has no model ${model}; it offers ${models.map((m) => m.name).join(", ") || "none"}.`, "", CHAT_MODEL_SETTING);
    }
    return { name: model };
  }

  /**
   * llama-server's context per slot (one request), from its /props at the server's root; other
   * servers have no /props (undefined). Asked once per base URL, briefly; never throws.
   */
  async contextWindow(_model: string, signal?: AbortSignal): Promise<number | undefined> {
    const baseUrl = this.baseUrl();
    if (this.contextWindows.has(baseUrl)) return this.contextWindows.get(baseUrl);
    const serverRoot = baseUrl.replace(/\/v1$/, "");
    const apiKey = await this.configuration().apiKey(new URL(serverRoot).origin).catch(() => undefined);
    const answer = await askContextWindow(serverRoot, apiKey, signal);
    if (answer.lasting) this.contextWindows.set(baseUrl, answer.contextWindow);
    return answer.contextWindow;
  }

  /**
   * What the server says of the model: llama-server's context from /props (see contextWindow),
   * else unknown. Tool calling and fill-in-the-middle are the server's to refuse: a refusal
   * becomes "toolsUnsupported" or "infillUnsupported" when asked.
   */
  async describeModel(model: string, signal?: AbortSignal): Promise<ModelFacts> {
    const contextWindow = await this.contextWindow(model, signal);
    return { name: model, ...(contextWindow ? { contextWindow } : {}), toolCalling: true, chat: true, fillInMiddle: true };
  }

  clearError(): void {
    this.activity.clearError(this.idle);
  }

  unload(): Promise<void> {
    return Promise.resolve(); // the server manages its own memory
  }

  dispose(): void {
    this.activity.dispose();
  }

  private baseUrl(): string {
    return this.configuration().baseUrl.replace(/\/+$/, "");
  }

  /** llama-server's native fill-in-the-middle endpoint, at the server's root. */
  private llamaServerInfill(model: string, request: InfillRequest, options: GenerationOptions, signal: AbortSignal | undefined): Promise<Generation> {
    const root = this.baseUrl().replace(/\/v1$/, "");
    return this.stream(model, `${root}/infill`, llamaServerInfillBody(model, request, options), options, signal, readLlamaServerInfillEvent, COMPLETION_MODEL_SETTING);
  }

  /** Runs a generation as one request of the backend's state, and reports its usage. */
  private async tracked(model: string, work: () => Promise<Generation>): Promise<Generation> {
    const generation = await this.activity.track(model, () => {
      this.idle = { kind: "idle", loaded: [{ name: model }] };
      return this.idle;
    }, work);
    this.activity.finished(generation.usage);
    return generation;
  }

  private async stream(
    model: string,
    url: string,
    body: object,
    options: GenerationOptions,
    signal: AbortSignal | undefined,
    read: (event: unknown) => StreamedPiece,
    /** The setting that names the model, for a 404. */
    setting = CHAT_MODEL_SETTING,
    toolCalls?: ToolCallAssembler,
  ): Promise<Generation> {
    const clock = new GenerationClock();
    let text = "";
    let finishReason: string | null | undefined;
    let usage: StreamedPiece["usage"];
    try {
      const response = await this.send(url, body, model, signal, setting);
      if (!response.body) throw new BackendError("badResponse", `The server at ${url} sent no body.`);
      const events = readJsonEvents(response.body, signal);
      let completed = false;
      try {
        for (;;) {
          const next = await events.next();
          if (next.done) {
            // [DONE], or (llama-server's /infill, which sends no [DONE]) a finish reason.
            completed = next.value.done || Boolean(finishReason);
            break;
          }
          const piece = read(next.value);
          if (piece.text) {
            clock.chunk();
            text += piece.text;
            options.onChunk?.(piece.text);
          }
          toolCalls?.add(piece.toolCalls);
          if (piece.finishReason) finishReason = piece.finishReason;
          if (piece.usage) usage = piece.usage;
        }
      } finally {
        await events.return({ done: completed }); // closes the body if the loop ended early
      }
      if (!completed && !signal?.aborted) {
        throw new BackendError("streamCut", `The server at ${this.baseUrl()} ended the answer early, without saying it was done. What it sent is kept; try again.`, text);
      }
    } catch (error) {
      if (!(signal?.aborted && isAbortError(error))) throw this.explain(error, model, text);
    }
    const calls = toolCalls?.all ?? [];
    // "tool_calls" is the finish reason; a server that says "stop" after calls still made them.
    // Calls of a cancelled or cut-off answer are not to be run.
    const stopReason = signal?.aborted ? "cancelled" : finishReason === "length" ? "maxTokens" : calls.length ? "toolCalls" : "endOfText";
    return {
      text,
      stopReason,
      usage: clock.usage(usage?.promptTokens ?? 0, usage?.reusedPromptTokens ?? 0, usage?.completionTokens ?? 0),
      ...(stopReason === "toolCalls" ? { toolCalls: calls } : {}),
    };
  }

  private async send(url: string, body: object | undefined, model: string, signal: AbortSignal | undefined, setting = CHAT_MODEL_SETTING): Promise<Response> {
    const apiKey = await this.configuration().apiKey(new URL(url).origin);
    let response: Response;
    try {
      response = await fetchWithoutRedirects(
        url,
        {
          method: body ? "POST" : "GET",
          headers: { "Content-Type": "application/json", Accept: body ? "text/event-stream, application/json" : "application/json", ...(apiKey ? { Authorization: `Bearer ${apiKey}` } : {}) },
          body: body ? JSON.stringify(body) : undefined,
          signal,
        },
        OPENAI_BASE_URL_SETTING,
      );
    } catch (error) {
      if (signal?.aborted && isAbortError(error)) throw error; // cancelled: not a failure to explain
      if (error instanceof BackendError) throw error; // a refused redirect, already explained
      this.contextWindows.delete(this.baseUrl()); // a server that comes back may have another context size
      throw this.explain(error, model, "");
    }
    if (response.ok) return response;
    const detail = await response.text().catch(() => "");
    const toolsOffered = Array.isArray((body as { tools?: unknown } | undefined)?.tools);
    throw errorForStatus(response.status, detail, response.statusText, { baseUrl: this.baseUrl(), url, model, setting, toolsOffered });
  }

  private async json(response: Response): Promise<unknown> {
    const text = await response.text();
    try {
      return JSON.parse(text);
    } catch {
      throw new BackendError("badResponse", `The server at ${this.baseUrl()} answered with something that is not JSON: ${text.slice(0, 120)}`);
    }
  }

  private explain(error: unknown, model: string, partialText: string): BackendError {
    return explainFailure(error, this.baseUrl(), model, partialText);
  }
}

function sampling(options: GenerationOptions): { max_tokens?: number; temperature?: number } {
  return {
    ...(options.maxTokens !== undefined ? { max_tokens: options.maxTokens } : {}),
    ...(options.temperature !== undefined ? { temperature: options.temperature } : {}),
  };
}
