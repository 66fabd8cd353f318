// Judges the completion while it streams, so a generation that has gone wrong is stopped at once
// instead of running to its token limit. Fed the chunks as they arrive; each push answers with
// the text accepted so far and whether to stop the generation. Rules, in the order they can fire:
//   - bracket balance: a closing bracket may only close what the completion opened, or what was
//     opened before the cursor and is not closed after it (bracketScanner.closableAtCursor); the
//     same for the quote ending a string the cursor is in. Otherwise stop before it: the closer
//     is already there (right of the cursor, or on a line below);
//   - the stop plan: one line ends at the line break; a multi-line completion ends before a line
//     indented less than its block, and after a closing line at the block's level that balances
//     (unless it opens again, as "} else {" does);
//     before a new paragraph at the block's level once it went deeper; at the line limit;
//   - repetition: stop before a line equal to the line below the cursor (the model is re-typing
//     the suffix) or equal to the line above it (the model loops);
//   - the plan's time budget.
//
//   new StreamFilter(context, plan, { now?, closable? })
//   filter.push(chunk): FilterResult   filter.end(): FilterResult   filter.result: FilterResult
import { type Closable, CodeScanner, closableAtCursor, isCloser, type Opener, opens } from "./bracketScanner";
import type { CursorContext } from "./cursorContext";
import type { StopPlan } from "./stopRules";
import { indentWidth, isBlank, withoutRepeatedIndentation } from "./textLines";

export type StopCause =
  | "endOfLine"
  | "maxLines"
  | "blockClosed"
  | "newParagraph"
  | "repeatsLineBelow"
  | "repeatsLineAbove"
  | "unbalancedBracket"
  | "closesString"
  | "timeBudget";

export interface FilterResult {
  /** The accepted part of the generated text (all of it until a rule stops). */
  readonly text: string;
  /** The caller should stop the generation: nothing more will be accepted. */
  readonly stop: boolean;
  /** The rule that stopped it; undefined when the text just ended. */
  readonly cause: StopCause | undefined;
}

export interface StreamFilterOptions {
  /** Milliseconds clock for the time budget (default performance.now). */
  readonly now?: () => number;
  /** Precomputed closableAtCursor(prefix, suffix, languageId), when the caller has it. */
  readonly closable?: Closable;
}

export class StreamFilter {
  private raw = "";
  private scanned = 0;
  private stopped: FilterResult | undefined;
  private readonly now: () => number;
  private startedAt: number | undefined;
  private readonly closable: Closable;
  private readonly scanner: CodeScanner;
  private readonly open: Opener[];
  /** The cursor's string literal has not ended yet (its closing quote is judged). */
  private inCursorString: boolean;

  private lineIndex = 0;
  private lineStart = 0;
  private lineIndentJudged = false;
  private closingLine = false;
  /** Brackets open when the current line started: a closing line that reopens ("} else {") goes on. */
  private openAtLineStart = 0;
  private blockIndent: number | undefined;
  private wentDeeper = false;
  private blankSinceContent = false;
  private previousLine: string | undefined;
  /** Where the last non-blank line ends: new paragraphs are cut there, without blank lines. */
  private contentEnd = 0;

  constructor(
    private readonly context: CursorContext,
    private readonly plan: StopPlan,
    options: StreamFilterOptions = {},
  ) {
    this.now = options.now ?? (() => performance.now());
    this.closable = options.closable ?? closableAtCursor(context.prefix, context.suffix, context.languageId);
    this.scanner = new CodeScanner(context.languageId, this.closable.openString);
    this.open = [...this.closable.openers];
    this.openAtLineStart = this.open.length;
    this.inCursorString = this.closable.openString !== undefined;
    this.blockIndent = plan.blockIndent;
    this.previousLine = context.lineAbove;
  }

  get result(): FilterResult {
    return this.stopped ?? { text: this.raw, stop: false, cause: undefined };
  }

  push(chunk: string): FilterResult {
    if (this.stopped) return this.stopped;
    // The budget is for generating: a model loading before its first chunk does not count.
    this.startedAt ??= this.now();
    this.raw += chunk;
    while (this.scanned < this.raw.length && !this.stopped) this.scanChar(this.scanned++);
    if (!this.stopped && this.now() - this.startedAt >= this.plan.timeBudgetMs) {
      // Out of time: keep whole lines of a multi-line completion, a single line as it is.
      const cut = this.plan.shape === "multiLine" && this.lineIndex > 0 ? this.lineStart - 1 : this.raw.length;
      this.stop(cut, "timeBudget");
    }
    return this.result;
  }

  /** The generation ended: judges the last line, which has no line break after it. */
  end(): FilterResult {
    if (!this.stopped) this.finishLine(this.raw.length, false);
    return this.stopped ?? { text: this.raw, stop: false, cause: undefined };
  }

