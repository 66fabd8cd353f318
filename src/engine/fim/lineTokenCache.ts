// A tokenizer that tokenizes text line by line and remembers each line's tokens. From one
// keystroke to the next only the cursor's line is new, so a prompt of thousands of tokens costs
// a few lookups instead of a full tokenization (a llama.cpp SentencePiece tokenizer takes ~4 ms
// per 6,000 characters, and the builder counts the same text several times).
//
// The model tokenizer it wraps tokenizes each line as if it followed a line break (node-llama-cpp's
// "trimLeadingSpace"). The counts are close to the whole text's, not equal: BPE tokenizers
// (StarCoder2, Qwen2.5) merge a line break with the next line's indentation, or blank lines. So
// these counts decide what fits, and the prompt itself is tokenized whole (`whole`).
import type { PromptTokenizer } from "./fimPrompt";

/** Lines remembered; when full, the half least recently used is forgotten. */
const CAPACITY = 20_000;

export class LineTokenCache implements PromptTokenizer {
  private readonly lines = new Map<string, readonly number[]>();

  constructor(private readonly inner: PromptTokenizer) {}

  get whole(): PromptTokenizer {
    return this.inner;
  }

  tokenize(text: string, leadingSpace?: boolean): readonly number[] {
    if (text === "") return [];
    const tokens: number[] = [];
    let start = 0;
    while (start < text.length) {
      const end = text.indexOf("\n", start);
      const line = end < 0 ? text.slice(start) : text.slice(start, end + 1);
      for (const token of this.line(line, Boolean(leadingSpace) && start === 0)) tokens.push(token);
      start += line.length;
    }
    return tokens;
  }

  private line(line: string, leadingSpace: boolean): readonly number[] {
    // The cursor's line (no line break yet) changes on every keystroke: not worth remembering.
    if (!line.endsWith("\n")) return this.inner.tokenize(line, leadingSpace);
    const key = leadingSpace ? `\u0000${line}` : line;
    let tokens = this.lines.get(key);
    if (tokens === undefined) {
      tokens = this.inner.tokenize(line, leadingSpace);
      if (this.lines.size >= CAPACITY) this.forgetOldest();
    } else {
      this.lines.delete(key); // used again: the newest, the last to be forgotten
    }
    this.lines.set(key, tokens);
    return tokens;
  }

  private forgetOldest(): void {
    let toForget = this.lines.size / 2;
    for (const key of this.lines.keys()) {
      if (toForget-- <= 0) break;
      this.lines.delete(key);
    }
  }
}
