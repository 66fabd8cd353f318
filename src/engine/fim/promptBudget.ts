// How many tokens a fill-in-the-middle prompt may use, and how they are shared between the
// code after the cursor, other files and the code before the cursor.

export interface PromptBudgets {
  /** The whole prompt, special tokens and BOS included. */
  readonly room: number;
  /** The code after the cursor. Small: in prefix-suffix-middle order it comes after the prefix, so it is evaluated again on every keystroke. */
  readonly suffix: number;
  /** Other files. */
  readonly context: number;
}

/**
 * A cap on the prompt, whatever the context size: evaluating a prompt from scratch (a new file,
 * a jump) takes seconds per thousand tokens on a laptop CPU (a 1.5B model: ~200 tokens/s on four
 * cores), and code further away helps little.
 */
export const MAX_INFILL_PROMPT_TOKENS = 2048;
/** What a completion may generate when the caller sets no limit. */
export const DEFAULT_INFILL_MAX_TOKENS = 256;
/** Left free besides the answer: node-llama-cpp keeps a sequence's last cell free, and a little slack. */
const MARGIN_TOKENS = 16;
const MAX_SUFFIX_TOKENS = 128;
const CONTEXT_SHARE = 0.3;

/**
 * Budgets for a sequence of `contextSize` tokens that must also hold `maxTokens` of answer:
 * room = contextSize − maxTokens − margin (at most MAX_INFILL_PROMPT_TOKENS); suffix 1/16 of it
 * (at most 128); other files 30 %; the code before the cursor gets the rest.
 */
export function infillBudgets(contextSize: number, maxTokens = DEFAULT_INFILL_MAX_TOKENS): PromptBudgets {
  const room = Math.max(0, Math.min(MAX_INFILL_PROMPT_TOKENS, contextSize - maxTokens - MARGIN_TOKENS));
  return {
    room,
    suffix: Math.min(MAX_SUFFIX_TOKENS, Math.floor(room / 16)),
    context: Math.floor(room * CONTEXT_SHARE),
  };
}
