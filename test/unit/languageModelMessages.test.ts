// What Hearth's engine receives for the messages VS Code's chat or another extension sends, and
// which of a model's tool calls are handed to the caller.
import * as assert from "node:assert/strict";
import { fullTextOf, toChatMessages, type PlainMessage } from "../../src/languageModels/messageMapping";
import { checkToolCall, toToolDefinitions } from "../../src/languageModels/toolCallParts";

const bytes = (text: string) => new TextEncoder().encode(text);

describe("language-model messages", () => {
  it("keeps a conversation's text and roles, system prompt included", () => {
    const messages: PlainMessage[] = [
      { role: "system", parts: [{ kind: "text", text: "Be brief." }] },
      { role: "user", parts: [{ kind: "text", text: "What is 2+2?" }] },
      { role: "assistant", parts: [{ kind: "text", text: "4" }] },
    ];
    assert.deepEqual(toChatMessages(messages), [
      { role: "system", content: "Be brief." },
      { role: "user", content: "What is 2+2?" },
      { role: "assistant", content: "4" },
    ]);
  });

  it("carries a tool round trip: the call's arguments as JSON, the result paired with the tool's name", () => {
    const messages: PlainMessage[] = [
      { role: "user", parts: [{ kind: "text", text: "Weather in Oslo?" }] },
      { role: "assistant", parts: [{ kind: "toolCall", callId: "call_1", name: "get_weather", input: { city: "Oslo" } }] },
      {
        role: "user",
        parts: [
          { kind: "toolResult", callId: "call_1", content: [{ kind: "text", text: "-3 °C" }, { kind: "data", mimeType: "application/json", data: bytes('{"wind":4}') }] },
          { kind: "text", text: "And tomorrow?" },
        ],
      },
    ];
    assert.deepEqual(toChatMessages(messages), [
      { role: "user", content: "Weather in Oslo?" },
      { role: "assistant", content: "", toolCalls: [{ id: "call_1", name: "get_weather", arguments: '{"city":"Oslo"}' }] },
      { role: "tool", content: '-3 °C\n{"wind":4}', toolCallId: "call_1", toolName: "get_weather" },
      { role: "user", content: "And tomorrow?" },
    ]);
  });

  it("names an image the model cannot see, and drops other extensions' marker parts", () => {
    const [message] = toChatMessages([
      {
        role: "user",
        parts: [
          { kind: "text", text: "What is in this picture?" },
          { kind: "data", mimeType: "image/png", data: new Uint8Array([137, 80]) },
          { kind: "data", mimeType: "cache_control", data: bytes("ephemeral") },
        ],
      },
    ]);
    assert.equal(message.content, "What is in this picture?\n[An image (image/png) was attached; this model reads text only.]");
  });

  it("leaves out messages with nothing in them", () => {
    assert.deepEqual(toChatMessages([{ role: "user", parts: [{ kind: "data", mimeType: "stateful_marker", data: bytes("x") }] }]), []);
  });

  it("counts a message's tool calls and results with its text", () => {
    const text = fullTextOf({ role: "assistant", parts: [{ kind: "text", text: "Looking." }, { kind: "toolCall", callId: "1", name: "read", input: { path: "a.ts" } }] });
    assert.equal(text, 'Looking.\nread({"path":"a.ts"})');
  });
});

describe("tool calls a model writes", () => {
  const offered = [
    { name: "get_weather", description: "Weather for a city", inputSchema: { type: "object", properties: { city: { type: "string" } } } },
    { name: "now", description: "The time" },
  ];

  it("offers the tools to the engine with their schemas", () => {
    assert.deepEqual(toToolDefinitions(offered), [
      { name: "get_weather", description: "Weather for a city", parameters: offered[0].inputSchema },
      { name: "now", description: "The time" },
    ]);
  });

  it("hands over a call of an offered tool with its arguments as an object", () => {
    assert.deepEqual(checkToolCall({ id: "c1", name: "get_weather", arguments: '{"city":"Oslo"}' }, offered), { ok: true, callId: "c1", name: "get_weather", input: { city: "Oslo" } });
    assert.deepEqual(checkToolCall({ id: "c2", name: "now", arguments: "" }, offered), { ok: true, callId: "c2", name: "now", input: {} });
  });

  it("refuses arguments that are not JSON, or not an object, saying what the model wrote", () => {
    const broken = checkToolCall({ id: "c1", name: "get_weather", arguments: "{city: Oslo" }, offered);
    assert.equal(broken.ok, false);
    assert.match(!broken.ok ? broken.problem : "", /^The model called "get_weather" with arguments that are not valid JSON \(.+\): \{city: Oslo\. The call was not made\.$/);
    const list = checkToolCall({ id: "c1", name: "get_weather", arguments: '["Oslo"]' }, offered);
    assert.match(!list.ok ? list.problem : "", /not a JSON object: \["Oslo"\]/);
  });

  it("refuses a tool nobody offered, naming the ones that were", () => {
    const call = checkToolCall({ id: "c1", name: "rm_rf", arguments: "{}" }, offered);
    assert.deepEqual(call, { ok: false, problem: 'The model called a tool named "rm_rf", which was not offered (offered: get_weather, now). The call was not made.' });
  });
});
