// Building FIM prompts within token budgets: trimming at line boundaries, other files dropped
// from the end of the list, and a prompt start that stays the same from one keystroke to the next.
import * as assert from "node:assert/strict";
import type { ContextSnippet } from "../../src/engine/backend";
import { chooseFimFormat } from "../../src/engine/fim/chooseFimFormat";
import type { FimFormat } from "../../src/engine/fim/fimFormat";
import { buildFimPrompt, type BuiltFimPrompt, type PromptMemory, type PromptTokenizer } from "../../src/engine/fim/fimPrompt";
import { LineTokenCache } from "../../src/engine/fim/lineTokenCache";
import { infillBudgets, MAX_INFILL_PROMPT_TOKENS, type PromptBudgets } from "../../src/engine/fim/promptBudget";
import { RETRIM_SHARE } from "../../src/engine/fim/stablePrefix";
import { FakeTokenizer, fakeVocabulary, QWEN_INFILL, QWEN_SPECIALS } from "./fimTestVocabulary";

/** A TypeScript-like source file of `lines` lines, each different. */
function sourceFile(lines: number): string {
  const out: string[] = [];
  for (let index = 0; index < lines; index++) {
    out.push(index % 10 === 0 ? `export function step${index}(input: number): number {` : index % 10 === 9 ? "}" : `  const value${index} = input * ${index} + ${index % 7};`);
  }
  return `${out.join("\n")}\n`;
}

function commonPrefixLength(a: readonly number[], b: readonly number[]): number {
  let index = 0;
  while (index < a.length && index < b.length && a[index] === b[index]) index++;
  return index;
}

