// The llama.cpp engine with many callers at once, through the real worker and the tiny models:
// conversations keep their own KV cache while others run, a model gets only the sequences its
// roles need, loads nobody needs stop, a load that keeps crashing is not retried forever, and a
// flood of requests is queued or refused while the worker stays up.
import * as assert from "node:assert/strict";
import * as path from "node:path";
import type { ChatMessage, Generation } from "../../src/engine/backend";
import type { BackendError } from "../../src/engine/backendError";
import { LlamaCppBackend } from "../../src/engine/llamaCpp/llamaCppBackend";
import { LlamaWorkerClient } from "../../src/engine/llamaCpp/llamaWorkerClient";
import type { LlamaRunSettings } from "../../src/engine/llamaCpp/workerProtocol";
import { backendFailure } from "../support/backendAssertions";
import { fixturesDirectory, repositoryRoot } from "../support/fixtures";

const workerScript = path.join(repositoryRoot, "dist", "llamaWorker.js");
const TINY = "llama-2-tiny-random.gguf";
const FIM = "llama-2-tiny-random-fim.gguf";

function makeBackend(overrides: Partial<LlamaRunSettings> = {}, roles: { chat?: string; completion?: string } = {}) {
  const run: LlamaRunSettings = { gpuLayers: 0, contextSize: 1024, parallelConversations: 2, threads: 1, batchSize: 0, flashAttention: "auto", chatFormat: "auto", ...overrides };
  const settings = { modelsDirectory: fixturesDirectory, run, roles };
  const client = new LlamaWorkerClient({ workerScript, keepAliveMs: () => 60_000, log: () => undefined });
  const backend = new LlamaCppBackend(client, () => settings);
  return { backend, client, settings };
}

