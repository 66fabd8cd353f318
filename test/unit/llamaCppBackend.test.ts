// The llama.cpp backend through its real worker process (dist/llamaWorker.js) and the tiny models.
import * as assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import type { ChatMessage, Generation } from "../../src/engine/backend";
import type { BackendError } from "../../src/engine/backendError";
import { LlamaCppBackend } from "../../src/engine/llamaCpp/llamaCppBackend";
import { LlamaWorkerClient } from "../../src/engine/llamaCpp/llamaWorkerClient";
import type { LlamaRunSettings } from "../../src/engine/llamaCpp/workerProtocol";
import { backendFailure } from "../support/backendAssertions";
import { fixturesDirectory, repositoryRoot } from "../support/fixtures";
import { temporaryDirectory } from "../support/temporaryDirectory";

const workerScript = path.join(repositoryRoot, "dist", "llamaWorker.js");
const TINY = "llama-2-tiny-random.gguf";
const FIM = "llama-2-tiny-random-fim.gguf";

function makeBackend(overrides: Partial<LlamaRunSettings> = {}, keepAliveMs = 60_000, modelsDirectory = fixturesDirectory) {
  const log: string[] = [];
  const run: LlamaRunSettings = { gpuLayers: "auto", contextSize: 2048, parallelConversations: 2, threads: 1, batchSize: 0, flashAttention: "auto", chatFormat: "auto", ...overrides };
  const settings = { modelsDirectory, run };
  const client = new LlamaWorkerClient({ workerScript, keepAliveMs: () => keepAliveMs, log: (level, message) => log.push(`${level}: ${message}`) });
  const backend = new LlamaCppBackend(client, () => settings);
  return { backend, client, log, settings };
}

async function rejectsWith(promise: Promise<unknown>, code: string, message: RegExp): Promise<BackendError> {
  const error = await backendFailure(promise);
  assert.equal(error.code, code, error.message);
  assert.match(error.message, message);
  return error;
}

const hello: ChatMessage[] = [{ role: "user", content: "Hello, who are you?" }];

