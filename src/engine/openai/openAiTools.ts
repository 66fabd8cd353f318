// Tool calls on /v1/chat/completions: Hearth's messages and tools in the OpenAI chat format, and
// the calls streamed back as `delta.tool_calls` pieces. A call's first piece has its index, id and
// name; its `arguments` follow in pieces to be appended; pieces of parallel calls carry their index.
import type { ChatMessage, GenerationOptions, ToolCall } from "../backend";
import { callIdMaker, toFunctionTools } from "../functionTools";

type OpenAiMessage =
  | { readonly role: "system" | "user"; readonly content: string }
  | { readonly role: "assistant"; readonly content: string; readonly tool_calls?: readonly OpenAiToolCall[] }
  | { readonly role: "tool"; readonly content: string; readonly tool_call_id: string };

interface OpenAiToolCall {
  readonly id: string;
  readonly type: "function";
  readonly function: { readonly name: string; readonly arguments: string };
}

/** Hearth's conversation in the OpenAI chat format (only the fields the API knows go on the wire). */
export function toOpenAiMessages(messages: readonly ChatMessage[]): OpenAiMessage[] {
  return messages.map((message): OpenAiMessage => {
    if (message.role === "tool") return { role: "tool", content: message.content, tool_call_id: message.toolCallId ?? "" };
    if (message.role === "assistant" && message.toolCalls?.length) {
      return {
        role: "assistant",
        content: message.content,
        tool_calls: message.toolCalls.map((call) => ({ id: call.id, type: "function", function: { name: call.name, arguments: call.arguments } })),
      };
    }
    return { role: message.role, content: message.content };
  });
}

/** `tools` and `tool_choice` for the request body; nothing when no tool is offered. */
export function toolFields(options: GenerationOptions): object {
  if (!options.tools?.length) return {};
  return {
    tools: toFunctionTools(options.tools),
    tool_choice: options.toolMode === "required" ? "required" : "auto",
  };
}

/** One element of a streamed `delta.tool_calls`. */
interface ToolCallPiece {
  readonly index?: unknown;
  readonly id?: unknown;
  readonly function?: { readonly name?: unknown; readonly arguments?: unknown };
}

/**
 * Assembles the calls of one streamed answer from their pieces, by index. A piece without an
 * index (some servers) belongs to the call before it, unless it brings a new id. Arguments are
 * kept as the model's text, valid JSON or not: the caller validates.
 */
export class ToolCallAssembler {
  private readonly calls = new Map<number, { id: string; name: string; arguments: string }>();
  private lastIndex = -1;
  private readonly callId = callIdMaker();

  add(pieces: unknown): void {
    if (!Array.isArray(pieces)) return;
    for (const piece of pieces as ToolCallPiece[]) {
      const id = typeof piece.id === "string" && piece.id ? piece.id : undefined;
      const index = typeof piece.index === "number" ? piece.index : (id || this.lastIndex < 0) ? this.lastIndex + 1 : this.lastIndex;
      this.lastIndex = Math.max(this.lastIndex, index);
      const call = this.calls.get(index) ?? { id: "", name: "", arguments: "" };
      this.calls.set(index, call);
      if (id) call.id = id;
      // The name comes whole in the first piece; a server that repeats it must not double it.
      if (typeof piece.function?.name === "string" && !call.name) call.name = piece.function.name;
      const args = piece.function?.arguments;
      if (typeof args === "string") call.arguments += args;
      else if (args && typeof args === "object") call.arguments += JSON.stringify(args); // a server that sends an object
    }
  }

  /** The calls in index order, each with the server's id or one made up for it. */
  get all(): ToolCall[] {
    return [...this.calls.entries()]
      .sort(([a], [b]) => a - b)
      .map(([index, call]) => ({ id: call.id || this.callId(index), name: call.name, arguments: call.arguments }));
  }
}
