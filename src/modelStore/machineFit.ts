// Whether a model fits this machine's memory: fits / tight / too big. It is an ESTIMATE, for a mark
// next to a model, not a promise: llama.cpp needs the weights (about the file's size, mapped into
// memory) plus working buffers (we allow 20 % of the file) plus the KV cache for the context
// (4096 tokens, Hearth's default context size). Models Hearth has already loaded keep their memory
// until unloaded — and the system may count their memory-mapped weights as free, so they are
// subtracted here by their own estimate. GPU memory counts only when llama.cpp reports a GPU;
// without one (or without a report) the marks are about RAM alone.
import { promises as fs } from "node:fs";
import * as os from "node:os";

export type MachineFit = "fits" | "tight" | "tooBig";

export interface MachineMemory {
  readonly totalBytes: number;
  readonly freeBytes: number;
  /** The estimated memory of the models Hearth has loaded (see loadedModelsBytes). */
  readonly loadedModelBytes?: number;
  /** GPU memory, when llama.cpp reports a GPU: layers offloaded there need no RAM. */
  readonly gpu?: GpuMemory;
}

export interface GpuMemory {
  readonly totalBytes: number;
  readonly freeBytes: number;
}

/** What the KV cache needs is known from the GGUF header (installed models); otherwise guessed. */
export interface KvShape {
  readonly layers: number;
  readonly kvHeads: number;
  readonly headDimension: number;
}

export const FIT_CONTEXT_TOKENS = 4096;
const WORKING_BUFFERS = 0.2;
/** Without a header, the KV cache at 4096 tokens is taken as a tenth of the file, within bounds. */
const GUESSED_KV_SHARE = 0.1;
const MiB = 1 << 20;

export function thisMachine(usage: Pick<MachineMemory, "loadedModelBytes" | "gpu"> = {}): MachineMemory {
  const gpu = usage.gpu && usage.gpu.totalBytes > 0 ? usage.gpu : undefined; // a report of no GPU memory is no GPU
  return { totalBytes: os.totalmem(), freeBytes: os.freemem(), loadedModelBytes: usage.loadedModelBytes, gpu };
}

/**
 * The estimated memory of loaded model files, by path: each file's estimate (its header's KV
 * shape when `shapeOf` knows it). A path that is not a file here (an Ollama model name) counts 0.
 */
export async function loadedModelsBytes(paths: readonly string[], shapeOf?: (path: string, modifiedMs: number) => Promise<KvShape | undefined>): Promise<Map<string, number>> {
  const estimates = new Map<string, number>();
  for (const modelPath of new Set(paths)) {
    const stats = await fs.stat(modelPath).catch(() => undefined);
    if (!stats?.isFile()) continue;
    const shape = await shapeOf?.(modelPath, stats.mtimeMs).catch(() => undefined);
    estimates.set(modelPath, estimatedMemoryBytes(stats.size, shape));
  }
  return estimates;
}

/** Bytes of KV cache (f16 keys and values) for `tokens` of context. */
export function kvCacheBytes(sizeBytes: number, shape: KvShape | undefined, tokens = FIT_CONTEXT_TOKENS): number {
  if (shape) return 2 /* K and V */ * 2 /* f16 */ * shape.layers * shape.kvHeads * shape.headDimension * tokens;
  return Math.min(Math.max(sizeBytes * GUESSED_KV_SHARE, 16 * MiB), 2048 * MiB) * (tokens / FIT_CONTEXT_TOKENS);
}

/** Estimated memory to run a model of `sizeBytes` with a 4096-token context. */
export function estimatedMemoryBytes(sizeBytes: number, shape?: KvShape, minimumBytes = 0): number {
  return Math.max(minimumBytes, Math.round(sizeBytes * (1 + WORKING_BUFFERS) + kvCacheBytes(sizeBytes, shape)));
}

/**
 * Fits: needs no more than what is free now, beside the models already loaded, and leaves a quarter
 * of the machine for the editor and the rest (free GPU memory adds room for offloaded layers).
 * Tight: under 90 % of all memory (plus the GPU's), so it runs once other programs — or Hearth's
 * other loaded models — give some back (or with swapping). Too big: more than that.
 */
export function machineFit(requiredBytes: number, memory: MachineMemory = thisMachine()): MachineFit {
  const loaded = memory.loadedModelBytes ?? 0;
  const ramRoom = Math.max(0, Math.min(memory.freeBytes, memory.totalBytes * 0.75 - loaded));
  if (requiredBytes <= ramRoom + (memory.gpu?.freeBytes ?? 0)) return "fits";
  if (requiredBytes <= memory.totalBytes * 0.9 + (memory.gpu?.totalBytes ?? 0)) return "tight";
  return "tooBig";
}
