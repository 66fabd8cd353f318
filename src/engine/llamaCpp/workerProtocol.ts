// The messages between the extension host (LlamaWorkerClient) and the llama.cpp worker process
// (worker.ts), over Node's IPC channel. Both sides import this file and nothing else crosses.
import type { BackendErrorCode } from "../backendError";
import type { ChatMessage, Generation, InfillRequest, LoadedModel } from "../backend";

/** How the worker loads and runs a model; a change makes the worker load the model again. */
export interface LlamaRunSettings {
  readonly gpuLayers: "auto" | "max" | number;
  /** 0: as large as the model and memory allow. */
  readonly contextSize: number;
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

/** A request to the worker. `modelPath` is absolute. */
export type WorkerRequest =
  | { readonly id: number; readonly type: "load"; readonly modelPath: string; readonly settings: LlamaRunSettings }
  | {
      readonly id: number;
      readonly type: "chat";
      readonly modelPath: string;
      readonly settings: LlamaRunSettings;
      readonly messages: readonly ChatMessage[];
      readonly options: SamplingOptions;
    }
  | {
      readonly id: number;
      readonly type: "infill";
      readonly modelPath: string;
      readonly settings: LlamaRunSettings;
      readonly request: InfillRequest;
      readonly options: SamplingOptions;
    }
  | { readonly id: number; readonly type: "embed"; readonly modelPath: string; readonly settings: LlamaRunSettings; readonly texts: readonly string[] }
  /** Frees every model but those in `keep` (all when absent), once their requests finish. */
  | { readonly id: number; readonly type: "unload"; readonly keep?: readonly string[] };

/** Stops the generation of request `id` (its result then has stopReason "cancelled"). */
export interface CancelMessage {
  readonly type: "cancel";
  readonly id: number;
}

export type HostToWorker = WorkerRequest | CancelMessage;

export interface ResultByType {
  load: LoadedModel;
  chat: Generation;
  infill: Generation;
  embed: number[][];
  unload: null;
}

export type WorkerToHost =
  | { readonly type: "chunk"; readonly id: number; readonly text: string }
  | { readonly type: "loading"; readonly id: number; readonly modelPath: string; readonly progress: number }
  | { readonly type: "result"; readonly id: number; readonly result: ResultByType[keyof ResultByType] }
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
  | { readonly type: "loaded"; readonly model: LoadedModel }
  | { readonly type: "unloaded"; readonly modelPath: string };
