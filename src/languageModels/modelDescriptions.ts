// How one of the backend's models is described to VS Code's model picker and to `vscode.lm`
// callers: its token limits, whether it calls tools, and a tooltip that says what it is and
// where it runs. Plain data, no VS Code (the shape matches LanguageModelChatInformation).
import type { BackendKind } from "../config/settings";
import type { ModelFacts, ModelInfo } from "../engine/backend";
import { formatBytes } from "../modelStore/modelFiles";

/** What VS Code is told about one model (structurally a vscode.LanguageModelChatInformation). */
export interface ChatModelDescription {
  readonly id: string;
  readonly name: string;
  readonly family: string;
  readonly version: string;
  readonly maxInputTokens: number;
  readonly maxOutputTokens: number;
  readonly capabilities: { readonly toolCalling: boolean; readonly imageInput: boolean };
  readonly tooltip: string;
  readonly detail: string;
  /** The backend that offered it (settings may switch backend while VS Code still shows it). */
  readonly backend: BackendKind;
}

/** Where the backend's models run, and the limits Hearth's settings put on them. */
export interface ModelSurroundings {
  readonly kind: BackendKind;
  /** "llama.cpp on this machine", "Ollama at http://127.0.0.1:11434", the server's base URL. */
  readonly location: string;
  /** hearth.llamaCpp.contextSize (llama.cpp only; 0: the model's own). */
  readonly contextSizeSetting: number;
  /** hearth.chat.maxAnswerTokens. */
  readonly maxAnswerTokens: number;
}

/** VS Code's l10n.t, or a plain formatter in unit tests. */
export type Localize = (message: string, ...args: Array<string | number | boolean>) => string;

/**
 * Assumed when neither the model nor the backend says: the context llama.cpp's default setting
 * and Ollama give most models. A wrong guess only trims prompts more or less than needed.
 */
export const ASSUMED_CONTEXT_WINDOW = 4096;

/**
 * The tokens one request may use: what the backend says (llama.cpp's describeModel already applies
 * hearth.llamaCpp.contextSize and the loaded size); else, for llama.cpp, what the setting asks for
 * (less the cell node-llama-cpp keeps free, as Backend.contextWindow counts it); else assumed.
 */
function contextWindowOf(facts: ModelFacts | undefined, surroundings: ModelSurroundings): { tokens: number; assumed: boolean } {
  if (facts?.contextWindow) return { tokens: facts.contextWindow, assumed: false };
  if (surroundings.kind === "llamaCpp" && surroundings.contextSizeSetting > 0) return { tokens: surroundings.contextSizeSetting - 1, assumed: false };
  return { tokens: ASSUMED_CONTEXT_WINDOW, assumed: true };
}

export function describeChatModel(info: ModelInfo, facts: ModelFacts | undefined, surroundings: ModelSurroundings, t: Localize): ChatModelDescription {
  const window = contextWindowOf(facts, surroundings);
  // A quarter of the context is kept for the answer, as the sidebar chat does when it trims.
  const maxOutputTokens = Math.max(1, Math.min(facts?.maxOutputTokens ?? Infinity, surroundings.maxAnswerTokens, Math.floor(window.tokens / 4)));
  const maxInputTokens = Math.max(1, window.tokens - maxOutputTokens);
  const { family, version } = familyAndVersion(info.name, facts, surroundings.kind);
  const sizeBytes = facts?.sizeBytes ?? info.sizeBytes;
  const toolCalling = facts?.toolCalling ?? false;
  const what = [sizeBytes ? formatBytes(sizeBytes) : undefined, facts?.quantization, info.details].filter(Boolean).join(" · ");
  const tooltip = [
    t("{0}, run by {1}", displayName(info.name, surroundings.kind), surroundings.location),
    what,
    window.assumed ? t("Context: {0} tokens (assumed: the model does not say)", window.tokens) : t("Context: {0} tokens", window.tokens),
    toolCalling ? t("Can call tools (agent mode)") : t("Cannot call tools (agent mode needs a model that can)"),
  ]
    .filter(Boolean)
    .join("\n");
  return {
    id: info.name,
    name: displayName(info.name, surroundings.kind),
    family,
    version,
    maxInputTokens,
    maxOutputTokens,
    capabilities: { toolCalling, imageInput: false },
    tooltip,
    detail: [BACKEND_SHORT_NAMES[surroundings.kind], sizeBytes ? formatBytes(sizeBytes) : undefined].filter(Boolean).join(" · "),
    backend: surroundings.kind,
  };
}

const BACKEND_SHORT_NAMES: Readonly<Record<BackendKind, string>> = { llamaCpp: "llama.cpp", ollama: "Ollama", openai: "server" };

/** A GGUF file shows without its extension; Ollama and server models by their own names. */
function displayName(name: string, kind: BackendKind): string {
  return kind === "llamaCpp" ? name.replace(/\.gguf$/i, "") : name;
}

/**
 * `family` and `version` are what `vscode.lm.selectChatModels` callers filter on: the
 * architecture when the model says, else the name before Ollama's tag; the tag or quantization
 * as the version.
 */
function familyAndVersion(name: string, facts: ModelFacts | undefined, kind: BackendKind): { family: string; version: string } {
  if (kind === "ollama") {
    const [base, tag] = name.split(":");
    return { family: facts?.family ?? base, version: tag ?? "latest" };
  }
  return { family: facts?.family ?? displayName(name, kind), version: facts?.quantization ?? kind };
}