describe("llama.cpp backend (worker process)", function () {
  this.timeout(60_000);
  before(async () => {
    await fs.access(workerScript).catch(() => assert.fail(`${workerScript} is missing: run \`node esbuild.js\` first (npm test does).`));
  });

  describe("with one worker", () => {
    const { backend, client } = makeBackend();
    const loads: string[] = [];
    client.onLoading(({ modelPath, progress }) => progress === 0 && loads.push(path.basename(modelPath)));
    after(() => backend.dispose());

    it("streams a chat answer in chunks and reports its usage", async () => {
      const chunks: string[] = [];
      const answer = await backend.chat(TINY, hello, { maxTokens: 24, onChunk: (chunk) => chunks.push(chunk) });
      assert.equal(answer.usage.reusedPromptTokens, 0, "a fresh worker has nothing cached");
      assert.ok(chunks.length > 1, "several chunks");
      assert.equal(chunks.join(""), answer.text);
      assert.ok(answer.usage.promptTokens > 5);
      assert.ok(answer.usage.completionTokens > 1);
      assert.ok(answer.usage.timeToFirstTokenMs > 0);
      assert.ok(answer.usage.tokensPerSecond > 0);
      assert.ok(client.running, "the worker stays up between requests");
    });

    it("uses the model's own chat template, and a chosen chat format when set", async () => {
      const chatMl = await backend.chat(FIM, hello, { maxTokens: 4 });
      assert.ok(chatMl.text.length > 0);
      const { backend: llama3 } = makeBackend({ chatFormat: "llama3.1" });
      try {
        const other = await llama3.chat(FIM, hello, { maxTokens: 4 });
        assert.notEqual(other.usage.promptTokens, chatMl.usage.promptTokens, "the prompt was laid out another way");
      } finally {
        llama3.dispose();
      }
    });

    it("serves the earlier turns of a conversation from the KV cache", async () => {
      const code = await fs.readFile(path.join(repositoryRoot, "src", "config", "settings.ts"), "utf8");
      const turn1: ChatMessage[] = [{ role: "user", content: `Explain this code:\n${code.slice(0, 1500)}` }];
      const first = await backend.chat(FIM, turn1, { maxTokens: 8 });
      assert.ok(first.usage.promptTokens > 300);
      const turn2: ChatMessage[] = [...turn1, { role: "assistant", content: "It validates settings." }, { role: "user", content: "Tell me more." }];
      const second = await backend.chat(FIM, turn2, { maxTokens: 8 });
      const share = second.usage.reusedPromptTokens / second.usage.promptTokens;
      assert.ok(share > 0.9, `reused ${second.usage.reusedPromptTokens} of ${second.usage.promptTokens} prompt tokens`);
    });

    it("stops generating when cancelled, keeping what was written", async () => {
      const controller = new AbortController();
      const chunks: string[] = [];
      const answer = await backend.chat(TINY, hello, {
        maxTokens: 1500,
        onChunk: (chunk) => {
          chunks.push(chunk);
          if (chunks.length === 3) controller.abort();
        },
      }, controller.signal);
      assert.equal(answer.stopReason, "cancelled");
      assert.ok(answer.usage.completionTokens < 200, `stopped after ${answer.usage.completionTokens} tokens`);
      assert.ok(answer.text.startsWith(chunks.slice(0, 3).join("")));
      assert.equal((await backend.chat(TINY, hello, { maxTokens: 4 })).stopReason !== undefined, true, "the next request works");
    });

    it("fills in the middle with a FIM model, reusing the cache for a prefix that grew", async () => {
      const prefix = "// Adds two numbers.\nfunction add(a, b) {\n  const sum = a + b;\n  return ";
      const first = await backend.infill(FIM, { prefix, suffix: ";\n}\n" }, { maxTokens: 8 });
      assert.ok(first.text.length > 0);
      const second = await backend.infill(FIM, { prefix: `${prefix}s`, suffix: ";\n}\n" }, { maxTokens: 8 });
      assert.ok(second.usage.reusedPromptTokens > 10, `reused ${second.usage.reusedPromptTokens} of ${second.usage.promptTokens}`);
    });

    it("says a model without FIM tokens cannot complete code", async () => {
      const error = await rejectsWith(backend.infill(TINY, { prefix: "a", suffix: "b" }), "infillUnsupported", /cannot complete code \(it has no fill-in-the-middle tokens; it is a chat model\)/);
      assert.equal(error.setting, "hearth.models.completion");
    });

    it("embeds texts", async () => {
      const vectors = await backend.embed(TINY, ["hello", "world"]);
      assert.equal(vectors.length, 2);
      assert.equal(vectors[0].length, 8);
      assert.notDeepEqual(vectors[0], vectors[1]);
    });

    it("knows which models a chat loaded, and loads a file once when chat and completion use it", () => {
      assert.deepEqual(loads.filter((name) => name === FIM), [FIM], "the FIM model served chat and infill from one load");
      const state = backend.state;
      assert.equal(state.kind, "idle");
      assert.deepEqual(
        state.kind === "idle" && state.loaded.map((model) => [path.basename(model.name), model.gpuLayers]).sort(),
        [[FIM, 0], [TINY, 0]],
      );
    });

    it("loads a model and reports the layers really offloaded and the context size", async () => {
      const loaded = await backend.load(TINY);
      assert.equal(loaded.gpuLayers, 0);
      assert.equal(loaded.contextSize, 2048);
      assert.equal(backend.state.kind, "idle");
    });

    it("lists the models folder's GGUF files", async () => {
      assert.deepEqual((await backend.listModels()).map((model) => model.name), [FIM, TINY]);
    });
  });

  describe("bad input", () => {
    let scratch: Awaited<ReturnType<typeof temporaryDirectory>>;
    const { backend } = makeBackend();
    before(async () => {
      scratch = await temporaryDirectory();
      await fs.writeFile(path.join(scratch.path, "page.gguf"), "<!doctype html><title>404</title>");
      const whole = await fs.readFile(path.join(fixturesDirectory, TINY));
      await fs.writeFile(path.join(scratch.path, "cut.gguf"), whole.subarray(0, 1_000_000));
    });
    after(async () => {
      backend.dispose();
      await scratch.remove();
    });
    afterEach(async () => {
      // Whatever went wrong, the worker still answers.
      assert.ok((await backend.chat(TINY, hello, { maxTokens: 2 })).usage.completionTokens >= 1);
    });

    it("a missing model file is named", async () => {
      const missing = path.join(scratch.path, "gone.gguf");
      await rejectsWith(backend.chat(missing, hello), "modelMissing", new RegExp(`The model file ${missing} does not exist`));
    });

    it("a file that is not GGUF is named", async () => {
      await rejectsWith(backend.chat(path.join(scratch.path, "page.gguf"), hello), "notGguf", /page\.gguf is not a GGUF model/);
    });

    it("a truncated GGUF file is called incomplete or damaged", async () => {
      await rejectsWith(backend.chat(path.join(scratch.path, "cut.gguf"), hello), "modelCorrupt", /cut\.gguf \(1 MB\).*may be incomplete/);
    });

    it("no model selected says how to select one", async () => {
      await rejectsWith(backend.chat("", hello), "modelMissing", /No model is selected \(hearth\.models\.chat\)/);
    });

    it("an unknown chat format lists the known ones", async () => {
      const { backend: other } = makeBackend({ chatFormat: "vicuna-ish" });
      try {
        await rejectsWith(other.chat(TINY, hello), "unknownChatFormat", /"vicuna-ish" is not a chat format.*chatML/);
      } finally {
        other.dispose();
      }
    });

    it("a context too large for memory says what to lower", async () => {
      // 30M tokens: beyond any memory here, and refused in about 2 s (larger sizes take node-llama-cpp far longer to refuse).
      const { backend: other } = makeBackend({ contextSize: 30_000_000 });
      try {
        await rejectsWith(other.chat(TINY, hello), "modelTooLarge", /needs more memory .* Lower hearth\.llamaCpp\.contextSize/);
      } finally {
        other.dispose();
      }
    });
  });

  it("survives the worker dying mid-answer: the partial answer is kept and the next request starts a new worker", async () => {
    const { backend, client } = makeBackend();
    try {
      await backend.load(TINY);
      const firstPid = client.pid!;
      const chunks: string[] = [];
      const error = await rejectsWith(
        backend.chat(TINY, hello, {
          maxTokens: 1500,
          onChunk: (chunk) => {
            chunks.push(chunk);
            if (chunks.length === 3) process.kill(firstPid, "SIGKILL");
          },
        }),
        "workerCrashed",
        /stopped unexpectedly \(killed by SIGKILL\).*What it had written so far is kept/,
      );
      assert.ok(error.partialText.startsWith(chunks.slice(0, 3).join("")) && error.partialText.length > 0);
      const next: Generation = await backend.chat(TINY, hello, { maxTokens: 4 });
      assert.ok(next.usage.completionTokens >= 1);
      assert.notEqual(client.pid, firstPid);
    } finally {
      backend.dispose();
    }
  });

  it("unloads after keepAlive of idleness and loads again on the next request", async () => {
    const { backend, client } = makeBackend({}, 300);
    try {
      await backend.chat(TINY, hello, { maxTokens: 2 });
      assert.ok(client.running);
      await new Promise((resolve) => setTimeout(resolve, 800));
      assert.equal(client.running, false, "the worker was stopped");
      assert.deepEqual(backend.state, { kind: "idle", loaded: [] });
      assert.ok((await backend.chat(TINY, hello, { maxTokens: 2 })).usage.completionTokens >= 1);
    } finally {
      backend.dispose();
    }
  });

  it("says once per session, plainly, that asked-for GPU layers run on the CPU when there is no GPU", async () => {
    const { backend, client } = makeBackend({ gpuLayers: "max" }, 300);
    const notices: string[] = [];
    client.onNotice((notice) => notices.push(notice));
    try {
      const loaded = await backend.load(TINY);
      await backend.load(FIM);
      await new Promise((resolve) => setTimeout(resolve, 700));
      assert.equal(client.running, false, "the idle worker stopped");
      await backend.load(TINY); // a new worker, the same session
      assert.equal(loaded.gpuLayers, 0);
      assert.equal(notices.length, 1);
      assert.match(notices[0], /asks for max layers on the GPU, but llama\.cpp found no GPU .* runs on the CPU/);
    } finally {
      backend.dispose();
    }
  });

  it("finishes an answer under way when the settings change, then loads the model once with the new ones", async () => {
    const { backend, client, settings } = makeBackend();
    const loads: string[] = [];
    client.onLoading(({ modelPath, progress }) => progress === 0 && loads.push(path.basename(modelPath)));
    try {
      await backend.load(TINY);
      let changed: Promise<unknown[]> | undefined;
      const answer = await backend.chat(TINY, hello, {
        maxTokens: 400,
        onChunk: () => {
          if (changed) return;
          (settings as { run: LlamaRunSettings }).run = { ...settings.run, contextSize: 1024 };
          changed = Promise.all([backend.load(TINY), backend.load(TINY), backend.chat(TINY, hello, { maxTokens: 2 })]);
        },
      });
      assert.ok(answer.text.length > 0, "the answer under way was finished");
      const [first, second] = (await changed!) as Array<{ contextSize: number }>;
      assert.equal(first.contextSize, 1024);
      assert.equal(second.contextSize, 1024);
      assert.deepEqual(loads, [TINY, TINY], "loaded once at first, once for the new settings");
    } finally {
      backend.dispose();
    }
  });

  it("answers a request cancelled while it waited as cancelled, and the one before it finishes", async () => {
    const { backend } = makeBackend();
    try {
      await backend.load(TINY);
      const controller = new AbortController();
      const first = backend.chat(TINY, hello, { maxTokens: 200 });
      const second = backend.chat(TINY, hello, { maxTokens: 200 }, controller.signal);
      controller.abort();
      const [done, cancelled] = await Promise.all([first, second]);
      assert.equal(cancelled.stopReason, "cancelled");
      assert.equal(cancelled.text, "");
      assert.ok(done.text.length > 0);
      assert.equal(backend.state.kind, "idle");
    } finally {
      backend.dispose();
    }
  });

  it("answers a request whose signal was aborted before it was sent as cancelled, without generating", async () => {
    const { backend } = makeBackend();
    try {
      const controller = new AbortController();
      controller.abort();
      const answer = await backend.chat(TINY, hello, { maxTokens: 500 }, controller.signal);
      assert.equal(answer.stopReason, "cancelled");
      assert.equal(answer.usage.completionTokens, 0);
      // Nothing is loaded for it: a model that does not exist is not even looked at.
      const nothing = await backend.chat("/nonexistent/model.gguf", hello, {}, controller.signal);
      assert.equal(nothing.stopReason, "cancelled");
    } finally {
      backend.dispose();
    }
  });

  it("loads the model again when its settings change", async () => {
    const { backend, settings } = makeBackend();
    try {
      assert.equal((await backend.load(TINY)).contextSize, 2048);
      (settings as { run: LlamaRunSettings }).run = { ...settings.run, contextSize: 1024 };
      assert.equal((await backend.load(TINY)).contextSize, 1024);
    } finally {
      backend.dispose();
    }
  });
});
