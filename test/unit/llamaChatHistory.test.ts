// Hearth's messages as node-llama-cpp's chat history (what the llama.cpp worker renders into the
// model's prompt), and node-llama-cpp's parsed function calls as Hearth's tool calls: calls carry
// their results, an answer resumed after tool results is one model response, and the history
// renders in the order the model wrote it, so its KV cache is reused on the next request.
import * as assert from "node:assert/strict";
import type * as NodeLlamaCpp from "node-llama-cpp" with { "resolution-mode": "import" };
import type { ChatMessage } from "../../src/engine/backend";
import { toToolCalls } from "../../src/engine/llamaCpp/toolCalls";
import { toChatHistory } from "../../src/engine/llamaCpp/workerGeneration";

const question: ChatMessage = { role: "user", content: "What does main.ts export?" };
const readMain = { id: "call_1", name: "read_file", arguments: '{"path":"src/main.ts"}' };
const listFiles = { id: "call_2", name: "list_files", arguments: "{}" };
const resultOf = (call: { id: string; name: string }, content: string): ChatMessage => ({ role: "tool", content, toolCallId: call.id, toolName: call.name });

/** A call as node-llama-cpp keeps it; the first of each assistant message starts a batch of calls made together. */
const functionCall = (name: string, params: unknown, result: unknown, startsBatch = true) => ({ type: "functionCall", name, params, result, ...(startsBatch ? { startsNewChunk: true } : {}) });

describe("llama.cpp chat history", () => {
  it("opens a new, empty model response after the user's message, for the answer to be written", () => {
    const history = toChatHistory([{ role: "system", content: "Be brief." }, question, { role: "assistant", content: "`main`." }, { role: "user", content: "And?" }]);
    assert.deepEqual(history, [
      { type: "system", text: "Be brief." },
      { type: "user", text: "What does main.ts export?" },
      { type: "model", response: ["`main`."] },
      { type: "user", text: "And?" },
      { type: "model", response: [] },
    ]);
  });

  it("gives each tool call the result of the tool message that answers it, paired by id whatever the order", () => {
    const history = toChatHistory([
      question,
      { role: "assistant", content: "Let me look.", toolCalls: [readMain, listFiles] },
      resultOf(listFiles, "src/main.ts\nsrc/util.ts"),
      resultOf(readMain, "export const main = () => 42;"),
    ]);
    assert.deepEqual(history, [
      { type: "user", text: "What does main.ts export?" },
      {
        type: "model",
        response: [
          "Let me look.",
          functionCall("read_file", { path: "src/main.ts" }, "export const main = () => 42;"),
          functionCall("list_files", {}, "src/main.ts\nsrc/util.ts", false),
        ],
      },
    ]);
  });

  it("continues the model response that made the calls when the conversation ends in their results (no new empty response)", () => {
    const history = toChatHistory([question, { role: "assistant", content: "", toolCalls: [readMain] }, resultOf(readMain, "export const main = () => 42;")]);
    assert.equal(history.length, 2);
    const last = history.at(-1) as NodeLlamaCpp.ChatModelResponse;
    assert.equal(last.type, "model");
    assert.deepEqual(last.response, [functionCall("read_file", { path: "src/main.ts" }, "export const main = () => 42;")], "no empty text for the empty content");
  });

  it("makes an answer resumed after tool results one model response with its calls, then opens a new one after the next question", () => {
    const history = toChatHistory([
      question,
      { role: "assistant", content: "", toolCalls: [readMain] },
      resultOf(readMain, "export const main = () => 42;"),
      { role: "assistant", content: "It exports `main`, which returns 42." },
      { role: "user", content: "Thanks. And util.ts?" },
    ]);
    assert.deepEqual(history, [
      { type: "user", text: "What does main.ts export?" },
      { type: "model", response: [functionCall("read_file", { path: "src/main.ts" }, "export const main = () => 42;"), "It exports `main`, which returns 42."] },
      { type: "user", text: "Thanks. And util.ts?" },
      { type: "model", response: [] },
    ]);
  });

  it("keeps arguments that are not JSON as the text the model wrote, and empty arguments as none", () => {
    const broken = { id: "call_3", name: "read_file", arguments: "{path: src/main.ts" };
    const empty = { id: "call_4", name: "list_files", arguments: "  " };
    const history = toChatHistory([question, { role: "assistant", content: "", toolCalls: [broken, empty] }, resultOf(broken, "error: bad arguments"), resultOf(empty, "[]")]);
    const response = (history.at(-1) as NodeLlamaCpp.ChatModelResponse).response as NodeLlamaCpp.ChatModelFunctionCall[];
    assert.equal(response[0].params, "{path: src/main.ts");
    assert.equal(response[0].result, "error: bad arguments");
    assert.equal(response[1].params, undefined);
  });

  it("shows a call whose result never came with an empty result", () => {
    const history = toChatHistory([question, { role: "assistant", content: "", toolCalls: [readMain] }, { role: "user", content: "Never mind." }]);
    const model = history[1] as NodeLlamaCpp.ChatModelResponse;
    assert.deepEqual(model.response, [functionCall("read_file", { path: "src/main.ts" }, "")]);
    assert.deepEqual(history.at(-1), { type: "model", response: [] });
  });

  describe("rendered by a chat format that calls tools in parallel (Qwen)", () => {
    let library: typeof NodeLlamaCpp;
    before(async () => {
      library = await import("node-llama-cpp");
    });

    const render = (messages: readonly ChatMessage[]) => {
      const wrapper = new library.QwenChatWrapper();
      const functions = { read_file: { description: "Reads a file", params: { type: "object", properties: { path: { type: "string" } } } }, list_files: { description: "Lists files" } };
      const text = wrapper.generateContextState({ chatHistory: toChatHistory(messages), availableFunctions: functions as NodeLlamaCpp.ChatModelFunctions }).contextText.toString();
      return text.slice(text.indexOf(question.content)); // the conversation, without the tools' documentation

    };

    it("renders calls made one after another, each after the result of the one before, as the model wrote them", () => {
      const text = render([
        question,
        { role: "assistant", content: "", toolCalls: [listFiles] },
        resultOf(listFiles, "LIST RESULT"),
        { role: "assistant", content: "", toolCalls: [readMain] },
        resultOf(readMain, "READ RESULT"),
      ]);
      const listCall = text.indexOf('"name": "list_files"');
      const readCall = text.indexOf('"name": "read_file"');
      assert.ok(listCall >= 0 && readCall >= 0, text);
      assert.ok(listCall < text.indexOf("LIST RESULT"), text);
      assert.ok(text.indexOf("LIST RESULT") < readCall, `read_file was called after list_files answered:\n${text}`);
      assert.ok(readCall < text.indexOf("READ RESULT"), text);
    });

    it("renders calls made together as one batch, followed by their results", () => {
      const text = render([question, { role: "assistant", content: "", toolCalls: [readMain, listFiles] }, resultOf(readMain, "READ RESULT"), resultOf(listFiles, "LIST RESULT")]);
      const readCall = text.indexOf('"name": "read_file"');
      const listCall = text.indexOf('"name": "list_files"');
      assert.ok(readCall >= 0 && listCall >= 0, text);
      assert.ok(readCall < listCall && listCall < text.indexOf("READ RESULT") && text.indexOf("READ RESULT") < text.indexOf("LIST RESULT"), text);
    });
  });
});

