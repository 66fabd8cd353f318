// Tool calls on Ollama's /api/chat: Hearth's messages and tools as Ollama reads them, and the
// calls it streams back. Ollama parses the model's call itself and sends `arguments` as an
// object; it gives no call id (newer servers may), and pairs a result with its call by name.
import type { Message, Tool, ToolCall as OllamaToolCall } from "ollama";
import type { ChatMessage, ToolCall, ToolDefinition } from "../backend";
import { callIdMaker, toFunctionTools } from "../functionTools";

/**
 * Hearth's conversation as Ollama's messages: calls go back with their arguments as objects,
 * results with `tool_name` (taken from the call the result answers when the caller gave only its
 * id, as VS Code's tool results do).
 */
export function toOllamaMessages(messages: readonly ChatMessage[]): Message[] {
  const calledNames = new Map(messages.flatMap((message) => message.toolCalls ?? []).map((call) => [call.id, call.name]));
  return messages.map((message): Message => {
    if (message.role === "tool") {
      const name = message.toolName || (message.toolCallId ? calledNames.get(message.toolCallId) : undefined);
      return { role: "tool", content: message.content, ...(name ? { tool_name: name } : {}) };
    }
    if (message.role === "assistant" && message.toolCalls?.length) {
      return {
        role: "assistant",
        content: message.content,
        tool_calls: message.toolCalls.map((call) => ({ function: { name: call.name, arguments: argumentsObject(call.arguments) } })),
      };
    }
    return { role: message.role, content: message.content };
  });
}

export function toOllamaTools(tools: readonly ToolDefinition[]): Tool[] {
  return toFunctionTools(tools);
}

/** A call as Ollama streams it; `id` and `function.index` come from servers newer than the client's types. */
type StreamedOllamaCall = OllamaToolCall & { readonly id?: unknown; readonly function: { readonly index?: unknown } };

/**
 * Collects the calls of one answer. Ollama sends each call whole (in one chunk or several), so
 * nothing is assembled; each gets the server's id, or a made-up one unique in the conversation.
 */
export class OllamaToolCallCollector {
  private readonly calls: ToolCall[] = [];
  private readonly callId = callIdMaker();

  add(calls: readonly OllamaToolCall[] | undefined): void {
    for (const call of (calls ?? []) as readonly StreamedOllamaCall[]) {
      const position = this.calls.length;
      const args: unknown = call.function?.arguments;
      this.calls.push({
        id: typeof call.id === "string" && call.id ? call.id : this.callId(position),
        name: String(call.function?.name ?? ""),
        // Kept as the model's text when Ollama already had it as text; the caller validates.
        arguments: typeof args === "string" ? args : JSON.stringify(args ?? {}),
      });
    }
  }

  get all(): readonly ToolCall[] {
    return this.calls;
  }
}

/**
 * Ollama takes a call's arguments back only as an object: the model's text when it is one,
 * else an empty object (the caller already reported those arguments as invalid).
 */
function argumentsObject(text: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
