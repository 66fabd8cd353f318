// Decides, before anything costs time, whether a completion request is pointless, and why:
// in a selection (the user is about to replace it); mid-word, with a word character right of the
// cursor (a suggestion would have to split the word); on a very long line (minified or generated
// code: the model sees noise and the line is costly to handle); on a line with NUL characters
// (a binary file). It looks at the cursor's line only: a multi-megabyte document costs no more
// (documentWindow.ts reads only lines near the cursor).
//
//   gateRequest({ lineText, character, hasSelection }): GateVerdict
import { isWordChar } from "./textLines";

export type SkipReason = "selection" | "midWord" | "longLine" | "binary";

export type GateVerdict =
  | { readonly request: false; readonly reason: SkipReason }
  | { readonly request: true };

export interface GateInput {
  /** The whole cursor line. */
  readonly lineText: string;
  /** The cursor's position in the line, in UTF-16 code units (VS Code's `Position.character`). */
  readonly character: number;
  readonly hasSelection: boolean;
}

/** Longer lines are minified or generated code. */
export const LONG_LINE_CHARS = 1000;

export function gateRequest(input: GateInput): GateVerdict {
  if (input.hasSelection) return { request: false, reason: "selection" };
  if (input.lineText.length > LONG_LINE_CHARS) return { request: false, reason: "longLine" };
  if (input.lineText.includes("\u0000")) return { request: false, reason: "binary" };
  const right = input.lineText.codePointAt(input.character);
  if (right !== undefined && isWordChar(String.fromCodePoint(right))) return { request: false, reason: "midWord" };
  return { request: true };
}
