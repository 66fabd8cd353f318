// The one interface chat, completions and the Models view are written against. Three
// implementations: the embedded llama.cpp worker, Ollama, and OpenAI-compatible servers.
// Plain Node: no VS Code types, so backends are unit-tested against real loopback servers.
import type { BackendKind, FimTemplateName } from "../config/settings";
import type { Event } from "./event";

export interface ChatMessage {
  readonly role: "system" | "user" | "assistant" | "tool";
  readonly content: string;
  /** An assistant message's calls of the offered tools (its content may be empty). */
  readonly toolCalls?: readonly ToolCall[];
  /** A "tool" message: the result of this call (content is the result as text). */
  readonly toolCallId?: string;
  /** A "tool" message: the called tool's name (Ollama and node-llama-cpp pair results by name). */
  readonly toolName?: string;
}

/** A tool the model may call, as VS Code's language-model API and the servers describe one. */
export interface ToolDefinition {
  readonly name: string;
  readonly description: string;
  /** A JSON schema of the arguments object; absent when the tool takes none. */
  readonly parameters?: object;
}

/** A call of a tool as the model wrote it. */
export interface ToolCall {
  /** Pairs the call with its result; made up by the backend when the server gives none. */
  readonly id: string;
  readonly name: string;
  /**
   * The arguments as JSON text, unchecked: the model may have written invalid JSON or named no
   * offered tool. Callers validate (the language-model provider reports either as an error).
   */
  readonly arguments: string;
}

export interface GenerationOptions {
  readonly maxTokens?: number;
  readonly temperature?: number;
  /** Called with each piece of text as the model produces it. */
  readonly onChunk?: (text: string) => void;
  /** Tools the model may call (chat only); a backend whose model cannot call tools fails with code "toolsUnsupported". */
  readonly tools?: readonly ToolDefinition[];
  /** "required": the answer must be a tool call; "auto" (default): the model decides. */
  readonly toolMode?: "auto" | "required";
  /**
   * The conversation asking, when the caller has one (chat only): llama.cpp keeps its KV cache
   * for it between turns while other conversations run.
   */
  readonly conversation?: string;
}

/** A piece of another file given to a completion as extra context. */
export interface ContextSnippet {
  /** Workspace-relative path (a repository-level FIM format and llama-server's input_extra carry it). */
  readonly path: string;
  readonly text: string;
}

export interface InfillRequest {
  /** Text before the cursor: the backend keeps its end and trims its start (at line boundaries) to fit. */
  readonly prefix: string;
  /** Text after the cursor: the backend keeps its start and trims its end to fit. */
  readonly suffix: string;
  /** Workspace-relative path of the file being completed, when it has one. */
  readonly path?: string;
  /** Extra context, most useful first; the backend drops from the end when it does not fit. */
  readonly context?: readonly ContextSnippet[];
  /** The FIM format to use; "auto" (or absent): from the model's metadata or name. */
  readonly template?: FimTemplateName;
}

/** Per-request figures, as the status bar and benchmarks show them. */
export interface Usage {
  readonly promptTokens: number;
  /** Prompt tokens served from the KV cache instead of being evaluated again. */
  readonly reusedPromptTokens: number;
  readonly completionTokens: number;
  readonly timeToFirstTokenMs: number;
  readonly tokensPerSecond: number;
}

export type StopReason = "endOfText" | "maxTokens" | "cancelled" | "toolCalls";

export interface Generation {
  readonly text: string;
  readonly stopReason: StopReason;
  readonly usage: Usage;
  /** The tools the model called, in order (stopReason "toolCalls"). */
  readonly toolCalls?: readonly ToolCall[];
}

export interface ModelInfo {
  /** What settings call the model: a GGUF file name, an Ollama model name, a server's model id. */
  readonly name: string;
  readonly sizeBytes?: number;
  readonly details?: string;
}

