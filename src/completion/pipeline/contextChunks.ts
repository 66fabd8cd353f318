// Extra context for completions: pieces of the files the user recently edited or looked at, kept
// as a small ring of chunks (16 of about 64 lines by default). The provider feeds it windows of
// text around an edit or the visible range — chunkWindow() says which lines — so no event does
// work in proportion to a file. A new chunk replaces older ones it nearly duplicates: the same
// file's chunk overlapping it by half or more, or any chunk whose set of lines is over 90 % the
// same (Jaccard), so scrolling or typing in one place does not fill the ring with copies.
//
// snippets() lists other files' chunks, most recent first, in the budget. The file being completed
// is left out by default: its text around the cursor is already in the prompt, and its chunks
// change with every keystroke, which would move the start of the prompt and defeat the worker's
// KV cache (the order of the others stays put while the user types in one file).
//
//   const recent = new RecentContext({ maxChunks?, chunkLines?, similarity? })
//   recent.record(path, text, startLine?)     chunkWindow(line, lineCount, chunkLines?) → { startLine, endLine }
//   recent.snippets(forPath, maxChars, { includeSameFile? }): ContextSnippet[]   recent.forget(path)
import type { ContextSnippet } from "../../engine/backend";
import { isBlank } from "./textLines";

export interface RecentContextOptions {
  readonly maxChunks?: number;
  readonly chunkLines?: number;
  /** Line-set similarity above which a new chunk replaces an older one (default 0.9). */
  readonly similarity?: number;
}

interface Chunk extends ContextSnippet {
  readonly startLine: number | undefined;
  readonly lineCount: number;
  readonly lineSet: ReadonlySet<string>;
}

export const DEFAULT_CHUNK_LINES = 64;

/** The lines [startLine, endLine) of a chunk centred on `line`, within a document of `lineCount` lines. */
export function chunkWindow(line: number, lineCount: number, chunkLines = DEFAULT_CHUNK_LINES): { startLine: number; endLine: number } {
  const startLine = Math.max(0, Math.min(line - Math.floor(chunkLines / 2), lineCount - chunkLines));
  return { startLine, endLine: Math.min(lineCount, startLine + chunkLines) };
}

export class RecentContext {
  /** Oldest first. */
  private chunks: Chunk[] = [];
  private readonly maxChunks: number;
  private readonly chunkLines: number;
  private readonly similarity: number;

  constructor(options: RecentContextOptions = {}) {
    this.maxChunks = options.maxChunks ?? 16;
    this.chunkLines = options.chunkLines ?? DEFAULT_CHUNK_LINES;
    this.similarity = options.similarity ?? 0.9;
  }

  get size(): number {
    return this.chunks.length;
  }

  /** Notes text the user edited or looked at: `text` starts at line `startLine` of `path`. */
  record(path: string, text: string, startLine?: number): void {
    const lines = text.split("\n", this.chunkLines);
    if (lines.every(isBlank)) return;
    const chunk: Chunk = { path, text: lines.join("\n"), startLine, lineCount: lines.length, lineSet: lineSet(lines) };
    this.chunks = this.chunks.filter((older) => !this.supersedes(chunk, older));
    this.chunks.push(chunk);
    if (this.chunks.length > this.maxChunks) this.chunks.splice(0, this.chunks.length - this.maxChunks);
  }

  /** Drops a file's chunks (it was deleted, or is no longer to be read). */
  forget(path: string): void {
    this.chunks = this.chunks.filter((chunk) => chunk.path !== path);
  }

  /** Chunks for a completion in `forPath`, most useful first, `maxChars` in all at most. */
  snippets(forPath: string, maxChars: number, options: { readonly includeSameFile?: boolean } = {}): ContextSnippet[] {
    const newestFirst = [...this.chunks].reverse();
    const ordered = [
      ...newestFirst.filter((chunk) => chunk.path !== forPath),
      ...(options.includeSameFile ? newestFirst.filter((chunk) => chunk.path === forPath) : []),
    ];
    const snippets: ContextSnippet[] = [];
    let budget = maxChars;
    for (const chunk of ordered) {
      if (chunk.text.length > budget) continue;
      budget -= chunk.text.length;
      snippets.push({ path: chunk.path, text: chunk.text });
    }
    return snippets;
  }

  private supersedes(newer: Chunk, older: Chunk): boolean {
    if (newer.path === older.path && newer.startLine !== undefined && older.startLine !== undefined) {
      const overlap =
        Math.min(newer.startLine + newer.lineCount, older.startLine + older.lineCount) - Math.max(newer.startLine, older.startLine);
      if (overlap * 2 >= Math.min(newer.lineCount, older.lineCount)) return true;
    }
    return jaccard(newer.lineSet, older.lineSet) > this.similarity;
  }
}

function lineSet(lines: readonly string[]): Set<string> {
  const set = new Set<string>();
  for (const line of lines) {
    const trimmed = line.trim();
    if (trimmed.length > 0) set.add(trimmed);
  }
  return set;
}

function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  if (large.size === 0) return 0;
  let shared = 0;
  for (const item of small) if (large.has(item)) shared++;
  return shared / (a.size + b.size - shared);
}
