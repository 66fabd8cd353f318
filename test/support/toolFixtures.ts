// The tools and question the backends' tool-call tests offer, and the "function" tools they
// expect on the wire (Ollama and OpenAI-compatible servers read the same shape).
import type { ChatMessage, ToolDefinition } from "../../src/engine/backend";

export const readFile: ToolDefinition = {
  name: "read_file",
  description: "Reads a file of the workspace",
  parameters: { type: "object", properties: { path: { type: "string" } }, required: ["path"] },
};
export const listFiles: ToolDefinition = { name: "list_files", description: "Lists the workspace's files" };
export const question: ChatMessage[] = [{ role: "user", content: "What does main.ts do?" }];

/** readFile and listFiles as the request body's `tools` (a tool without arguments gets an empty object schema). */
export const bothToolsOnTheWire = [
  { type: "function", function: { name: "read_file", description: "Reads a file of the workspace", parameters: readFile.parameters } },
  { type: "function", function: { name: "list_files", description: "Lists the workspace's files", parameters: { type: "object", properties: {} } } },
];
