// Token counting and the context window of the llama.cpp backend, through the real worker
// process (dist/llamaWorker.js) and the tiny model, checked against node-llama-cpp used directly.
import * as assert from "node:assert/strict";
import * as path from "node:path";
import type { BackendState, Usage } from "../../src/engine/backend";
import { LlamaCppBackend } from "../../src/engine/llamaCpp/llamaCppBackend";
import { LlamaWorkerClient } from "../../src/engine/llamaCpp/llamaWorkerClient";
import type { LlamaRunSettings } from "../../src/engine/llamaCpp/workerProtocol";
import { backendFailure } from "../support/backendAssertions";
import { fixturesDirectory, repositoryRoot, tinyModel } from "../support/fixtures";
import { useModelInProcess } from "../support/modelInProcess";

const TINY = "llama-2-tiny-random.gguf";
const CONTEXT_SIZE = 512;

function makeBackend() {
  const run: LlamaRunSettings = { gpuLayers: "auto", contextSize: CONTEXT_SIZE, parallelConversations: 2, threads: 1, batchSize: 0, flashAttention: "auto", chatFormat: "auto" };
  const client = new LlamaWorkerClient({ workerScript: path.join(repositoryRoot, "dist", "llamaWorker.js"), keepAliveMs: () => 60_000, log: () => undefined });
  const backend = new LlamaCppBackend(client, () => ({ modelsDirectory: fixturesDirectory, run }));
  const states: BackendState[] = [];
  const usages: Usage[] = [];
  backend.onDidChangeState((state) => states.push(state));
  backend.onDidFinishRequest((usage) => usages.push(usage));
  // The request types the backend sent to the worker.
  const sent: string[] = [];
  const request = client.request.bind(client);
  client.request = (body, options) => (sent.push(body.type), request(body, options));
  return { backend, client, states, usages, sent };
}

const TEXTS = [
  "Hello, world!",
  "",
  "  two leading spaces, and a trailing newline\n",
  "function add(a, b) {\n  return a + b;\n}\n",
  "<s>[INST] text that looks like special tokens [/INST]</s> <|im_start|>user",
  "ünïcödé, 日本語, emoji 🚀🔥",
  "const x = 1;\n".repeat(300),
];

describe("llama.cpp token counting and context window (worker process)", function () {
  this.timeout(60_000);
  const inProcess = useModelInProcess(tinyModel);
  const model = () => inProcess.model;

  it("counts many texts in one request, each as the model's tokenizer does (no BOS), without generating", async () => {
    const { backend, states, usages, sent } = makeBackend();
    try {
      const counts = await backend.countTokens(TINY, TEXTS);
      assert.deepEqual(counts, TEXTS.map((text) => model().tokenize(text).length));
      assert.equal(counts[1], 0, "an empty string counts 0");
      assert.ok(counts[6] > 1000, "the long text is counted whole");
      assert.notEqual(model().tokenize(TEXTS[0])[0], model().tokens.bos, "no BOS is counted");
      assert.deepEqual(sent, ["tokenize"], "one request to the worker, which loaded the model for it");
      assert.deepEqual(usages, [], "counting is not a generation: no usage event");
      assert.ok(!states.some((state) => state.kind === "generating"), `states: ${states.map((state) => state.kind).join(", ")}`);
      assert.ok(states.some((state) => state.kind === "loading"), "the load shows as loading");
      const state = backend.state;
      assert.equal(state.kind, "idle");
      assert.deepEqual(state.kind === "idle" && state.loaded.map((loaded) => path.basename(loaded.name)), [TINY], "the model stays loaded");
      assert.deepEqual(await backend.countTokens(TINY, []), [], "nothing to count: no request");
      assert.deepEqual(sent, ["tokenize"]);
    } finally {
      backend.dispose();
    }
  });

  it("a missing model file fails as chat does, and no model selected names hearth.models.chat", async () => {
    const { backend } = makeBackend();
    try {
      const missing = path.join(fixturesDirectory, "gone.gguf");
      const counting = await backendFailure(backend.countTokens(missing, ["a"]));
      const chatting = await backendFailure(backend.chat(missing, [{ role: "user", content: "a" }]));
      assert.equal(counting.code, "modelMissing");
      assert.equal(counting.message, chatting.message);
      assert.match(counting.message, /The model file .*gone\.gguf does not exist/);
      assert.deepEqual(backend.state, { kind: "error", message: counting.message });
      const unselected = await backendFailure(backend.countTokens("", ["a"]));
      assert.equal(unselected.setting, "hearth.models.chat");
      assert.match(unselected.message, /No model is selected \(hearth\.models\.chat\)/);
    } finally {
      backend.dispose();
    }
  });

  it("is cancellable: before it is sent (no worker started), and while it counts", async () => {
    const { backend, client } = makeBackend();
    try {
      const aborted = new AbortController();
      aborted.abort();
      assert.equal((await backendFailure(backend.countTokens(TINY, ["a"], aborted.signal))).code, "cancelled");
      assert.equal(client.running, false, "no worker was started for it");
      await backend.countTokens(TINY, ["load the model first"]);
      const controller = new AbortController();
      const counting = backend.countTokens(TINY, Array.from({ length: 40 }, (_, index) => `line ${index} of a long file\n`.repeat(4000)), controller.signal);
      controller.abort();
      assert.equal((await backendFailure(counting)).code, "cancelled");
      assert.equal(backend.state.kind, "idle", "a cancelled count is no error");
      assert.deepEqual(await backend.countTokens(TINY, ["still works"]), [model().tokenize("still works").length]);
    } finally {
      backend.dispose();
    }
  });

  it("gives one chat sequence's size less one as the context window; the load reports the per-sequence size", async () => {
    const { backend, states, usages } = makeBackend();
    try {
      assert.equal(await backend.contextWindow(TINY), CONTEXT_SIZE - 1);
      assert.equal((await backend.load(TINY)).contextSize, CONTEXT_SIZE);
      assert.ok(!states.slice(0, states.findIndex((state) => state.kind === "idle") + 1).some((state) => state.kind === "generating"));
      assert.deepEqual(usages, []);
    } finally {
      backend.dispose();
    }
  });

  it("node-llama-cpp's contextSize is per sequence: each of a 2-sequence context holds contextSize - 1 tokens at once", async () => {
    const context = await model().createContext({ contextSize: CONTEXT_SIZE, sequences: 2, threads: 1 });
    try {
      assert.equal(context.contextSize, CONTEXT_SIZE);
      const tokens = model().tokenize("the quick brown fox jumps over the lazy dog ".repeat(100)).slice(0, CONTEXT_SIZE - 1);
      assert.equal(tokens.length, CONTEXT_SIZE - 1);
      const [chat, completion] = [context.getSequence(), context.getSequence()];
      await chat.evaluateWithoutGeneratingNewTokens(tokens);
      await completion.evaluateWithoutGeneratingNewTokens(tokens);
      // Had the two shared 512 cells, the second would have pushed tokens out (or failed).
      assert.equal(chat.nextTokenIndex, CONTEXT_SIZE - 1);
      assert.equal(completion.nextTokenIndex, CONTEXT_SIZE - 1);
      assert.deepEqual(chat.contextTokens, tokens);
      // One more token no longer fits: node-llama-cpp shifts the context to make room.
      await chat.evaluateWithoutGeneratingNewTokens(tokens.slice(0, 1));
      assert.ok(chat.nextTokenIndex < CONTEXT_SIZE - 1, `after one more token: ${chat.nextTokenIndex}`);
    } finally {
      await context.dispose();
    }
  });
});
