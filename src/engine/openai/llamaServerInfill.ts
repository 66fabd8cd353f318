// llama-server's POST /infill (tools/server/README.md): it lays the prompt out with the model's
// own FIM tokens, other files from `input_extra` (with their names, in the repository-level
// format when the model has <|file_sep|>-like tokens), and streams events without [DONE].
import type { GenerationOptions, InfillRequest } from "../backend";
import type { StreamedPiece } from "./streamedPiece";

export function llamaServerInfillBody(model: string, request: InfillRequest, options: GenerationOptions): object {
  return {
    model,
    input_prefix: request.prefix,
    input_suffix: request.suffix,
    // Other files with their names; the most useful last, nearest the code (llama-server keeps their order).
    input_extra: [...(request.context ?? [])].reverse().map((snippet) => ({ filename: snippet.path, text: snippet.text })),
    stream: true,
    ...(options.maxTokens !== undefined ? { n_predict: options.maxTokens } : {}),
    ...(options.temperature !== undefined ? { temperature: options.temperature } : {}),
  };
}

/**
 * One streamed event. The final one has the figures: tokens_evaluated is the whole prompt,
 * timings.prompt_n the part it evaluated (the rest came from its cache), timings.predicted_n
 * the tokens it generated.
 */
export function readLlamaServerInfillEvent(event: unknown): StreamedPiece {
  const piece = event as { content?: string; stop?: boolean; stop_type?: string; tokens_evaluated?: number; timings?: { prompt_n?: number; predicted_n?: number } };
  const prompt = piece.tokens_evaluated ?? piece.timings?.prompt_n ?? 0;
  return {
    text: piece.content ?? "",
    finishReason: piece.stop ? (piece.stop_type === "limit" ? "length" : "stop") : null,
    usage: piece.timings
      ? { promptTokens: prompt, reusedPromptTokens: Math.max(0, prompt - (piece.timings.prompt_n ?? prompt)), completionTokens: piece.timings.predicted_n ?? 0 }
      : undefined,
  };
}
