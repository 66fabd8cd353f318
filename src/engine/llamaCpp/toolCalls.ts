// node-llama-cpp's parsed function calls as Hearth's tool calls: the arguments as JSON text (the
// grammar made them valid JSON) and an id to pair each call with its result.
import { randomUUID } from "node:crypto";
import type { ToolCall } from "../backend";

export function toToolCalls(calls: readonly { functionName: string; params: unknown }[] | undefined): ToolCall[] | undefined {
  if (!calls || calls.length === 0) return undefined;
  return calls.map((call) => ({ id: `call_${randomUUID().slice(0, 8)}`, name: call.functionName, arguments: JSON.stringify(call.params ?? {}) }));
}
