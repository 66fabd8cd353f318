// What a GGUF file's header says about the model, for the Models view and for offering roles:
// architecture, trained context length, whether it has a chat template and fill-in-the-middle
// tokens, its KV shape (for the memory estimate). Read with @huggingface/gguf, which reads only the
// header, and cached by path and modification time: nothing reads a file twice, and nothing reads
// one until a view asks (never at activation).
import { gguf } from "@huggingface/gguf";
import { promises as fs } from "node:fs";
import type { KvShape } from "./machineFit";

export interface GgufFacts {
  readonly architecture: string | undefined;
  readonly name: string | undefined;
  readonly contextLength: number | undefined;
  readonly hasChatTemplate: boolean;
  /** Prefix, suffix and middle tokens are all declared: inline completion can use it. */
  readonly hasFimTokens: boolean;
  /** `general.file_type` as a quantization name, when it is one we know. */
  readonly fileType: string | undefined;
  readonly kvShape: KvShape | undefined;
}

/** llama.cpp's `llama_ftype` values for the common types (ggml's enum, stable since GGUF v2). */
const FILE_TYPES: Readonly<Record<number, string>> = {
  0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 7: "Q8_0", 8: "Q5_0", 9: "Q5_1", 10: "Q2_K", 11: "Q3_K_S", 12: "Q3_K_M",
  13: "Q3_K_L", 14: "Q4_K_S", 15: "Q4_K_M", 16: "Q5_K_S", 17: "Q5_K_M", 18: "Q6_K", 32: "BF16",
};

/** Reads the header of a local GGUF file. Throws when it is not GGUF or cannot be read. */
export async function readGgufFacts(filePath: string): Promise<GgufFacts> {
  const { metadata } = await gguf(filePath, { allowLocalFile: true });
  const meta = metadata as Record<string, unknown>;
  const architecture = text(meta["general.architecture"]);
  const number = (key: string) => (architecture ? numeric(meta[`${architecture}.${key}`]) : undefined);
  const layers = number("block_count");
  const heads = number("attention.head_count");
  const kvHeads = number("attention.head_count_kv") ?? heads;
  const embedding = number("embedding_length");
  const headDimension = number("attention.key_length") ?? (embedding && heads ? embedding / heads : undefined);
  const fileType = numeric(meta["general.file_type"]);
  return {
    architecture,
    name: text(meta["general.name"]),
    contextLength: number("context_length"),
    hasChatTemplate: typeof meta["tokenizer.chat_template"] === "string",
    hasFimTokens: ["fim_pre", "fim_suf", "fim_mid"].every((token) => numeric(meta[`tokenizer.ggml.${token}_token_id`]) !== undefined),
    fileType: quantizationName(fileType),
    kvShape: layers && kvHeads && headDimension ? { layers, kvHeads, headDimension } : undefined,
  };
}

/** The quantization a GGUF's `general.file_type` names, when it is one we know. */
export function quantizationName(fileType: number | undefined): string | undefined {
  return fileType === undefined ? undefined : FILE_TYPES[fileType];
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value ? value : undefined;
}

function numeric(value: unknown): number | undefined {
  if (typeof value === "bigint") return Number(value);
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

/** Facts per file, read once per modification: a file replaced under the same name is read again. */
export class GgufFactsCache {
  private readonly entries = new Map<string, { readonly modifiedMs: number; readonly facts: Promise<GgufFacts | undefined> }>();

  constructor(private readonly read: (filePath: string) => Promise<GgufFacts> = readGgufFacts) {}

  /** The file's facts, or undefined when its header cannot be read (not GGUF, gone, truncated). */
  async get(filePath: string, modifiedMs?: number): Promise<GgufFacts | undefined> {
    const mtime = modifiedMs ?? (await fs.stat(filePath).then((stat) => stat.mtimeMs, () => -1));
    const cached = this.entries.get(filePath);
    if (cached && cached.modifiedMs === mtime) return cached.facts;
    const facts = this.read(filePath).catch(() => undefined);
    this.entries.set(filePath, { modifiedMs: mtime, facts });
    return facts;
  }

}
