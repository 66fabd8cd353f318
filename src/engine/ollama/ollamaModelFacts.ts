// What `ollama show` (POST /api/show) and `ollama list` (GET /api/tags) tell about a model, as
// ModelFacts. Older servers leave out `capabilities`, and any model may lack `model_info` or
// `details`: each fact is read where it is, guessed from the template where Ollama itself would
// (server/images.go decides "tools" and "insert" from the template's variables), else left out.
import type { ModelResponse, ShowResponse } from "ollama";
import type { ModelFacts } from "../backend";

/**
 * The context Ollama gives a model whose Modelfile sets no num_ctx: 4096 since about Ollama 0.6
 * (2048 before) with under 24 GiB of VRAM; more on larger GPUs, or what OLLAMA_CONTEXT_LENGTH
 * says, which the API does not tell. Assuming the common case on laptops: a larger real context
 * only means a prompt was trimmed more than it had to be.
 */
export const OLLAMA_DEFAULT_NUM_CTX = 4096;

/** What `show` answers, with every field possibly missing (older servers, odd models). */
export type ShownModel = Partial<Pick<ShowResponse, "parameters" | "template" | "capabilities">> & {
  readonly details?: Partial<ShowResponse["details"]>;
  readonly model_info?: unknown;
};

/**
 * The context Hearth's requests get: Hearth sends no num_ctx, so it is the Modelfile's num_ctx,
 * else Ollama's default, never more than the model's trained context length.
 */
export function contextWindowOf(shown: ShownModel): number {
  const numCtx = /^num_ctx\s+(\d+)\s*$/m.exec(shown.parameters ?? "")?.[1];
  const window = numCtx ? Number(numCtx) : OLLAMA_DEFAULT_NUM_CTX;
  const trained = trainedContextLength(shown.model_info);
  return trained ? Math.min(window, trained) : window;
}

export function modelFacts(name: string, shown: ShownModel, listed: ModelResponse | undefined): ModelFacts {
  const capabilities = Array.isArray(shown.capabilities) ? shown.capabilities : undefined;
  const template = shown.template ?? "";
  return {
    name,
    contextWindow: contextWindowOf(shown),
    toolCalling: capabilities ? capabilities.includes("tools") : template.includes(".Tools"),
    // An embedding model has "embedding" and no "completion".
    chat: capabilities ? capabilities.includes("completion") : true,
    fillInMiddle: capabilities ? capabilities.includes("insert") : template.includes(".Suffix"),
    ...(listed?.size ? { sizeBytes: listed.size } : {}),
    ...optional("quantization", shown.details?.quantization_level || listed?.details?.quantization_level),
    ...optional("family", shown.details?.family || listed?.details?.family || architecture(shown.model_info)),
  };
}

/** The model's trained context length from `show`'s model_info ("llama.context_length", "qwen2.context_length"…). */
function trainedContextLength(modelInfo: unknown): number | undefined {
  if (!modelInfo || typeof modelInfo !== "object") return undefined;
  const own = (modelInfo as Record<string, unknown>)[`${architecture(modelInfo)}.context_length`];
  if (typeof own === "number" && own > 0) return own;
  for (const [key, value] of Object.entries(modelInfo)) {
    if (key.endsWith(".context_length") && typeof value === "number" && value > 0) return value;
  }
  return undefined;
}

function architecture(modelInfo: unknown): string | undefined {
  const value = modelInfo && typeof modelInfo === "object" ? (modelInfo as Record<string, unknown>)["general.architecture"] : undefined;
  return typeof value === "string" ? value : undefined;
}

function optional<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value ? { [key]: value } : {}) as { [P in K]?: string };
}
