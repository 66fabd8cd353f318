// Fill-in-the-middle through the real llama.cpp worker (dist/llamaWorker.js) with the tiny FIM
// fixture model: KV cache reuse while typing, the latest-wins lane, cancellation, the backend's
// state, and errors that name the completion model's setting.
import * as assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import type { BackendState, ContextSnippet, Generation, InfillRequest, Usage } from "../../src/engine/backend";
import { LlamaCppBackend } from "../../src/engine/llamaCpp/llamaCppBackend";
import { LlamaWorkerClient } from "../../src/engine/llamaCpp/llamaWorkerClient";
import type { LlamaRunSettings } from "../../src/engine/llamaCpp/workerProtocol";
import { backendFailure } from "../support/backendAssertions";
import { fixturesDirectory, repositoryRoot } from "../support/fixtures";

const workerScript = path.join(repositoryRoot, "dist", "llamaWorker.js");
const TINY = "llama-2-tiny-random.gguf";
const FIM = "llama-2-tiny-random-fim.gguf";
/** A real source file of more than 2,000 lines that no one edits while tests run. */
const SOURCE = path.join(repositoryRoot, "node_modules", "node-llama-cpp", "dist", "evaluator", "LlamaContext", "LlamaContext.js");

function makeBackend() {
  const run: LlamaRunSettings = { gpuLayers: "auto", contextSize: 2048, parallelConversations: 2, threads: 1, batchSize: 0, flashAttention: "auto", chatFormat: "auto" };
  const client = new LlamaWorkerClient({ workerScript, keepAliveMs: () => 60_000, log: () => undefined });
  return { backend: new LlamaCppBackend(client, () => ({ modelsDirectory: fixturesDirectory, run })), client };
}

/** Runs an infill that generates long, and resolves with it once its first chunk has arrived. */
function longInfill(backend: LlamaCppBackend, request: InfillRequest, signal?: AbortSignal) {
  let firstChunk: () => void = () => undefined;
  const started = new Promise<void>((resolve) => (firstChunk = resolve));
  const chunks: string[] = [];
  const generation = backend.infill(FIM, request, { maxTokens: 1500, onChunk: (chunk) => (chunks.push(chunk), firstChunk()) }, signal);
  return { generation, started, chunks };
}

