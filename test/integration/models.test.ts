import * as assert from "node:assert/strict";
import { existsSync, promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as vscode from "vscode";
import type { HearthApi } from "../../src/extension";
import { startFakeOllama, type FakeOllama } from "../support/fakeOllama";
import { tinyFimModel, tinyModel } from "../support/fixtures";
import { eventually, hearth, replaceWindowFunction, setSettings } from "./helpers";
import { recordProgress } from "./progressRecorder";

describe("models", () => {
  let api: HearthApi;
  let scratch: string;
  let models: string;
  let restoreSettings: () => Promise<void>;

  beforeEach(async () => {
    api = await hearth();
    scratch = await fs.mkdtemp(path.join(os.tmpdir(), "hearth-models-"));
    models = path.join(scratch, "models");
    await fs.mkdir(models);
    await fs.copyFile(tinyModel, path.join(models, "tiny.gguf"));
    restoreSettings = await setSettings({ modelsDirectory: models, "models.chat": "", "models.completion": "" });
    await eventually(() => api.modelsFolder.directory === models, "the models folder setting");
  });

  afterEach(async () => {
    await restoreSettings();
    await fs.rm(scratch, { recursive: true, force: true });
  });

  const shown = async () => {
    const nodes = await api.modelsView.installed();
    return nodes.map((node) => {
      const item = api.modelsView.getTreeItem(node);
      return `${item.label as string} — ${item.description as string}`;
    });
  };

  it("lists the GGUF files of the models folder with their sizes and what their headers say", async () => {
    await fs.writeFile(path.join(models, "notes.txt"), "not a model");
    assert.deepEqual(await shown(), ["tiny.gguf — 1.75 MB · F16"]);
  });

  it("groups the view: Installed, then Recommended with fit marks", async () => {
    const groups = (await api.modelsView.getChildren()).map((node) => api.modelsView.getTreeItem(node).label);
    assert.deepEqual(groups, ["Installed", "Recommended"]);
    const recommended = await api.modelsView.getChildren((await api.modelsView.getChildren())[1]);
    assert.ok(recommended.length >= 5);
    const first = api.modelsView.getTreeItem(recommended[0]);
    assert.match(String(first.description), /· (fits|tight|too big)$/);
    assert.match(String(first.contextValue), /^hearth\.recommended available /);
  });

  it("marks a model with fill-in-the-middle tokens so Use for Completion is offered, and uses it", async () => {
    await fs.copyFile(tinyFimModel, path.join(models, "tiny-fim.gguf"));
    api.modelsFolder.notifyChanged();
    const nodes = await api.modelsView.installed();
    const items = nodes.map((node) => api.modelsView.getTreeItem(node));
    assert.deepEqual(items.map((item) => item.contextValue), ["hearth.installed fim chatTemplate", "hearth.installed"]);
    await vscode.commands.executeCommand("hearth.useForCompletion", nodes[0]);
    await eventually(() => api.settings.current.models.completion === "tiny-fim.gguf", "hearth.models.completion");
  });

  it("Remove Model… refuses a file outside the models folder", async () => {
    const outside = path.join(scratch, "outside.gguf");
    await fs.copyFile(tinyModel, outside);
    const errors = replaceWindowFunction("showErrorMessage", () => Promise.resolve(undefined));
    const confirm = replaceWindowFunction("showWarningMessage", (...args: unknown[]) => Promise.resolve(args[2]));
    try {
      await vscode.commands.executeCommand("hearth.removeModel", outside);
    } finally {
      errors.restore();
      confirm.restore();
    }
    assert.equal(confirm.calls.length, 0, "never asked to delete it");
    assert.match(String(errors.calls[0][0]), /is not a model in Hearth's models folder/);
    await fs.access(outside);
  });

  it("shows a model copied into the folder by hand, through the file watcher", async () => {
    await shown(); // the view has been shown, so the folder is watched
    await fs.copyFile(tinyFimModel, path.join(models, "tiny-fim.gguf"));
    const expected = JSON.stringify(["tiny-fim.gguf — 1.75 MB · F16 · FIM", "tiny.gguf — 1.75 MB · F16"]);
    let refreshes = 0;
    const listener = api.modelsView.onDidChangeTreeData(() => refreshes++);
    try {
      await eventually(() => refreshes > 0, "the watcher refreshing the view");
      assert.equal(JSON.stringify(await shown()), expected);
    } finally {
      listener.dispose();
    }
  });

  it("Select Model… sets the chat model, and the view marks it", async () => {
    const picks = replaceWindowFunction("showQuickPick", (items: unknown) =>
      Promise.resolve((items as Array<{ label: string }>).find((item) => item.label === "tiny.gguf" || item.label === "Chat")),
    );
    try {
      await vscode.commands.executeCommand("hearth.selectModel");
    } finally {
      picks.restore();
    }
    assert.equal(picks.calls.length, 2, "asked which model, then for which role");
    await eventually(() => api.settings.current.models.chat === "tiny.gguf", "hearth.models.chat");
    assert.deepEqual(await shown(), ["tiny.gguf — 1.75 MB · chat · F16"]);
  });

  it("Add Model from File… copies a chosen GGUF file into the folder and offers it for chat", async () => {
    const dialog = replaceWindowFunction("showOpenDialog", () => Promise.resolve([vscode.Uri.file(tinyFimModel)]));
    const offer = replaceWindowFunction("showInformationMessage", (_message: unknown, ...buttons: unknown[]) => Promise.resolve(buttons[0]));
    try {
      await vscode.commands.executeCommand("hearth.addModelFromFile");
    } finally {
      dialog.restore();
      offer.restore();
    }
    assert.deepEqual(await fs.readFile(path.join(models, path.basename(tinyFimModel))), await fs.readFile(tinyFimModel));
    assert.match(String(offer.calls[0][0]), /No chat model is selected yet/);
    await eventually(() => api.settings.current.models.chat === path.basename(tinyFimModel), "the installed model used for chat");
  });

  it("Add Model from File… refuses a file that is not GGUF, names it, and adds nothing", async () => {
    const notModel = path.join(scratch, "notes.gguf");
    await fs.writeFile(notModel, "plain text");
    const dialog = replaceWindowFunction("showOpenDialog", () => Promise.resolve([vscode.Uri.file(notModel)]));
    const errors = replaceWindowFunction("showErrorMessage", () => Promise.resolve(undefined));
    try {
      await vscode.commands.executeCommand("hearth.addModelFromFile");
    } finally {
      dialog.restore();
      errors.restore();
    }
    assert.match(String(errors.calls[0][0]), new RegExp(`${notModel.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} is not a GGUF model`));
    assert.deepEqual(await fs.readdir(models), ["tiny.gguf"]);
  });

  it("Remove Model… deletes the file after confirmation and clears the setting that used it", async () => {
    const restore = await setSettings({ "models.chat": "tiny.gguf", "models.completion": "tiny.gguf" });
    await eventually(() => api.settings.current.models.chat === "tiny.gguf", "chat model set");
    const [node] = await api.modelsView.installed();
    const confirm = replaceWindowFunction("showWarningMessage", (...args: unknown[]) => Promise.resolve(args[2]));
    const info = replaceWindowFunction("showInformationMessage", () => Promise.resolve(undefined));
    try {
      await vscode.commands.executeCommand("hearth.removeModel", node);
    } finally {
      confirm.restore();
      info.restore();
      await restore();
    }
    assert.match(String(confirm.calls[0][0]), /Delete tiny\.gguf \(1\.75 MB\) from disk\?/);
    assert.deepEqual(await fs.readdir(models), []);
    assert.match(String(info.calls[0][0]), /It was selected for chat, completion/);
  });

  it("Remove Model… unloads a loaded model before it deletes the file", async function () {
    this.timeout(60_000);
    const file = path.join(models, "tiny.gguf");
    const restore = await setSettings({ backend: "llamaCpp", "llamaCpp.threads": 1 });
    const backend = api.engine.backend;
    const unload = backend.unload.bind(backend);
    const order: string[] = [];
    try {
      await eventually(() => api.engine.backend.kind === "llamaCpp", "the llama.cpp backend");
      await api.engine.backend.chat("tiny.gguf", [{ role: "user", content: "Hello" }], { maxTokens: 2 });
      await eventually(() => {
        const state = api.engine.state;
        return state.kind === "idle" && state.loaded.some((model) => model.name === file);
      }, "tiny.gguf loaded");
      const loadedBackend = api.engine.backend;
      loadedBackend.unload = async (...args: Parameters<typeof unload>) => {
        order.push(`unload starts; file ${existsSync(file) ? "present" : "gone"}`);
        await unload(...args);
        order.push(`unload done; file ${existsSync(file) ? "present" : "gone"}`);
      };
      const [node] = await api.modelsView.installed();
      const confirm = replaceWindowFunction("showWarningMessage", (...args: unknown[]) => Promise.resolve(args[2]));
      try {
        await vscode.commands.executeCommand("hearth.removeModel", node);
      } finally {
        confirm.restore();
        delete (loadedBackend as { unload?: unknown }).unload; // the prototype's again
      }
      order.push(`command done; file ${existsSync(file) ? "present" : "gone"}`);
    } finally {
      await api.engine.backend.unload().catch(() => undefined);
      await restore();
    }
    assert.deepEqual(order, ["unload starts; file present", "unload done; file present", "command done; file gone"]);
    const state = api.engine.state;
    assert.equal(state.kind, "idle");
    assert.ok(state.kind === "idle" && !state.loaded.some((model) => model.name === file), "nothing loaded from the deleted file");
  });

  it("Remove Model… keeps the file when the user cancels", async () => {
    const [node] = await api.modelsView.installed();
    const cancel = replaceWindowFunction("showWarningMessage", () => Promise.resolve(undefined));
    try {
      await vscode.commands.executeCommand("hearth.removeModel", node);
    } finally {
      cancel.restore();
    }
    assert.deepEqual(await fs.readdir(models), ["tiny.gguf"]);
  });
});

describe("Ollama models", () => {
  let api: HearthApi;
  let ollama: FakeOllama;
  let restoreSettings: () => Promise<void>;

  beforeEach(async () => {
    api = await hearth();
    ollama = await startFakeOllama({ models: ["qwen2.5-coder:1.5b"] });
    restoreSettings = await setSettings({ backend: "ollama", "ollama.host": ollama.url, "models.chat": "" });
    await eventually(() => api.settings.current.backend === "ollama" && api.settings.current.ollama.host === ollama.url, "the Ollama backend");
  });

  afterEach(async () => {
    await restoreSettings();
    await ollama.close();
  });

  const ollamaModels = async () => {
    const [group] = await api.modelsView.getChildren();
    assert.equal(api.modelsView.getTreeItem(group).label, "Ollama");
    return (await api.modelsView.getChildren(group)).map((node) => api.modelsView.getTreeItem(node).label);
  };

  it("lists the server's models first, pulls one with progress, and deletes it after confirmation", async () => {
    assert.deepEqual(await ollamaModels(), ["qwen2.5-coder:1.5b"]);

    const progress = recordProgress();
    try {
      assert.equal(await vscode.commands.executeCommand("hearth.pullOllamaModel", "llama3.2"), true);
    } finally {
      progress.restore();
    }
    assert.deepEqual(progress.titles, ["Pulling llama3.2"]);
    assert.deepEqual(progress.cancellable, [true]);
    // Ollama's streamed statuses, in order, with bytes where it gives them; the bar moves to 100 % and never back.
    assert.deepEqual(
      progress.reports.map((report) => [report.message, report.increment]),
      [
        ["pulling manifest", undefined],
        ["pulling 8eeb52dfb3bb · 0 B of 1 kB", 0],
        ["pulling 8eeb52dfb3bb · 500 B of 1 kB", 50],
        ["pulling 8eeb52dfb3bb · 1 kB of 1 kB", 50],
        ["verifying sha256 digest", undefined],
        ["writing manifest", undefined],
        ["success", undefined],
      ],
    );
    assert.ok(ollama.options.models.includes("llama3.2"));
    assert.deepEqual(await ollamaModels(), ["qwen2.5-coder:1.5b", "llama3.2"]);

    const confirm = replaceWindowFunction("showWarningMessage", (...args: unknown[]) => Promise.resolve(args[2]));
    try {
      assert.equal(await vscode.commands.executeCommand("hearth.deleteOllamaModel", "llama3.2"), true);
    } finally {
      confirm.restore();
    }
    assert.match(String(confirm.calls[0][0]), /Delete llama3\.2 from the Ollama server\?/);
    assert.deepEqual(ollama.options.models, ["qwen2.5-coder:1.5b"]);
  });
});