/** What a model is and can do, known without generating (llama.cpp: from the GGUF header, without loading). */
export interface ModelFacts {
  readonly name: string;
  /** Tokens one request may use, prompt and answer together, when known. */
  readonly contextWindow?: number;
  /** The longest answer worth asking for, when the backend limits it. */
  readonly maxOutputTokens?: number;
  /** The model's chat format can call tools (llama.cpp: its chat wrapper; servers: what they report). */
  readonly toolCalling: boolean;
  /** It has a chat template (llama.cpp) or is a chat model. */
  readonly chat: boolean;
  /** It can fill in the middle (inline completion). */
  readonly fillInMiddle: boolean;
  readonly sizeBytes?: number;
  /** Quantization (Q4_K_M…), when known. */
  readonly quantization?: string;
  /** Architecture or family (llama, qwen2…), when known. */
  readonly family?: string;
}

export interface LoadedModel {
  readonly name: string;
  /** Layers actually on the GPU (llama.cpp), when known. */
  readonly gpuLayers?: number;
  readonly totalLayers?: number;
  /**
   * Tokens the context of one request holds. llama.cpp: node-llama-cpp's `context.contextSize`,
   * which is per sequence (the context has this many cells for each of its sequences).
   */
  readonly contextSize?: number;
  /** llama.cpp: the sequences its context has — chat (conversations kept at once) and infill. */
  readonly sequences?: { readonly chat: number; readonly infill: boolean };
}

export type BackendState =
  | { readonly kind: "idle"; readonly loaded: readonly LoadedModel[] }
  | { readonly kind: "loading"; readonly model: string; readonly progress?: number }
  | { readonly kind: "generating"; readonly model: string }
  | { readonly kind: "error"; readonly message: string };

export interface Backend {
  readonly kind: BackendKind;
  readonly state: BackendState;
  readonly onDidChangeState: Event<BackendState>;
  /** The last finished request's usage, for the status bar. */
  readonly onDidFinishRequest: Event<Usage>;

  chat(model: string, messages: readonly ChatMessage[], options?: GenerationOptions, signal?: AbortSignal): Promise<Generation>;
  infill(model: string, request: InfillRequest, options?: GenerationOptions, signal?: AbortSignal): Promise<Generation>;
  embed(model: string, texts: readonly string[], signal?: AbortSignal): Promise<number[][]>;
  listModels(signal?: AbortSignal): Promise<ModelInfo[]>;
  /** What the model is and can do, without loading it where the backend can tell (see ModelFacts). */
  describeModel?(model: string, signal?: AbortSignal): Promise<ModelFacts>;
  load(model: string, signal?: AbortSignal): Promise<LoadedModel>;
  /**
   * Token counts of `texts` with the model's own tokenizer, as plain text: no BOS or other special
   * token is added, and special-token text in them (`<|im_start|>`) counts as ordinary text, as
   * chat templates treat message contents. Not a generation: no "generating" state, no usage event.
   * Absent when the backend cannot count exactly (callers estimate instead).
   */
  countTokens?(model: string, texts: readonly string[], signal?: AbortSignal): Promise<number[]>;
  /**
   * Tokens one chat request may use (prompt and answer together), or undefined when the backend
   * cannot tell. llama.cpp loads the model to know it.
   */
  contextWindow?(model: string, signal?: AbortSignal): Promise<number | undefined>;
  /** Leaves the error state when nothing is generating: its cause may be fixed (settings changed). */
  clearError?(): void;
  unload(): Promise<void>;
  dispose(): void;
}

/** Measures a streamed generation: time to first token and tokens per second. */
export class GenerationClock {
  private readonly started = performance.now();
  private firstTokenAt: number | undefined;

  /** Call when a chunk of generated text arrives. */
  chunk(): void {
    this.firstTokenAt ??= performance.now();
  }

  usage(promptTokens: number, reusedPromptTokens: number, completionTokens: number): Usage {
    const now = performance.now();
    const first = this.firstTokenAt ?? now;
    const generatingSeconds = (now - first) / 1000;
    return {
      promptTokens,
      reusedPromptTokens,
      completionTokens,
      // No token at all: there was no first token to time.
      timeToFirstTokenMs: this.firstTokenAt === undefined ? 0 : first - this.started,
      // The first token's time is in time-to-first-token, so it is left out of the rate.
      tokensPerSecond: completionTokens > 1 && generatingSeconds > 0 ? (completionTokens - 1) / generatingSeconds : 0,
    };
  }
}
