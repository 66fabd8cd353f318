// How Hearth's models look in VS Code's model picker and to `vscode.lm` callers, how their token
// limits are worked out, and how a flood of requests is let through.
import * as assert from "node:assert/strict";
import { readSettings, type SettingKey } from "../../src/config/settings";
import type { Backend } from "../../src/engine/backend";
import { Emitter } from "../../src/engine/event";
import { ASSUMED_CONTEXT_WINDOW, describeChatModel, type ModelSurroundings } from "../../src/languageModels/modelDescriptions";
import { OfferedModels } from "../../src/languageModels/offeredModels";
import { QueueFullError, RequestQueue } from "../../src/languageModels/requestQueue";
import { estimateTokens } from "../../src/engine/tokenEstimate";

const format = (message: string, ...args: Array<string | number | boolean>) => message.replace(/\{(\d+)\}/g, (_, index: string) => String(args[Number(index)]));
const llamaCpp: ModelSurroundings = { kind: "llamaCpp", location: "llama.cpp on this machine", contextSizeSetting: 4096, maxAnswerTokens: 2048 };

describe("language models offered to VS Code", () => {
  it("describes a GGUF file: the context the backend gives it, a quarter kept for the answer", () => {
    const facts = { name: "qwen.gguf", contextWindow: 4095, toolCalling: true, chat: true, fillInMiddle: true, sizeBytes: 986_000_000, quantization: "Q4_K_M", family: "qwen2" };
    const model = describeChatModel({ name: "qwen.gguf", sizeBytes: 986_000_000 }, facts, llamaCpp, format);
    assert.equal(model.id, "qwen.gguf");
    assert.equal(model.name, "qwen");
    assert.equal(model.family, "qwen2");
    assert.equal(model.maxOutputTokens, 1023);
    assert.equal(model.maxInputTokens + model.maxOutputTokens, 4095);
    assert.equal(model.capabilities.toolCalling, true);
    assert.equal(model.tooltip, "qwen, run by llama.cpp on this machine\n986 MB · Q4_K_M\nContext: 4095 tokens\nCan call tools (agent mode)");
    assert.equal(model.detail, "llama.cpp · 986 MB");
    const notDescribed = describeChatModel({ name: "old.gguf" }, undefined, llamaCpp, format);
    assert.equal(notDescribed.maxInputTokens + notDescribed.maxOutputTokens, 4095, "the setting, when the backend cannot describe the model");
  });

  it("says when the context size is assumed, and offers no tool calling it does not know of", () => {
    const model = describeChatModel({ name: "tiny.gguf", sizeBytes: 1_750_000 }, undefined, { ...llamaCpp, contextSizeSetting: 0 }, format);
    assert.equal(model.maxInputTokens + model.maxOutputTokens, ASSUMED_CONTEXT_WINDOW);
    assert.equal(model.capabilities.toolCalling, false);
    assert.match(model.tooltip, /Context: 4096 tokens \(assumed: the model does not say\)/);
  });

  it("describes an Ollama model by its name and tag, and where the server is", () => {
    const ollama: ModelSurroundings = { kind: "ollama", location: "Ollama at http://127.0.0.1:11434", contextSizeSetting: 4096, maxAnswerTokens: 512 };
    const model = describeChatModel({ name: "qwen2.5-coder:1.5b", sizeBytes: 986_000_000, details: "1.5B Q4_K_M" }, { name: "qwen2.5-coder:1.5b", contextWindow: 8192, toolCalling: true, chat: true, fillInMiddle: false }, ollama, format);
    assert.deepEqual([model.name, model.family, model.version], ["qwen2.5-coder:1.5b", "qwen2.5-coder", "1.5b"]);
    assert.equal(model.maxOutputTokens, 512, "hearth.chat.maxAnswerTokens caps answers");
    assert.equal(model.maxInputTokens, 8192 - 512);
    assert.match(model.tooltip, /run by Ollama at http:\/\/127\.0\.0\.1:11434\n986 MB · 1\.5B Q4_K_M/);
  });

  it("estimates tokens on the high side for servers without a tokenizer", () => {
    assert.equal(estimateTokens(""), 0);
    assert.equal(estimateTokens("x".repeat(350)), 110);
  });
});

