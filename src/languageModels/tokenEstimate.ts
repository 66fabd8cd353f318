// A token count for servers whose tokenizer Hearth cannot run: characters over a rate at the low
// end of current code models' BPE vocabularies (3.5 characters a token), plus 10 %, so the count
// errs high (a prompt trimmed a little too much) rather than low (a prompt the server refuses).
// The sidebar chat starts from the same rate (src/chat/tokenCounting.ts) and calibrates it.

/** Tokens for `text`: length ÷ 3.5 × 1.1, in integers (11/35) so no float noise rounds it up. */
export function estimateTokens(text: string): number {
  return Math.ceil((text.length * 11) / 35);
}
