// Fill-in-the-middle prompts for servers that tokenize themselves (Ollama, OpenAI-compatible
// /v1/completions): either the server applies the model's template to a prompt and a suffix,
// or, for a family named in settings, the whole prompt is written out as raw text.
import type { InfillRequest } from "../backend";
import { familyTextFormat } from "./fimFormat";
import { layoutFimPrompt, prefixWithContext, renderFimText, type FimParts } from "./fimLayout";

export type ServerFimPrompt =
  /** The server lays the prompt out with the model's own template ("auto"). */
  | { readonly kind: "suffix"; readonly prompt: string; readonly suffix: string }
  /** The prompt written in a family's format, to send as is (Ollama's raw mode), and the texts that end a completion. */
  | { readonly kind: "raw"; readonly prompt: string; readonly stop: readonly string[] };

export function serverFimPrompt(request: InfillRequest): ServerFimPrompt {
  // Most useful last, nearest the code, as the llama.cpp worker lays a first prompt out.
  const parts: FimParts = { files: [...(request.context ?? [])].reverse(), path: request.path, prefix: request.prefix, suffix: request.suffix };
  const template = request.template ?? "auto";
  if (template === "auto") return { kind: "suffix", prompt: prefixWithContext(parts), suffix: request.suffix };
  const format = familyTextFormat(template);
  return { kind: "raw", prompt: renderFimText(layoutFimPrompt(format, parts)), stop: [...new Set(format.stops.map((token) => token.text))] };
}
