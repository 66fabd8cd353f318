// The sidebar chat as a user sees it: the packaged VSIX in a real VS Code (code-server) in
// Chromium, talking to an OpenAI-compatible server on loopback whose answers are scripted
// (streamed slowly, with code blocks, or carrying hostile HTML), so what the page shows is known.
import * as assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import type { FrameLocator, Page, Request } from "playwright-core";
import { startFakeOpenAiServer, type FakeOpenAiServer } from "../support/fakeOpenAiServer";
import { startLoopbackServer, type LoopbackServer } from "../support/loopbackServer";
import { hostileAnswer, scriptedAnswer } from "../support/scriptedAnswers";
import { openFileAtNewLastLine } from "../support/workbench";
import { closeWorkbench, openWorkbench, screenshots, type UiWorkbench } from "./uiWorkbench";

describe("Hearth chat in VS Code", function () {
  this.timeout(120_000);
  let opening: Promise<UiWorkbench> | undefined;
  let workbench: UiWorkbench | undefined;
  let workspace: string;
  let page: Page;
  let model: FakeOpenAiServer;
  /** Where hostile answers try to load things from; nothing may ever reach it. */
  let attacker: LoopbackServer;
  const requests: string[] = [];

  before(async () => {
    attacker = await startLoopbackServer((_request, response) => response.end("pwned"));
    model = await startFakeOpenAiServer({ models: ["coder"], delayMs: 40, reply: (question) => (/hostile/i.test(question) ? hostileAnswer(attacker.url) : scriptedAnswer(question)) });
    opening = openWorkbench({
      name: "chat",
      machineSettings: () => ({ "hearth.openai.baseUrl": `${model.url}/v1` }),
      userSettings: { "hearth.backend": "openai", "hearth.models.chat": "coder", "files.simpleDialog.enable": true },
      beforeOpen: (opened) => opened.on("request", (request: Request) => requests.push(request.url())),
    });
    workbench = await opening;
    ({ workspace, page } = workbench);
    await openChat();
  });

  afterEach(async function () {
    await workbench?.screenshotIfFailed(this.currentTest);
  });

  after(async () => {
    await closeWorkbench(opening);
    await model?.close();
    await attacker?.close();
  });

  const chat = (): FrameLocator => page.frameLocator("iframe.webview.ready").frameLocator("#active-frame");
  const question = () => chat().locator("textarea#question");
  const lastAnswer = () => chat().locator(".message.assistant").last();

  async function openChat(): Promise<void> {
    await page.locator('.activitybar [aria-label^="Hearth"]').first().click();
    await question().waitFor({ timeout: 30_000 });
  }

  async function ask(text: string): Promise<void> {
    await question().fill(text);
    await question().press("Enter");
  }

  it("streams an answer: text appears while it is still being written, then code blocks and what it cost", async () => {
    await ask("Show me a sum function in TypeScript");
    const answer = lastAnswer();
    // Part of the answer is on screen while the answer is still streaming.
    await answer.and(chat().locator('[data-status="streaming"]')).filter({ hasText: "Here is" }).waitFor({ timeout: 30_000 });
    await chat().locator('.message.assistant[data-status="complete"]').last().waitFor({ timeout: 30_000 });
    await answer.locator("pre code .hljs-keyword").first().waitFor();
    const usage = await answer.locator(".usage").textContent();
    assert.match(usage ?? "", /coder/);
    assert.match(usage ?? "", /9 prompt tokens/);
    await page.screenshot({ path: path.join(screenshots, "chat-answer.png") });
  });

  it("inserts a code block into the editor at the cursor", async () => {
    const editor = await openFileAtNewLastLine(page, "example.ts", "export function add");
    await lastAnswer().getByRole("button", { name: "Insert at cursor" }).first().click();
    await editor.locator(".view-lines").filter({ hasText: "function sum(numbers: number[])" }).waitFor({ timeout: 10_000 });
    await page.screenshot({ path: path.join(screenshots, "chat-inserted.png") });
  });

  it("stops an answer mid-stream and keeps what was written", async () => {
    await ask("Write a long essay about loops");
    await lastAnswer().and(chat().locator('[data-status="streaming"]')).filter({ hasText: "Loops" }).waitFor({ timeout: 30_000 });
    await question().press("Escape");
    await chat().locator('.message.assistant[data-status="stopped"]').last().waitFor({ timeout: 10_000 });
    const kept = (await lastAnswer().textContent()) ?? "";
    assert.match(kept, /Loops/);
    assert.doesNotMatch(kept, /The end\./, "the answer did not run to its end");
  });

  it("shows the conversation again after the window reloads, even in the middle of an answer", async () => {
    await ask("Write a long essay about loops, again");
    await lastAnswer().and(chat().locator('[data-status="streaming"]')).filter({ hasText: "Loops" }).waitFor({ timeout: 30_000 });
    await page.reload();
    await page.locator(".monaco-workbench .activitybar").waitFor({ timeout: 60_000 });
    await openChat();
    await chat().locator(".message.user", { hasText: "Show me a sum function in TypeScript" }).first().waitFor({ timeout: 30_000 });
    await chat().locator(".message.assistant .usage").first().waitFor();
    // The answer cut by the reload is kept, and no longer shown as being written: the chat goes on.
    const cut = lastAnswer();
    await cut.filter({ hasText: "Loops" }).waitFor();
    assert.notEqual(await cut.getAttribute("data-status"), "streaming");
    await ask("Show me a sum function in TypeScript, please");
    await chat().locator('.message.assistant[data-status="complete"]', { hasText: "Here is" }).last().waitFor({ timeout: 30_000 });
  });

  it("exports the conversation to JSON, imports it back, and lists both in the history", async () => {
    const file = path.join(workspace, "exported.json");
    await chat().getByRole("button", { name: "Export as JSON" }).click();
    await fillSimpleFileDialog(file);
    await waitForFile(file);
    const exported = JSON.parse(await fs.readFile(file, "utf8")) as { format: string; messages: unknown[] };
    assert.equal(exported.format, "hearth.conversation");
    assert.ok(exported.messages.length >= 8);

    await chat().getByRole("button", { name: "Import conversation" }).click();
    await fillSimpleFileDialog(file);
    await chat().getByRole("button", { name: "History" }).click();
    const rows = chat().locator(".history-item", { hasText: "Show me a sum function" });
    await rows.nth(1).waitFor({ timeout: 15_000 });
    await page.screenshot({ path: path.join(screenshots, "chat-history.png") });
    await rows.first().click();
    await chat().locator(".message.user", { hasText: "Show me a sum function in TypeScript" }).first().waitFor();
  });

  it("renders hostile model output inert: nothing runs, nothing loads, nothing navigates", async () => {
    await chat().getByRole("button", { name: "New conversation" }).click();
    const before = requests.length;
    await ask("Give me a hostile answer");
    await chat().locator('.message.assistant[data-status="complete"]').last().waitFor({ timeout: 30_000 });
    const answer = lastAnswer();
    await answer.getByText("all done").waitFor();
    // The javascript: link is not a link any more; clicking what is left does nothing either.
    await answer.getByText("click me").click();
    await page.waitForTimeout(1_000);
    assert.equal(await answer.locator("script, iframe, img, svg, meta, form, object, embed, [style], [onerror]").count(), 0);
    assert.equal(await answer.locator('a[href^="javascript:"], a[href^="data:"]').count(), 0);
    // The chat's own document (VS Code's webview iframe holds it in an inner frame): no script set the flag.
    const frames = page.frames().filter((candidate) => candidate.url().includes("fake.html"));
    const chatDocument = await Promise.all(frames.map(async (candidate) => ((await candidate.locator("textarea#question").count()) ? candidate : undefined)));
    const frame = chatDocument.find((candidate) => candidate !== undefined);
    assert.ok(frame, "found the chat view's document");
    assert.equal(await frame.evaluate(() => (window as unknown as { pwned?: boolean }).pwned), undefined);
    assert.deepEqual(attacker.requests, [], "the attacker's server was never reached");
    const leaked = requests.slice(before).filter((url) => url.includes(attacker.url) || url.includes("evil.example"));
    assert.deepEqual(leaked, [], "no request to a remote host left the page");
    await page.screenshot({ path: path.join(screenshots, "chat-hostile.png") });
  });

  /** VS Code's own (simple) file dialog: a quick input that takes a path. */
  async function fillSimpleFileDialog(file: string): Promise<void> {
    const input = page.locator(".quick-input-widget input");
    await input.waitFor();
    // The dialog fills in its starting folder (and file name) a moment after it opens, which can
    // land on top of what was typed: type until the path has stayed as typed for a while.
    const value = () => input.inputValue();
    let steady = 0;
    for (let attempt = 0; attempt < 20 && steady < 2; attempt++) {
      if ((await value()) === file) steady++;
      else {
        steady = 0;
        await input.fill(file);
      }
      await page.waitForTimeout(300);
    }
    assert.equal(await value(), file);
    await page.keyboard.press("Enter");
    await input.waitFor({ state: "hidden", timeout: 10_000 });
  }
});

async function waitForFile(file: string): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    if (await fs.access(file).then(() => true, () => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${file} was not written`);
}
