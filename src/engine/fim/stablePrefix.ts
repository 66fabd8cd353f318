// Where the code before the cursor starts in the prompt, chosen so that it stays put from one
// keystroke to the next: the model's KV cache then serves everything up to the cursor and only
// the new characters (and, in prefix-suffix-middle order, the suffix) are evaluated again.
//
// The rule: keep the previous prompt's first line while the text still has it at a line start
// and the code from there fits its budget. When it no longer fits, or the start is gone, trim
// in one coarse step, down to 3/4 of the budget, so the next many keystrokes need no new trim.
import { fitsWithin, keepEnd, type CountTokens } from "./lineTrim";

/** What a sequence remembers of its last prefix. */
export interface PrefixAnchor {
  /** The first characters (up to HEAD_LENGTH) of the prefix as it was kept. */
  readonly head: string;
  /** Whether lines were dropped from the caller's text (else it started where the caller's text starts). */
  readonly trimmed: boolean;
}

export interface KeptPrefix {
  readonly text: string;
  readonly anchor: PrefixAnchor;
}

const HEAD_LENGTH = 256;
/** A fresh trim leaves the prefix at this share of its budget: room for the typing that follows. */
export const RETRIM_SHARE = 0.75;
/** A prefix shorter than this many lines has no window start that moves (it begins at the file's start). */
const MOVING_WINDOW_LINES = 32;

/**
 * The prefix to use within `budget` tokens. `previous` is the anchor of this sequence's last
 * prompt for the same file (undefined for a new file or a first prompt).
 */
export function keepPrefix(prefix: string, budget: number, count: CountTokens, previous: PrefixAnchor | undefined): KeptPrefix {
  if (previous) {
    const start = findAnchor(prefix, previous);
    if (start !== undefined) {
      const kept = prefix.slice(start);
      if (fitsWithin(kept, budget, count)) return result(kept, start > 0 || previous.trimmed);
      return trimmed(prefix, budget, count);
    }
    // The start is gone. In a long prefix that is most likely the caller's window moving on as
    // lines are typed: trim inside it, so the next moves leave the new start in place.
    if (lineCount(prefix) >= MOVING_WINDOW_LINES) return trimmed(prefix, Math.min(budget, costUpTo(prefix, budget, count)), count);
  }
  if (fitsWithin(prefix, budget, count)) return result(prefix, false);
  return trimmed(prefix, budget, count);
}

function trimmed(prefix: string, budget: number, count: CountTokens): KeptPrefix {
  return result(keepEnd(prefix, Math.floor(budget * RETRIM_SHARE), count), true);
}

function result(text: string, wasTrimmed: boolean): KeptPrefix {
  return { text, anchor: prefixAnchor(text, wasTrimmed) };
}

/** The anchor of a prefix kept as `text`. */
export function prefixAnchor(text: string, trimmed: boolean): PrefixAnchor {
  return { head: text.slice(0, HEAD_LENGTH), trimmed };
}

/** Where the previous start is in `prefix`: at 0 for an untrimmed one, else the first line start that begins with its head. */
function findAnchor(prefix: string, anchor: PrefixAnchor): number | undefined {
  if (anchor.head === "") return undefined;
  if (!anchor.trimmed) return prefix.startsWith(anchor.head) ? 0 : undefined;
  for (let index = prefix.indexOf(anchor.head); index >= 0; index = prefix.indexOf(anchor.head, index + 1)) {
    if (index === 0 || prefix[index - 1] === "\n") return index;
  }
  return undefined;
}

/** The tokens of `text`, or `budget` when it has more (counted from the end, line by line). */
function costUpTo(text: string, budget: number, count: CountTokens): number {
  return fitsWithin(text, budget, count) ? count(text) : budget;
}

function lineCount(text: string): number {
  let lines = 1;
  for (let index = text.indexOf("\n"); index >= 0; index = text.indexOf("\n", index + 1)) lines++;
  return lines;
}
