// "Hearth: Install Model…" end to end inside VS Code, against the loopback fake Hugging Face hub
// (hearth.huggingFace.endpoint points at it): search, pick a repository and a file, download with
// the progress notification, see the model installed, use it for chat, get an answer from it, and
// remove it. The hub serves a real GGUF (the tiny FIM fixture), so the chat is real inference.
import * as assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as vscode from "vscode";
import type { HearthApi } from "../../src/extension";
import { bufferContent, startFakeHuggingFace, type FakeHuggingFace } from "../support/fakeHuggingFace";
import { tinyFimModel } from "../support/fixtures";
import { eventually, hearth, replaceWindowFunction, setSettings } from "./helpers";

const REPO = "hearth-test/Tiny-Chat-GGUF";
const FILE = "tiny-chat-f16.gguf";

/** showInputBox is not among the helpers' stand-ins; replaced here the same way, for one test. */
function answerInputBox(value: string): { restore(): void } {
  const window = vscode.window as unknown as Record<string, unknown>;
  const original = window.showInputBox;
  window.showInputBox = () => Promise.resolve(value);
  return { restore: () => void (window.showInputBox = original) };
}

describe("model downloads", function () {
  this.timeout(120_000);
  let api: HearthApi;
  let hub: FakeHuggingFace;
  let scratch: string;
  let models: string;
  let restoreSettings: () => Promise<void>;

  before(async () => {
    api = await hearth();
    hub = await startFakeHuggingFace([{ name: REPO, files: [{ path: FILE, content: bufferContent(await fs.readFile(tinyFimModel)) }], downloads: 10 }]);
  });

  after(async () => {
    await hub?.close();
  });

  beforeEach(async () => {
    scratch = await fs.mkdtemp(path.join(os.tmpdir(), "hearth-downloads-"));
    models = path.join(scratch, "models");
    restoreSettings = await setSettings({
      backend: "llamaCpp",
      modelsDirectory: models,
      "huggingFace.endpoint": hub.url,
      "models.chat": "",
      "llamaCpp.threads": 1,
    });
    await eventually(() => api.modelsFolder.directory === models, "the models folder setting");
  });

  afterEach(async () => {
    await api.engine.backend.unload().catch(() => undefined);
    await restoreSettings();
    await fs.rm(scratch, { recursive: true, force: true });
  });

  it("Install Model… searches the hub, downloads the picked file, uses it for chat, and it answers; Remove takes it away", async () => {
    const picks = replaceWindowFunction("showQuickPick", (items: unknown) =>
      Promise.resolve(
        (items as Array<{ label: string }>).find((item) => /Search Hugging Face/.test(item.label) || item.label === REPO || item.label.endsWith(FILE)),
      ),
    );
    const query = answerInputBox("tiny-chat");
    const offer = replaceWindowFunction("showInformationMessage", (_message: unknown, ...buttons: unknown[]) =>
      Promise.resolve(buttons.find((button) => button === "Use for Chat")),
    );
    let installed: readonly string[];
    try {
      installed = (await vscode.commands.executeCommand<readonly string[]>("hearth.installModel")) ?? [];
    } finally {
      picks.restore();
      query.restore();
      offer.restore();
    }
    assert.equal(picks.calls.length, 3, "catalog or search, then the repository, then the file");
    assert.deepEqual(installed, [path.join(models, FILE)]);
    assert.deepEqual(await fs.readFile(installed[0]), await fs.readFile(tinyFimModel));
    assert.deepEqual(await fs.readdir(models), [FILE], "no partial files are left");
    assert.match(String(offer.calls[0][0]), new RegExp(`Installed ${FILE.replace(/\./g, "\\.")}`));
    assert.ok(offer.calls[0].includes("Use for Completion"), "offered for completion: it has FIM tokens");

    const nodes = await api.modelsView.installed();
    assert.deepEqual(nodes.map((node) => api.modelsView.getTreeItem(node).label), [FILE]);
    await eventually(() => api.settings.current.models.chat === FILE, "the downloaded model used for chat");

    const answer = await api.engine.backend.chat(FILE, [{ role: "user", content: "Hello" }], { maxTokens: 8 });
    assert.ok(answer.text.length > 0, "the downloaded model answers");

    const confirm = replaceWindowFunction("showWarningMessage", (...args: unknown[]) => Promise.resolve(args[2]));
    const info = replaceWindowFunction("showInformationMessage", () => Promise.resolve(undefined));
    try {
      await vscode.commands.executeCommand("hearth.removeModel", nodes[0]);
    } finally {
      confirm.restore();
      info.restore();
    }
    assert.deepEqual(await fs.readdir(models), []);
    await eventually(() => api.settings.current.models.chat === "", "the chat setting cleared");
    assert.match(String(info.calls[0][0]), /It was selected for chat/);
  });

  it("Install Model… says the hub cannot be reached (its server is down), and installs nothing", async () => {
    await hub.close();
    const errors = replaceWindowFunction("showErrorMessage", () => Promise.resolve(undefined));
    const picks = replaceWindowFunction("showQuickPick", (items: unknown) => Promise.resolve((items as Array<{ label: string }>)[0]));
    const query = answerInputBox("anything");
    try {
      await vscode.commands.executeCommand("hearth.installModel");
    } finally {
      errors.restore();
      picks.restore();
      query.restore();
      hub = await startFakeHuggingFace([{ name: REPO, files: [{ path: FILE, content: bufferContent(await fs.readFile(tinyFimModel)) }] }]);
    }
    assert.match(String(errors.calls[0]?.[0]), /Can't reach the Hugging Face hub/);
    assert.deepEqual(await fs.readdir(models).catch(() => []), [], "nothing was installed");
  });
});
