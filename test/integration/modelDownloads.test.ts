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
import { bufferContent, generatedContent, startFakeHuggingFace, type FakeHuggingFace } from "../support/fakeHuggingFace";
import { recordProgress } from "./progressRecorder";
import { tinyFimModel } from "../support/fixtures";
import { eventually, hearth, replaceWindowFunction, setSettings } from "./helpers";

const REPO = "hearth-test/Tiny-Chat-GGUF";
const FILE = "tiny-chat-f16.gguf";
/** A bigger file the hub sends slowly, for downloads that are still running when the test acts. */
const SLOW_REPO = { name: "hearth-test/Slow-GGUF", files: [{ path: "slow-Q4_0.gguf", content: generatedContent(6 * 1024 * 1024, 7) }] };

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

  it("cancels a download from its progress notification at once, keeps the partial file, and shows no error", async () => {
    hub.repos.push(SLOW_REPO);
    hub.behaviour.throttleBytesPerSecond = 1024 * 1024;
    let cancelledAt = 0;
    const progress = recordProgress((report, cancel) => {
      if (!cancelledAt && (report.increment ?? 0) > 0) {
        cancelledAt = Date.now();
        cancel();
      }
    });
    const errors = replaceWindowFunction("showErrorMessage", () => Promise.resolve(undefined));
    try {
      const outcome = await api.modelDownloads.download({ repo: SLOW_REPO.name, files: [{ path: SLOW_REPO.files[0].path }] });
      assert.deepEqual(outcome, { state: "cancelled" });
      assert.ok(cancelledAt > 0, "the notification reported progress, then was cancelled");
      assert.ok(Date.now() - cancelledAt < 1_000, `the download ended ${Date.now() - cancelledAt} ms after the cancel`);
    } finally {
      progress.restore();
      errors.restore();
      delete hub.behaviour.throttleBytesPerSecond;
      hub.repos.splice(hub.repos.indexOf(SLOW_REPO), 1);
    }
    assert.equal(progress.titles[0], "Downloading slow-Q4_0.gguf");
    assert.equal(progress.cancellable[0], true);
    assert.equal(errors.calls.length, 0, "a cancel is not an error");
    assert.deepEqual((await fs.readdir(models)).sort(), ["slow-Q4_0.gguf.partial", "slow-Q4_0.gguf.partial.json"], "kept to resume; no lock left");
    const partials = await api.modelDownloads.partials();
    assert.deepEqual(partials.map((partial) => partial.plan.name), ["slow-Q4_0.gguf"]);
  });

  it("after hearth.modelsDirectory changes, a running download finishes in the folder it started in (and says so) and new ones go to the new folder", async () => {
    hub.repos.push(SLOW_REPO);
    hub.behaviour.throttleBytesPerSecond = 4 * 1024 * 1024;
    const progress = recordProgress();
    const info = replaceWindowFunction("showInformationMessage", () => Promise.resolve(undefined));
    const moved = path.join(scratch, "moved");
    try {
      const running = api.modelDownloads.download({ repo: SLOW_REPO.name, files: [{ path: SLOW_REPO.files[0].path }] });
      await eventually(() => api.modelDownloads.statuses().some((status) => status.receivedBytes > 0), "the download running");
      const restore = await setSettings({ modelsDirectory: moved });
      try {
        await eventually(() => api.modelsFolder.directory === moved, "the new models folder");
        assert.deepEqual(api.modelDownloads.statuses().map((status) => status.name), ["slow-Q4_0.gguf"], "still listed while it runs");
        delete hub.behaviour.throttleBytesPerSecond;
        const started = await api.modelDownloads.download({ repo: REPO, files: [{ path: FILE }] });
        assert.deepEqual(started, { state: "installed", paths: [path.join(moved, FILE)], verified: true });
        assert.deepEqual(await running, { state: "installed", paths: [path.join(models, "slow-Q4_0.gguf")], verified: true });
      } finally {
        await restore();
      }
    } finally {
      progress.restore();
      info.restore();
      delete hub.behaviour.throttleBytesPerSecond;
      hub.repos.splice(hub.repos.indexOf(SLOW_REPO), 1);
    }
    assert.ok(
      info.calls.some((call) => String(call[0]).startsWith(`slow-Q4_0.gguf was downloaded into ${models}, the models folder when its download started. The models folder is now ${moved}`)),
      JSON.stringify(info.calls),
    );
  });
});
