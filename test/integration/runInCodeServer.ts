// Runs the integration suite (index.ts) inside a real VS Code extension host: code-server with
// VS Code's smoke-test driver, opened by Chromium with an extensionTestsPath payload. The
// extension host's console comes back through codeAutomationLog; codeAutomationExit ends it.
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { format } from "node:util";
import { launchBrowser } from "../support/browser";
import { startCodeServer } from "../support/codeServer";
import { fixturesDirectory, repositoryRoot } from "../support/fixtures";

const TIMEOUT_MS = 10 * 60_000;

async function main(): Promise<number> {
  const scratch = await fs.mkdtemp(path.join(os.tmpdir(), "hearth-integration-"));
  const workspace = path.join(scratch, "workspace");
  await fs.cp(path.join(fixturesDirectory, "workspace"), workspace, { recursive: true });
  const server = await startCodeServer({
    scratch,
    args: ["--vscode-option", "enable-smoke-test-driver"],
    env: {
      ...(process.env.HEARTH_RESULTS_FILE ? { HEARTH_RESULTS_FILE: process.env.HEARTH_RESULTS_FILE } : {}),
      ...(process.env.HEARTH_METRICS_FILE ? { HEARTH_METRICS_FILE: process.env.HEARTH_METRICS_FILE } : {}),
      HEARTH_TEST_SCRATCH: scratch,
      ...(process.env.HEARTH_INTEGRATION_FILES ? { HEARTH_INTEGRATION_FILES: process.env.HEARTH_INTEGRATION_FILES } : {}),
    },
  });
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage();
    let finish: (code: number) => void = () => undefined;
    const exited = new Promise<number>((resolve) => (finish = resolve));
    const consoleLog = path.join(repositoryRoot, "test-results", "integration-console.log");
    await fs.mkdir(path.dirname(consoleLog), { recursive: true });
    await fs.writeFile(consoleLog, "");
    await page.exposeFunction("codeAutomationLog", (type: string, args: unknown[]) => {
      const text = format(...args);
      void fs.appendFile(consoleLog, `[${type}] ${text}\n`);
      // The workbench's own complaints about the offline marketplace and GitHub go to the log file only.
      if (!isWorkbenchNoise(text)) (type === "error" ? process.stderr : process.stdout).write(`${text}\n`);
    });
    await page.exposeFunction("codeAutomationExit", (code: number) => finish(code));
    const remote = (file: string) => `vscode-remote://${server.host}${file}`;
    const payload = JSON.stringify([
      ["extensionDevelopmentPath", remote(repositoryRoot)],
      ["extensionTestsPath", remote(__dirname)],
      ["skipWelcome", "true"],
    ]);
    await page.goto(`${server.url}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(payload)}`);
    const timeout = new Promise<number>((resolve) =>
      setTimeout(() => {
        console.error(`The integration suite did not finish in ${TIMEOUT_MS / 60_000} minutes.`);
        resolve(1);
      }, TIMEOUT_MS).unref(),
    );
    const code = await Promise.race([exited, timeout]);
    if (code !== 0) console.error(`\nThe end of Hearth's log (all of it: test-results/integration-hearth.log):\n${(await keepHearthLog(server.userDataDir)).split("\n").slice(-40).join("\n")}`);
    return code;
  } finally {
    await browser.close();
    await server.stop();
    await keepHearthLog(server.userDataDir);
    await fs.rm(scratch, { recursive: true, force: true });
  }
}

/**
 * Hearth's own output channel (its log of loads, requests and failures) kept under test-results/,
 * so a failed CI run says what the engine did; the scratch folder it was written in goes.
 */
async function keepHearthLog(userDataDir: string): Promise<string> {
  const logs = path.join(userDataDir, "logs");
  const entries = await fs.readdir(logs, { recursive: true }).catch(() => [] as string[]);
  const hearthLogs = entries.filter((entry) => /(^|[\\/])Hearth\.log$/.test(entry));
  const texts = await Promise.all(hearthLogs.map((entry) => fs.readFile(path.join(logs, entry), "utf8").catch(() => "")));
  const kept = path.join(repositoryRoot, "test-results", "integration-hearth.log");
  // A trail, never a new failure: a run that failed before test-results/ existed still cleans up.
  await fs
    .mkdir(path.dirname(kept), { recursive: true })
    .then(() => fs.writeFile(kept, texts.join("\n")))
    .catch(() => undefined);
  return texts.join("\n");
}

function isWorkbenchNoise(text: string): boolean {
  return /^\[[\w :-]+\]|ENOTFOUND|getaddrinfo|open-vsx\.org|marketplace|^\s+at |^Updating additional builtin|^Creating a socket/.test(text);
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
