// Hearth's models through VS Code's language-model API with tools, on the Ollama backend (a
// loopback server that speaks Ollama's API): the list follows pulls and deletes, a tool call goes
// to the caller and its result back to Ollama, a cancel stops the stream, and a call of a tool
// nobody offered comes back as text.
import * as assert from "node:assert/strict";
import * as vscode from "vscode";
import { startFakeOllama, type FakeOllama } from "../support/fakeOllama";
import { eventually, hearth, setSettings } from "./helpers";
import { hearthModel, offeredIds, readAll } from "./languageModelHelpers";

describe("language models: tool calls through Ollama", function () {
  this.timeout(60_000);
  let ollama: FakeOllama;
  let restore: () => Promise<void>;
  const weather: vscode.LanguageModelChatTool = {
    name: "get_weather",
    description: "The weather in a city now",
    inputSchema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  };

  before(async () => {
    const api = await hearth();
    ollama = await startFakeOllama({
      models: ["qwen2.5-coder:1.5b"],
      toolAnswer: (body) => {
        const messages = body.messages as Array<{ role: string; content: string }>;
        if (messages.at(-1)?.role === "tool") return undefined; // the result is in: answer in words
        if (/rogue/.test(messages.at(-1)?.content ?? "")) return { calls: [{ name: "rm_rf", arguments: { path: "/" } }] };
        return { text: ["Let", " me", " check."], calls: [{ name: "get_weather", arguments: { city: "Oslo" } }] };
      },
    });
    restore = await setSettings({ backend: "ollama", "ollama.host": ollama.url, "models.chat": "qwen2.5-coder:1.5b" });
    await eventually(() => api.settings.current.backend === "ollama", "backend ollama");
  });

  after(async () => {
    await restore();
    await ollama.close();
  });

  it("lists Ollama's models, hands a tool call to the caller, and sends the result back to Ollama", async () => {
    const model = await hearthModel("qwen2.5-coder:1.5b");
    assert.equal(model.family, "qwen2");
    const question = vscode.LanguageModelChatMessage.User("What is the weather in Oslo?");
    const first = await readAll(await model.sendRequest([question], { tools: [weather] }));
    assert.equal(first.text, "Let me check.");
    assert.equal(first.toolCalls.length, 1);
    const [call] = first.toolCalls;
    assert.equal(call.name, "get_weather");
    assert.deepEqual(call.input, { city: "Oslo" });
    const offered = ollama.bodies.filter((request) => request.path === "/api/chat").at(-1)?.body.tools as Array<{ function: { name: string } }>;
    assert.deepEqual(offered.map((tool) => tool.function.name), ["get_weather"]);

    const result = new vscode.LanguageModelToolResultPart(call.callId, [new vscode.LanguageModelTextPart("-3 °C and snowing")]);
    const second = await readAll(
      await model.sendRequest([question, vscode.LanguageModelChatMessage.Assistant([call]), vscode.LanguageModelChatMessage.User([result])], { tools: [weather] }),
    );
    assert.equal(second.text, "Hello from Ollama.");
    const sent = ollama.bodies.filter((request) => request.path === "/api/chat").at(-1)?.body.messages as Array<Record<string, unknown>>;
    assert.deepEqual(sent.at(-1), { role: "tool", content: "-3 °C and snowing", tool_name: "get_weather" });
    assert.deepEqual((sent.at(-2)?.tool_calls as unknown[])?.length, 1);
  });

  it("lists a model pulled into Ollama once the Models view refreshes, and drops a deleted one", async () => {
    await hearthModel("qwen2.5-coder:1.5b");
    ollama.options.models.push("llama3.2:1b");
    await vscode.commands.executeCommand("hearth.refreshModels");
    await eventually(async () => (await offeredIds()).includes("llama3.2:1b"), "the pulled model offered");
    ollama.options.models = ollama.options.models.filter((name) => name !== "llama3.2:1b");
    await vscode.commands.executeCommand("hearth.refreshModels");
    await eventually(async () => !(await offeredIds()).includes("llama3.2:1b"), "the deleted model gone");
  });

  it("stops a streaming answer when the caller cancels", async () => {
    const model = await hearthModel("qwen2.5-coder:1.5b");
    ollama.options.words = Array.from({ length: 100 }, (_, index) => ` word${index}`);
    ollama.options.lineDelayMs = 20;
    const cancel = new vscode.CancellationTokenSource();
    try {
      const response = await model.sendRequest([vscode.LanguageModelChatMessage.User("Talk for a while")], {}, cancel.token);
      const texts: string[] = [];
      const started = performance.now();
      try {
        for await (const chunk of response.text) {
          texts.push(chunk);
          if (texts.length === 1) cancel.cancel();
        }
      } catch (error) {
        assert.ok(error instanceof vscode.CancellationError || /cancel/i.test(String(error)), `ended as cancelled, not ${String(error)}`);
      }
      assert.ok(performance.now() - started < 1_500, "ended well before the 2 s the whole answer takes");
      assert.doesNotMatch(texts.join(""), /word99/);
    } finally {
      cancel.dispose();
      ollama.options.words = undefined;
      ollama.options.lineDelayMs = undefined;
    }
  });

  it("reports a call of a tool nobody offered to the caller as text, not as a call", async () => {
    const model = await hearthModel("qwen2.5-coder:1.5b");
    const answer = await readAll(await model.sendRequest([vscode.LanguageModelChatMessage.User("Do something rogue")], { tools: [weather] }));
    assert.equal(answer.toolCalls.length, 0);
    assert.match(answer.text, /called a tool named "rm_rf", which was not offered \(offered: get_weather\)/);
  });
});
