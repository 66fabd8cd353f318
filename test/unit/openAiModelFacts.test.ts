// What the OpenAI-compatible backend tells about a model before using it (describeModel).
import * as assert from "node:assert/strict";
import { OpenAiBackend } from "../../src/engine/openai/openAiBackend";
import { startFakeOpenAiServer, type FakeOpenAiServer } from "../support/fakeOpenAiServer";

describe("OpenAI-compatible backend: model facts", () => {
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

  it("takes llama-server's context per request from /props, asked once per server", async () => {
    server.options.nCtx = 8192;
    assert.deepEqual(await backend.describeModel("qwen2.5-coder"), { name: "qwen2.5-coder", contextWindow: 8192, toolCalling: true, chat: true, fillInMiddle: true });
    await backend.describeModel("qwen2.5-coder");
    assert.equal(server.bodies.filter((request) => request.path === "/props").length, 1);
  });

  it("leaves the context unknown on a server without /props, and throws nothing", async () => {
    const facts = await backend.describeModel("qwen2.5-coder");
    assert.equal(facts.contextWindow, undefined);
    assert.ok(!("contextWindow" in facts));
    assert.equal(facts.toolCalling, true, "the server refuses tools it cannot call when asked");
  });
});