describe("language-model request queue", () => {
  it("runs a few at a time, answers the rest in order, refuses past its limit, and lets a cancelled one leave", async () => {
    const queue = new RequestQueue(2, 3);
    const started: number[] = [];
    const releases: Array<() => void> = [];
    const job = (id: number) => () =>
      new Promise<number>((resolve) => {
        started.push(id);
        releases.push(() => resolve(id));
      });
    const cancel = new AbortController();
    const results = [1, 2, 3].map((id) => queue.run(job(id)));
    const cancelled = queue.run(job(4), cancel.signal);
    const fifth = queue.run(job(5));
    await assert.rejects(queue.run(job(6)), QueueFullError);
    assert.deepEqual(started, [1, 2]);
    cancel.abort();
    await assert.rejects(cancelled);
    assert.deepEqual(queue.size, { running: 2, waiting: 2 });
    while (started.length < 4) {
      releases.shift()!();
      await new Promise((resolve) => setImmediate(resolve));
    }
    assert.deepEqual(started, [1, 2, 3, 5], "the cancelled request never started");
    releases.splice(0).forEach((release) => release());
    assert.deepEqual(await Promise.all([...results, fifth]), [1, 2, 3, 5]);
    assert.deepEqual(queue.size, { running: 0, waiting: 0 });
  });
});

describe("the model list VS Code is given", () => {
  function setup() {
    const values: Partial<Record<SettingKey, unknown>> = { backend: "ollama", "ollama.host": "http://127.0.0.1:11434" };
    const names = ["qwen2.5-coder:1.5b"];
    let listings = 0;
    const backend = {
      kind: "ollama",
      listModels: () => {
        listings++;
        return Promise.resolve(names.map((name) => ({ name, sizeBytes: 1_000_000 })));
      },
      describeModel: (name: string) => Promise.resolve({ name, contextWindow: 8192, toolCalling: true, chat: true, fillInMiddle: false }),
    } as unknown as Backend;
    const modelsChanged = new Emitter<void>();
    const settingsChanged = new Emitter<void>();
    const models = new OfferedModels({
      backend: () => backend,
      settings: () => readSettings((key) => values[key]).settings,
      ollamaHostFromEnvironment: undefined,
      modelsMayHaveChanged: [modelsChanged.event],
      settingsChanged: settingsChanged.event,
      watchModelsFolder: () => undefined,
      localize: format,
      log: () => undefined,
    });
    let changes = 0;
    models.onDidChange(() => changes++);
    return { values, names, models, modelsChanged, settingsChanged, changes: () => changes, listings: () => listings };
  }
  const settled = () => new Promise((resolve) => setTimeout(resolve, 400));

  it("says the list changed only when it did, once per burst of events", async () => {
    const { names, models, modelsChanged, changes, listings } = setup();
    try {
      assert.deepEqual((await models.list()).map((model) => model.id), ["qwen2.5-coder:1.5b"]);
      modelsChanged.fire(); // a refresh that changed nothing (a download's progress, say)
      await settled();
      assert.equal(changes(), 0);
      names.push("llama3.2:1b");
      for (let event = 0; event < 5; event++) modelsChanged.fire();
      await settled();
      assert.equal(changes(), 1);
      const before = listings();
      assert.deepEqual((await models.list()).map((model) => model.id), ["qwen2.5-coder:1.5b", "llama3.2:1b"], "VS Code's question right after is answered from that listing");
      assert.equal(listings(), before);
    } finally {
      models.dispose();
    }
  });

  it("lists again when a setting it depends on changes, not for other settings", async () => {
    const { values, models, settingsChanged, changes, listings } = setup();
    try {
      await models.list();
      values["chat.systemPrompt"] = "Be brief.";
      settingsChanged.fire();
      await settled();
      assert.equal(listings(), 1);
      values["chat.maxAnswerTokens"] = 100;
      settingsChanged.fire();
      await settled();
      assert.equal(changes(), 1, "the answer limit changed what VS Code is told");
      assert.equal((await models.list())[0].maxOutputTokens, 100);
    } finally {
      models.dispose();
    }
  });
});
