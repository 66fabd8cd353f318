// Hearth's models in VS Code's own chat, as a user meets them: the packaged VSIX in a real VS Code
// (code-server 4.139.1, VS Code 1.139 with its built-in chat) in Chromium, no GitHub sign-in
// (chat.allowAnonymousAccess), the fixture GGUF model in the models folder. The user opens the
// chat, picks Hearth's model in the model picker and asks; the real llama.cpp worker answers
// (random weights: the words are nonsense, the path is real).
import * as assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import type { Page } from "playwright-core";
import { tinyFimModel } from "../support/fixtures";
import { closeWorkbench, openWorkbench, screenshots, type UiWorkbench } from "./uiWorkbench";

describe("Hearth's models in VS Code's chat", function () {
  this.timeout(120_000);
  let opening: Promise<UiWorkbench> | undefined;
  let workbench: UiWorkbench | undefined;
  let page: Page;

  before(async () => {
    opening = openWorkbench({
      name: "vscode-chat",
      emptyWorkspace: true,
      prepare: ({ models }) => fs.copyFile(tinyFimModel, path.join(models, "tiny-fim.gguf")),
      machineSettings: ({ models }) => ({ "hearth.modelsDirectory": models }),
      userSettings: {
        // VS Code's chat on, without a GitHub account.
        "chat.disableAIFeatures": false,
        "chat.allowAnonymousAccess": true,
        "hearth.backend": "llamaCpp",
        "hearth.models.chat": "tiny-fim.gguf",
        "hearth.llamaCpp.threads": 1,
        "hearth.chat.maxAnswerTokens": 48,
      },
    });
    workbench = await opening;
    page = workbench.page;
  });

  afterEach(async function () {
    await workbench?.screenshotIfFailed(this.currentTest);
  });

  after(async () => {
    await closeWorkbench(opening);
  });

  async function runCommand(title: string): Promise<void> {
    await page.keyboard.press("F1");
    await page.locator(".quick-input-widget input").fill(`>${title}`);
    await page.locator(".quick-input-list .monaco-list-row", { hasText: title }).first().waitFor();
    await page.keyboard.press("Enter");
  }

  it("answers a question with Hearth's model picked in the model picker, without a sign-in", async () => {
    await runCommand("Chat: Open Chat");
    const input = page.locator(".interactive-input-part").first();
    await input.waitFor({ timeout: 30_000 });
    const askMode = input.locator("a.action-label[aria-label='Ask']");
    const picker = input.locator("a.model-picker-name");
    const hearthModel = page.locator(".chat-model-picker-dropdown .monaco-list-row", { hasText: "tiny-fim" }).first();
    // Ask mode, which lists every chat model (agent mode lists only models that can call tools).
    // A new chat without a sign-in switches to agent mode once Copilot's extension has started,
    // and the picker's list fills in as vendors' models arrive: both are retried.
    for (let attempt = 0; attempt < 30 && !(await hearthModel.isVisible()); attempt++) {
      await page.keyboard.press("Escape");
      if (!(await askMode.isVisible())) {
        await runCommand("Chat: Open Chat (Ask)");
        await askMode.waitFor({ timeout: 3_000 }).catch(() => undefined);
      }
      await picker.click();
      await hearthModel.waitFor({ timeout: 2_000 }).catch(() => undefined);
    }
    // VS Code's model picker lists Hearth's model, with where it runs beside it.
    assert.match(await hearthModel.innerText({ timeout: 1_000 }), /tiny-fim\s+llama\.cpp · 1\.75 MB/);
    await page.screenshot({ path: path.join(screenshots, "vscode-chat-model-picker.png") });
    await hearthModel.click();
    await picker.and(page.locator("[aria-label='Models, tiny-fim']")).waitFor({ timeout: 10_000 });
    await askMode.waitFor({ timeout: 1_000 });
    await input.locator(".monaco-editor").first().click();

    await page.keyboard.type("What is a prime number?");
    await page.keyboard.press("Enter");
    const answer = page.locator(".interactive-item-container.interactive-response").last();
    await answer.waitFor({ timeout: 30_000 });
    // The engine's status bar item shows the speed once the request has finished.
    await page.locator(".statusbar").filter({ hasText: /tiny-fim\.gguf · CPU · \d+ tok\/s/ }).waitFor({ timeout: 60_000 });
    const text = (await answer.innerText()).trim();
    assert.ok(text.length > 0, "VS Code's chat shows an answer");
    assert.doesNotMatch(text, /sign in|Language model unavailable/i);
    await page.screenshot({ path: path.join(screenshots, "vscode-chat-hearth.png") });
  });
});
