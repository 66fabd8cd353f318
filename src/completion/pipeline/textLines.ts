// Small line and indentation helpers the pipeline steps share. Everything here looks at one line,
// or walks a few lines from an end of the text: nothing scans a whole document.

/** Columns a tab counts for when indentation mixes tabs and spaces. */
export const DEFAULT_TAB_SIZE = 4;

/** The leading spaces and tabs of `line`. */
export function leadingWhitespace(line: string): string {
  let end = 0;
  while (end < line.length && (line[end] === " " || line[end] === "\t")) end++;
  return line.slice(0, end);
}

/** Indentation width in columns; a tab counts as `tabSize` columns. */
export function indentWidth(line: string, tabSize = DEFAULT_TAB_SIZE): number {
  let width = 0;
  for (const char of leadingWhitespace(line)) width += char === "\t" ? tabSize : 1;
  return width;
}

export function isBlank(text: string): boolean {
  return text.trim() === "";
}

/** Splits on "\n" and drops the "\r" of CRLF line ends. */
export function splitLines(text: string): string[] {
  return text.split("\n").map((line) => (line.endsWith("\r") ? line.slice(0, -1) : line));
}

/** The text after the last newline: the cursor line's part left of the cursor. */
export function lastLine(text: string): string {
  return text.slice(text.lastIndexOf("\n") + 1);
}

/** The text before the first newline (without a CR): the cursor line's part right of the cursor. */
export function firstLine(text: string): string {
  const end = text.indexOf("\n");
  const line = end < 0 ? text : text.slice(0, end);
  return line.endsWith("\r") ? line.slice(0, -1) : line;
}

/**
 * The nearest non-blank line above the cursor line, walking back from the end of `prefix`
 * line by line (so the cost is the blank lines skipped, not the prefix).
 */
export function lineAbove(prefix: string, maxLines = 50): string | undefined {
  let end = prefix.lastIndexOf("\n");
  for (let walked = 0; end >= 0 && walked < maxLines; walked++) {
    const start = prefix.lastIndexOf("\n", end - 1);
    const line = prefix.slice(start + 1, end).replace(/\r$/, "");
    if (!isBlank(line)) return line;
    end = start;
  }
  return undefined;
}

/** The nearest non-blank line below the cursor line, walking forward from the start of `suffix`. */
export function lineBelow(suffix: string, maxLines = 50): string | undefined {
  let start = suffix.indexOf("\n");
  for (let walked = 0; start >= 0 && walked < maxLines; walked++) {
    const end = suffix.indexOf("\n", start + 1);
    const line = suffix.slice(start + 1, end < 0 ? undefined : end).replace(/\r$/, "");
    if (!isBlank(line)) return line;
    if (end < 0) return undefined;
    start = end;
  }
  return undefined;
}

/** Letters, digits and underscore in any script: what "mid-word" means for the gate. */
export function isWordChar(char: string | undefined): boolean {
  return char !== undefined && /[\p{L}\p{N}_]/u.test(char);
}

/**
 * The completion without the indentation the model repeated: the cursor is after the line's
 * indentation (the line left of it is only whitespace) and the completion starts with it again.
 */
export function withoutRepeatedIndentation(linePrefix: string, completion: string): string {
  return linePrefix.length > 0 && isBlank(linePrefix) && completion.startsWith(linePrefix) ? completion.slice(linePrefix.length) : completion;
}