describe("llama.cpp fill-in-the-middle (worker process)", function () {
  this.timeout(120_000);
  let lines: string[];
  before(async () => {
    await fs.access(workerScript).catch(() => assert.fail(`${workerScript} is missing: run \`node esbuild.js\` first (npm test does).`));
    lines = (await fs.readFile(SOURCE, "utf8")).split("\n").slice(0, 2000);
    assert.equal(lines.length, 2000);
  });

  it("evaluates at most 10 % of the prompt tokens it would without reuse while typing in a 2,000-line file", async () => {
    const { backend } = makeBackend();
    try {
      const cursorLine = 1000;
      const before = `${lines.slice(0, cursorLine).join("\n")}\n`;
      const after = `${lines.slice(cursorLine).join("\n")}\n`;
      const context: ContextSnippet[] = [
        { path: "dist/evaluator/TokenMeter.js", text: (await fs.readFile(path.join(path.dirname(SOURCE), "..", "TokenMeter.js"), "utf8")).slice(0, 2000) },
        { path: "dist/evaluator/LlamaCompletion.js", text: (await fs.readFile(path.join(path.dirname(SOURCE), "..", "LlamaCompletion.js"), "utf8")).slice(0, 3000) },
      ];
      const typed = "        const reused = sequence.nextTokenIndex;\n        if (reused > 0)\n            this._log(reused);\n";
      const usages: Usage[] = [];
      for (let length = 1; length <= typed.length; length += 1) {
        const generation = await backend.infill(FIM, { prefix: before + typed.slice(0, length), suffix: after, path: "dist/evaluator/LlamaContext/LlamaContext.js", context }, { maxTokens: 8 });
        assert.notEqual(generation.stopReason, "cancelled");
        usages.push(generation.usage);
      }
      const evaluated = (list: Usage[]) => list.reduce((sum, usage) => sum + usage.promptTokens - usage.reusedPromptTokens, 0);
      const prompts = (list: Usage[]) => list.reduce((sum, usage) => sum + usage.promptTokens, 0);
      const share = evaluated(usages) / prompts(usages);
      const afterFirst = evaluated(usages.slice(1)) / prompts(usages.slice(1));
      console.log(`      prompt_eval_share ${share.toFixed(4)} over ${usages.length} keystrokes, first included (${afterFirst.toFixed(4)} without it); prompts of ${usages[0].promptTokens}–${Math.max(...usages.map((usage) => usage.promptTokens))} tokens`);
      assert.ok(usages[0].promptTokens > 1500, `the budget is used: ${usages[0].promptTokens} tokens`);
      assert.equal(usages[0].reusedPromptTokens, 0, "a fresh sequence has nothing cached");
      assert.ok(share <= 0.1, `evaluated ${evaluated(usages)} of ${prompts(usages)} prompt tokens (${(share * 100).toFixed(1)} %)`);
    } finally {
      backend.dispose();
    }
  });

  it("hands no chunk to the caller after it cancels, and ends with the text it was handed", async () => {
    const { backend } = makeBackend();
    try {
      const controller = new AbortController();
      const chunks: string[] = [];
      let afterAbort = 0;
      const generation = await backend.infill(FIM, { prefix: lines.slice(0, 50).join("\n"), suffix: "\n}\n" }, {
        maxTokens: 1500,
        onChunk: (chunk) => {
          if (controller.signal.aborted) afterAbort++;
          chunks.push(chunk);
          if (chunks.length === 3) controller.abort();
        },
      }, controller.signal);
      assert.equal(afterAbort, 0);
      assert.equal(generation.stopReason, "cancelled");
      assert.equal(generation.text, chunks.join(""));
      assert.ok(generation.usage.completionTokens < 1500);
    } finally {
      backend.dispose();
    }
  });

  it("lets the latest infill win: a new one cancels the one under way at once, and one still waiting", async () => {
    const { backend } = makeBackend();
    try {
      const prefix = lines.slice(0, 200).join("\n");
      const first = longInfill(backend, { prefix, suffix: "\n" });
      await first.started;
      const startedAt = performance.now();
      const second = longInfill(backend, { prefix: `${prefix}\n`, suffix: "\n" });
      const third = backend.infill(FIM, { prefix: `${prefix}\n    `, suffix: "\n" }, { maxTokens: 4 });
      const stale: Generation = await first.generation;
      const staleAfterMs = performance.now() - startedAt;
      const [waiting, latest] = await Promise.all([second.generation, third]);
      assert.equal(stale.stopReason, "cancelled");
      assert.ok(staleAfterMs < 1000, `the stale infill ended ${staleAfterMs.toFixed(0)} ms after the new one came`);
      assert.ok(stale.usage.completionTokens < 1500);
      assert.equal(waiting.stopReason, "cancelled", "the one in between was cancelled by the latest");
      assert.notEqual(latest.stopReason, "cancelled");
      assert.ok(latest.usage.completionTokens >= 1);
    } finally {
      backend.dispose();
    }
  });

  it("never makes the backend say generating, fires no usage event, and leaves no error state", async () => {
    const { backend } = makeBackend();
    const states: BackendState[] = [];
    const usages: Usage[] = [];
    backend.onDidChangeState((state) => states.push(state));
    backend.onDidFinishRequest((usage) => usages.push(usage));
    try {
      const generation = await backend.infill(FIM, { prefix: "function add(a, b) {\n  return ", suffix: ";\n}\n" }, { maxTokens: 8 });
      assert.ok(generation.usage.promptTokens > 0, "the generation still carries its usage");
      assert.deepEqual([...new Set(states.map((state) => state.kind))], ["loading", "idle"], "the load shows, then idle");
      states.length = 0;
      await backend.infill(FIM, { prefix: "function add(a, b) {\n  return a", suffix: ";\n}\n" }, { maxTokens: 8 });
      await backendFailure(backend.infill(TINY, { prefix: "a", suffix: "b" }));
      assert.deepEqual(states.map((state) => state.kind).filter((kind) => kind !== "loading" && kind !== "idle"), [], "no generating, no error");
      assert.equal(backend.state.kind, "idle");
      assert.deepEqual(usages, []);
    } finally {
      backend.dispose();
    }
  });

  it("names hearth.models.completion in the errors of a completion, and says a chat model cannot complete code", async () => {
    const { backend } = makeBackend();
    try {
      const missing = path.join(fixturesDirectory, "gone.gguf");
      const notFound = await backendFailure(backend.infill(missing, { prefix: "a", suffix: "b" }));
      assert.equal(notFound.code, "modelMissing");
      assert.equal(notFound.setting, "hearth.models.completion");
      assert.match(notFound.message, /gone\.gguf does not exist\. The model is set in hearth\.models\.completion\.$/);
      const none = await backendFailure(backend.infill("", { prefix: "a", suffix: "b" }));
      assert.equal(none.setting, "hearth.models.completion");
      assert.match(none.message, /No model is selected \(hearth\.models\.completion\)/);
      const chatOnly = await backendFailure(backend.infill(TINY, { prefix: "a", suffix: "b" }));
      assert.equal(chatOnly.code, "infillUnsupported");
      assert.equal(chatOnly.setting, "hearth.models.completion");
      assert.match(chatOnly.message, /^llama-2-tiny-random\.gguf cannot complete code .* such as a Qwen2\.5-Coder, StarCoder2 or DeepSeek-Coder base model\.$/);
      const wrongTemplate = await backendFailure(backend.infill(FIM, { prefix: "a", suffix: "b", template: "starcoder2" }));
      assert.equal(wrongTemplate.setting, "hearth.completion.fimTemplate");
      // The chat's own errors still name the chat's setting.
      assert.equal((await backendFailure(backend.chat(missing, [{ role: "user", content: "Hi" }]))).setting, "hearth.models.chat");
    } finally {
      backend.dispose();
    }
  });
});
