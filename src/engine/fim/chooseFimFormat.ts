// Chooses a model's fill-in-the-middle format. "auto": the family its GGUF's FIM token says
// (llama.cpp reads the ids from the metadata or finds them by their text), else the family its
// name says, else a plain format from the FIM token ids alone. A template named in settings wins.
// A model with neither FIM tokens nor a family's tokens is a chat model: it is never fed FIM prompts.
import type { FimTemplateName } from "../../config/settings";
import { BackendError } from "../backendError";
import { FIM_FAMILIES, fimFamily, SUGGESTED_FIM_MODELS, type FimFamily, type FimRole } from "./fimFamilies";
import type { FimFormat, SpecialToken } from "./fimFormat";
import { COMPLETION_MODEL_SETTING } from "../settingNames";

/** What the chooser asks of a model's vocabulary (the worker answers from node-llama-cpp; tests from a table). */
export interface FimVocabulary {
  /** The model's own FIM tokens, as llama.cpp knows them (GGUF metadata, or found by their text). */
  readonly infill: { readonly prefix?: SpecialToken; readonly suffix?: SpecialToken; readonly middle?: SpecialToken };
  /** The id of the single special (control) token written exactly `text`, if the vocabulary has one. */
  specialToken(text: string): number | undefined;
}

export interface FimModel {
  /** The model's name for messages: its file name. */
  readonly name: string;
  /** Names that may say its family: the file name, GGUF general.name, general.basename. */
  readonly names: readonly string[];
  readonly vocabulary: FimVocabulary;
}

const TEMPLATE_SETTING = "hearth.completion.fimTemplate";

export function chooseFimFormat(model: FimModel, template: FimTemplateName = "auto"): FimFormat {
  if (template !== "auto") {
    const family = fimFamily(template);
    const format = familyFormat(family, model.vocabulary);
    if (!format) {
      throw new BackendError(
        "infillUnsupported",
        `${model.name} has no ${family.label} fill-in-the-middle tokens (${family.tokens.prefix[0]}…), so ${TEMPLATE_SETTING} "${template}" does not fit it. Set ${TEMPLATE_SETTING} to "auto", or choose a ${family.label} model for ${COMPLETION_MODEL_SETTING}.`,
        "",
        TEMPLATE_SETTING,
      );
    }
    return format;
  }
  return byFimToken(model.vocabulary) ?? byName(model) ?? byTokenIds(model.vocabulary) ?? unsupported(model.name);
}

/** The error for a chat-only model: it cannot complete code, and which models can. */
export function infillUnsupportedError(
  model: string,
  why = "it has no fill-in-the-middle tokens; it is a chat model",
  suggestion: string = SUGGESTED_FIM_MODELS,
): BackendError {
  return new BackendError(
    "infillUnsupported",
    `${model} cannot complete code (${why}); choose a code model that can for ${COMPLETION_MODEL_SETTING}, such as ${suggestion}.`,
    "",
    COMPLETION_MODEL_SETTING,
  );
}

function unsupported(model: string): never {
  throw infillUnsupportedError(model);
}

/** The family whose prefix token the model's own FIM prefix token is; the best-equipped one when several share it. */
function byFimToken(vocabulary: FimVocabulary): FimFormat | undefined {
  const text = vocabulary.infill.prefix?.text;
  if (text === undefined) return undefined;
  const formats = FIM_FAMILIES.filter((family) => family.tokens.prefix.includes(text))
    .map((family) => familyFormat(family, vocabulary))
    .filter((format): format is FimFormat => format !== undefined);
  // Qwen2.5-Coder and CodeGemma share <|fim_prefix|>: their file separators tell them apart.
  return formats.sort((a, b) => Object.keys(b.specials).length - Object.keys(a.specials).length)[0];
}

function byName(model: FimModel): FimFormat | undefined {
  const family = FIM_FAMILIES.find((candidate) => model.names.some((name) => candidate.namePattern.test(name)));
  return family && familyFormat(family, model.vocabulary);
}

/** A family's format with the ids its tokens have in this vocabulary; undefined when its prefix or suffix token is missing. */
function familyFormat(family: FimFamily, vocabulary: FimVocabulary): FimFormat | undefined {
  const specials: Partial<Record<FimRole, SpecialToken>> = {};
  for (const [role, texts] of Object.entries(family.tokens) as Array<[FimRole, readonly string[] | undefined]>) {
    const found = texts && find(vocabulary, texts, role);
    if (found) specials[role] = found;
  }
  const { prefix, suffix } = specials;
  if (!prefix || !suffix || (family.tokens.middle && !specials.middle)) return undefined;
  const stops = (family.stopTokens ?? []).map((text) => find(vocabulary, [text])).filter((token): token is SpecialToken => token !== undefined);
  return {
    family: family.name,
    label: family.label,
    order: family.order,
    context: family.repoStyle && specials.fileSeparator ? family.repoStyle : "comments",
    prefixLeadingSpace: family.prefixLeadingSpace ?? false,
    specials: { ...specials, prefix, suffix },
    stops: [...Object.values(specials), ...stops],
  };
}

/**
 * A model with FIM token ids but of no family Hearth knows: the order node-llama-cpp uses
 * (prefix-suffix-middle, or suffix-prefix without a middle token), other files as comments,
 * unless the vocabulary has a repository-level file separator as a single special token.
 */
function byTokenIds(vocabulary: FimVocabulary): FimFormat | undefined {
  const { prefix, suffix, middle } = vocabulary.infill;
  if (!prefix || !suffix) return undefined;
  const repository = repositoryTokens(vocabulary);
  return {
    label: "the model's own FIM tokens",
    order: middle ? "psm" : "spm",
    context: repository?.context ?? "comments",
    prefixLeadingSpace: false,
    specials: { prefix, suffix, ...(middle ? { middle } : {}), ...repository?.specials },
    stops: [prefix, suffix, ...(middle ? [middle] : []), ...Object.values(repository?.specials ?? {})],
  };
}

function repositoryTokens(vocabulary: FimVocabulary): { context: FimFormat["context"]; specials: Partial<Record<FimRole, SpecialToken>> } | undefined {
  for (const family of [fimFamily("qwen2.5-coder"), fimFamily("starcoder2")]) {
    const fileSeparator = find(vocabulary, family.tokens.fileSeparator ?? []);
    if (!fileSeparator || !family.repoStyle) continue;
    const repoName = find(vocabulary, family.tokens.repoName ?? []);
    return { context: family.repoStyle, specials: { fileSeparator, ...(repoName ? { repoName } : {}) } };
  }
  return undefined;
}

/** The first of `texts` the vocabulary has; the model's own FIM ids come first for their roles. */
function find(vocabulary: FimVocabulary, texts: readonly string[], role?: FimRole): SpecialToken | undefined {
  const own = role === "prefix" || role === "suffix" || role === "middle" ? vocabulary.infill[role] : undefined;
  if (own && texts.includes(own.text)) return own;
  for (const text of texts) {
    const id = vocabulary.specialToken(text);
    if (id !== undefined) return { text, id };
  }
  return undefined;
}
