// Inline completions as a user sees them: the packaged VSIX in a real VS Code (code-server) in
// Chromium. The user types a new function; ghost text from the completion model appears in the
// editor and Tab accepts it. The model is an OpenAI-compatible server on loopback whose
// completion is scripted, so the screenshot shows readable code.
import * as assert from "node:assert/strict";
import * as path from "node:path";
import type { Page } from "playwright-core";
import { startFakeOpenAiServer, type FakeOpenAiServer } from "../support/fakeOpenAiServer";
import { openFileAtNewLastLine } from "../support/workbench";
import { closeWorkbench, openWorkbench, screenshots, type UiWorkbench } from "./uiWorkbench";

describe("Hearth inline completions in VS Code", function () {
  this.timeout(120_000);
  let opening: Promise<UiWorkbench> | undefined;
  let workbench: UiWorkbench | undefined;
  let page: Page;
  let model: FakeOpenAiServer;

  before(async () => {
    model = await startFakeOpenAiServer({ models: ["coder"], words: ["return", " a", " *", " b;"] });
    opening = openWorkbench({
      name: "completion",
      machineSettings: () => ({ "hearth.openai.baseUrl": `${model.url}/v1` }),
      userSettings: { "hearth.backend": "openai", "hearth.models.completion": "coder" },
    });
    workbench = await opening;
    page = workbench.page;
  });

  afterEach(async function () {
    await workbench?.screenshotIfFailed(this.currentTest);
  });

  after(async () => {
    await closeWorkbench(opening);
    await model?.close();
  });

  it("ghost text appears as the user types, and Tab accepts it", async () => {
    const editor = await openFileAtNewLastLine(page, "example.ts", "export function add");
    // The editor closes the brace; Enter between the braces leaves the cursor on an indented empty line.
    await page.keyboard.type("export function multiply(a: number, b: number): number {", { delay: 30 });
    await page.keyboard.press("Enter");

    // Ghost text is drawn in pieces (one per token colour) inside the cursor's line.
    const ghost = editor.locator("[class*='ghost-text']");
    await ghost.first().waitFor({ timeout: 20_000 });
    await editor.locator(".view-lines").filter({ hasText: "return a * b;" }).waitFor();
    assert.match((await ghost.allInnerTexts()).join("").replace(/\u00a0/g, " "), /return a \* b;/); // Monaco draws spaces as no-break spaces
    // The engine's status bar item does not change for a completion.
    assert.match((await page.locator(".statusbar").innerText()).replace(/\s+/g, " "), /no model/);
    await page.screenshot({ path: path.join(screenshots, "completion-ghost-text.png") });

    await page.keyboard.press("Tab");
    // Accepted: the text is in the document now, not ghost text any more.
    await ghost.first().waitFor({ state: "detached", timeout: 10_000 });
    const lines = (await editor.locator(".view-lines").innerText()).replace(/\u00a0/g, " ").split("\n").map((line) => line.trim());
    assert.ok(lines.includes("return a * b;"), lines.join("\n"));
    await page.screenshot({ path: path.join(screenshots, "completion-accepted.png") });
  });
});
