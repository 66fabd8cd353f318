// VS Code's language-model messages, once read into plain data (vscodeParts.ts), turned into
// Hearth's ChatMessage list. Plain data, no VS Code: unit tests run it in Node.
import type { ChatMessage, ToolCall } from "../engine/backend";

/** A message part as plain data: what the adapter reads out of VS Code's part classes. */
export type PlainPart =
  | { readonly kind: "text"; readonly text: string }
  | { readonly kind: "toolCall"; readonly callId: string; readonly name: string; readonly input: object }
  | { readonly kind: "toolResult"; readonly callId: string; readonly content: readonly PlainPart[] }
  | { readonly kind: "data"; readonly mimeType: string; readonly data: Uint8Array };

export interface PlainMessage {
  readonly role: "system" | "user" | "assistant";
  readonly parts: readonly PlainPart[];
}

/** Data parts other extensions use as markers (prompt caching, stateful ids): never model input. */
const MARKER_MIME_TYPES = /^(cache_control|stateful_marker|thinking)$/;

/**
 * Hearth's messages for VS Code's. A user message's tool results become "tool" messages ahead of
 * its text (the order the servers and chat templates expect: results right after the calls);
 * each result is paired with its call's tool name, which Ollama and node-llama-cpp need.
 */
export function toChatMessages(messages: readonly PlainMessage[]): ChatMessage[] {
  const toolNames = new Map<string, string>();
  const mapped: ChatMessage[] = [];
  for (const message of messages) {
    if (message.role === "assistant") {
      const toolCalls: ToolCall[] = [];
      for (const part of message.parts) {
        if (part.kind !== "toolCall") continue;
        toolNames.set(part.callId, part.name);
        toolCalls.push({ id: part.callId, name: part.name, arguments: JSON.stringify(part.input ?? {}) });
      }
      const content = textOf(message.parts);
      if (content || toolCalls.length) mapped.push({ role: "assistant", content, ...(toolCalls.length ? { toolCalls } : {}) });
      continue;
    }
    for (const part of message.parts) {
      if (part.kind !== "toolResult") continue;
      mapped.push({ role: "tool", content: textOf(part.content), toolCallId: part.callId, toolName: toolNames.get(part.callId) ?? "" });
    }
    const content = textOf(message.parts);
    if (content) mapped.push({ role: message.role, content });
  }
  return mapped;
}

/**
 * The text of parts, as the model reads it: text as is, text-like data decoded, an image named
 * (Hearth's models read text only), markers dropped. Tool calls and results are left out: they
 * travel in their own fields.
 */
function textOf(parts: readonly PlainPart[]): string {
  return parts.map(partText).filter(Boolean).join("\n");
}

/** All of a message as text, tool calls and results included: what counting its tokens needs. */
export function fullTextOf(message: PlainMessage): string {
  return message.parts
    .map((part) => {
      if (part.kind === "toolCall") return `${part.name}(${JSON.stringify(part.input ?? {})})`;
      if (part.kind === "toolResult") return textOf(part.content);
      return partText(part);
    })
    .filter(Boolean)
    .join("\n");
}

function partText(part: PlainPart): string {
  switch (part.kind) {
    case "text":
      return part.text;
    case "data":
      return dataText(part.mimeType, part.data);
    default:
      return "";
  }
}

function dataText(mimeType: string, data: Uint8Array): string {
  if (MARKER_MIME_TYPES.test(mimeType)) return "";
  if (/^text\/|^application\/(json|xml|[\w.+-]*\+json)\b/.test(mimeType)) return new TextDecoder().decode(data);
  if (mimeType.startsWith("image/")) return `[An image (${mimeType}) was attached; this model reads text only.]`;
  return "";
}
