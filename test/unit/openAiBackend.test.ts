// The OpenAI-compatible backend against a loopback server that streams server-sent events.
import * as assert from "node:assert/strict";
import { OpenAiBackend } from "../../src/engine/openai/openAiBackend";
import { startFakeOpenAiServer, type FakeOpenAiServer } from "../support/fakeOpenAiServer";
import { backendFailure } from "../support/backendAssertions";
import { closedPortUrl } from "../support/loopbackServer";

const hello = [{ role: "user" as const, content: "Hello" }];


describe("OpenAI-compatible backend", () => {
  let server: FakeOpenAiServer;
  let backend: OpenAiBackend;
  let apiKey: string | undefined;
  let baseUrl: string;

  beforeEach(async () => {
    server = await startFakeOpenAiServer({ models: ["qwen2.5-coder"] });
    apiKey = undefined;
    baseUrl = `${server.url}/v1/`;
    backend = new OpenAiBackend(() => ({ baseUrl, apiKey: () => Promise.resolve(apiKey) }));
  });
  afterEach(async () => {
    backend.dispose();
    await server.close();
  });

  it("streams a chat answer from /v1/chat/completions, with the usage the server reports", async () => {
    const chunks: string[] = [];
    const answer = await backend.chat("qwen2.5-coder", hello, { maxTokens: 50, onChunk: (chunk) => chunks.push(chunk) });
    assert.deepEqual(chunks, ["Hi", " there", "!"]);
    assert.equal(answer.text, "Hi there!");
    assert.equal(answer.stopReason, "endOfText");
    assert.equal(answer.usage.promptTokens, 9);
    assert.equal(answer.usage.reusedPromptTokens, 6);
    assert.equal(answer.usage.completionTokens, 3);
    const sent = server.bodies.find((request) => request.path === "/v1/chat/completions")!;
    assert.equal(sent.body.max_tokens, 50);
    assert.equal(sent.body.stream, true);
    assert.equal(sent.authorization, undefined, "no key configured, none sent");
  });

  it("sends the API key as a bearer token, and says how to set one when refused", async () => {
    server.options.apiKey = "sk-local-123";
    const refused = await backendFailure(backend.chat("qwen2.5-coder", hello));
    assert.equal(refused.code, "unauthorized");
    assert.match(refused.message, /refused the request \(401: Invalid API Key\)\. Set its API key/);
    apiKey = "sk-local-123";
    assert.equal((await backend.chat("qwen2.5-coder", hello)).text, "Hi there!");
  });

  it("fills in the middle with llama-server's /infill when the server has it, other files with their names in input_extra", async () => {
    server.options.infill = true;
    const answer = await backend.infill("qwen2.5-coder", {
      prefix: "a = ",
      suffix: "\n",
      path: "src/a.py",
      context: [
        { path: "src/b.py", text: "B = 2\n" },
        { path: "src/c.py", text: "C = 3\n" },
      ],
    });
    assert.equal(answer.text, "Hi there!");
    assert.equal(answer.usage.promptTokens, 35);
    assert.equal(answer.usage.reusedPromptTokens, 30);
    const sent = server.bodies.find((request) => request.path === "/infill")!.body;
    assert.equal(sent.input_prefix, "a = ");
    assert.equal(sent.input_suffix, "\n");
    // llama-server keeps their order: the most useful last, nearest the code.
    assert.deepEqual(sent.input_extra, [
      { filename: "src/c.py", text: "C = 3\n" },
      { filename: "src/b.py", text: "B = 2\n" },
    ]);
  });

  it("falls back to /v1/completions with a suffix when there is no /infill, and remembers that", async () => {
    assert.equal((await backend.infill("qwen2.5-coder", { prefix: "a = ", suffix: "\n", path: "src/a.py", context: [{ path: "src/b.py", text: "B = 2" }] })).text, "Hi there!");
    await backend.infill("qwen2.5-coder", { prefix: "b = ", suffix: "\n" });
    assert.deepEqual(server.bodies.map((request) => request.path), ["/infill", "/v1/completions", "/v1/completions"]);
    assert.equal(server.bodies[1].body.suffix, "\n");
    assert.equal(server.bodies[1].body.prompt, "# src/b.py\nB = 2\n\n# src/a.py\na = ", "other files ahead of the prefix as commented headers");
  });

  it("writes the whole prompt in the family's format for /v1/completions when a template is named", async () => {
    await backend.infill("qwen2.5-coder", { prefix: "a = ", suffix: "\nb = 1\n", template: "deepseek-coder" });
    const sent = server.bodies.find((request) => request.path === "/v1/completions")!.body;
    assert.equal(sent.prompt, "<｜fim▁begin｜>a = <｜fim▁hole｜>\nb = 1\n<｜fim▁end｜>");
    assert.equal(sent.suffix, undefined);
    assert.ok((sent.stop as string[]).includes("<｜fim▁begin｜>"));
  });

  it("a completion is a background request: no generating state, no usage event, no error state", async () => {
    const states: string[] = [];
    const usages: unknown[] = [];
    backend.onDidChangeState((state) => states.push(state.kind));
    backend.onDidFinishRequest((usage) => usages.push(usage));
    await backend.infill("qwen2.5-coder", { prefix: "a = ", suffix: "" });
    const error = await backendFailure(backend.infill("gpt-9", { prefix: "a = ", suffix: "" }));
    assert.deepEqual(states, []);
    assert.deepEqual(usages, []);
    assert.equal(backend.state.kind, "idle");
    assert.equal(error.code, "modelNotFound");
    assert.equal(error.setting, "hearth.models.completion", "a completion's error names the completion model's setting");
    assert.match(error.message, /The model is set in hearth\.models\.completion\.$/);
  });

  it("asks a new base URL again whether it has /infill", async () => {
    await backend.infill("qwen2.5-coder", { prefix: "a", suffix: "" });
    const llamaServer = await startFakeOpenAiServer({ models: ["qwen2.5-coder"], infill: true });
    try {
      baseUrl = `${llamaServer.url}/v1`;
      await backend.infill("qwen2.5-coder", { prefix: "a", suffix: "" });
      assert.deepEqual(llamaServer.bodies.map((request) => request.path), ["/infill"]);
    } finally {
      await llamaServer.close();
    }
  });

  it("a first completion cancelled before the server answered does not decide which FIM endpoint it has", async () => {
    const controller = new AbortController();
    controller.abort();
    assert.equal((await backend.infill("qwen2.5-coder", { prefix: "a", suffix: "" }, {}, controller.signal)).stopReason, "cancelled");
    assert.equal((await backend.infill("qwen2.5-coder", { prefix: "a", suffix: "" })).text, "Hi there!");
  });

  it("a request cancelled before the server answered ends as cancelled, not as an error", async () => {
    const controller = new AbortController();
    controller.abort();
    const answer = await backend.chat("qwen2.5-coder", hello, {}, controller.signal);
    assert.equal(answer.stopReason, "cancelled");
    assert.equal(backend.state.kind, "idle");
  });

  it("embeds in input order and lists models", async () => {
    assert.deepEqual(await backend.embed("qwen2.5-coder", ["a", "bbb"]), [[1, 1], [3, 1]]);
    assert.deepEqual(await backend.listModels(), [{ name: "qwen2.5-coder" }]);
  });

  it("keeps the partial answer when the stream is cut in the middle", async () => {
    server.options.failure = { after: 2, kind: "cut" };
    const error = await backendFailure(backend.chat("qwen2.5-coder", hello));
    assert.equal(error.code, "streamCut");
    assert.equal(error.partialText, "Hi there");
  });

  it("says so when the server answers garbage mid-stream, keeping the partial answer", async () => {
    server.options.failure = { after: 1, kind: "garbage" };
    const error = await backendFailure(backend.chat("qwen2.5-coder", hello));
    assert.equal(error.code, "badResponse");
    assert.match(error.message, /not JSON: <html>502 Bad Gateway/);
    assert.equal(error.partialText, "Hi");
  });

  it("names an unknown model", async () => {
    const error = await backendFailure(backend.chat("gpt-9", hello));
    assert.equal(error.code, "modelNotFound");
    assert.match(error.message, /404 for \/v1\/chat\/completions \(model gpt-9\): The model `gpt-9` does not exist\./);
  });

  it("says no server answered when the connection is refused", async () => {
    const url = await closedPortUrl();
    const down = new OpenAiBackend(() => ({ baseUrl: `${url}/v1`, apiKey: () => Promise.resolve(undefined) }));
    const error = await backendFailure(down.chat("qwen2.5-coder", hello));
    assert.equal(error.code, "serverUnreachable");
    assert.equal(error.message, `No OpenAI-compatible server answered at ${url}/v1 (connection refused). Start the server, or correct hearth.openai.baseUrl.`);
  });

  it("stops when cancelled: no chunk arrives after the abort", async () => {
    const controller = new AbortController();
    server.options.words = Array.from({ length: 500 }, () => " x");
    const chunks: string[] = [];
    const answer = await backend.chat("qwen2.5-coder", hello, { onChunk: (chunk) => (chunks.push(chunk), controller.abort()) }, controller.signal);
    assert.equal(answer.stopReason, "cancelled");
    assert.deepEqual(chunks, [" x"]);
    assert.equal(answer.text, " x");
  });

  it("takes the context window from llama-server's /props at the server's root, once per base URL", async () => {
    server.options.nCtx = 8192;
    apiKey = "sk-local-123";
    assert.equal(await backend.contextWindow("qwen2.5-coder"), 8192);
    server.options.nCtx = 4096;
    assert.equal(await backend.contextWindow("qwen2.5-coder"), 8192, "cached");
    const props = server.bodies.filter((request) => request.path === "/props");
    assert.equal(props.length, 1);
    assert.equal(props[0].authorization, "Bearer sk-local-123", "the key goes to the server it is set for");
  });

  it("has no context window for a server without /props (404), and does not ask it again", async () => {
    assert.equal(await backend.contextWindow("qwen2.5-coder"), undefined);
    assert.equal(await backend.contextWindow("qwen2.5-coder"), undefined);
    assert.equal(server.bodies.filter((request) => request.path === "/props").length, 1);
  });

  it("has no context window, and throws nothing, when the server is down or refuses; it asks again later", async () => {
    const url = await closedPortUrl();
    const down = new OpenAiBackend(() => ({ baseUrl: `${url}/v1`, apiKey: () => Promise.resolve(undefined) }));
    assert.equal(await down.contextWindow("qwen2.5-coder"), undefined);
    server.options.apiKey = "sk-needed";
    server.options.nCtx = 2048;
    assert.equal(await backend.contextWindow("qwen2.5-coder"), undefined, "401");
    apiKey = "sk-needed";
    assert.equal(await backend.contextWindow("qwen2.5-coder"), 2048);
  });
});

