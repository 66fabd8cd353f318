// Decides, before anything costs time, whether a completion request is pointless, and why:
// in a selection (the user is about to replace it); mid-word, with a word character right of the
// cursor (a suggestion would have to split the word); on a very long line (minified or generated
// code: the model sees noise and the line is costly to handle); on a line with NUL characters
// (a binary file). A multi-megabyte document is still completed, but only from windows of text
// around the cursor: the verdict says so, and nothing may read the whole document.
//
//   gateRequest({ lineText, character, hasSelection, documentLength }): GateVerdict
import { isWordChar } from "./textLines";

export const SKIP_REASONS = ["selection", "midWord", "longLine", "binary"] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

export type GateVerdict =
  | { readonly request: false; readonly reason: SkipReason }
  | { readonly request: true; /** Read only text windows around the cursor. */ readonly windowed: boolean };

export interface GateInput {
  /** The whole cursor line. */
  readonly lineText: string;
  /** The cursor's position in the line, in UTF-16 code units (VS Code's `Position.character`). */
  readonly character: number;
  readonly hasSelection: boolean;
  /** The document's length in characters. */
  readonly documentLength: number;
}

/** Longer lines are minified or generated code. */
export const LONG_LINE_CHARS = 1000;
/** Larger documents are completed from windows of text only. */
export const HUGE_DOCUMENT_CHARS = 1_000_000;

export function gateRequest(input: GateInput): GateVerdict {
  if (input.hasSelection) return { request: false, reason: "selection" };
  if (input.lineText.length > LONG_LINE_CHARS) return { request: false, reason: "longLine" };
  if (input.lineText.includes("\u0000")) return { request: false, reason: "binary" };
  const right = input.lineText.codePointAt(input.character);
  if (right !== undefined && isWordChar(String.fromCodePoint(right))) return { request: false, reason: "midWord" };
  return { request: true, windowed: input.documentLength > HUGE_DOCUMENT_CHARS };
}
