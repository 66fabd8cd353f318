// What the pipeline steps know about where the cursor is, worked out once per request from the
// prefix and suffix windows the provider reads. Walks only the cursor line and the nearest
// non-blank lines around it, so building it costs the same in a 10-line and a 10 MB file.
import { firstLine, lastLine, leadingWhitespace, lineAbove, lineBelow } from "./textLines";

export interface CursorContext {
  /** Text before the cursor (a window of the document: its start may be cut). */
  readonly prefix: string;
  /** Text after the cursor (a window of the document: its end may be cut). */
  readonly suffix: string;
  /** VS Code's language id ("typescript", "python"…); decides comment and string syntax. */
  readonly languageId: string;
  /** The cursor line left of the cursor. */
  readonly linePrefix: string;
  /** The cursor line right of the cursor, without the line break. */
  readonly lineSuffix: string;
  /** The leading whitespace of the cursor line. */
  readonly indentation: string;
  /** The nearest non-blank line above the cursor line. */
  readonly lineAbove: string | undefined;
  /** The nearest non-blank line below the cursor line. */
  readonly lineBelow: string | undefined;
}

export function cursorContext(prefix: string, suffix: string, languageId: string): CursorContext {
  const linePrefix = lastLine(prefix).replace(/\r$/, "");
  const lineSuffix = firstLine(suffix);
  return {
    prefix,
    suffix,
    languageId,
    linePrefix,
    lineSuffix,
    indentation: leadingWhitespace(linePrefix + lineSuffix),
    lineAbove: lineAbove(prefix),
    lineBelow: lineBelow(suffix),
  };
}