  private stop(cut: number, cause: StopCause): void {
    this.stopped = { text: this.raw.slice(0, Math.max(0, cut)), stop: true, cause };
  }

  /** Cuts before the current line and the line break that starts it. */
  private stopBeforeLine(cause: StopCause): void {
    this.stop(this.lineStart - 1, cause);
  }

  private scanChar(index: number): void {
    const char = this.raw[index];
    if (char === "\n" || (char === "\r" && this.raw[index + 1] === "\n")) {
      if (char === "\r") return; // judged with its "\n"
      const end = index > 0 && this.raw[index - 1] === "\r" ? index - 1 : index;
      this.finishLine(end, true);
      if (this.stopped) return;
      this.scanner.feed("\n");
      this.inCursorString = false;
      this.lineIndex++;
      this.lineStart = index + 1;
      this.lineIndentJudged = false;
      this.closingLine = false;
      this.openAtLineStart = this.open.length;
      return;
    }
    if (!this.lineIndentJudged && char !== " " && char !== "\t") {
      this.lineIndentJudged = true;
      this.judgeIndentation(index, char);
      if (this.stopped) return;
    }
    const event = this.scanner.feed(char);
    if (event === "open") this.open.push(char as Opener);
    else if (event === "close") {
      const top = this.open[this.open.length - 1];
      if (top === undefined || !isCloser(char) || !opens(top, char)) return this.stopBeforeCloser(index);
      this.open.pop();
    } else if (event === "endString" && this.inCursorString) {
      this.inCursorString = false;
      if (this.closable.stringClosedInSuffix) this.stop(index, "closesString");
    }
  }

  /** Cuts before an unbalanced closer; before its whole line when it starts the line. */
  private stopBeforeCloser(index: number): void {
    const startsLine = this.lineIndex > 0 && isBlank(this.raw.slice(this.lineStart, index));
    this.stop(startsLine ? this.lineStart - 1 : index, "unbalancedBracket");
  }

  /** At the first non-blank character of a line: does the line still belong to the block? */
  private judgeIndentation(index: number, char: string): void {
    if (this.plan.shape !== "multiLine") return;
    const cursorIndent = indentWidth(this.context.linePrefix, this.plan.tabSize);
    const leading = this.raw.slice(this.lineStart, index);
    const width =
      this.lineIndex === 0 ? lineZeroIndent(this.context.linePrefix, leading, this.plan.tabSize) : indentWidth(leading, this.plan.tabSize);
    if (this.blockIndent === undefined) {
      if (width < cursorIndent) return this.stopBeforeLine("blockClosed");
      this.blockIndent = width;
      return;
    }
    if (this.lineIndex === 0) return;
    if (width < this.blockIndent) {
      // A closing bracket is kept when it balances (checked as it is scanned), and ends the block;
      // any other line out of the block ends it before that line.
      if (isCloser(char)) this.closingLine = true;
      else this.stopBeforeLine("blockClosed");
      return;
    }
    if (width > this.blockIndent) this.wentDeeper = true;
    else if (this.wentDeeper && this.blankSinceContent) this.stop(this.contentEnd, "newParagraph");
  }

  private finishLine(end: number, lineBreakFollows: boolean): void {
    const line = this.raw.slice(this.lineStart, end);
    const { linePrefix, lineSuffix } = this.context;
    const fullLine = this.lineIndex === 0 ? linePrefix + withoutRepeatedIndentation(linePrefix, line) + lineSuffix : line;
    if (!isBlank(fullLine)) {
      const trimmed = fullLine.trimEnd();
      if (trimmed === this.context.lineBelow?.trimEnd()) return this.stopBeforeLine("repeatsLineBelow");
      if (trimmed === this.previousLine?.trimEnd()) return this.stopBeforeLine("repeatsLineAbove");
      this.previousLine = fullLine;
      this.contentEnd = end;
      this.blankSinceContent = false;
    } else if (this.lineIndex > 0) this.blankSinceContent = true;
    if (!lineBreakFollows) return;
    if (this.plan.shape === "singleLine") return this.stop(end, "endOfLine");
    if (this.closingLine && this.open.length < this.openAtLineStart) return this.stop(end, "blockClosed");
    if (this.lineIndex + 1 >= this.plan.maxLines) this.stop(end, "maxLines");
  }
}

/**
 * Indentation of the completion's first line, which starts at the cursor. A model that repeats
 * the indentation already left of the cursor means that indentation, not twice it
 * (postProcess strips the repeat).
 */
function lineZeroIndent(linePrefix: string, leading: string, tabSize: number): number {
  return isBlank(linePrefix) ? indentWidth(linePrefix + withoutRepeatedIndentation(linePrefix, leading), tabSize) : indentWidth(linePrefix, tabSize);
}
