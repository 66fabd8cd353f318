// A stand-in tokenizer and vocabulary for the FIM format and prompt tests: words, runs of spaces
// and single punctuation marks are tokens (so a text that grows at its end keeps its earlier
// tokens, as a real BPE tokenizer nearly does), and special tokens have ids of their own.
import type { FimVocabulary } from "../../src/engine/fim/chooseFimFormat";
import type { PromptTokenizer } from "../../src/engine/fim/fimPrompt";
import type { SpecialToken } from "../../src/engine/fim/fimFormat";

export class FakeTokenizer implements PromptTokenizer {
  private readonly ids = new Map<string, number>();
  /** Texts tokenized, for tests that check how much work a prompt took. */
  tokenizedCharacters = 0;

  tokenize(text: string, leadingSpace?: boolean): number[] {
    const input = leadingSpace ? ` ${text}` : text;
    this.tokenizedCharacters += input.length;
    return (input.match(/\s+|\w+|[^\s\w]/g) ?? []).map((piece) => this.id(piece));
  }

  /** The text of tokens (for assertions). */
  text(tokens: readonly number[]): string {
    const byId = new Map([...this.ids].map(([piece, id]) => [id, piece]));
    return tokens.map((token) => byId.get(token) ?? `<special ${token}>`).join("");
  }

  private id(piece: string): number {
    let id = this.ids.get(piece);
    if (id === undefined) this.ids.set(piece, (id = this.ids.size + 1));
    return id;
  }
}

/** A vocabulary with these special tokens (ids from 100000) and, optionally, GGUF FIM tokens among them. */
export function fakeVocabulary(specials: readonly string[], infill: { prefix?: string; suffix?: string; middle?: string } = {}): FimVocabulary & { idOf(text: string): number } {
  const ids = new Map(specials.map((text, index) => [text, 100_000 + index]));
  const own = (text: string | undefined): SpecialToken | undefined => (text === undefined ? undefined : { text, id: ids.get(text) });
  return {
    infill: { prefix: own(infill.prefix), suffix: own(infill.suffix), middle: own(infill.middle) },
    specialToken: (text) => ids.get(text),
    idOf: (text) => ids.get(text)!,
  };
}

export const QWEN_SPECIALS = ["<|fim_prefix|>", "<|fim_suffix|>", "<|fim_middle|>", "<|fim_pad|>", "<|repo_name|>", "<|file_sep|>", "<|endoftext|>", "<|im_start|>", "<|im_end|>"];
export const QWEN_INFILL = { prefix: "<|fim_prefix|>", suffix: "<|fim_suffix|>", middle: "<|fim_middle|>" };