describe("FIM prompt building", () => {
  const vocabulary = fakeVocabulary(QWEN_SPECIALS, QWEN_INFILL);
  const qwen = chooseFimFormat({ name: "qwen", names: ["qwen2.5-coder-1.5b.gguf"], vocabulary });
  const plain = chooseFimFormat({ name: "tiny", names: ["tiny.gguf"], vocabulary: fakeVocabulary(["<P>", "<S>", "<M>"], { prefix: "<P>", suffix: "<S>", middle: "<M>" }) });
  const budgets: PromptBudgets = { room: 600, suffix: 40, context: 180 };
  const file = sourceFile(2000);
  const cursor = file.indexOf("  const value1004");
  const build = (tokenizer: PromptTokenizer, prefix: string, suffix: string, previous?: PromptMemory, context: ContextSnippet[] = [], format: FimFormat = qwen) =>
    buildFimPrompt({ prefix, suffix, path: "src/steps.ts", context }, format, tokenizer, budgets, previous);

  it("derives budgets from the sequence's context size and the answer's length", () => {
    assert.deepEqual(infillBudgets(2048, 64), { room: 1968, suffix: 123, context: 590 });
    assert.deepEqual(infillBudgets(32768, 128), { room: MAX_INFILL_PROMPT_TOKENS, suffix: 128, context: Math.floor(MAX_INFILL_PROMPT_TOKENS * 0.3) });
    assert.equal(infillBudgets(100, 256).room, 0, "no room: an empty budget, not a negative one");
  });

  it("keeps a prompt that fits whole, laid out in the format", () => {
    const tokenizer = new FakeTokenizer();
    const built = build(tokenizer, "let a = ", ";\n", undefined, [{ path: "src/b.ts", text: "export const b = 2;\n" }]);
    assert.equal(
      tokenizer.text(built.tokens).replace(/<special (\d+)>/g, (_, id: string) => QWEN_SPECIALS[Number(id) - 100_000]),
      "<|repo_name|>workspace\n<|file_sep|>src/b.ts\nexport const b = 2;\n<|file_sep|>src/steps.ts\n<|fim_prefix|>let a = <|fim_suffix|>;\n<|fim_middle|>",
    );
  });

  it("trims the prefix from its start and the suffix from its end, at line boundaries, within the budgets", () => {
    const tokenizer = new FakeTokenizer();
    const prefix = file.slice(0, cursor + 10);
    const suffix = file.slice(cursor + 10);
    const built = build(tokenizer, prefix, suffix);
    const { parts } = built;
    assert.ok(built.tokens.length <= budgets.room, `${built.tokens.length} tokens`);
    assert.ok(prefix.endsWith(parts.prefix) && prefix[prefix.length - parts.prefix.length - 1] === "\n", "the prefix starts at a line start");
    assert.ok(suffix.startsWith(parts.suffix) && parts.suffix.endsWith("\n"), "the suffix ends at a line end");
    assert.ok(tokenizer.tokenize(parts.suffix).length <= budgets.suffix);
    const prefixTokens = tokenizer.tokenize(parts.prefix).length;
    const prefixRoom = budgets.room - tokenizer.tokenize(parts.suffix).length - 13; // 13: FIM tokens, repository and file names
    assert.ok(prefixTokens > RETRIM_SHARE * prefixRoom - 40, `the prefix gets the room the others leave: ${prefixTokens} of ${prefixRoom}`);
    assert.ok(prefixTokens <= RETRIM_SHARE * prefixRoom, "a fresh trim leaves a quarter of its room for typing");
  });

  it("drops other files from the end of the list, cutting the first that does not fit at a line end", () => {
    const tokenizer = new FakeTokenizer();
    const big = (name: string, lines: number): ContextSnippet => ({ path: `src/${name}.ts`, text: sourceFile(lines) });
    const built = build(tokenizer, "let a = ", "", undefined, [big("first", 5), big("second", 40), big("third", 3)]);
    const paths = built.parts.files.map((snippet) => snippet.path);
    assert.deepEqual(paths, ["src/second.ts", "src/first.ts"], "the most useful nearest the code; the third dropped");
    const second = built.parts.files[0].text;
    assert.ok(big("second", 40).text.startsWith(second) && second.endsWith("\n") && second.length < big("second", 40).text.length, "cut at a line end");
  });

  it("keeps other files in place when the caller reorders them, and puts a new one last", () => {
    const tokenizer = new FakeTokenizer();
    const a = { path: "src/a.ts", text: "export const a = 1;\n" };
    const b = { path: "src/b.ts", text: "export const b = 2;\n" };
    const c = { path: "src/c.ts", text: "export const c = 3;\n" };
    const first = build(tokenizer, "let x = ", "", undefined, [a, b]);
    const second = build(tokenizer, "let x = 1", "", first.memory, [b, a, c]);
    assert.deepEqual(first.parts.files.map((snippet) => snippet.path), ["src/b.ts", "src/a.ts"]);
    assert.deepEqual(second.parts.files.map((snippet) => snippet.path), ["src/b.ts", "src/a.ts", "src/c.ts"]);
  });

  it("keeps the start of the prompt from one keystroke to the next while typing, trimming rarely and in coarse steps", () => {
    const tokenizer = new FakeTokenizer();
    const context = [{ path: "src/util.ts", text: sourceFile(12) }];
    // About 200 tokens: more than the quarter of the prefix's budget a trim leaves free.
    const typed = "  const total = values.reduce((sum, value) => sum + value, 0);\n  if (total > 10) {\n    return total;\n  }\n".repeat(4);
    let previous: BuiltFimPrompt | undefined;
    let retrims = 0;
    let evaluated = 0;
    let total = 0;
    for (let length = 0; length <= typed.length; length++) {
      const prefix = file.slice(0, cursor) + typed.slice(0, length);
      const built = build(tokenizer, prefix, file.slice(cursor), previous?.memory, context);
      assert.ok(built.tokens.length <= budgets.room);
      assert.ok(prefix.endsWith(built.parts.prefix) && (built.parts.prefix === prefix || prefix[prefix.length - built.parts.prefix.length - 1] === "\n"), "trimmed at a line start");
      if (previous) {
        const common = commonPrefixLength(previous.tokens, built.tokens);
        // What a KV cache would evaluate again: everything after the common start.
        evaluated += built.tokens.length - common;
        const previousPrefixEnd = previous.tokens.length - tokenizer.tokenize(previous.parts.suffix).length - 2;
        if (common < previousPrefixEnd - 3) retrims++;
        else assert.equal(built.parts.prefix.slice(0, 200), previous.parts.prefix.slice(0, 200), "same start");
      }
      total += built.tokens.length;
      previous = built;
    }
    assert.ok(retrims >= 1 && retrims <= 2, `${retrims} re-trims in ${typed.length} keystrokes`);
    assert.ok(evaluated / total < 0.15, `evaluated ${evaluated} of ${total} prompt tokens again`);
  });

  it("keeps its start when the caller's prefix window moves on as lines are typed", () => {
    const tokenizer = new FakeTokenizer();
    const generous: PromptBudgets = { room: 4000, suffix: 40, context: 0 };
    let previous: BuiltFimPrompt | undefined;
    let starts = 0;
    let lines = file.slice(0, cursor).split("\n");
    for (let line = 0; line < 40; line++) {
      lines = [...lines, `  const typed${line} = ${line};`];
      // The caller sends the last 100 lines before the cursor, as the completion side's window does.
      const prefix = lines.slice(-100).join("\n");
      const built = buildFimPrompt({ prefix, suffix: "\n}\n", path: "src/steps.ts" }, plain, tokenizer, generous, previous?.memory);
      if (!previous || built.parts.prefix.slice(0, 100) !== previous.parts.prefix.slice(0, 100)) starts++;
      previous = built;
    }
    assert.ok(starts <= 3, `the prompt's start moved ${starts} times in 40 lines`);
  });

  it("starts afresh for another file or another format", () => {
    const tokenizer = new FakeTokenizer();
    const prefix = file.slice(0, cursor);
    const first = build(tokenizer, prefix, "");
    const other = buildFimPrompt({ prefix: `// other\n${prefix}`, suffix: "", path: "src/other.ts" }, qwen, tokenizer, budgets, first.memory);
    assert.notEqual(other.memory.path, first.memory.path);
    const plainPrompt = build(tokenizer, prefix, "", first.memory, [], plain);
    assert.notEqual(plainPrompt.memory.formatKey, first.memory.formatKey);
  });

  it("cuts a single line longer than the whole budget (minified code) inside, keeping the end next to the cursor", () => {
    const tokenizer = new FakeTokenizer();
    const minified = Array.from({ length: 3000 }, (_, index) => `a${index}=${index};`).join("");
    const built = build(tokenizer, minified, "");
    assert.ok(built.tokens.length <= budgets.room);
    assert.ok(minified.endsWith(built.parts.prefix) && built.parts.prefix.length > 100);
  });

  it("counts a keystroke's prompt from remembered lines (only the cursor's line is new), and tokenizes the prompt itself whole", () => {
    const inner = new FakeTokenizer();
    const cached = new LineTokenCache(inner);
    const prefix = file.slice(0, cursor);
    const first = build(cached, `${prefix}  const a`, file.slice(cursor));
    // The fake gives ids in the order it meets text: the same instance, uncached, must agree.
    assert.deepEqual(first.tokens, build(inner, `${prefix}  const a`, file.slice(cursor)).tokens, "the same tokens as the model's own tokenizer gives");
    const before = inner.tokenizedCharacters;
    const second = build(cached, `${prefix}  const ab`, file.slice(cursor), first.memory);
    const counted = inner.tokenizedCharacters - before - inner.text(second.tokens).length;
    assert.ok(counted < 200, `${counted} characters tokenized to count for a keystroke, besides the prompt itself`);
  });
});
