// Reads VS Code's language-model message parts (class instances, or look-alikes from another
// extension host) into plain data for messageMapping.ts.
import * as vscode from "vscode";
import type { PlainMessage, PlainPart } from "./messageMapping";

/** LanguageModelChatMessageRole.System: a proposed role (3) VS Code's own chat sends; read as a system message. */
const SYSTEM_ROLE = 3;

export function readMessage(message: vscode.LanguageModelChatRequestMessage): PlainMessage {
  const role = message.role === vscode.LanguageModelChatMessageRole.Assistant ? "assistant" : (message.role as number) === SYSTEM_ROLE ? "system" : "user";
  return { role, parts: message.content.map(readPart).filter((part): part is PlainPart => part !== undefined) };
}

/** A message, or text, as plain data (what provideTokenCount receives). */
export function readCountable(text: string | vscode.LanguageModelChatRequestMessage): PlainMessage {
  return typeof text === "string" ? { role: "user", parts: [{ kind: "text", text }] } : readMessage(text);
}

function readPart(part: unknown): PlainPart | undefined {
  if (part instanceof vscode.LanguageModelTextPart) return { kind: "text", text: part.value };
  if (part instanceof vscode.LanguageModelToolCallPart) return { kind: "toolCall", callId: part.callId, name: part.name, input: part.input };
  if (part instanceof vscode.LanguageModelToolResultPart) {
    return { kind: "toolResult", callId: part.callId, content: part.content.map(readResultPart).filter((inner): inner is PlainPart => inner !== undefined) };
  }
  if (part instanceof vscode.LanguageModelDataPart) return { kind: "data", mimeType: part.mimeType, data: part.data };
  return readLookAlike(part);
}

/** A tool result's parts: text, data, and prompt-tsx trees (serialised; the model reads them as JSON). */
function readResultPart(part: unknown): PlainPart | undefined {
  if (part instanceof vscode.LanguageModelPromptTsxPart) return { kind: "text", text: JSON.stringify(part.value) };
  return readPart(part);
}

/** Parts that crossed an extension-host boundary may arrive as plain objects of the same shape. */
function readLookAlike(part: unknown): PlainPart | undefined {
  if (!part || typeof part !== "object") return typeof part === "string" ? { kind: "text", text: part } : undefined;
  const shape = part as Record<string, unknown>;
  if (typeof shape.callId === "string" && typeof shape.name === "string") {
    return { kind: "toolCall", callId: shape.callId, name: shape.name, input: typeof shape.input === "object" && shape.input ? shape.input : {} };
  }
  if (typeof shape.callId === "string" && Array.isArray(shape.content)) {
    return { kind: "toolResult", callId: shape.callId, content: shape.content.map(readResultPart).filter((inner): inner is PlainPart => inner !== undefined) };
  }
  if (typeof shape.mimeType === "string" && shape.data instanceof Uint8Array) return { kind: "data", mimeType: shape.mimeType, data: shape.data };
  if (typeof shape.value === "string") return { kind: "text", text: shape.value };
  return undefined;
}
