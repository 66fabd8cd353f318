// The messages between the extension host (LlamaWorkerClient) and the llama.cpp worker process
// (worker.ts), over Node's IPC channel. Both sides import this file and nothing else crosses.
import type { BackendErrorCode } from "../backendError";
import type { ChatMessage, Generation, InfillRequest, LoadedModel, ToolDefinition } from "../backend";

/** How the worker loads and runs a model; a change makes the worker load the model again. */
export interface LlamaRunSettings {
  readonly gpuLayers: "auto" | "max" | number;
  /** Per sequence; 0: as large as the model and memory allow. */
  readonly contextSize: number;
  /** Chat sequences a chat model's context gets (conversations kept in memory at once). */
  readonly parallelConversations: number;
  readonly threads: number;
  /** 0: node-llama-cpp's default. */
  readonly batchSize: number;
  readonly flashAttention: boolean | "auto";
  /** "auto": the model's own chat template; otherwise one of node-llama-cpp's chat wrapper names. */
  readonly chatFormat: string;
}

export interface SamplingOptions {
  readonly maxTokens?: number;
  readonly temperature?: number;
}

/** The GPU llama.cpp runs models on and its memory, as last reported after a load. */
export interface GpuMemoryReport {
  readonly gpu: string;
  readonly totalBytes: number;
  readonly freeBytes: number;
}

/** What the worker reads from a GGUF header without loading the model (a "facts" request). */
export interface LlamaModelFacts {
  readonly architecture?: string;
  /** The context length the model was trained with. */
  readonly trainedContextSize?: number;
  readonly chatTemplate: boolean;
  readonly fillInMiddle: boolean;
  /** The chat format a chat would use (node-llama-cpp's wrapper name). */
  readonly chatFormat: string;
  readonly toolCalling: boolean;
  /** `general.file_type` (llama_ftype), for the quantization's name. */
  readonly fileType?: number;
}

/**
 * The sequences a model's context needs: chat sequences (conversations kept in memory at once)
 * and whether it has an infill sequence. The host asks for what the model's roles need; the
 * worker gives a model the union of what it was asked for so far.
 */
export interface SequenceNeeds {
  readonly chat: number;
  readonly infill: boolean;
}

/** What every request for a model carries. */
interface ModelRequest {
  readonly id: number;
  readonly modelPath: string;
  readonly settings: LlamaRunSettings;
  /** The setting that names the model ("hearth.models.completion"…): errors about the model file point at it. */
  readonly setting?: string;
  /** The sequences the model's context should have (requests that use no context leave it out). */
  readonly sequences?: SequenceNeeds;
}

/** A chat request's extras: who asks (for the sequence holding its conversation), how urgent, which tools. */
export interface ChatExtras {
  /** The conversation's id, when the caller has one: its sequence and KV cache are kept for it. */
  readonly conversation?: string;
  /** "background" waits behind every chat answer. */
  readonly priority?: "chat" | "background";
  readonly tools?: readonly ToolDefinition[];
  readonly toolMode?: "auto" | "required";
}

/**
 * A request to the worker; `id` pairs it with its answer. `modelPath` is absolute; a request
 * loads that model with `settings` when it is not loaded so (sharing a load under way).
 */
export type WorkerRequest =
  /** Loads the model (with a context of `sequences`, when given) and describes it. */
  | (ModelRequest & { readonly type: "load" })
  /**
   * A chat answer on one of the model's chat sequences (its conversation's, or the one holding the
   * most of its prompt), streamed as "chunk" messages; it waits when all are busy.
   */
  | (ModelRequest & ChatExtras & { readonly type: "chat"; readonly messages: readonly ChatMessage[]; readonly options: SamplingOptions })
  /**
   * A fill-in-the-middle completion on the model's completion sequence, streamed as "chunk"
   * messages. Latest wins: it cancels the model's infill under way or waiting (which ends as
   * "cancelled") instead of queueing behind it.
   */
  | (ModelRequest & { readonly type: "infill"; readonly request: InfillRequest; readonly options: SamplingOptions })
  /** One embedding vector per text (the embedding context is created on first use). */
  | (ModelRequest & { readonly type: "embed"; readonly texts: readonly string[] })
  /**
   * The token count of each text with the model's tokenizer, as plain text (no BOS, special-token
   * text counted as ordinary text). Uses no context: only the model is loaded if needed.
   */
  | (ModelRequest & { readonly type: "tokenize"; readonly texts: readonly string[] })
  /** The model's facts from its GGUF header; nothing is loaded. */
  | (ModelRequest & { readonly type: "facts" })
  /** Frees every model but those in `keep` (all when absent), once their requests finish. */
  | { readonly id: number; readonly type: "unload"; readonly keep?: readonly string[] };

/**
 * Cancels request `id`: a generation ends with stopReason "cancelled" and the text so far;
 * embed and tokenize fail with code "cancelled". A load under way is stopped when no other request waits for it.
 */
export interface CancelMessage {
  readonly type: "cancel";
  readonly id: number;
}

export type HostToWorker = WorkerRequest | CancelMessage;

/** The `result` of each request type. */
export interface ResultByType {
  load: LoadedModel;
  chat: Generation;
  infill: Generation;
  embed: number[][];
  tokenize: number[];
  facts: LlamaModelFacts;
  unload: null;
}

export type WorkerToHost =
  /** Generated text of request `id`, as it comes. */
  | { readonly type: "chunk"; readonly id: number; readonly text: string }
  /** Loading progress (0 to 1) of a model that request `id` needs. */
  | { readonly type: "loading"; readonly id: number; readonly modelPath: string; readonly progress: number }
  /** Request `id` succeeded. */
  | { readonly type: "result"; readonly id: number; readonly result: ResultByType[keyof ResultByType] }
  /** Request `id` failed; a generation's text so far is kept in `partialText`. */
  | {
      readonly type: "error";
      readonly id: number;
      readonly code: BackendErrorCode;
      readonly message: string;
      readonly partialText: string;
      readonly setting?: string;
    }
  /** Something the user should know, such as "no GPU: layers run on the CPU" (the host says it once). */
  | { readonly type: "notice"; readonly message: string }
  /** A model is now in memory (whichever request loaded it). */
  | { readonly type: "loaded"; readonly model: LoadedModel }
  /** A model was freed. */
  | { readonly type: "unloaded"; readonly modelPath: string }
  /** The GPU llama.cpp uses (false: none) and its memory now, after each model load. */
  | { readonly type: "gpu"; readonly gpu: string | false; readonly totalBytes: number; readonly freeBytes: number };
