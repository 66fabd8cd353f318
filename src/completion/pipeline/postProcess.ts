// Final clean-up of a finished completion, before it is shown or cached. Each step is small and
// exported for its own tests; postProcess runs them in order and returns "" for nothing to show.
//   1. on an empty line, leading blank lines go (the ghost text starts where the cursor is);
//   2. indentation the model repeated after the cursor's indentation goes;
//   3. trailing whitespace goes (on the last line only when nothing follows on the cursor line);
//   4. following lines take the document's indentation style (tabs or spaces);
//   5. the overlap with the text right of the cursor goes ("b))" before ")" → "b)");
//   6. blank output, or output whose line repeats the line above or below the cursor, becomes "".
//
//   postProcess(completion, context: CursorContext, options?: { tabSize?, insertSpaces? }): string
import { scanOpeners, scanUnmatchedClosers } from "./bracketScanner";
import type { CursorContext } from "./cursorContext";
import { DEFAULT_TAB_SIZE, indentWidth, isBlank, leadingWhitespace, splitLines, withoutRepeatedIndentation } from "./textLines";

export interface PostProcessOptions {
  /** The editor's tab size (default 4). */
  readonly tabSize?: number;
  /** The editor's "insert spaces", used when the document shows no indentation to go by. */
  readonly insertSpaces?: boolean;
}

export function postProcess(completion: string, context: CursorContext, options: PostProcessOptions = {}): string {
  const emptyLine = isBlank(context.linePrefix) && isBlank(context.lineSuffix);
  let text = splitLines(completion).join("\n");
  if (emptyLine) text = withoutLeadingBlankLines(text);
  text = withoutRepeatedIndentation(context.linePrefix, text);
  text = withoutTrailingWhitespace(text, isBlank(context.lineSuffix));
  text = withDocumentIndentation(text, documentIndentStyle(context, options), options.tabSize ?? DEFAULT_TAB_SIZE);
  text = withoutSuffixOverlap(text, context.lineSuffix, context.languageId, stringAtCursor(context.linePrefix, context.languageId));
  if (isBlank(text)) return "";
  if (repeatsNeighbourLine(text, context)) return "";
  return text;
}

export function withoutLeadingBlankLines(text: string): string {
  const lines = text.split("\n");
  const first = lines.findIndex((line) => !isBlank(line));
  return first <= 0 ? text : lines.slice(first).join("\n");
}

/** Trims each line's end; the last line's only when `atLineEnd` (a space before text right of the cursor matters). */
export function withoutTrailingWhitespace(text: string, atLineEnd: boolean): string {
  const lines = text.split("\n");
  const trimmed = lines.map((line, index) => (index < lines.length - 1 || atLineEnd ? line.trimEnd() : line));
  const joined = trimmed.join("\n");
  return atLineEnd ? joined.trimEnd() : joined;
}

export type IndentStyle = "tabs" | "spaces";

/** The cursor line's indentation, else the line above's, else the editor setting. */
export function documentIndentStyle(context: CursorContext, options: PostProcessOptions): IndentStyle {
  for (const whitespace of [context.indentation, leadingWhitespace(context.lineAbove ?? "")]) {
    if (whitespace.includes("\t")) return "tabs";
    if (whitespace.length > 0) return "spaces";
  }
  return options.insertSpaces === false ? "tabs" : "spaces";
}

/** Re-indents the lines after the first (the first continues the cursor line) in the document's style. */
export function withDocumentIndentation(text: string, style: IndentStyle, tabSize: number): string {
  const lines = text.split("\n");
  for (let index = 1; index < lines.length; index++) {
    const whitespace = leadingWhitespace(lines[index]);
    const wrongStyle = style === "tabs" ? whitespace.includes(" ".repeat(tabSize)) : whitespace.includes("\t");
    if (!wrongStyle) continue;
    const width = indentWidth(whitespace, tabSize);
    const indentation = style === "tabs" ? "\t".repeat(Math.floor(width / tabSize)) + " ".repeat(width % tabSize) : " ".repeat(width);
    lines[index] = indentation + lines[index].slice(whitespace.length);
  }
  return lines.join("\n");
}

/**
 * Drops the end of the completion that the text right of the cursor already has: the longest
 * end of the completion equal to a start of `lineSuffix` (also ignoring its leading spaces). A
 * closing bracket is only dropped when the completion does not need it for its own opening one
 * ("f()" before ")" stays "f()"). `inString`: the quote of the string literal the cursor is in.
 */
export function withoutSuffixOverlap(text: string, lineSuffix: string, languageId: string, inString?: string): string {
  if (lineSuffix.length === 0 || text.length === 0) return text;
  const unmatched = (part: string) => scanUnmatchedClosers(part, languageId, inString).closers.length;
  const extraClosers = unmatched(text);
  for (const right of new Set([lineSuffix, lineSuffix.trimStart()])) {
    for (let length = Math.min(text.length, right.length); length > 0; length--) {
      if (!text.endsWith(right.slice(0, length))) continue;
      const kept = text.slice(0, -length);
      const droppedClosers = countClosers(right.slice(0, length));
      // Every closer dropped must have been one the completion had no opener for.
      if (droppedClosers === 0 || unmatched(kept) + droppedClosers === extraClosers) {
        // Matched past the suffix's leading spaces: the completion's own spaces before it go too.
        return right === lineSuffix ? kept : kept.trimEnd();
      }
    }
  }
  return text;
}

/** The quote of the string literal the cursor is in; only the cursor line is read. */
export function stringAtCursor(linePrefix: string, languageId: string): string | undefined {
  return scanOpeners(linePrefix, languageId).openString;
}

function countClosers(text: string): number {
  let count = 0;
  for (const char of text) if (char === ")" || char === "]" || char === "}") count++;
  return count;
}

/** The completion's first line, as it would read in the document, equals the line above or below. */
export function repeatsNeighbourLine(text: string, context: CursorContext): boolean {
  const first = text.split("\n", 1)[0];
  const line = (context.linePrefix + first + (text.includes("\n") ? "" : context.lineSuffix)).trimEnd();
  if (isBlank(line)) return false;
  return line === context.lineAbove?.trimEnd() || line === context.lineBelow?.trimEnd();
}
