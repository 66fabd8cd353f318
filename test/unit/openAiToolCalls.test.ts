// Tool calls through the OpenAI-compatible backend, against a loopback server that streams them
// as OpenAI's chat streaming does: `delta.tool_calls` pieces by index, arguments in several events.
import * as assert from "node:assert/strict";
import type { ChatMessage } from "../../src/engine/backend";
import { OpenAiBackend } from "../../src/engine/openai/openAiBackend";
import { ToolCallAssembler } from "../../src/engine/openai/openAiTools";
import { backendFailure } from "../support/backendAssertions";
import { bothToolsOnTheWire, listFiles, question, readFile } from "../support/toolFixtures";
import { startFakeOpenAiServer, type FakeOpenAiServer } from "../support/fakeOpenAiServer";


describe("OpenAI-compatible backend: tool calls", () => {
  let server: FakeOpenAiServer;
  let backend: OpenAiBackend;

  beforeEach(async () => {
    server = await startFakeOpenAiServer({ models: ["qwen2.5-coder"] });
    backend = new OpenAiBackend(() => ({ baseUrl: `${server.url}/v1`, apiKey: () => Promise.resolve(undefined) }));
  });
  afterEach(async () => {
    backend.dispose();
    await server.close();
  });

  const chatBodies = () => server.bodies.filter((request) => request.path === "/v1/chat/completions").map((request) => request.body);

  it("offers tools with tool_choice, and assembles a call whose arguments came in several events", async () => {
    server.options.toolAnswer = () => ({ calls: [{ name: "read_file", arguments: '{"path": "src/main.ts", "lines": [1, 20]}', id: "call_Xy1" }], argumentPieces: 5 });
    const answer = await backend.chat("qwen2.5-coder", question, { tools: [readFile, listFiles] });
    assert.equal(answer.stopReason, "toolCalls");
    assert.equal(answer.text, "");
    assert.deepEqual(answer.toolCalls, [{ id: "call_Xy1", name: "read_file", arguments: '{"path": "src/main.ts", "lines": [1, 20]}' }]);
    assert.equal(answer.usage.promptTokens, 30);
    const sent = chatBodies()[0];
    assert.equal(sent.tool_choice, "auto");
    assert.deepEqual(sent.tools, bothToolsOnTheWire);
  });

  it("asks for tool_choice \"required\" when the caller requires a call", async () => {
    server.options.toolAnswer = () => ({ calls: [{ name: "list_files", arguments: "{}" }] });
    await backend.chat("qwen2.5-coder", question, { tools: [listFiles], toolMode: "required" });
    assert.equal(chatBodies()[0].tool_choice, "required");
  });

  it("sends the call and its result back in the next request, paired by tool_call_id", async () => {
    server.options.toolAnswer = (body) => {
      const messages = body.messages as Array<{ role: string }>;
      return messages.at(-1)?.role === "tool" ? undefined : { calls: [{ name: "read_file", arguments: '{"path":"src/main.ts"}', id: "call_abc" }] };
    };
    const first = await backend.chat("qwen2.5-coder", question, { tools: [readFile] });
    const call = first.toolCalls![0];
    const followUp: ChatMessage[] = [
      ...question,
      { role: "assistant", content: first.text, toolCalls: first.toolCalls },
      { role: "tool", content: "export const main = () => 42;", toolCallId: call.id, toolName: call.name },
    ];
    const second = await backend.chat("qwen2.5-coder", followUp, { tools: [readFile] });
    assert.equal(second.stopReason, "endOfText");
    assert.equal(second.text, "Hi there!");
    assert.equal(second.toolCalls, undefined);
    assert.deepEqual(chatBodies()[1].messages, [
      { role: "user", content: "What does main.ts do?" },
      { role: "assistant", content: "", tool_calls: [{ id: "call_abc", type: "function", function: { name: "read_file", arguments: '{"path":"src/main.ts"}' } }] },
      { role: "tool", content: "export const main = () => 42;", tool_call_id: "call_abc" },
    ]);
  });

  it("streams the text before the calls as chunks, and assembles two parallel calls by index", async () => {
    server.options.toolAnswer = () => ({
      text: ["Let", " me", " look", "."],
      calls: [
        { name: "read_file", arguments: '{"path":"a.ts"}', id: "call_a" },
        { name: "read_file", arguments: '{"path":"b.ts"}', id: "call_b" },
      ],
    });
    const chunks: string[] = [];
    const answer = await backend.chat("qwen2.5-coder", question, { tools: [readFile], onChunk: (chunk) => chunks.push(chunk) });
    assert.deepEqual(chunks, ["Let", " me", " look", "."]);
    assert.equal(answer.text, "Let me look.");
    assert.deepEqual(answer.toolCalls, [
      { id: "call_a", name: "read_file", arguments: '{"path":"a.ts"}' },
      { id: "call_b", name: "read_file", arguments: '{"path":"b.ts"}' },
    ]);
  });

  it("passes invalid JSON arguments and an unknown tool's name through untouched, and never throws on them", async () => {
    server.options.toolAnswer = () => ({ calls: [{ name: "no_such_tool", arguments: '{"path": "a.ts", oops' }], argumentPieces: 4 });
    const answer = await backend.chat("qwen2.5-coder", question, { tools: [readFile] });
    assert.equal(answer.stopReason, "toolCalls");
    assert.equal(answer.toolCalls![0].name, "no_such_tool");
    assert.equal(answer.toolCalls![0].arguments, '{"path": "a.ts", oops');
  });

  it("says a server that refuses tools cannot call them, naming the model and what to do", async () => {
    server.options.rejectTools = { status: 500, message: "tools param requires --jinja flag" };
    const error = await backendFailure(backend.chat("qwen2.5-coder", question, { tools: [readFile] }));
    assert.equal(error.code, "toolsUnsupported");
    assert.equal(error.setting, "hearth.models.chat");
    assert.match(error.message, /cannot call tools with qwen2\.5-coder \(500: tools param requires --jinja flag\)/);
    assert.match(error.message, /--jinja.*hearth\.models\.chat/);

    server.options.rejectTools = { status: 400, message: '"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set' };
    assert.equal((await backendFailure(backend.chat("qwen2.5-coder", question, { tools: [readFile] }))).code, "toolsUnsupported");
    // Without tools the same server answers.
    assert.equal((await backend.chat("qwen2.5-coder", question)).text, "Hi there!");
  });

  it("keeps a refusal that is not of tools themselves (a bad schema, a full context) as the server's error", async () => {
    server.options.rejectTools = { status: 400, message: "Invalid 'tools[0].function.parameters': 'required' must be an array." };
    const schema = await backendFailure(backend.chat("qwen2.5-coder", question, { tools: [readFile] }));
    assert.equal(schema.code, "badResponse");
    assert.match(schema.message, /answered 400: Invalid 'tools\[0\]/);
    server.options.rejectTools = { status: 400, message: "the request exceeds the available context size" };
    assert.equal((await backendFailure(backend.chat("qwen2.5-coder", question, { tools: [readFile] }))).code, "badResponse");
  });

  it("sends neither tools nor tool_choice when no tool is offered, and only the API's own message fields", async () => {
    await backend.chat("qwen2.5-coder", [{ role: "system", content: "Be brief." }, ...question]);
    const sent = chatBodies()[0];
    assert.equal(sent.tools, undefined);
    assert.equal(sent.tool_choice, undefined);
    assert.deepEqual(sent.messages, [
      { role: "system", content: "Be brief." },
      { role: "user", content: "What does main.ts do?" },
    ]);
  });

  it("a cancelled answer returns no calls to run, however far their arguments had come", async () => {
    server.options.delayMs = 30;
    server.options.toolAnswer = () => ({ text: ["Checking"], calls: [{ name: "read_file", arguments: '{"path":"src/main.ts"}' }], argumentPieces: 8 });
    const controller = new AbortController();
    const answer = await backend.chat(
      "qwen2.5-coder",
      question,
      { tools: [readFile], onChunk: () => setTimeout(() => controller.abort(), 100) },
      controller.signal,
    );
    assert.equal(answer.stopReason, "cancelled");
    assert.equal(answer.text, "Checking");
    assert.equal(answer.toolCalls, undefined);
    assert.equal(backend.state.kind, "idle");
  });

  it("the loopback server streams a call's arguments over several events, as OpenAI does", async () => {
    server.options.toolAnswer = () => ({ calls: [{ name: "read_file", arguments: '{"path":"src/main.ts"}' }], argumentPieces: 4 });
    const response = await fetch(`${server.url}/v1/chat/completions`, {
      method: "POST",
      body: JSON.stringify({ model: "qwen2.5-coder", messages: question, tools: [{ type: "function", function: { name: "read_file" } }], stream: true }),
    });
    const events = (await response.text()).split("\n\n").filter(Boolean);
    const pieces = events.filter((event) => event.includes('"arguments":"') && !event.includes('"arguments":""'));
    assert.equal(pieces.length, 4);
    assert.ok(events.some((event) => event.includes('"finish_reason":"tool_calls"')));
    assert.equal(events.at(-1), "data: [DONE]");
  });
});

describe("ToolCallAssembler", () => {
  it("puts pieces without an index on the call before them, unless they bring a new id", () => {
    const calls = new ToolCallAssembler();
    calls.add([{ id: "a", function: { name: "read_file", arguments: '{"pa' } }]);
    calls.add([{ function: { arguments: 'th":1}' } }]);
    calls.add([{ id: "b", function: { name: "list_files", arguments: "{}" } }]);
    assert.deepEqual(calls.all, [
      { id: "a", name: "read_file", arguments: '{"path":1}' },
      { id: "b", name: "list_files", arguments: "{}" },
    ]);
  });

  it("keeps a name a server repeats in later pieces once, and makes up ids a server leaves out", () => {
    const calls = new ToolCallAssembler();
    calls.add([{ index: 1, function: { name: "read_file", arguments: "" } }]);
    calls.add([{ index: 0, function: { name: "list_files", arguments: "{}" } }]);
    calls.add([{ index: 1, function: { name: "read_file", arguments: "{}" } }]);
    calls.add(undefined);
    const [first, second] = calls.all;
    assert.deepEqual([first.name, second.name, second.arguments], ["list_files", "read_file", "{}"]);
    assert.match(first.id, /^call_0_[0-9a-f]+$/);
    assert.match(second.id, /^call_1_[0-9a-f]+$/);
  });
});
