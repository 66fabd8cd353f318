// Tool calls through the Ollama backend, against a loopback server that streams them as Ollama's
// /api/chat does: text token by token, each call whole with its arguments as an object.
import * as assert from "node:assert/strict";
import type { ChatMessage } from "../../src/engine/backend";
import { OllamaBackend } from "../../src/engine/ollama/ollamaBackend";
import { backendFailure } from "../support/backendAssertions";
import { bothToolsOnTheWire, listFiles, question, readFile } from "../support/toolFixtures";
import { startFakeOllama, type FakeOllama } from "../support/fakeOllama";


describe("Ollama backend: tool calls", () => {
  let ollama: FakeOllama;
  let backend: OllamaBackend;

  beforeEach(async () => {
    ollama = await startFakeOllama({ models: ["qwen2.5-coder:7b", "gemma3:1b"], noTools: ["gemma3:1b"] });
    backend = new OllamaBackend(() => ({ host: ollama.url, keepAlive: "" }));
  });
  afterEach(async () => {
    backend.dispose();
    await ollama.close();
  });

  const chatBodies = () => ollama.bodies.filter((request) => request.path === "/api/chat").map((request) => request.body);

  it("offers tools in Ollama's form, and returns the call the model made with its arguments as JSON text", async () => {
    ollama.options.toolAnswer = () => ({ calls: [{ name: "read_file", arguments: { path: "src/main.ts" } }] });
    const answer = await backend.chat("qwen2.5-coder:7b", question, { tools: [readFile, listFiles] });
    assert.equal(answer.stopReason, "toolCalls");
    assert.equal(answer.text, "");
    assert.equal(answer.toolCalls?.length, 1);
    const [call] = answer.toolCalls ?? [];
    assert.equal(call.name, "read_file");
    assert.deepEqual(JSON.parse(call.arguments), { path: "src/main.ts" });
    assert.match(call.id, /^call_0_[0-9a-f]+$/, "Ollama gives no id: one is made up");
    const sent = chatBodies()[0];
    assert.deepEqual(sent.tools, bothToolsOnTheWire);
  });

  it("sends the call and its result back in the next request, as Ollama pairs them (tool_calls, tool_name)", async () => {
    ollama.options.toolAnswer = (body) => {
      const messages = body.messages as Array<{ role: string }>;
      return messages.at(-1)?.role === "tool" ? undefined : { calls: [{ name: "read_file", arguments: { path: "src/main.ts" } }] };
    };
    const first = await backend.chat("qwen2.5-coder:7b", question, { tools: [readFile] });
    const call = first.toolCalls![0];
    const followUp: ChatMessage[] = [
      ...question,
      { role: "assistant", content: first.text, toolCalls: first.toolCalls },
      { role: "tool", content: "export const main = () => 42;", toolCallId: call.id, toolName: call.name },
    ];
    const second = await backend.chat("qwen2.5-coder:7b", followUp, { tools: [readFile] });
    assert.equal(second.stopReason, "endOfText");
    assert.equal(second.text, "Hello from Ollama.");
    assert.equal(second.toolCalls, undefined);
    assert.deepEqual(chatBodies()[1].messages, [
      { role: "user", content: "What does main.ts do?" },
      { role: "assistant", content: "", tool_calls: [{ function: { name: "read_file", arguments: { path: "src/main.ts" } } }] },
      { role: "tool", content: "export const main = () => 42;", tool_name: "read_file" },
    ]);
  });

  it("streams the text before the calls as chunks, and returns two parallel calls in order with distinct ids", async () => {
    ollama.options.toolAnswer = () => ({
      text: ["Let", " me", " look", "."],
      calls: [
        { name: "read_file", arguments: { path: "a.ts" } },
        { name: "read_file", arguments: { path: "b.ts" } },
      ],
      separateChunks: true,
    });
    const chunks: string[] = [];
    const answer = await backend.chat("qwen2.5-coder:7b", question, { tools: [readFile], onChunk: (chunk) => chunks.push(chunk) });
    assert.deepEqual(chunks, ["Let", " me", " look", "."]);
    assert.equal(answer.text, "Let me look.");
    assert.equal(answer.stopReason, "toolCalls");
    assert.deepEqual(answer.toolCalls!.map((call) => [call.name, JSON.parse(call.arguments) as unknown]), [
      ["read_file", { path: "a.ts" }],
      ["read_file", { path: "b.ts" }],
    ]);
    assert.notEqual(answer.toolCalls![0].id, answer.toolCalls![1].id);
    assert.equal(answer.usage.promptTokens, 40);
  });

  it("takes two calls that arrive in one chunk", async () => {
    ollama.options.toolAnswer = () => ({ calls: [{ name: "list_files", arguments: {} }, { name: "read_file", arguments: { path: "b.ts" } }] });
    const answer = await backend.chat("qwen2.5-coder:7b", question, { tools: [readFile, listFiles] });
    assert.deepEqual(answer.toolCalls!.map((call) => [call.name, call.arguments]), [
      ["list_files", "{}"],
      ["read_file", '{"path":"b.ts"}'],
    ]);
  });

  it("passes arguments through untouched, even ones the caller will reject, and never throws on them", async () => {
    // Ollama parses the model's call itself; a server that hands over the text instead is passed on as it came.
    ollama.options.toolAnswer = () => ({
      calls: [
        { name: "read_file", arguments: { path: "naïve \"quoted\" ✓.ts", depth: [1, { deep: null }] } },
        { name: "no_such_tool", arguments: '{"path": "a.ts"' },
      ],
    });
    const answer = await backend.chat("qwen2.5-coder:7b", question, { tools: [readFile] });
    assert.deepEqual(JSON.parse(answer.toolCalls![0].arguments), { path: "naïve \"quoted\" ✓.ts", depth: [1, { deep: null }] });
    assert.equal(answer.toolCalls![1].name, "no_such_tool");
    assert.equal(answer.toolCalls![1].arguments, '{"path": "a.ts"');
  });

  it("names a result's tool from the call it answers when the caller gives only the call's id", async () => {
    const history: ChatMessage[] = [
      ...question,
      { role: "assistant", content: "", toolCalls: [{ id: "call_7", name: "list_files", arguments: "{}" }, { id: "call_8", name: "read_file", arguments: '{"path":"a.ts"}' }] },
      { role: "tool", content: "a.ts", toolCallId: "call_7" },
      { role: "tool", content: "const a = 1;", toolCallId: "call_8" },
    ];
    await backend.chat("qwen2.5-coder:7b", history, { tools: [readFile, listFiles] });
    const sent = chatBodies()[0].messages as Array<{ role: string; tool_name?: string }>;
    assert.deepEqual(sent.slice(2), [
      { role: "tool", content: "a.ts", tool_name: "list_files" },
      { role: "tool", content: "const a = 1;", tool_name: "read_file" },
    ]);
  });

  it("sends arguments that are not a JSON object back as an empty object, which is all Ollama accepts", async () => {
    const history: ChatMessage[] = [
      ...question,
      { role: "assistant", content: "", toolCalls: [{ id: "call_0_x", name: "read_file", arguments: '{"path": "a.ts"' }] },
      { role: "tool", content: "Error: the arguments are not valid JSON", toolCallId: "call_0_x", toolName: "read_file" },
    ];
    await backend.chat("qwen2.5-coder:7b", history, { tools: [readFile] });
    const sent = chatBodies()[0].messages as Array<{ tool_calls?: unknown }>;
    assert.deepEqual(sent[1].tool_calls, [{ function: { name: "read_file", arguments: {} } }]);
  });

  it("says a model without the tools capability cannot call tools, naming the model and what to do", async () => {
    const error = await backendFailure(backend.chat("gemma3:1b", question, { tools: [readFile] }));
    assert.equal(error.code, "toolsUnsupported");
    assert.equal(error.setting, "hearth.models.chat");
    assert.match(error.message, /^gemma3:1b cannot call tools on Ollama/);
    assert.match(error.message, /"tools" capability.*hearth\.models\.chat/);
    // The same model still chats without tools.
    assert.equal((await backend.chat("gemma3:1b", question)).text, "Hello from Ollama.");
  });

  it("sends no tools field when none is offered", async () => {
    await backend.chat("qwen2.5-coder:7b", question, { tools: [] });
    assert.equal(chatBodies()[0].tools, undefined);
  });

  it("a cancelled answer returns no calls to run, even ones already received", async () => {
    ollama.options.lineDelayMs = 100; // the abort (150 ms) falls between the two calls with room to spare on a busy machine
    ollama.options.toolAnswer = () => ({
      text: ["Checking"],
      calls: [
        { name: "read_file", arguments: { path: "a.ts" } },
        { name: "read_file", arguments: { path: "b.ts" } },
      ],
      separateChunks: true,
    });
    const controller = new AbortController();
    const answer = await backend.chat(
      "qwen2.5-coder:7b",
      question,
      { tools: [readFile], onChunk: () => setTimeout(() => controller.abort(), 150) },
      controller.signal,
    );
    assert.equal(answer.stopReason, "cancelled");
    assert.equal(answer.text, "Checking");
    assert.equal(answer.toolCalls, undefined);
    assert.equal(backend.state.kind, "idle");
  });
});
