import * as assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as vscode from "vscode";
import { tinyModel } from "../support/fixtures";
import { closedPortUrl } from "../support/loopbackServer";
import { eventually, hearth, setSettings } from "./helpers";

describe("chat view", () => {
  it("Open Chat shows the Chat view", async () => {
    const api = await hearth();
    await vscode.commands.executeCommand("hearth.openChat");
    await eventually(() => api.chatView.visible, "the Chat view on screen");
  });

  it("names the backend and model when ready, and the path of a missing model file", async () => {
    const api = await hearth();
    const scratch = await fs.mkdtemp(path.join(os.tmpdir(), "hearth-chat-"));
    await fs.copyFile(tinyModel, path.join(scratch, "tiny.gguf"));
    const restore = await setSettings({ backend: "llamaCpp", modelsDirectory: scratch, "models.chat": "tiny.gguf" });
    try {
      await eventually(() => api.settings.current.models.chat === "tiny.gguf" && api.modelsFolder.directory === scratch, "settings");
      const ready = await api.chatView.status();
      assert.equal(ready.backend, "llama.cpp (on this machine)");
      assert.equal(ready.model, "tiny.gguf");
      assert.equal(ready.problem, undefined);

      // Deleted by hand: the folder's watcher (started when the Chat view opened) must notice.
      await fs.rm(path.join(scratch, "tiny.gguf"));
      const expected = `The model file ${path.join(scratch, "tiny.gguf")} does not exist.`;
      await eventually(async () => (await api.chatView.status()).problem?.message === expected, "the Chat view noticing the deleted model");
    } finally {
      await restore();
      await fs.rm(scratch, { recursive: true, force: true });
    }
  });

  it("says Ollama isn't running when its host refuses connections", async () => {
    const api = await hearth();
    const host = await closedPortUrl();
    const restore = await setSettings({ backend: "ollama", "ollama.host": host, "models.chat": "llama3.2" });
    try {
      await eventually(() => api.settings.current.backend === "ollama", "backend ollama");
      const status = await api.chatView.status();
      assert.equal(
        status.problem?.message,
        `Ollama isn't running at ${host} (connection refused); start it with \`ollama serve\`, or set hearth.ollama.host to where it runs.`,
      );
    } finally {
      await restore();
    }
  });
});
