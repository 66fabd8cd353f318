// A model's facts from its GGUF header, through the real worker, without loading it.
import * as assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { LlamaCppBackend } from "../../src/engine/llamaCpp/llamaCppBackend";
import { LlamaWorkerClient } from "../../src/engine/llamaCpp/llamaWorkerClient";
import type { LlamaRunSettings } from "../../src/engine/llamaCpp/workerProtocol";
import { backendFailure } from "../support/backendAssertions";
import { fixturesDirectory, repositoryRoot } from "../support/fixtures";
import { temporaryDirectory } from "../support/temporaryDirectory";

const workerScript = path.join(repositoryRoot, "dist", "llamaWorker.js");

describe("llama.cpp model facts", function () {
  this.timeout(60_000);
  const run: LlamaRunSettings = { gpuLayers: "auto", contextSize: 1024, parallelConversations: 2, threads: 1, batchSize: 0, flashAttention: "auto", chatFormat: "auto" };
  const settings = { modelsDirectory: fixturesDirectory, run };
  const client = new LlamaWorkerClient({ workerScript, keepAliveMs: () => 60_000, log: () => undefined });
  const backend = new LlamaCppBackend(client, () => settings);
  const loads: string[] = [];
  client.onLoading(({ modelPath }) => loads.push(modelPath));
  after(() => backend.dispose());

  it("reads context, chat format, FIM tokens and size from the header without loading the model", async () => {
    const plain = await backend.describeModel("llama-2-tiny-random.gguf");
    assert.equal(plain.family, "llama");
    assert.equal(plain.contextWindow, 1023, "the context the settings ask for, less the cell llama.cpp keeps free");
    assert.equal(plain.fillInMiddle, false);
    assert.equal(plain.toolCalling, false, "a general chat format was never trained to call tools");
    assert.equal(plain.sizeBytes, (await fs.stat(path.join(fixturesDirectory, "llama-2-tiny-random.gguf"))).size);
    const fim = await backend.describeModel("llama-2-tiny-random-fim.gguf");
    assert.equal(fim.fillInMiddle, true);
    assert.equal(fim.chat, true);
    assert.deepEqual(loads, [], "nothing was loaded");
    assert.equal(backend.state.kind, "idle");
  });

  it("says a model can call tools when its chat format was made for them", async () => {
    settings.run = { ...run, chatFormat: "qwen" };
    try {
      assert.equal((await backend.describeModel("llama-2-tiny-random.gguf")).toolCalling, true);
    } finally {
      settings.run = run;
    }
  });

  it("caps the context at the trained length, and names the setting for a file that is not GGUF", async () => {
    settings.run = { ...run, contextSize: 100_000 };
    try {
      assert.equal((await backend.describeModel("llama-2-tiny-random.gguf")).contextWindow, 4095);
    } finally {
      settings.run = run;
    }
    const folder = await temporaryDirectory();
    try {
      const notGguf = path.join(folder.path, "notes.gguf");
      await fs.writeFile(notGguf, "just text");
      const error = await backendFailure(backend.describeModel(notGguf));
      assert.equal(error.code, "notGguf");
      assert.equal(error.setting, "hearth.models.chat");
    } finally {
      await folder.remove();
    }
  });
});
