// The text around the cursor a completion is built from: up to PREFIX_LINES lines before it and
// SUFFIX_LINES after, capped in characters (the engine trims further to its token budgets).
// The prefix window starts on a multiple of WINDOW_STEP lines, so moving down a line keeps the
// same first line (and the engine's KV cache) for WINDOW_STEP lines instead of none.
// Reads line by line: cost follows the window, never the file (a multi-megabyte file is fine).
// The caps keep what a server gets (Ollama, an OpenAI-compatible one) within a usual context.

export const PREFIX_LINES = 256;
export const SUFFIX_LINES = 64;
const WINDOW_STEP = 32;
/** About 3,000 tokens: more than the engine's prompt budget, little enough for a server's context. */
const PREFIX_MAX_CHARS = 12_000;
const SUFFIX_MAX_CHARS = 3_000;

/** What a document must offer (vscode.TextDocument does). */
export interface LineSource {
  readonly lineCount: number;
  lineAt(line: number): { readonly text: string };
}

export interface DocumentWindow {
  readonly prefix: string;
  readonly suffix: string;
}

export function documentWindow(document: LineSource, line: number, character: number): DocumentWindow {
  const cursorLine = document.lineAt(line).text;
  const linePrefix = cursorLine.slice(0, character);
  const lineSuffix = cursorLine.slice(character);

  const first = Math.max(0, Math.floor((line - PREFIX_LINES) / WINDOW_STEP) * WINDOW_STEP);
  const before: string[] = [];
  let size = linePrefix.length;
  // Walk up from the cursor so the cap keeps the nearest lines; stop at a whole line.
  for (let index = line - 1; index >= first; index--) {
    const text = document.lineAt(index).text;
    if (size + text.length + 1 > PREFIX_MAX_CHARS) break;
    size += text.length + 1;
    before.push(text);
  }
  // Cut by the character cap: start on the next multiple of WINDOW_STEP too, so the start stays
  // put while the user types on (a server's prompt cache keeps working).
  const start = line - before.length;
  if (start > first) before.length = Math.max(0, line - Math.ceil(start / WINDOW_STEP) * WINDOW_STEP);
  before.reverse();
  before.push(linePrefix);

  const after = [lineSuffix];
  size = lineSuffix.length;
  const last = Math.min(document.lineCount - 1, line + SUFFIX_LINES);
  for (let index = line + 1; index <= last; index++) {
    const text = document.lineAt(index).text;
    if (size + text.length + 1 > SUFFIX_MAX_CHARS) break;
    size += text.length + 1;
    after.push(text);
  }
  return { prefix: before.join("\n"), suffix: after.join("\n") };
}
