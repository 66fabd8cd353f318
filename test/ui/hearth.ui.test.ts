// UI tests: the packaged VSIX installed into a real VS Code (code-server) the way a user
// installs it, driven through Chromium as a person would. Screenshots go to test-results/.
import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import type { FrameLocator, Page } from "playwright-core";
import type { CodeServer } from "../support/codeServer";
import { tinyFimModel, tinyModel } from "../support/fixtures";
import { closeWorkbench, openWorkbench, screenshots, type UiWorkbench } from "./uiWorkbench";

describe("Hearth in VS Code, installed from its VSIX", function () {
  this.timeout(120_000);
  let opening: Promise<UiWorkbench> | undefined;
  let workbench: UiWorkbench | undefined;
  let server: CodeServer;
  let page: Page;

  before(async () => {
    opening = openWorkbench({
      name: "hearth",
      prepare: async ({ models }) => {
        await fs.copyFile(tinyModel, path.join(models, path.basename(tinyModel)));
        await fs.copyFile(tinyFimModel, path.join(models, path.basename(tinyFimModel)));
      },
      machineSettings: ({ models }) => ({ "hearth.modelsDirectory": models }),
      userSettings: { "hearth.models.chat": path.basename(tinyFimModel), "hearth.llamaCpp.threads": 1 },
    });
    workbench = await opening;
    ({ server, page } = workbench);
  });

  afterEach(async function () {
    await workbench?.screenshotIfFailed(this.currentTest);
  });

  after(async () => {
    await closeWorkbench(opening);
  });

  const chatFrame = (): FrameLocator => page.frameLocator("iframe.webview.ready").frameLocator("#active-frame");
  const modelsView = () => page.locator(".pane", { has: page.locator(".pane-header", { hasText: /^Models/i }) });

  it("the installed VSIX carries node-llama-cpp for linux-x64 CPU only, and it runs the tiny model", async () => {
    const [extensionDir] = (await fs.readdir(server.extensionsDir)).filter((name) => name.startsWith("hearth.hearth-"));
    assert.ok(extensionDir, "Hearth is installed");
    const root = path.join(server.extensionsDir, extensionDir);
    const binaries = await fs.readdir(path.join(root, "node_modules", "@node-llama-cpp"));
    assert.deepEqual(binaries, ["linux-x64"]);
    await assert.rejects(fs.access(path.join(root, "node_modules", "node-llama-cpp", "llama", "gitRelease.bundle")));
    const all = await fs.readdir(root, { recursive: true });
    assert.deepEqual(all.filter((file) => file.endsWith(".map") || file.endsWith(".d.ts")), []);

    // Load node-llama-cpp from the installed extension, in a separate Node process, as the worker will.
    const script = `
      const { getLlama, LlamaChatSession } = await import(${JSON.stringify(path.join(root, "node_modules", "node-llama-cpp", "dist", "index.js"))});
      const llama = await getLlama({ gpu: false, build: "never", maxThreads: 1 });
      const model = await llama.loadModel({ modelPath: ${JSON.stringify(tinyFimModel)} });
      const context = await model.createContext({ contextSize: 256, threads: 1 });
      const session = new LlamaChatSession({ contextSequence: context.getSequence() });
      const answer = await session.prompt("Hello", { maxTokens: 8 });
      console.log(JSON.stringify({ answer, gpu: llama.gpu }));`;
    // From a file: node-llama-cpp tests its binary in a child process that fails under `node -e`.
    const scriptFile = path.join(workbench!.scratch, "load-model.mjs");
    await fs.writeFile(scriptFile, script);
    const { stdout } = await promisify(execFile)(process.execPath, [scriptFile], { timeout: 60_000 });
    const result = JSON.parse(stdout.trim().split("\n").at(-1)!) as { answer: string; gpu: unknown };
    assert.ok(result.answer.length > 0);
    assert.equal(result.gpu, false);
  });

  it("shows the Hearth container with its Chat and Models views", async () => {
    await page.locator('.activitybar [aria-label^="Hearth"]').first().click();
    await page.locator(".pane-header", { hasText: /^Chat/i }).first().waitFor();
    await modelsView().waitFor();

    const rows = modelsView().locator(".monaco-list-row");
    await rows.filter({ hasText: "llama-2-tiny-random.gguf" }).waitFor();
    await rows.filter({ hasText: "llama-2-tiny-random-fim.gguf" }).filter({ hasText: "1.75 MB · chat" }).waitFor();

    await chatFrame().getByText("llama.cpp (on this machine)").waitFor({ timeout: 30_000 });
    await chatFrame().getByText("Model: llama-2-tiny-random-fim.gguf").waitFor();
    await chatFrame().getByText("GPU layers").waitFor();
    await page.screenshot({ path: path.join(screenshots, "hearth-views.png") });
  });

  async function runCommand(title: string): Promise<void> {
    await page.keyboard.press("F1");
    const input = page.locator(".quick-input-widget input");
    await input.waitFor();
    await input.fill(`>${title}`);
    await page.locator(".quick-input-list .monaco-list-row", { hasText: title }).first().waitFor();
    await page.keyboard.press("Enter");
  }

  it("runs Hearth: Select Model… from the command palette and the views follow", async () => {
    await runCommand("Hearth: Select Model…");
    const input = page.locator(".quick-input-widget input");

    await page.locator(".quick-input-list .monaco-list-row", { hasText: "llama-2-tiny-random.gguf" }).waitFor();
    await page.screenshot({ path: path.join(screenshots, "select-model.png") });
    await input.fill("llama-2-tiny-random.gguf");
    await page.keyboard.press("Enter");
    await page.locator('.quick-input-list .monaco-list-row[aria-label="Inline completions"]').waitFor();
    await input.fill("Chat");
    await page.locator('.quick-input-list .monaco-list-row[aria-label="Chat"]').waitFor();
    await page.keyboard.press("Enter");

    await chatFrame().getByText("Model: llama-2-tiny-random.gguf").waitFor({ timeout: 30_000 });
    await modelsView().locator(".monaco-list-row", { hasText: "llama-2-tiny-random.gguf" }).filter({ hasText: "· chat" }).first().waitFor();
    await page.screenshot({ path: path.join(screenshots, "model-selected.png") });
  });

  it("loads the chat model in the installed extension's llama.cpp worker, and the status bar says where it runs", async () => {
    await runCommand("Hearth: Load Chat Model");
    const status = page.locator(".statusbar-item", { hasText: "llama-2-tiny-random.gguf · CPU" });
    await status.waitFor({ timeout: 60_000 });
    await page.screenshot({ path: path.join(screenshots, "model-loaded.png") });
  });

  it("tells the user what is missing when the chat model's file is deleted", async () => {
    await fs.rm(path.join(workbench!.models, path.basename(tinyModel)));
    await chatFrame().getByText(/The model file .*llama-2-tiny-random\.gguf does not exist\./).waitFor({ timeout: 30_000 });
    await modelsView().locator(".monaco-list-row", { hasText: "llama-2-tiny-random.gguf" }).waitFor({ state: "detached" });
    await chatFrame().getByRole("button", { name: "Select Model…" }).waitFor();
    await page.screenshot({ path: path.join(screenshots, "missing-model.png") });
  });
});