describe("llama.cpp tool calls", () => {
  it("gives nothing when the model called no tool", () => {
    assert.equal(toToolCalls(undefined), undefined);
    assert.equal(toToolCalls([]), undefined);
  });

  it("turns each call into Hearth's form: the tool's name and its arguments as JSON text", () => {
    const calls = toToolCalls([
      { functionName: "read_file", params: { path: "src/main.ts", lines: [1, 2] } },
      { functionName: "list_files", params: undefined },
    ]);
    assert.equal(calls?.length, 2);
    assert.equal(calls?.[0].name, "read_file");
    assert.deepEqual(JSON.parse(calls?.[0].arguments ?? ""), { path: "src/main.ts", lines: [1, 2] });
    assert.equal(calls?.[1].name, "list_files");
    assert.equal(calls?.[1].arguments, "{}", "a tool without parameters gets an empty object");
  });

  it("gives every call an id of its own, so each result finds its call", () => {
    const ids = new Set<string>();
    for (let answer = 0; answer < 50; answer++) {
      for (const call of toToolCalls([{ functionName: "a", params: {} }, { functionName: "a", params: {} }]) ?? []) {
        assert.match(call.id, /^call_\w+$/);
        ids.add(call.id);
      }
    }
    assert.equal(ids.size, 100);
  });

  it("round-trips: a call as Hearth sends it back renders with the arguments the model wrote", () => {
    const params = { path: "src/main.ts", flags: { recursive: true }, depth: 2 };
    const [call] = toToolCalls([{ functionName: "read_file", params }]) ?? [];
    const history = toChatHistory([question, { role: "assistant", content: "", toolCalls: [call] }, resultOf(call, "done")]);
    const response = (history.at(-1) as NodeLlamaCpp.ChatModelResponse).response as NodeLlamaCpp.ChatModelFunctionCall[];
    assert.deepEqual(response[0].params, params);
    assert.equal(response[0].result, "done");
  });
});
