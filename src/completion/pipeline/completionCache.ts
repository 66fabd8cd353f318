// Finished completions by context, so a keystroke that the cache can answer sends no request.
//
// Key: the last 200 characters of the prefix and the first 100 of the suffix — cheap to build,
// independent of where the provider's text windows start, and specific enough in practice.
// Type-through: when the user types the first characters T of a cached ghost text, the new
// prefix is the cached one plus T; lookup tries each T of up to 512 characters (the end of the
// new prefix) and answers with the rest of the ghost text. Deleting back towards the cached
// position is the same lookup with a shorter T (or none). So that this stays a few microseconds
// on every keystroke, a candidate T is only turned into a full key when a hash of the 8
// characters before it (computed in place, no string built) is that of some cached prefix's end.
// When typing an opening bracket or quote made the editor insert its closer right of the
// cursor, the lookup also tries the suffix without that closer, and drops the closer from the
// answer's end.
//
//   const cache = new CompletionCache({ maxEntries?, maxTypeThrough? })
//   cache.set(prefix, suffix, completion)     // a finished, post-processed completion ("" too: nothing to show here)
//   cache.get(prefix, suffix): CacheHit | undefined
import { LRUCache } from "lru-cache";
import { stringAtCursor, withoutSuffixOverlap } from "./postProcess";
import { firstLine, lastLine } from "./textLines";

export interface CacheHit {
  /** What to show now: the cached completion without what the user typed of it. */
  readonly text: string;
  /** How many characters of the cached completion the user typed since it was cached. */
  readonly typed: number;
}

export interface CompletionCacheOptions {
  readonly maxEntries?: number;
  /** Longest typed-through text that is still looked up (default 512 characters). */
  readonly maxTypeThrough?: number;
}

const PREFIX_KEY_CHARS = 200;
const SUFFIX_KEY_CHARS = 100;
const ANCHOR_CHARS = 8;
const AUTO_CLOSED = new Set([")", "]", "}", '"', "'", "`"]);

export class CompletionCache {
  private readonly entries: LRUCache<string, { readonly completion: string; readonly anchor: number }>;
  /** How many entries' prefixes end with each anchor hash. */
  private readonly anchors = new Map<number, number>();
  private readonly maxTypeThrough: number;
  /** No cached completion is longer (an upper bound: evictions do not lower it). */
  private longestCompletion = 0;

  constructor(options: CompletionCacheOptions = {}) {
    this.maxTypeThrough = options.maxTypeThrough ?? 512;
    this.entries = new LRUCache({
      max: options.maxEntries ?? 256,
      dispose: (value) => this.releaseAnchor(value.anchor),
    });
  }

  get size(): number {
    return this.entries.size;
  }

  set(prefix: string, suffix: string, completion: string): void {
    const key = cacheKey(prefix, suffixHead(suffix));
    const anchor = anchorHash(prefix, prefix.length);
    // Replacing an entry disposes the old value (releasing its anchor) before the new one counts.
    this.entries.set(key, { completion, anchor });
    this.anchors.set(anchor, (this.anchors.get(anchor) ?? 0) + 1);
    this.longestCompletion = Math.max(this.longestCompletion, completion.length);
  }

  get(prefix: string, suffix: string): CacheHit | undefined {
    const head = suffixHead(suffix);
    const exact = this.entries.get(cacheKey(prefix, head));
    if (exact) return { text: exact.completion, typed: 0 };
    const hit = this.typedThrough(prefix, head);
    if (hit || !AUTO_CLOSED.has(suffix[0])) return hit;
    // The editor auto-closed what the user typed: the cached suffix lacks that first closer.
    const closed = this.typedThrough(prefix, suffixHead(suffix.slice(1)));
    if (!closed) return undefined;
    const inString = stringAtCursor(lastLine(prefix), "");
    return { text: withoutSuffixOverlap(closed.text, firstLine(suffix), "", inString), typed: closed.typed };
  }

  clear(): void {
    this.entries.clear();
    this.anchors.clear();
    this.longestCompletion = 0;
  }

  private typedThrough(prefix: string, head: string): CacheHit | undefined {
    // Typing all of a completion leaves nothing to show: only shorter typed text can hit.
    const longest = Math.min(this.maxTypeThrough, prefix.length, this.longestCompletion - 1);
    for (let typed = 1; typed <= longest; typed++) {
      const end = prefix.length - typed;
      if (!this.anchors.has(anchorHash(prefix, end))) continue;
      const entry = this.entries.get(cacheKey(prefix.slice(0, end), head));
      if (!entry || entry.completion.length <= typed) continue;
      if (entry.completion.startsWith(prefix.slice(end))) return { text: entry.completion.slice(typed), typed };
    }
    return undefined;
  }

  private releaseAnchor(anchor: number): void {
    const count = (this.anchors.get(anchor) ?? 1) - 1;
    if (count > 0) this.anchors.set(anchor, count);
    else this.anchors.delete(anchor);
  }
}

/** A hash of the (up to) 8 characters of `text` before `end`; equal ends have equal hashes. */
function anchorHash(text: string, end: number): number {
  let hash = 0x811c9dc5;
  for (let index = Math.max(0, end - ANCHOR_CHARS); index < end; index++) hash = Math.imul(hash ^ text.charCodeAt(index), 0x01000193);
  return hash;
}

function suffixHead(suffix: string): string {
  return suffix.slice(0, SUFFIX_KEY_CHARS);
}

function cacheKey(prefix: string, head: string): string {
  return `${prefix.slice(-PREFIX_KEY_CHARS)}\u0000${head}`;
}
