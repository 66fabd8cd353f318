// A fill-in-the-middle format resolved for one model: which special tokens it has (their text,
// and their ids when the model's vocabulary is at hand), in which order the parts go, and how
// other files are given. Built from the vocabulary (chooseFimFormat.ts) or, for a server that
// takes raw text, from the family alone.
import { fimFamily, type ContextStyle, type FimFamilyName, type FimRole } from "./fimFamilies";

export interface SpecialToken {
  readonly text: string;
  /** The id in the model's vocabulary; absent when the prompt is written as text for a server. */
  readonly id?: number;
}

export interface FimFormat {
  /** The family, or undefined for a format taken only from the GGUF's FIM token ids. */
  readonly family?: FimFamilyName;
  /** For messages and logs: "Qwen2.5-Coder", "the model's own FIM tokens". */
  readonly label: string;
  readonly order: "psm" | "spm";
  readonly context: ContextStyle;
  readonly prefixLeadingSpace: boolean;
  readonly specials: { readonly prefix: SpecialToken; readonly suffix: SpecialToken } & Partial<Record<FimRole, SpecialToken>>;
  /** Tokens that end a completion besides the model's EOS/EOT: the format's own and the family's. */
  readonly stops: readonly SpecialToken[];
}

/** A family's format written as text (Ollama's raw mode, a server's /v1/completions), assuming its tokens exist. */
export function familyTextFormat(name: FimFamilyName): FimFormat {
  const family = fimFamily(name);
  const specials: Partial<Record<FimRole, SpecialToken>> = {};
  for (const [role, texts] of Object.entries(family.tokens) as Array<[FimRole, readonly string[] | undefined]>) {
    if (texts?.[0]) specials[role] = { text: texts[0] };
  }
  const { prefix, suffix } = family.tokens;
  return {
    family: name,
    label: family.label,
    order: family.order,
    context: family.repoStyle ?? "comments",
    prefixLeadingSpace: family.prefixLeadingSpace ?? false,
    specials: { ...specials, prefix: { text: prefix[0] }, suffix: { text: suffix[0] } },
    stops: [...Object.values(specials), ...(family.stopTokens ?? []).map((text) => ({ text }))],
  };
}

/** A stable name for a format, so a prompt remembered under another one is not reused. */
export function formatKey(format: FimFormat): string {
  return `${format.family ?? "gguf"}:${format.context}:${format.order}`;
}
