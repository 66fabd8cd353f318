// A token count for text no tokenizer here can read (a server's model): characters over a rate at
// the low end of current code models' BPE vocabularies, plus 10 %, so the count errs high (a
// prompt trimmed a little too much) rather than low (a prompt the server refuses or cuts).

/**
 * Code and English prose run at about 3.5–4.5 characters per token with the BPE vocabularies of
 * current code models (Llama 3, Qwen 2.5, DeepSeek); indentation, symbols and short identifiers
 * pull code toward the low end.
 */
export const DEFAULT_CHARS_PER_TOKEN = 3.5;
/** Estimates are raised by this much: a tokenizer's rate varies from one text to the next. */
export const ESTIMATE_MARGIN = 1.1;

/** Tokens for `text` at `charsPerToken`, with the margin, rounded up (the margin in tenths: no float noise rounds it up). */
export function estimateTokens(text: string, charsPerToken = DEFAULT_CHARS_PER_TOKEN): number {
  if (!text) return 0;
  return Math.ceil((text.length * Math.round(ESTIMATE_MARGIN * 10)) / (charsPerToken * 10));
}
