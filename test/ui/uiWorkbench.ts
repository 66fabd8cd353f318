// The packaged Hearth in a real VS Code, opened the way every UI suite needs it: a scratch folder
// with a workspace (the fixture one, or empty) and a models folder, the VSIX installed as a user
// installs it, code-server with the suite's settings, and Chromium on the workbench. A failed
// test leaves a screenshot under test-results/ui; close() stops and removes everything. Suites
// keep the promise (a before() that times out still lets after() close what it opens later):
//   const opening = openWorkbench({…});  …  after(() => closeWorkbench(opening));
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Browser, Page } from "playwright-core";
import { launchBrowser } from "../support/browser";
import { installExtension, QUIET_WORKBENCH, startCodeServer, type CodeServer } from "../support/codeServer";
import { fixturesDirectory, repositoryRoot } from "../support/fixtures";
import { packagedVsix } from "./vsix";

export const screenshots = path.join(repositoryRoot, "test-results", "ui");

export interface WorkbenchFolders {
  readonly scratch: string;
  readonly workspace: string;
  /** An empty folder for GGUF files (the suite points hearth.modelsDirectory at it if it wants). */
  readonly models: string;
}

export interface WorkbenchSetup {
  /** Names the scratch folder and the screenshots of failed tests. */
  readonly name: string;
  /** An empty workspace folder instead of the fixture workspace. */
  readonly emptyWorkspace?: boolean;
  /** Puts files in place before VS Code starts (models, for instance). */
  readonly prepare?: (folders: WorkbenchFolders) => Promise<void>;
  /** Settings of the machine code-server runs on (see CodeServerOptions.machineSettings). */
  readonly machineSettings?: (folders: WorkbenchFolders) => Record<string, unknown>;
  /** User settings, over QUIET_WORKBENCH. */
  readonly userSettings?: Record<string, unknown>;
  /** Sees the page before it opens the workbench (to record its requests, say). */
  readonly beforeOpen?: (page: Page) => void;
}

export interface UiWorkbench extends WorkbenchFolders {
  readonly server: CodeServer;
  readonly browser: Browser;
  readonly page: Page;
  /** A screenshot of the page when `test` failed, named after the suite and the test. */
  screenshotIfFailed(test: Mocha.Test | undefined): Promise<void>;
  close(): Promise<void>;
}

export async function openWorkbench(setup: WorkbenchSetup): Promise<UiWorkbench> {
  const scratch = await fs.mkdtemp(path.join(os.tmpdir(), `hearth-ui-${setup.name}-`));
  const folders: WorkbenchFolders = { scratch, workspace: path.join(scratch, "workspace"), models: path.join(scratch, "models") };
  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  // Each step runs even when the one before failed: a browser that will not close still leaves
  // code-server stopped and the scratch folder gone.
  const close = async () => {
    try {
      await browser?.close();
    } finally {
      try {
        await server?.stop();
      } finally {
        await fs.rm(scratch, { recursive: true, force: true });
      }
    }
  };
  try {
    if (setup.emptyWorkspace) await fs.mkdir(folders.workspace);
    else await fs.cp(path.join(fixturesDirectory, "workspace"), folders.workspace, { recursive: true });
    await fs.mkdir(folders.models);
    await fs.mkdir(screenshots, { recursive: true });
    await setup.prepare?.(folders);
    await installExtension(await packagedVsix(), scratch);
    server = await startCodeServer({
      scratch,
      machineSettings: setup.machineSettings?.(folders) ?? {},
      userSettings: { ...QUIET_WORKBENCH, ...setup.userSettings },
    });
    browser = await launchBrowser();
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    setup.beforeOpen?.(page);
    await page.goto(`${server.url}/?folder=${encodeURIComponent(folders.workspace)}`);
    await page.locator(".monaco-workbench .activitybar").waitFor({ timeout: 60_000 });
    return {
      ...folders,
      server,
      browser,
      page,
      screenshotIfFailed: async (test) => {
        if (test?.state !== "failed") return;
        const name = test.title.replace(/[^a-z0-9]+/gi, "-").slice(0, 60);
        await page.screenshot({ path: path.join(screenshots, `failed-${setup.name}-${name}.png`) });
      },
      close,
    };
  } catch (error) {
    // The suite never gets a workbench to close: what was started stops here, and the first error is the one reported.
    await close().catch(() => undefined);
    throw error;
  }
}

/** Closes a workbench once it has opened; nothing to do for one that failed to open (it closed itself). */
export async function closeWorkbench(opening: Promise<UiWorkbench> | undefined): Promise<void> {
  const workbench = await opening?.catch(() => undefined);
  await workbench?.close();
}
