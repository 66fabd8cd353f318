// Whether a model fits this machine's memory: fits / tight / too big. It is an ESTIMATE, for a mark
// next to a model, not a promise: llama.cpp needs the weights (about the file's size, mapped into
// memory) plus working buffers (we allow 20 % of the file) plus the KV cache for the context
// (4096 tokens, Hearth's default context size). GPU memory is not counted, so a machine that
// offloads layers to a GPU may run more than this says.
import * as os from "node:os";

export type MachineFit = "fits" | "tight" | "tooBig";

export interface MachineMemory {
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

export function thisMachine(): MachineMemory {
  return { totalBytes: os.totalmem(), freeBytes: os.freemem() };
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
 * Fits: needs no more than what is free now and leaves a quarter of the machine for the editor and
 * the rest. Tight: under 90 % of all memory, so it runs once other programs give some back (or
 * with swapping). Too big: more than that.
 */
export function machineFit(requiredBytes: number, memory: MachineMemory = thisMachine()): MachineFit {
  if (requiredBytes <= Math.min(memory.freeBytes, memory.totalBytes * 0.75)) return "fits";
  if (requiredBytes <= memory.totalBytes * 0.9) return "tight";
  return "tooBig";
}
