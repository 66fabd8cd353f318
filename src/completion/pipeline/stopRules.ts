// What shape of completion to ask for, from where the cursor is:
//   - text before the cursor on its line, or after it → one line, ending at the line break;
//   - at the end of a line that opens a block ("{", "(", "[", or ":" in Python/YAML) → several
//     lines, the block's body being indented deeper than the cursor line;
//   - on an empty (or whitespace-only) line → several lines, until the block closes: a line
//     indented less than the completion's first line, or a closing bracket at the block's level.
// Both multi-line shapes stop at a line limit (setting-driven) and every generation has a time
// budget. The StopPlan is data; streamFilters.ts applies it to the text as it arrives.
//
//   planStop(context: CursorContext, settings?: StopSettings): StopPlan
import type { CursorContext } from "./cursorContext";
import { DEFAULT_TAB_SIZE, indentWidth, isBlank } from "./textLines";

export interface StopSettings {
  /** Most lines a multi-line completion may have (default 8). */
  readonly maxLines?: number;
  /** Longest a generation may run, in ms (default 3000): a slow CPU should not keep the model busy. */
  readonly timeBudgetMs?: number;
  readonly tabSize?: number;
}

export const DEFAULT_MAX_LINES = 8;
export const DEFAULT_TIME_BUDGET_MS = 3000;

export type CompletionShape = "singleLine" | "multiLine";

/** Why the plan has its shape; for logs and tests. */
export type ShapeReason = "textBeforeCursor" | "textAfterCursor" | "afterBlockOpener" | "emptyLine";

export interface StopPlan {
  readonly shape: CompletionShape;
  readonly reason: ShapeReason;
  /** 1 for a single line. */
  readonly maxLines: number;
  readonly timeBudgetMs: number;
  /** What to ask the engine for: enough for `maxLines` lines of code, no more. */
  readonly maxTokens: number;
  /**
   * Lines after the first indented less than this many columns close the block. Undefined: the
   * completion's first non-blank line sets it (and it is never less than the cursor line's).
   */
  readonly blockIndent: number | undefined;
  readonly tabSize: number;
}

/** Single lines rarely need more; a multi-line completion gets about 32 tokens a line. */
const SINGLE_LINE_TOKENS = 96;
const TOKENS_PER_LINE = 32;
const MAX_TOKENS = 512;

/** Languages where a line ending in ":" opens an indented block. */
const COLON_OPENS_BLOCK = new Set(["python", "yaml", "nim", "coffeescript"]);

export function planStop(context: CursorContext, settings: StopSettings = {}): StopPlan {
  const tabSize = settings.tabSize ?? DEFAULT_TAB_SIZE;
  const timeBudgetMs = settings.timeBudgetMs ?? DEFAULT_TIME_BUDGET_MS;
  const maxLines = Math.max(1, Math.floor(settings.maxLines ?? DEFAULT_MAX_LINES));
  const singleLine = (reason: ShapeReason): StopPlan => ({
    shape: "singleLine", reason, maxLines: 1, timeBudgetMs, maxTokens: SINGLE_LINE_TOKENS, blockIndent: undefined, tabSize,
  });
  const multiLine = (reason: ShapeReason, blockIndent: number | undefined): StopPlan => ({
    shape: "multiLine", reason, maxLines, timeBudgetMs, maxTokens: Math.min(MAX_TOKENS, maxLines * TOKENS_PER_LINE), blockIndent, tabSize,
  });

  if (!isBlank(context.lineSuffix)) return singleLine("textAfterCursor");
  if (isBlank(context.linePrefix)) return multiLine("emptyLine", undefined);
  if (opensBlock(context.linePrefix, context.languageId)) {
    // The body goes one level deeper than the line that opens it; a line back at that line's own
    // indentation (its closing bracket, or the next statement) ends it.
    return multiLine("afterBlockOpener", indentWidth(context.linePrefix, tabSize) + 1);
  }
  return singleLine("textBeforeCursor");
}

function opensBlock(linePrefix: string, languageId: string): boolean {
  const last = linePrefix.trimEnd().slice(-1);
  return last === "{" || last === "(" || last === "[" || (last === ":" && COLON_OPENS_BLOCK.has(languageId));
}
