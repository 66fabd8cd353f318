// The worker's chat answer: the model's chat format, the offered tools as node-llama-cpp
// functions, and a sequence from the model's pool (the one that holds most of this prompt, so
// each conversation keeps its KV cache while others run). node-llama-cpp's LlamaChat returns the
// calls it parsed and does not run them: they go back to the caller, whose results come in the
// next request's history.
import type * as NodeLlamaCpp from "node-llama-cpp" with { "resolution-mode": "import" };
import type { ChatMessage, Generation } from "../backend";
import { BackendError } from "../backendError";
import type { LoadedEntry } from "./loadedModels";
import type { ModelContext } from "./modelContext";
import { PoolFullError } from "./sequencePool";
import { leaveOutUnset, toGrammarSchema } from "./toolSchema";
import { cancelledBeforeStart, metered, resolveChatFormat, toChatHistory, type GenerationRequest, type Send } from "./workerGeneration";
import { callsTools, toolsUnsupported } from "./workerModelFacts";
import type { ChatExtras } from "./workerProtocol";

type Library = typeof NodeLlamaCpp;

/** node-llama-cpp's evaluation priorities (1–5): completions 5, chat 3, background 1. */
const EVALUATION_PRIORITY = { chat: 3, background: 1 } as const;

export async function generateChat(
  lib: Library,
  entry: LoadedEntry,
  context: ModelContext,
  request: GenerationRequest & ChatExtras,
  messages: readonly ChatMessage[],
  send: Send,
): Promise<Generation> {
  const chatWrapper = chatFormat(lib, entry, request.settings.chatFormat);
  const functions = toolFunctions(lib, entry, chatWrapper, request);
  const history = toChatHistory(messages);
  const prompt = chatWrapper
    .generateContextState({ chatHistory: history, availableFunctions: functions, documentFunctionParams: functions ? true : undefined })
    .contextText.tokenize(entry.model.tokenizer);
  let lease;
  try {
    lease = await context.chatPool.acquire({ conversation: request.conversation, priority: request.priority ?? "chat", prompt, signal: request.signal });
  } catch (error) {
    if (error instanceof PoolFullError) throw new BackendError("busy", error.message);
    throw error;
  }
  if (!lease) return cancelledBeforeStart(request);
  const session = new lib.LlamaChat({ contextSequence: lease.sequence, chatWrapper });
  try {
    const generation = await metered(request, send, lease.sequence, prompt.length, "answering", async (options) => {
      const response = await session.generateResponse(history, {
        ...options,
        functions,
        documentFunctionParams: functions ? true : undefined,
        evaluationPriority: EVALUATION_PRIORITY[request.priority ?? "chat"],
      });
      // Optional arguments the grammar made the model write as null are left out again.
      const calls = response.functionCalls?.map((call) => ({
        functionName: call.functionName,
        params: leaveOutUnset(call.params, request.tools?.find((tool) => tool.name === call.functionName)?.parameters),
      }));
      return { response: response.response, metadata: response.metadata, calls };
    });
    return generation;
  } finally {
    session.dispose();
    lease.release();
  }
}

function chatFormat(lib: Library, entry: LoadedEntry, format: string): NodeLlamaCpp.ChatWrapper {
  let wrapper = entry.chatWrappers.get(format);
  if (!wrapper) {
    wrapper = resolveChatFormat(lib, entry.model, format);
    entry.chatWrappers.set(format, wrapper);
  }
  return wrapper;
}

/**
 * The offered tools as node-llama-cpp functions, or undefined when none are offered. A format
 * never trained on tool calls answers without them ("auto"), or fails when a call is required.
 */
function toolFunctions(lib: Library, entry: LoadedEntry, wrapper: NodeLlamaCpp.ChatWrapper, request: ChatExtras): NodeLlamaCpp.ChatModelFunctions | undefined {
  if (!request.tools || request.tools.length === 0) return undefined;
  if (!callsTools(lib, wrapper)) {
    if (request.toolMode === "required") throw toolsUnsupported(entry.modelPath, wrapper.wrapperName);
    return undefined;
  }
  return Object.fromEntries(
    request.tools.map((tool) => [tool.name, { description: tool.description, ...(tool.parameters ? { params: toGrammarSchema(tool.parameters) } : {}) }]),
  ) as NodeLlamaCpp.ChatModelFunctions;
}
