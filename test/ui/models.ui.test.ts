// UI test of downloads in the Models view: the packaged VSIX in code-server, "Hearth: Install
// Model…" from the command palette against the loopback fake hub (hearth.huggingFace.endpoint),
// a slow download whose progress shows in the view's Downloads group (screenshot under
// test-results/ui/models-downloading.png), cancelled from the tree and left as a resumable partial.
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Browser, FrameLocator, Page } from "playwright-core";
import { launchBrowser } from "../support/browser";
import { installExtension, QUIET_WORKBENCH, startCodeServer, type CodeServer } from "../support/codeServer";
import { fakeRepo, startFakeHuggingFace, type FakeHuggingFace } from "../support/fakeHuggingFace";
import { fixturesDirectory, repositoryRoot } from "../support/fixtures";
import { packagedVsix } from "./vsix";

const screenshots = path.join(repositoryRoot, "test-results", "ui");
const REPO = "hearth-test/Slow-Coder-GGUF";
const FILE = "slow-coder-q4_k_m.gguf";

describe("Models view downloads, in VS Code", function () {
  this.timeout(180_000);
  let scratch: string;
  let hub: FakeHuggingFace;
  let server: CodeServer;
  let browser: Browser;
  let page: Page;

  before(async () => {
    scratch = await fs.mkdtemp(path.join(os.tmpdir(), "hearth-models-ui-"));
    const models = path.join(scratch, "models");
    const workspace = path.join(scratch, "workspace");
    await fs.mkdir(models);
    await fs.cp(path.join(fixturesDirectory, "workspace"), workspace, { recursive: true });
    await fs.mkdir(screenshots, { recursive: true });
    // 64 MiB at 1 MiB/s: a minute of download, long enough to see and cancel.
    hub = await startFakeHuggingFace([fakeRepo(REPO, [[FILE, 64 * 1024 * 1024]])], { throttleBytesPerSecond: 1024 * 1024 });

    await installExtension(await packagedVsix(), scratch);
    server = await startCodeServer({
      scratch,
      machineSettings: { "hearth.modelsDirectory": models, "hearth.huggingFace.endpoint": hub.url },
      userSettings: { ...QUIET_WORKBENCH },
    });
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`${server.url}/?folder=${encodeURIComponent(workspace)}`);
    await page.locator(".monaco-workbench .activitybar").waitFor({ timeout: 60_000 });
  });

  afterEach(async function () {
    if (this.currentTest?.state === "failed" && page) {
      const name = this.currentTest.title.replace(/[^a-z0-9]+/gi, "-").slice(0, 60);
      await page.screenshot({ path: path.join(screenshots, `failed-${name}.png`) });
    }
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    await hub?.close();
    if (scratch) await fs.rm(scratch, { recursive: true, force: true });
  });

  const modelsView = () => page.locator(".pane", { has: page.locator(".pane-header", { hasText: /^Models/i }) });
  const chatFrame = (): FrameLocator => page.frameLocator("iframe.webview.ready").frameLocator("#active-frame");
  const quickInput = () => page.locator(".quick-input-widget input");
  const pick = async (text: string) => {
    await page.locator(".quick-input-list .monaco-list-row", { hasText: text }).first().waitFor();
    await quickInput().fill(text);
    await page.keyboard.press("Enter");
  };

  it("shows Installed and Recommended with fit marks", async () => {
    await page.locator('.activitybar [aria-label^="Hearth"]').first().click();
    await modelsView().waitFor();
    await modelsView().locator(".monaco-list-row", { hasText: "Installed" }).waitFor();
    await modelsView().locator(".monaco-list-row", { hasText: /Qwen2\.5-Coder 0\.5B Instruct.*(fits|tight|too big)/ }).waitFor();
    // With no model, the Chat view says what to do. The first webview in a fresh browser profile
    // shows nothing until VS Code's webview service worker takes control (about 6 s here), so
    // this also keeps the screenshots below from catching a Chat view that has not loaded yet.
    await chatFrame().getByText("No chat model is selected.", { exact: false }).waitFor({ timeout: 30_000 });
    await chatFrame().getByRole("button", { name: "Install Model…" }).waitFor();
  });

  it("downloads from the palette with progress in the Downloads group, and cancels to a resumable partial", async () => {
    await page.keyboard.press("F1");
    await quickInput().waitFor();
    await quickInput().fill(">Hearth: Install Model…");
    await page.locator(".quick-input-list .monaco-list-row", { hasText: "Hearth: Install Model…" }).first().waitFor();
    await page.keyboard.press("Enter");
    await pick("Search Hugging Face…");
    await page.locator(".quick-input-widget", { hasText: "Part of a repository name" }).waitFor();
    await quickInput().fill("slow-coder");
    await page.keyboard.press("Enter");
    await pick(REPO);
    await pick(FILE);

    const row = modelsView().locator(".monaco-list-row", { hasText: FILE });
    await row.filter({ hasText: /of 67\.1 MB · .*\/s/ }).waitFor({ timeout: 30_000 });
    await page.locator(".notifications-toasts", { hasText: `Downloading ${FILE}` }).waitFor();
    await page.screenshot({ path: path.join(screenshots, "models-downloading.png") });

    // The row is redrawn once a second while bytes arrive: a click that lands during a redraw is
    // lost, for a user too (who clicks again), so the test clicks again if nothing happened.
    const paused = row.filter({ hasText: "paused" });
    for (let attempt = 0; attempt < 3 && !(await paused.isVisible()); attempt++) {
      await row.hover();
      await row.locator('.action-label[aria-label="Cancel Download"]').click();
      await paused.waitFor({ timeout: 5_000 }).catch(() => undefined);
    }
    await paused.waitFor({ timeout: 10_000 });
    await page.screenshot({ path: path.join(screenshots, "models-download-paused.png") });
  });
});
