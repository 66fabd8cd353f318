// The Ollama backend against a loopback server that follows Ollama's API document.
import * as assert from "node:assert/strict";
import { OllamaBackend, type PullProgress } from "../../src/engine/ollama/ollamaBackend";
import { startFakeOllama, type FakeOllama } from "../support/fakeOllama";
import { backendFailure } from "../support/backendAssertions";
import { closedPortUrl, startLoopbackServer } from "../support/loopbackServer";

const hello = [{ role: "user" as const, content: "Hello" }];


describe("Ollama backend", () => {
  let ollama: FakeOllama;
  let backend: OllamaBackend;
  let keepAlive = "";

  beforeEach(async () => {
    ollama = await startFakeOllama({ models: ["qwen2.5-coder:1.5b", "llama3.2:latest"] });
    keepAlive = "";
    backend = new OllamaBackend(() => ({ host: ollama.url, keepAlive }));
  });
  afterEach(async () => {
    backend.dispose();
    await ollama.close();
  });

  it("streams a chat answer line by line, with Ollama's token counts", async () => {
    const chunks: string[] = [];
    const answer = await backend.chat("llama3.2", hello, { onChunk: (chunk) => chunks.push(chunk), temperature: 0.2 });
    assert.deepEqual(chunks, ["Hello", " from", " Ollama", "."]);
    assert.equal(answer.text, "Hello from Ollama.");
    assert.equal(answer.stopReason, "endOfText");
    assert.equal(answer.usage.promptTokens, 12);
    assert.equal(answer.usage.completionTokens, 4);
    const sent = ollama.bodies.find((request) => request.path === "/api/chat")!.body;
    assert.equal(sent.stream, true);
    assert.deepEqual(sent.options, { temperature: 0.2 });
    assert.equal(sent.keep_alive, undefined);
  });

  it("passes keep_alive and the token limit through", async () => {
    keepAlive = "30m";
    const answer = await backend.chat("llama3.2", hello, { maxTokens: 2 });
    assert.equal(answer.stopReason, "maxTokens");
    const sent = ollama.bodies.find((request) => request.path === "/api/chat")!.body;
    assert.equal(sent.keep_alive, "30m");
    assert.deepEqual(sent.options, { num_predict: 2 });
  });

  it("sends a numeric keep_alive as a number of seconds, which Ollama requires", async () => {
    keepAlive = "-1";
    await backend.chat("llama3.2", hello);
    assert.equal(ollama.bodies.find((request) => request.path === "/api/chat")!.body.keep_alive, -1);
  });

  it("tells a server that is not Ollama (a 404 page) from a missing model", async () => {
    const other = await startLoopbackServer((_request, response) => response.writeHead(404, { "Content-Type": "text/plain" }).end("404 page not found"));
    const wrong = new OllamaBackend(() => ({ host: other.url, keepAlive: "" }));
    try {
      const error = await backendFailure(wrong.listModels());
      assert.match(error.message, /answered 404 .*is hearth\.ollama\.host the address of an Ollama server\?/);
    } finally {
      await other.close();
    }
  });

  it("a cancelled non-streaming call rejects as aborted, not as a server failure", async () => {
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(backend.embed("llama3.2", ["a"], controller.signal), { name: "AbortError" });
    assert.equal(backend.state.kind, "idle");
  });

  it("fills in the middle through /api/generate with a suffix, other files ahead of the prefix as commented headers", async () => {
    const answer = await backend.infill("qwen2.5-coder:1.5b", {
      prefix: "def add(a, b):\n    return ",
      suffix: "\n",
      path: "app/main.py",
      context: [
        { path: "app/utils.py", text: "def helper():\n    pass\n" },
        { path: "web/page.ts", text: "export const page = 1;" },
      ],
    });
    assert.equal(answer.text, "Hello from Ollama.");
    const sent = ollama.bodies.find((request) => request.path === "/api/generate")!.body;
    // The most useful file last, nearest the code.
    assert.equal(sent.prompt, "// web/page.ts\nexport const page = 1;\n\n# app/utils.py\ndef helper():\n    pass\n\n# app/main.py\ndef add(a, b):\n    return ");
    assert.equal(sent.suffix, "\n");
    assert.equal(sent.raw, undefined);
  });

  it("writes the whole prompt in a family's format, in raw mode, when a template is named", async () => {
    await backend.infill("qwen2.5-coder:1.5b", {
      prefix: "def add(a, b):\n    return ",
      suffix: "\n",
      path: "app/main.py",
      context: [{ path: "app/utils.py", text: "def helper():\n    pass\n" }],
      template: "qwen2.5-coder",
    });
    const sent = ollama.bodies.find((request) => request.path === "/api/generate")!.body;
    assert.equal(sent.raw, true);
    assert.equal(sent.suffix, undefined);
    assert.equal(
      sent.prompt,
      "<|repo_name|>workspace\n<|file_sep|>app/utils.py\ndef helper():\n    pass\n<|file_sep|>app/main.py\n<|fim_prefix|>def add(a, b):\n    return <|fim_suffix|>\n<|fim_middle|>",
    );
    assert.ok((sent.options as { stop: string[] }).stop.includes("<|file_sep|>"));
  });

  it("says a model that cannot fill in the middle cannot complete code, and which setting to change", async () => {
    ollama.options.noInsert = ["llama3.2:latest"];
    const error = await backendFailure(backend.infill("llama3.2", { prefix: "def add(a, b):\n    return ", suffix: "\n" }));
    assert.equal(error.code, "infillUnsupported");
    assert.equal(error.setting, "hearth.models.completion");
    assert.match(error.message, /^llama3\.2 cannot complete code \(it has no fill-in-the-middle support\); choose a code model that can for hearth\.models\.completion, such as qwen2\.5-coder/);
    assert.deepEqual((await backend.show("llama3.2")).capabilities, ["completion", "tools"], "the fake says so in show too");
  });

  it("a completion is a background request: no generating state, no usage event, no error state", async () => {
    const states: string[] = [];
    const usages: unknown[] = [];
    backend.onDidChangeState((state) => states.push(state.kind));
    backend.onDidFinishRequest((usage) => usages.push(usage));
    await backend.infill("qwen2.5-coder:1.5b", { prefix: "a = ", suffix: "" });
    await backendFailure(backend.infill("mistral", { prefix: "a = ", suffix: "" }));
    assert.deepEqual(states, []);
    assert.deepEqual(usages, []);
    assert.equal(backend.state.kind, "idle");
  });

  it("names hearth.models.completion when a completion's model is missing", async () => {
    const error = await backendFailure(backend.infill("mistral", { prefix: "a = ", suffix: "" }));
    assert.equal(error.code, "modelNotFound");
    assert.equal(error.setting, "hearth.models.completion");
    assert.match(error.message, /select another model in hearth\.models\.completion\.$/);
  });

  it("embeds, lists, shows what is loaded, and shows a model", async () => {
    assert.deepEqual(await backend.embed("llama3.2", ["ab", "abcd"]), [[2, 0.5, -0.25], [4, 0.5, -0.25]]);
    assert.deepEqual((await backend.listModels()).map((model) => [model.name, model.details]), [
      ["qwen2.5-coder:1.5b", "1.5B Q4_K_M"],
      ["llama3.2:latest", "1.5B Q4_K_M"],
    ]);
    assert.deepEqual(await backend.runningModels(), [{ name: "qwen2.5-coder:1.5b" }]);
    assert.deepEqual((await backend.show("llama3.2")).capabilities, ["completion", "tools", "insert"]);
  });

  it("pulls a model, reporting each progress status, and deletes it", async () => {
    const progress: PullProgress[] = [];
    await backend.pull("codellama:7b", (step) => progress.push(step));
    assert.deepEqual(progress.map((step) => step.status), [
      "pulling manifest",
      "pulling 8eeb52dfb3bb",
      "pulling 8eeb52dfb3bb",
      "pulling 8eeb52dfb3bb",
      "verifying sha256 digest",
      "writing manifest",
      "success",
    ]);
    assert.equal(progress[2].completed, 500);
    assert.equal(progress[2].total, 1000);
    assert.ok(ollama.options.models.includes("codellama:7b"));
    await backend.delete("codellama:7b");
    assert.ok(!ollama.options.models.includes("codellama:7b"));
    const error = await backendFailure(backend.delete("codellama:7b"));
    assert.equal(error.code, "modelNotFound");
  });

  it("says how to pull a model Ollama does not have (404)", async () => {
    const error = await backendFailure(backend.chat("mistral", hello));
    assert.equal(error.code, "modelNotFound");
    assert.equal(error.message, "Ollama has no model named mistral. Pull it with `ollama pull mistral`, or select another model in hearth.models.chat.");
    assert.equal(error.setting, "hearth.models.chat");
  });

  it("says Ollama isn't running, and how to start it, when the connection is refused", async () => {
    const url = await closedPortUrl();
    const down = new OllamaBackend(() => ({ host: url, keepAlive: "" }));
    const error = await backendFailure(down.chat("llama3.2", hello));
    assert.equal(error.code, "serverUnreachable");
    assert.equal(error.message, `Ollama isn't running at ${url} (connection refused); start it with \`ollama serve\`, or set hearth.ollama.host to where it runs.`);
    assert.equal(error.setting, "hearth.ollama.host");
  });

  it("keeps the partial answer when Ollama cuts the stream", async () => {
    ollama.options.failure = { after: 2, kind: "cut" };
    const error = await backendFailure(backend.chat("llama3.2", hello));
    assert.equal(error.code, "streamCut");
    assert.equal(error.partialText, "Hello from");
    assert.match(error.message, /closed the connection in the middle of the answer/);
  });

  it("reports an {\"error\": …} line inside a streamed answer, keeping the partial answer", async () => {
    ollama.options.failure = { after: 1, kind: "errorLine" };
    const error = await backendFailure(backend.chat("llama3.2", hello));
    assert.equal(error.code, "badResponse");
    assert.match(error.message, /CUDA error: out of memory/);
    assert.equal(error.partialText, "Hello");
  });

  it("skips a line that is not JSON and goes on", async () => {
    ollama.options.failure = { after: 1, kind: "garbageLine" };
    const warn = console.warn;
    console.warn = () => undefined; // the ollama client warns about the skipped line
    try {
      assert.equal((await backend.chat("llama3.2", hello)).text, "Hello from Ollama.");
    } finally {
      console.warn = warn;
    }
  });

  it("hands out no chunk after an abort, even of lines already received", async () => {
    ollama.options.words = Array.from({ length: 200 }, (_, index) => ` w${index}`);
    const controller = new AbortController();
    const chunks: string[] = [];
    const answer = await backend.chat("llama3.2", hello, { onChunk: (chunk) => (chunks.push(chunk), controller.abort()) }, controller.signal);
    assert.deepEqual(chunks, [" w0"]);
    assert.equal(answer.stopReason, "cancelled");
  });

  it("cancelling one request stops that request only", async () => {
    ollama.options.words = Array.from({ length: 40 }, (_, index) => ` w${index}`);
    ollama.options.lineDelayMs = 20;
    const controller = new AbortController();
    const chunks: string[] = [];
    const cancelled = backend.chat("llama3.2", hello, { onChunk: (chunk) => (chunks.push(chunk), chunks.length === 2 && controller.abort()) }, controller.signal);
    const other = backend.chat("llama3.2", hello);
    const [first, second] = await Promise.all([cancelled, other]);
    assert.equal(first.stopReason, "cancelled");
    assert.equal(first.text, " w0 w1");
    assert.equal(second.stopReason, "endOfText");
    assert.equal(second.text.split(" ").length - 1, 40);
  });

  it("gives the Modelfile's num_ctx as the context window, else Ollama's default, within the model's trained length", async () => {
    assert.equal(await backend.contextWindow("llama3.2"), 4096, "no num_ctx: Ollama's default");
    ollama.options.numCtx = 8192;
    assert.equal(await backend.contextWindow("llama3.2"), 8192);
    ollama.options.numCtx = 131072;
    assert.equal(await backend.contextWindow("llama3.2"), 32768, "capped by qwen2.context_length");
    ollama.options.numCtx = undefined;
    ollama.options.contextLength = 2048;
    assert.equal(await backend.contextWindow("llama3.2"), 2048, "a model trained on less than the default");
  });

  it("has no context window, and throws nothing, for a model Ollama lacks or a server that is down", async () => {
    assert.equal(await backend.contextWindow("mistral"), undefined);
    const url = await closedPortUrl();
    const down = new OllamaBackend(() => ({ host: url, keepAlive: "" }));
    assert.equal(await down.contextWindow("llama3.2"), undefined);
    assert.equal(down.state.kind, "idle", "asking is no request that fails");
  });
});