const say = (content: string): ChatMessage => ({ role: "user", content });
const reusedShare = (generation: Generation) => generation.usage.reusedPromptTokens / generation.usage.promptTokens;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("llama.cpp with many callers (worker process)", function () {
  this.timeout(120_000);

  for (const withIds of [true, false]) {
    it(`keeps each of two interleaved conversations in its own KV cache (${withIds ? "by conversation id" : "by the prompt they share"})`, async () => {
      const { backend } = makeBackend();
      try {
        const a: ChatMessage[] = [say("Tell me about the red fox and where it lives. ".repeat(24))];
        const b: ChatMessage[] = [say("Explain how a binary search tree keeps its order. ".repeat(24))];
        const previous = new Map<string, Generation>();
        const ask = async (history: ChatMessage[], id: string) => {
          const answer = await backend.chat(TINY, history, { maxTokens: 8, ...(withIds ? { conversation: id } : {}) });
          history.push({ role: "assistant", content: answer.text }, say(`And then, turn ${history.length}?`));
          const before = previous.get(id);
          // All of the last turn's prompt (less the answer's opening, which the template closes differently) came from the cache.
          if (before) assert.ok(answer.usage.reusedPromptTokens >= before.usage.promptTokens - 4, `${id}: ${answer.usage.reusedPromptTokens} reused of the ${before.usage.promptTokens} it held`);
          previous.set(id, answer);
          return answer;
        };
        // Not strictly alternating (a, b, a, a, b, b, a), so keeping the least recently used sequence would not pass by luck.
        const turns = { a: 0, b: 0 };
        for (const who of ["a", "b", "a", "a", "b", "b", "a"] as const) {
          const answer = await ask(who === "a" ? a : b, who);
          if (turns[who]++ === 0) continue;
          assert.ok(reusedShare(answer) >= 0.9, `conversation ${who}, turn ${turns[who]}: ${answer.usage.reusedPromptTokens}/${answer.usage.promptTokens} from the cache`);
        }
      } finally {
        backend.dispose();
      }
    });
  }

  it("gives a chat-only model only chat sequences, and adds the infill sequence when the model is used to complete code too", async () => {
    const { backend, settings } = makeBackend({}, { chat: path.join(fixturesDirectory, FIM) });
    try {
      assert.deepEqual((await backend.load(FIM)).sequences, { chat: 2, infill: false });
      await backend.chat(FIM, [say("Hello")], { maxTokens: 2 });
      settings.roles = { chat: path.join(fixturesDirectory, FIM), completion: path.join(fixturesDirectory, FIM) };
      const completion = await backend.infill(FIM, { prefix: "function add(a, b) {\n  return ", suffix: "\n}\n" }, { maxTokens: 4 });
      assert.notEqual(completion.stopReason, "cancelled");
      const loaded = backend.state.kind === "idle" ? backend.state.loaded : [];
      assert.deepEqual(loaded.find((model) => model.name.endsWith(FIM))?.sequences, { chat: 2, infill: true });
      // The chat still answers on the new context.
      assert.ok((await backend.chat(FIM, [say("Hello again")], { maxTokens: 2 })).usage.completionTokens >= 1);
    } finally {
      backend.dispose();
    }
  });

  it("answers two chats at once on two sequences, and queues a third until one is free", async () => {
    const { backend, client } = makeBackend();
    try {
      await backend.load(TINY);
      const firstChunkAt: number[] = [];
      const endedAt: number[] = [];
      const answers = await Promise.all(
        ["The sidebar asks about foxes.", "An extension asks about trees.", "A third asks about rivers."].map((text, index) =>
          backend
            .chat(TINY, [say(text)], { maxTokens: 48, onChunk: () => (firstChunkAt[index] ??= performance.now()) })
            .then((answer) => ((endedAt[index] = performance.now()), answer)),
        ),
      );
      for (const answer of answers) assert.ok(answer.usage.completionTokens >= 1, JSON.stringify(answer.usage));
      assert.ok(firstChunkAt[1] < endedAt[0] && firstChunkAt[0] < endedAt[1], "the first two were written at the same time");
      assert.ok(firstChunkAt[2] >= Math.min(endedAt[0], endedAt[1]), "the third waited for a free sequence");
      assert.ok(client.running);
    } finally {
      backend.dispose();
    }
  });

  it("loads a completion model once while keystrokes supersede each other's completions, and answers the last", async () => {
    const { backend, client } = makeBackend({}, { completion: path.join(fixturesDirectory, FIM) });
    const loadsStarted: string[] = [];
    client.onLoading(({ modelPath, progress }) => progress === 0 && loadsStarted.push(path.basename(modelPath)));
    try {
      const completions: Array<Promise<Generation>> = [];
      for (let key = 0; key < 12; key++) {
        completions.push(backend.infill(FIM, { prefix: `const total${key} = `, suffix: ";\n" }, { maxTokens: 4 }));
        await new Promise((resolve) => setTimeout(resolve, 60));
      }
      const results = await Promise.all(completions);
      assert.notEqual(results.at(-1)?.stopReason, "cancelled", "the last keystroke's completion is answered");
      for (const result of results.slice(0, -1)) assert.equal(result.stopReason, "cancelled", "the superseded ones end quietly as cancelled");
      assert.deepEqual(loadsStarted, [FIM], "one load, joined by each new keystroke");
      // A completion-only model has no chat sequences, and keeps that shape when the settings make it load again.
      assert.deepEqual((await backend.load(FIM)).sequences, { chat: 0, infill: true });
    } finally {
      backend.dispose();
    }
  });

  it("queues a flood of requests up to a limit, refuses the rest clearly, and stays up", async () => {
    const { backend, client } = makeBackend({ parallelConversations: 1 });
    try {
      await backend.load(TINY);
      const pid = client.pid!;
      const results = await Promise.allSettled(Array.from({ length: 40 }, (_, index) => backend.chat(TINY, [say(`Request ${index}`)], { maxTokens: 1 })));
      const refused = results.filter((result): result is PromiseRejectedResult => result.status === "rejected");
      assert.equal(results.length - refused.length, 33, "one answering and 32 waiting are answered");
      for (const result of refused) {
        const error = result.reason as BackendError;
        assert.equal(error.code, "busy");
        assert.match(error.message, /try again when they finish/);
      }
      assert.equal(client.pid, pid, "the same worker answered them all");
    } finally {
      backend.dispose();
    }
  });

  it("stops a load that every request waiting for it cancelled, and frees a model the settings stopped naming while it loaded", async () => {
    const { backend, client } = makeBackend();
    try {
      const controller = new AbortController();
      const loadedNames: string[] = [];
      client.onLoaded((model) => loadedNames.push(path.basename(model.name)));
      // Cancelled before the worker even began loading (node-llama-cpp is still being imported).
      const early = new AbortController();
      const earlyAnswer = backend.chat(TINY, [say("Hello")], { maxTokens: 4 }, early.signal);
      setTimeout(() => early.abort(), 20);
      assert.equal((await earlyAnswer).stopReason, "cancelled");
      // Cancelled while it loads.
      const started = new Promise<void>((resolve) => client.onLoading(() => resolve()));
      const answer = backend.chat(TINY, [say("Hello")], { maxTokens: 4 }, controller.signal);
      await started;
      controller.abort();
      assert.equal((await answer).stopReason, "cancelled");
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.deepEqual(loadedNames, [], "the cancelled loads never put the model in memory");
      // A model chosen and then replaced while loading: the first is not left in memory.
      const first = backend.chat(FIM, [say("Hello")], { maxTokens: 4 }).catch((error: Error) => error);
      await new Promise<void>((resolve) => client.onLoading(({ modelPath }) => modelPath.endsWith(FIM) && resolve()));
      await backend.unloadExcept([path.join(fixturesDirectory, TINY)]);
      await first;
      await backend.chat(TINY, [say("Hello")], { maxTokens: 2 });
      const loaded = backend.state.kind === "idle" ? backend.state.loaded.map((model) => path.basename(model.name)) : [];
      assert.deepEqual(loaded, [TINY]);
    } finally {
      backend.dispose();
    }
  });

  it("stops restarting a worker that dies twice loading the same model, says what to change, and tries again after a settings change", async () => {
    const { backend, client } = makeBackend();
    const killOnLoad = client.onLoading(() => client.pid && process.kill(client.pid, "SIGKILL"));
    try {
      for (let attempt = 0; attempt < 2; attempt++) assert.equal((await backendFailure(backend.chat(TINY, [say("Hello")], { maxTokens: 2 }))).code, "workerCrashed");
      const refused = await backendFailure(backend.chat(TINY, [say("Hello")], { maxTokens: 2 }));
      assert.equal(refused.code, "workerCrashLoop");
      assert.match(refused.message, /crashed 2 times in a row while loading .*llama-2-tiny-random\.gguf.*hearth\.llamaCpp\.gpuLayers/);
      assert.equal(client.running, false, "no worker was started for the refused request");
      killOnLoad.dispose();
      backend.clearError(); // what a settings change does
      assert.ok((await backend.chat(TINY, [say("Hello")], { maxTokens: 2 })).usage.completionTokens >= 1);
    } finally {
      killOnLoad.dispose();
      backend.dispose();
    }
  });

  it("frees the worker's memory before it says it unloaded, and starts none once disposed", async () => {
    const { backend, client } = makeBackend();
    await backend.load(TINY);
    const pid = client.pid!;
    await backend.unload();
    assert.equal(alive(pid), false, "the old worker has exited");
    backend.dispose();
    const error = await backendFailure(backend.chat(TINY, [say("Hello")], { maxTokens: 2 }));
    assert.equal(error.code, "cancelled");
    assert.equal(client.running, false);
  });

  it("answers after a tool's result through the real worker, with the call and the whole result in the prompt", async () => {
    // The tiny model's weights are random, so it never writes a call itself: the call comes in the
    // history, as VS Code sends it back with the tool's result, and the worker must lay both out.
    const { backend } = makeBackend({ chatFormat: "qwen" });
    const tools = [{ name: "readFile", description: "Reads a file of the workspace", parameters: { type: "object", properties: { path: { type: "string" } }, required: ["path"] } }];
    const afterResult = (result: string): ChatMessage[] => [
      say("What is the name in package.json?"),
      { role: "assistant", content: "", toolCalls: [{ id: "call-1", name: "readFile", arguments: JSON.stringify({ path: "package.json" }) }] },
      { role: "tool", content: result, toolCallId: "call-1", toolName: "readFile" },
    ];
    try {
      const asked = await backend.chat(TINY, [say("What is the name in package.json?")], { maxTokens: 4, tools });
      const short = await backend.chat(TINY, afterResult('{"name":"hearth"}'), { maxTokens: 4, tools });
      const long = await backend.chat(TINY, afterResult(JSON.stringify({ name: "hearth", description: "word ".repeat(60).trim() })), { maxTokens: 4, tools });
      assert.notEqual(short.stopReason, "cancelled");
      assert.ok(short.usage.completionTokens > 0, "an answer after the result");
      assert.ok(short.usage.promptTokens > asked.usage.promptTokens + 5, `the call and its result were laid out: ${asked.usage.promptTokens} → ${short.usage.promptTokens} tokens`);
      assert.ok(long.usage.promptTokens >= short.usage.promptTokens + 55, `the whole result reached the model: ${short.usage.promptTokens} → ${long.usage.promptTokens} tokens`);
      assert.ok(long.usage.reusedPromptTokens >= asked.usage.promptTokens / 2, `the turn that made the call stayed in the cache (${long.usage.reusedPromptTokens} reused)`);
    } finally {
      backend.dispose();
    }
  });

  it("offers tools to a chat format trained on them, and refuses a required tool call from one that is not", async () => {
    const { backend, settings } = makeBackend({ chatFormat: "qwen" });
    const tools = [{ name: "readFile", description: "Reads a file of the workspace", parameters: { type: "object", properties: { path: { type: "string" } }, required: ["path"] } }];
    try {
      const plain = await backend.chat(TINY, [say("Read package.json")], { maxTokens: 6 });
      const answer = await backend.chat(TINY, [say("Read package.json")], { maxTokens: 6, tools });
      assert.ok(answer.usage.promptTokens > plain.usage.promptTokens + 10, `the tool was laid out in the prompt: ${plain.usage.promptTokens} → ${answer.usage.promptTokens} tokens`);
      settings.run = { ...settings.run, chatFormat: "auto" };
      const refused = await backendFailure(backend.chat(TINY, [say("Read package.json")], { maxTokens: 6, tools, toolMode: "required" }));
      assert.equal(refused.code, "toolsUnsupported");
      assert.equal(refused.setting, "hearth.llamaCpp.chatFormat");
    } finally {
      backend.dispose();
    }
  });
});
