// Builds a fill-in-the-middle prompt as tokens, within token budgets, with the model's tokenizer
// (in the llama.cpp worker; tests pass a fake one). Pure: what a sequence must remember between
// keystrokes goes in and comes out as a PromptMemory.
//
// Order of decisions: the suffix (its start, within its small budget), then other files (the
// caller's most useful first, while they fit their budget), then the prefix gets what is left,
// trimmed with a stable start (stablePrefix.ts). Files already in the last prompt keep their
// place; new ones go after them, nearest the code, so a new file costs its own tokens and the
// code's, not the files' before it.
import type { ContextSnippet, InfillRequest } from "../backend";
import { BackendError } from "../backendError";
import { formatKey, type FimFormat } from "./fimFormat";
import { filePieces, layoutFimPrompt, type FimParts, type PromptPiece } from "./fimLayout";
import { keepStart, type CountTokens } from "./lineTrim";
import type { PromptBudgets } from "./promptBudget";
import { keepPrefix, prefixAnchor, type PrefixAnchor } from "./stablePrefix";

export interface PromptTokenizer {
  /** Tokens of plain text (special-token text stays text); `leadingSpace`: as SentencePiece encodes a string's start. */
  tokenize(text: string, leadingSpace?: boolean): readonly number[];
  /**
   * The model's own tokenizer, when `tokenize` is a faster count that can differ from it (line by
   * line: BPE tokenizers merge a line break with the next line's indentation, or blank lines):
   * the prompt's tokens come from this one, the budget decisions from the other.
   */
  readonly whole?: PromptTokenizer;
}

/** What a sequence remembers of its last prompt. */
export interface PromptMemory {
  readonly formatKey: string;
  readonly path?: string;
  /** The other files in prompt order, as keys (path and text). */
  readonly files: readonly string[];
  readonly prefix: PrefixAnchor;
}

export interface BuiltFimPrompt {
  readonly tokens: number[];
  /** What was kept of the request, laid out in prompt order. */
  readonly parts: FimParts;
  readonly memory: PromptMemory;
}

/** A file cut to fit gets at least this many tokens, else it is left out. */
const MIN_FILE_TOKENS = 32;

export function buildFimPrompt(
  request: Pick<InfillRequest, "prefix" | "suffix" | "path" | "context">,
  format: FimFormat,
  tokenizer: PromptTokenizer,
  budgets: PromptBudgets,
  previous?: PromptMemory,
): BuiltFimPrompt {
  const count: CountTokens = (text) => tokenizer.tokenize(text).length;
  const cost = (pieces: readonly PromptPiece[]) =>
    pieces.reduce((sum, piece) => sum + ("special" in piece ? 1 : tokenizer.tokenize(piece.text, piece.leadingSpace).length), 0);
  const memory = previous?.formatKey === formatKey(format) ? previous : undefined;

  const suffix = keepStart(request.suffix, budgets.suffix, count);
  const files = chooseFiles(format, request.context ?? [], budgets.context, cost, count, memory?.files ?? []);
  const fixed = cost(layoutFimPrompt(format, { files, path: request.path, prefix: "", suffix }));
  const prefixBudget = Math.max(0, budgets.room - fixed);
  const anchor = memory && memory.path === request.path ? memory.prefix : undefined;
  const kept = keepPrefix(request.prefix, prefixBudget, count, anchor);

  let prefix = kept.text;
  let parts: FimParts = { files, path: request.path, prefix, suffix };
  let pieces = layoutFimPrompt(format, parts);
  // Pieces tokenized apart can cost a token more than counted (a leading space): drop lines until it fits.
  while (cost(pieces) > budgets.room && prefix !== "") {
    const nextLine = prefix.indexOf("\n");
    prefix = nextLine < 0 ? "" : prefix.slice(nextLine + 1);
    parts = { ...parts, prefix };
    pieces = layoutFimPrompt(format, parts);
  }
  const anchorOut = prefix === kept.text ? kept.anchor : prefixAnchor(prefix, true);
  const exact = tokenizer.whole ?? tokenizer;
  return {
    tokens: pieces.flatMap((piece) => ("special" in piece ? [specialId(piece.special.id, piece.special.text)] : [...exact.tokenize(piece.text, piece.leadingSpace)])),
    parts,
    memory: { formatKey: formatKey(format), path: request.path, files: files.map(fileKey), prefix: anchorOut },
  };
}

/**
 * The files that fit `budget`, the caller's most useful first (the first that does not fit is
 * cut at a line end when enough room is left; the rest are dropped), in prompt order: those
 * the last prompt had in their old order, then the new ones, the most useful last.
 */
function chooseFiles(
  format: FimFormat,
  snippets: readonly ContextSnippet[],
  budget: number,
  cost: (pieces: readonly PromptPiece[]) => number,
  count: CountTokens,
  previousOrder: readonly string[],
): ContextSnippet[] {
  const chosen: ContextSnippet[] = [];
  let used = 0;
  for (const snippet of snippets) {
    if (!snippet.text.trim()) continue;
    const snippetCost = cost(filePieces(format, snippet));
    if (used + snippetCost <= budget) {
      chosen.push(snippet);
      used += snippetCost;
      continue;
    }
    const left = budget - used;
    const header = cost(filePieces(format, { path: snippet.path, text: "" }));
    if (left - header >= MIN_FILE_TOKENS) {
      let text = keepStart(snippet.text, left - header - 1, count);
      while (text && cost(filePieces(format, { path: snippet.path, text })) > left) text = text.slice(0, text.lastIndexOf("\n", text.length - 2) + 1);
      if (text.trim()) chosen.push({ path: snippet.path, text });
    }
    break;
  }
  const byKey = new Map(chosen.map((snippet) => [fileKey(snippet), snippet]));
  const kept = previousOrder.filter((key) => byKey.has(key));
  const added = chosen.map(fileKey).filter((key) => !kept.includes(key)).reverse();
  return [...kept, ...added].map((key) => byKey.get(key)!);
}

function fileKey(snippet: ContextSnippet): string {
  return `${snippet.path}\u0000${snippet.text}`;
}

function specialId(id: number | undefined, text: string): number {
  if (id === undefined) throw new BackendError("internal", `The FIM token ${text} has no id in this model's vocabulary.`);
  return id;
}
