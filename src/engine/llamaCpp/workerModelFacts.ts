// What a GGUF model is and can do, read in the worker from its header without loading it:
// node-llama-cpp reads the header (a few milliseconds, no weights) and resolves the chat format
// the way a chat would, so "can it call tools" is answered by the same chat wrapper that runs it.
import type * as NodeLlamaCpp from "node-llama-cpp" with { "resolution-mode": "import" };
import { BackendError } from "../backendError";
import { assertModelFileUsable, describeLoadFailure } from "./modelFileErrors";
import type { LlamaModelFacts } from "./workerProtocol";

type Library = typeof NodeLlamaCpp;

export async function readModelFacts(lib: Library, modelPath: string, chatFormat: string): Promise<LlamaModelFacts> {
  await assertModelFileUsable(modelPath);
  let info: NodeLlamaCpp.GgufFileInfo;
  try {
    info = await lib.readGgufFileInfo(modelPath, { readTensorInfo: false });
  } catch (error) {
    throw await describeLoadFailure(modelPath, error);
  }
  const ggml = info.metadata.tokenizer?.ggml as Record<string, unknown> | undefined;
  const wrapper = lib.resolveChatWrapper({
    type: chatFormat === "auto" ? "auto" : (chatFormat as NodeLlamaCpp.ResolvableChatWrapperTypeName),
    fileInfo: info,
    filename: modelPath,
  });
  const fileType = info.metadata.general?.file_type;
  return {
    architecture: info.metadata.general?.architecture,
    trainedContextSize: info.architectureMetadata?.context_length,
    chatTemplate: typeof info.metadata.tokenizer?.chat_template === "string",
    fillInMiddle: ["fim_pre_token_id", "fim_suf_token_id", "fim_mid_token_id"].every((key) => typeof ggml?.[key] === "number"),
    chatFormat: wrapper?.wrapperName ?? "none",
    toolCalling: wrapper !== null && callsTools(lib, wrapper),
    fileType: typeof fileType === "number" ? fileType : undefined,
  };
}

/**
 * Chat formats of models trained to call tools. Every node-llama-cpp wrapper can describe
 * functions in its own generic syntax, but a model never trained on it rarely calls one, so only
 * these (and a Jinja template that lays out tools itself) say they can.
 */
export function callsTools(lib: Library, wrapper: NodeLlamaCpp.ChatWrapper): boolean {
  const trained = [
    lib.Llama3_1ChatWrapper,
    lib.Llama3_2LightweightChatWrapper,
    lib.FunctionaryChatWrapper,
    lib.QwenChatWrapper,
    lib.DeepSeekChatWrapper,
    lib.MistralChatWrapper,
    lib.HarmonyChatWrapper,
    lib.Gemma4ChatWrapper,
    lib.SeedChatWrapper,
    lib.MuseChatWrapper,
  ];
  if (trained.some((type) => wrapper instanceof type)) return true;
  return wrapper instanceof lib.JinjaTemplateChatWrapper && wrapper.settings.functions !== lib.ChatWrapper.defaultSettings.functions;
}

/** A chat that must call a tool cannot be had from a format that never does. */
export function toolsUnsupported(modelPath: string, chatFormat: string): BackendError {
  return new BackendError(
    "toolsUnsupported",
    `${modelPath} cannot call tools: its chat format (${chatFormat}) was not made for tool calls. Choose a model trained for them (Qwen2.5, Llama 3.1 and later, Mistral…), or set hearth.llamaCpp.chatFormat to the format it was trained with.`,
    "",
    "hearth.llamaCpp.chatFormat",
  );
}
