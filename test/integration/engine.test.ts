import * as assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as vscode from "vscode";
import { tinyFimModel } from "../support/fixtures";
import { eventually, hearth, replaceWindowFunction, setSettings } from "./helpers";

describe("engine", function () {
  this.timeout(60_000);

  it("runs a prompt through the real llama.cpp worker, and the status bar shows the model and tokens/s", async () => {
    const api = await hearth();
    const scratch = await fs.mkdtemp(path.join(os.tmpdir(), "hearth-engine-"));
    await fs.copyFile(tinyFimModel, path.join(scratch, "tiny-fim.gguf"));
    const restore = await setSettings({ backend: "llamaCpp", modelsDirectory: scratch, "models.chat": "tiny-fim.gguf", "llamaCpp.threads": 1 });
    try {
      await eventually(() => api.modelsFolder.directory === scratch && api.settings.current.models.chat === "tiny-fim.gguf", "settings");
      const chunks: string[] = [];
      const answer = await api.engine.backend.chat("tiny-fim.gguf", [{ role: "user", content: "Hello" }], {
        maxTokens: 24,
        onChunk: (chunk) => chunks.push(chunk),
      });
      assert.ok(chunks.length > 1);
      assert.equal(chunks.join(""), answer.text);
      assert.ok(answer.usage.tokensPerSecond > 0);
      const text = await eventually(() => (/tok\/s/.test(api.statusBar.item.text) ? api.statusBar.item.text : ""), "tokens/s in the status bar");
      // The chat loaded the model; on this machine it runs on the CPU.
      assert.match(text, /^\$\(flame\) tiny-fim\.gguf · CPU · \d+ tok\/s$/);
      console.log(`      status bar: ${text}; ${answer.usage.tokensPerSecond.toFixed(0)} tokens/s, first token after ${answer.usage.timeToFirstTokenMs.toFixed(0)} ms`);
    } finally {
      await api.engine.backend.unload();
      await restore();
      await fs.rm(scratch, { recursive: true, force: true });
    }
  });

  it("Load Chat Model names a missing model file, with a button to the setting", async () => {
    const restore = await setSettings({ backend: "llamaCpp", "models.chat": "/nonexistent/model.gguf" });
    const errors = replaceWindowFunction("showErrorMessage", () => Promise.resolve(undefined));
    try {
      const api = await hearth();
      await eventually(() => api.settings.current.models.chat === "/nonexistent/model.gguf", "settings");
      await vscode.commands.executeCommand("hearth.loadModel");
      await eventually(() => errors.calls.length > 0, "an error message");
      assert.deepEqual(errors.calls[0], ["The model file /nonexistent/model.gguf does not exist. The model is set in hearth.models.chat.", "Open Setting"]);
      await eventually(() => api.statusBar.item.text.startsWith("$(error)"), "the status bar shows the error");
    } finally {
      errors.restore();
      await restore();
    }
  });

  it("marks a backend off this machine in the status bar", async () => {
    const api = await hearth();
    const restore = await setSettings({ backend: "openai", "openai.baseUrl": "https://models.example.com/v1", "models.chat": "qwen" });
    try {
      await eventually(() => api.statusBar.item.text.startsWith("$(globe)"), "the globe in the status bar");
      const tooltip = api.statusBar.item.tooltip as vscode.MarkdownString;
      assert.match(tooltip.value, /https:\/\/models\.example\.com\/v1 is not on this machine: the code you send to it leaves this computer/);
    } finally {
      await restore();
    }
    await eventually(() => !api.statusBar.item.text.startsWith("$(globe)"), "no globe for llama.cpp");
  });
});
