// UI test of downloads in the Models view: the packaged VSIX in code-server, "Hearth: Install
// Model…" from the command palette against the loopback fake hub (hearth.huggingFace.endpoint),
// a slow download whose progress shows in the view's Downloads group (screenshot under
// test-results/ui/models-downloading.png), cancelled from the tree and left as a resumable partial.
import * as path from "node:path";
import type { FrameLocator, Page } from "playwright-core";
import { fakeRepo, startFakeHuggingFace, type FakeHuggingFace } from "../support/fakeHuggingFace";
import { closeWorkbench, openWorkbench, screenshots, type UiWorkbench } from "./uiWorkbench";

const REPO = "hearth-test/Slow-Coder-GGUF";
const FILE = "slow-coder-q4_k_m.gguf";

describe("Models view downloads, in VS Code", function () {
  this.timeout(180_000);
  let opening: Promise<UiWorkbench> | undefined;
  let workbench: UiWorkbench | undefined;
  let hub: FakeHuggingFace;
  let page: Page;

  before(async () => {
    // 64 MiB at 1 MiB/s: a minute of download, long enough to see and cancel.
    hub = await startFakeHuggingFace([fakeRepo(REPO, [[FILE, 64 * 1024 * 1024]])], { throttleBytesPerSecond: 1024 * 1024 });
    opening = openWorkbench({
      name: "models",
      machineSettings: ({ models }) => ({ "hearth.modelsDirectory": models, "hearth.huggingFace.endpoint": hub.url }),
    });
    workbench = await opening;
    page = workbench.page;
  });

  afterEach(async function () {
    await workbench?.screenshotIfFailed(this.currentTest);
  });

  after(async () => {
    await closeWorkbench(opening);
    await hub?.close();
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
