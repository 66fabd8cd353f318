// The parts of tool calling that Ollama and OpenAI-compatible servers share: tools described as
// OpenAI's "function" tools (Ollama reads the same shape), and ids for calls a server sent
// without one, unique within the answer and the conversation it continues.
import { randomBytes } from "node:crypto";
import type { ToolDefinition } from "./backend";

export interface FunctionTool {
  readonly type: "function";
  readonly function: { readonly name: string; readonly description: string; readonly parameters: object };
}

/** A tool that takes no arguments still gets an (empty) object schema: servers expect one. */
export function toFunctionTools(tools: readonly ToolDefinition[]): FunctionTool[] {
  return tools.map((tool) => ({
    type: "function",
    function: { name: tool.name, description: tool.description, parameters: tool.parameters ?? { type: "object", properties: {} } },
  }));
}

/** Makes ids for one answer's calls: `call_<position>_<random>`. */
export function callIdMaker(): (position: number) => string {
  const nonce = randomBytes(4).toString("hex");
  return (position) => `call_${position}_${nonce}`;
}
