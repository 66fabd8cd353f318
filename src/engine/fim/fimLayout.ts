// Lays out a fill-in-the-middle prompt as pieces (special tokens and text) in the format's order,
// with the other files ahead of the code around the cursor: the part that changes least comes
// first, so a model server's cache of the prompt's start stays valid from one keystroke to the next.
import type { ContextSnippet } from "../backend";
import { commentHeader } from "./commentHeader";
import type { FimFormat, SpecialToken } from "./fimFormat";

export type PromptPiece =
  | { readonly special: SpecialToken }
  /** Text; `leadingSpace`: tokenized with SentencePiece's leading space (see FimFamily.prefixLeadingSpace). */
  | { readonly text: string; readonly leadingSpace?: boolean };

export interface FimParts {
  /** Other files, in the order they go into the prompt. */
  readonly files: readonly ContextSnippet[];
  /** The current file's workspace-relative path. */
  readonly path?: string;
  readonly prefix: string;
  readonly suffix: string;
}

/** Repository-level formats want a repository name; Hearth has none to give, and a neutral one does no harm. */
export const REPOSITORY_NAME = "workspace";
/** The current file's name in a repository-level prompt when it has no path (an untitled editor). */
const UNTITLED = "untitled";

const withNewline = (text: string) => (text.endsWith("\n") || text === "" ? text : `${text}\n`);
const isRepository = (format: FimFormat) => format.context === "qwenRepo" || format.context === "starCoderRepo";

/** The pieces one other file adds to the prompt (the same wherever it goes, so its cost can be counted alone). */
export function filePieces(format: FimFormat, file: ContextSnippet): PromptPiece[] {
  const separator = format.specials.fileSeparator;
  switch (format.context) {
    case "qwenRepo":
    case "starCoderRepo":
      return [...(separator ? [{ special: separator }] : []), { text: `${file.path}\n${withNewline(file.text)}` }];
    case "separatorAfter":
      return [{ text: `${commentHeader(file.path)}\n${withNewline(file.text)}` }, ...(separator ? [{ special: separator }] : [])];
    case "comments":
      return [{ text: `${commentHeader(file.path)}\n${withNewline(file.text)}\n` }];
  }
}

/** The whole prompt: context, then the FIM tokens around prefix and suffix in the format's order. */
export function layoutFimPrompt(format: FimFormat, parts: FimParts): PromptPiece[] {
  const { specials } = format;
  const hasFiles = parts.files.length > 0;
  const before: PromptPiece[] = [];
  const prefixRegion: PromptPiece[] = [];
  // Without other files a plain FIM prompt is what every model knows; a repository-level format
  // still names the current file, which tells the model its language.
  const repository = isRepository(format) && (hasFiles || parts.path !== undefined);
  if (repository && specials.repoName) {
    before.push({ special: specials.repoName }, { text: format.context === "qwenRepo" ? `${REPOSITORY_NAME}\n` : REPOSITORY_NAME });
  }
  const files = parts.files.flatMap((file) => filePieces(format, file));
  if (format.context === "comments") prefixRegion.push(...files);
  else before.push(...files);
  if (repository && specials.fileSeparator) {
    before.push({ special: specials.fileSeparator });
    const current = `${parts.path ?? UNTITLED}\n`;
    // Qwen names the current file before <|fim_prefix|>; StarCoder2 right after <fim_prefix>.
    if (format.context === "qwenRepo") before.push({ text: current });
    else prefixRegion.push({ text: current });
  } else if (!repository && hasFiles && parts.path !== undefined) {
    prefixRegion.push({ text: `${commentHeader(parts.path)}\n` });
  }
  prefixRegion.push({ text: parts.prefix });
  const prefixTexts = markLeadingSpace(format, prefixRegion.filter((piece) => !("text" in piece) || piece.text !== ""));
  const suffixPieces: PromptPiece[] = parts.suffix ? [{ text: parts.suffix }] : [];
  const middle: PromptPiece[] = specials.middle ? [{ special: specials.middle }] : [];
  return format.order === "psm"
    ? [...before, { special: specials.prefix }, ...prefixTexts, { special: specials.suffix }, ...suffixPieces, ...middle]
    : [...before, { special: specials.suffix }, ...suffixPieces, { special: specials.prefix }, ...prefixTexts, ...middle];
}

/** The text after the prefix token is encoded as SentencePiece encodes a string's start, where the family wants that. */
function markLeadingSpace(format: FimFormat, pieces: PromptPiece[]): PromptPiece[] {
  if (!format.prefixLeadingSpace) return pieces;
  const first = pieces.findIndex((piece) => "text" in piece);
  if (first < 0) return pieces;
  const piece = pieces[first] as { text: string };
  return [...pieces.slice(0, first), { text: piece.text, leadingSpace: true }, ...pieces.slice(first + 1)];
}

/** The prompt as text, special tokens written out (for servers that take raw prompts). */
export function renderFimText(pieces: readonly PromptPiece[]): string {
  return pieces.map((piece) => ("special" in piece ? piece.special.text : piece.leadingSpace ? ` ${piece.text}` : piece.text)).join("");
}

/**
 * The other files as commented headers and code, then the current file's header, then the prefix:
 * the prompt for a server that applies the model's FIM template itself (Ollama's `suffix`,
 * /v1/completions' `suffix`), where the extra context can only ride ahead of the prefix.
 */
export function prefixWithContext(parts: FimParts): string {
  if (parts.files.length === 0) return parts.prefix;
  const files = parts.files.map((file) => `${commentHeader(file.path)}\n${withNewline(file.text)}\n`).join("");
  const header = parts.path !== undefined ? `${commentHeader(parts.path)}\n` : "";
  return `${files}${header}${parts.prefix}`;
}
