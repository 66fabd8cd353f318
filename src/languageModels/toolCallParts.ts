// Checks the tool calls a model wrote against the tools the caller offered, before they reach
// VS Code: a call VS Code would fail on (arguments that are not a JSON object, a tool nobody
// offered) is told to the caller as text instead. Plain data, no VS Code.
import type { ToolCall, ToolDefinition } from "../engine/backend";

/** A tool as VS Code's API offers one (LanguageModelChatTool), as plain data. */
export interface OfferedTool {
  readonly name: string;
  readonly description: string;
  readonly inputSchema?: object | undefined;
}

export type CheckedToolCall =
  | { readonly ok: true; readonly callId: string; readonly name: string; readonly input: object }
  | { readonly ok: false; readonly problem: string };

/** The engine's tool definitions for the tools VS Code offers. */
export function toToolDefinitions(tools: readonly OfferedTool[]): ToolDefinition[] {
  return tools.map((tool) => ({ name: tool.name, description: tool.description, ...(tool.inputSchema ? { parameters: tool.inputSchema } : {}) }));
}

/** Whether `call` names an offered tool and carries a JSON object as its arguments. */
export function checkToolCall(call: ToolCall, offered: readonly OfferedTool[]): CheckedToolCall {
  if (!offered.some((tool) => tool.name === call.name)) {
    const names = offered.map((tool) => tool.name).join(", ") || "none";
    return { ok: false, problem: `The model called a tool named "${call.name}", which was not offered (offered: ${names}). The call was not made.` };
  }
  const text = call.arguments.trim();
  // A tool without parameters: models often write nothing at all.
  if (!text) return { ok: true, callId: call.id, name: call.name, input: {} };
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch (error) {
    return { ok: false, problem: `The model called "${call.name}" with arguments that are not valid JSON (${(error as Error).message}): ${clip(text)}. The call was not made.` };
  }
  if (!input || typeof input !== "object" || Array.isArray(input)) {
    return { ok: false, problem: `The model called "${call.name}" with arguments that are not a JSON object: ${clip(text)}. The call was not made.` };
  }
  return { ok: true, callId: call.id, name: call.name, input };
}

function clip(text: string, limit = 200): string {
  return text.length > limit ? `${text.slice(0, limit)}…` : text;
}
