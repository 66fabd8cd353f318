// Inline completions as a user sees them: the packaged VSIX in a real VS Code (code-server) in
// Chromium. The user types a new function; ghost text from the completion model appears in the
// editor and Tab accepts it. The model is an OpenAI-compatible server on loopback whose
// completion is scripted, so the screenshot shows readable code.
import * as assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Browser, Page } from "playwright-core";
import { launchBrowser } from "../support/browser";
import { installExtension, QUIET_WORKBENCH, startCodeServer, type CodeServer } from "../support/codeServer";
import { startFakeOpenAiServer, type FakeOpenAiServer } from "../support/fakeOpenAiServer";
import { fixturesDirectory, repositoryRoot } from "../support/fixtures";
import { openFileAtNewLastLine } from "../support/workbench";
import { packagedVsix } from "./vsix";

const screenshots = path.join(repositoryRoot, "test-results", "ui");

describe("Hearth inline completions in VS Code", function () {
  this.timeout(120_000);
  let scratch: string;
  let server: CodeServer;
  let browser: Browser;
  let page: Page;
  let model: FakeOpenAiServer;

  before(async () => {
    scratch = await fs.mkdtemp(path.join(os.tmpdir(), "hearth-ui-completion-"));
    const workspace = path.join(scratch, "workspace");
    await fs.cp(path.join(fixturesDirectory, "workspace"), workspace, { recursive: true });
    await fs.mkdir(screenshots, { recursive: true });
    model = await startFakeOpenAiServer({ models: ["coder"], words: ["return", " a", " *", " b;"] });
    await installExtension(await packagedVsix(), scratch);
    server = await startCodeServer({
      scratch,
      machineSettings: { "hearth.openai.baseUrl": `${model.url}/v1` },
      userSettings: { "hearth.backend": "openai", "hearth.models.completion": "coder", ...QUIET_WORKBENCH },
    });
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`${server.url}/?folder=${encodeURIComponent(workspace)}`);
    await page.locator(".monaco-workbench .activitybar").waitFor({ timeout: 60_000 });
  });

  afterEach(async function () {
    if (this.currentTest?.state === "failed" && page) await page.screenshot({ path: path.join(screenshots, "failed-completion.png") });
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    await model?.close();
    if (scratch) await fs.rm(scratch, { recursive: true, force: true });
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
