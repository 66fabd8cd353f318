// A loaded model's vocabulary as the FIM format chooser asks about it, and its tokenizer as the
// prompt builder uses it. Runs in the worker, where the model is.
import type * as NodeLlamaCpp from "node-llama-cpp" with { "resolution-mode": "import" };
import type { FimModel, FimVocabulary } from "../fim/chooseFimFormat";
import type { PromptTokenizer } from "../fim/fimPrompt";
import type { SpecialToken } from "../fim/fimFormat";

export function fimModel(modelPath: string, model: NodeLlamaCpp.LlamaModel): FimModel {
  const fileName = modelPath.split(/[\\/]/).pop() ?? modelPath;
  const general = model.fileInfo.metadata?.general;
  const names = [fileName, general?.name, general?.basename].filter((name): name is string => typeof name === "string" && name !== "");
  return { name: fileName, names, vocabulary: modelFimVocabulary(model) };
}

function modelFimVocabulary(model: NodeLlamaCpp.LlamaModel): FimVocabulary {
  const { infill } = model.tokens;
  const own = (id: NodeLlamaCpp.Token | null, text: string | null): SpecialToken | undefined =>
    id === null || text === null ? undefined : { id, text };
  const found = new Map<string, number | undefined>();
  return {
    infill: {
      prefix: own(infill.prefix, infill.prefixString),
      suffix: own(infill.suffix, infill.suffixString),
      middle: own(infill.middle, infill.middleString),
    },
    specialToken(text) {
      if (!found.has(text)) {
        // A token of the format is one control or user-defined token when the vocabulary has it; otherwise the text splits into several.
        const tokens = model.tokenize(text, true);
        const attributes = tokens.length === 1 ? model.getTokenAttributes(tokens[0]) : undefined;
        found.set(text, attributes && (attributes.control || attributes.userDefined) ? tokens[0] : undefined);
      }
      return found.get(text);
    },
  };
}

/**
 * Plain text as tokens: special-token text stays text, and no SentencePiece leading space
 * ("trimLeadingSpace", as node-llama-cpp's own infill does) unless `leadingSpace` asks for it.
 */
export function modelTokenizer(model: NodeLlamaCpp.LlamaModel): PromptTokenizer {
  return {
    tokenize: (text, leadingSpace) => (text === "" ? [] : model.tokenize(leadingSpace ? ` ${text}` : text, false, "trimLeadingSpace")),
  };
}

/**
 * The token node-llama-cpp puts ahead of a completion's input (LlamaCompletion, after
 * resolveBeginningTokenToPrepend): BOS when the vocabulary asks for one (add_bos_token), as
 * CodeLlama, DeepSeek-Coder, Codestral and CodeGemma do and Qwen2.5-Coder and StarCoder2 do not.
 */
export function beginningToken(model: NodeLlamaCpp.LlamaModel): NodeLlamaCpp.Token | undefined {
  const vocabulary = String(model.vocabularyType);
  if (vocabulary === "rwkv" || vocabulary === "ugm") return undefined;
  if (vocabulary === "wpm" || model.tokens.shouldPrependBosToken) return model.tokens.bos ?? undefined;
  return undefined;
}
