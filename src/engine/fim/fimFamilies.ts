// The fill-in-the-middle formats of the code model families Hearth knows, as each family's model
// card, tokenizer and reference code define them. Data only: fimLayout.ts lays a prompt out.
import type { FimTemplateName } from "../../config/settings";

export type FimFamilyName = Exclude<FimTemplateName, "auto">;

/** The special tokens of a format, by what they do. */
export type FimRole = "prefix" | "suffix" | "middle" | "fileSeparator" | "repoName";

/**
 * How other files reach the model:
 * - "qwenRepo": `<|repo_name|>name\n<|file_sep|>path\ncode\n…<|file_sep|>current\n<|fim_prefix|>…`
 * - "starCoderRepo": `<repo_name>name<file_sep>path\ncode<file_sep><fim_prefix>current\n…`
 * - "separatorAfter": each file followed by the file separator token (CodeGemma's multi-file packing);
 * - "comments": each file as a commented `path` line and its code, ahead of the code before the cursor.
 */
export type ContextStyle = "qwenRepo" | "starCoderRepo" | "separatorAfter" | "comments";

export interface FimFamily {
  readonly name: FimFamilyName;
  /** How people call the family, for messages. */
  readonly label: string;
  /** Token texts by role: the first is how prompts write it, the others how some GGUF vocabularies spell it. */
  readonly tokens: { readonly prefix: readonly string[]; readonly suffix: readonly string[] } & Partial<Record<FimRole, readonly string[]>>;
  /** "psm": prefix, suffix, middle; "spm": suffix first, then prefix (no middle token). */
  readonly order: "psm" | "spm";
  /** The style used when the vocabulary has the file separator token; "comments" otherwise. */
  readonly repoStyle?: Exclude<ContextStyle, "comments">;
  /**
   * SentencePiece families whose reference code encodes the prefix with the tokenizer's leading
   * space and the suffix without it (Meta's `encode` vs `encode_infilling`, Mistral's `encode_fim`).
   */
  readonly prefixLeadingSpace?: boolean;
  /** More tokens that end a completion, besides the model's EOS/EOT and the format's own tokens. */
  readonly stopTokens?: readonly string[];
  /** Matches the family in a model's file name or GGUF general.name. */
  readonly namePattern: RegExp;
}

export const FIM_FAMILIES: readonly FimFamily[] = [
  {
    // QwenLM/Qwen2.5-Coder README: FIM and repository-level completion; its tokenizer_config lists them as special.
    name: "qwen2.5-coder",
    label: "Qwen2.5-Coder",
    tokens: {
      prefix: ["<|fim_prefix|>"],
      suffix: ["<|fim_suffix|>"],
      middle: ["<|fim_middle|>"],
      fileSeparator: ["<|file_sep|>"],
      repoName: ["<|repo_name|>"],
    },
    order: "psm",
    repoStyle: "qwenRepo",
    stopTokens: ["<|fim_pad|>", "<|endoftext|>"],
    namePattern: /qwen[\d.]*[-_ ]?coder/i,
  },
  {
    // deepseek-ai/DeepSeek-Coder README: `<｜fim▁begin｜>prefix<｜fim▁hole｜>suffix<｜fim▁end｜>`; its
    // repository-level example gives each file as a `#path` comment line, so other files go in as comments.
    name: "deepseek-coder",
    label: "DeepSeek-Coder",
    tokens: { prefix: ["<｜fim▁begin｜>"], suffix: ["<｜fim▁hole｜>"], middle: ["<｜fim▁end｜>"] },
    order: "psm",
    stopTokens: ["<|EOT|>"],
    namePattern: /deepseek[-_ ]?coder/i,
  },
  {
    // StarCoder 2 paper (repository-level FIM): `<repo_name>r<file_sep>path\ncode<file_sep><fim_prefix>path\npre<fim_suffix>suf<fim_middle>`.
    name: "starcoder2",
    label: "StarCoder2",
    tokens: {
      prefix: ["<fim_prefix>"],
      suffix: ["<fim_suffix>"],
      middle: ["<fim_middle>"],
      fileSeparator: ["<file_sep>"],
      repoName: ["<repo_name>"],
    },
    order: "psm",
    repoStyle: "starCoderRepo",
    stopTokens: ["<fim_pad>", "<|endoftext|>"],
    namePattern: /starcoder/i,
  },
  {
    // Meta's codellama `infilling_prompt_tokens`: BOS, <PRE>, encode(prefix), <SUF>, encode_infilling(suffix), <MID>;
    // GGUF vocabularies spell the tokens with SentencePiece's "▁"; a completion ends with <EOT>.
    name: "codellama",
    label: "CodeLlama",
    tokens: { prefix: ["<PRE>", "▁<PRE>"], suffix: ["<SUF>", "▁<SUF>"], middle: ["<MID>", "▁<MID>"] },
    order: "psm",
    prefixLeadingSpace: true,
    stopTokens: ["<EOT>", "▁<EOT>"],
    namePattern: /code[-_ ]?llama/i,
  },
  {
    // mistral-common `encode_fim`: BOS, [SUFFIX], suffix, [PREFIX], prefix; no [MIDDLE] token.
    name: "codestral",
    label: "Codestral",
    tokens: { prefix: ["[PREFIX]"], suffix: ["[SUFFIX]"] },
    order: "spm",
    prefixLeadingSpace: true,
    stopTokens: ["[MIDDLE]"],
    namePattern: /codestral/i,
  },
  {
    // Google's CodeGemma prompt structure: <|fim_prefix|>, <|fim_suffix|>, <|fim_middle|>, and
    // <|file_separator|> between the files of a multi-file context (a completion ends there too).
    name: "codegemma",
    label: "CodeGemma",
    tokens: {
      prefix: ["<|fim_prefix|>"],
      suffix: ["<|fim_suffix|>"],
      middle: ["<|fim_middle|>"],
      fileSeparator: ["<|file_separator|>"],
    },
    order: "psm",
    repoStyle: "separatorAfter",
    namePattern: /codegemma/i,
  },
];

export function fimFamily(name: FimFamilyName): FimFamily {
  const family = FIM_FAMILIES.find((candidate) => candidate.name === name);
  if (!family) throw new Error(`Unknown FIM family ${name}`);
  return family;
}

/** Families named in the message that tells a user which model to choose instead. */
export const SUGGESTED_FIM_MODELS = "a Qwen2.5-Coder, StarCoder2 or DeepSeek-Coder base model";
