// Runs the same integration suite through @vscode/test-electron, which downloads desktop VS Code:
// for machines that can reach VS Code's download servers (these CI machines cannot, so npm test
// runs the suite in code-server instead; see runInCodeServer.ts).
import { runTests } from "@vscode/test-electron";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fixturesDirectory, repositoryRoot } from "../support/fixtures";

async function main(): Promise<void> {
  const scratch = await fs.mkdtemp(path.join(os.tmpdir(), "hearth-electron-"));
  const workspace = path.join(scratch, "workspace");
  await fs.cp(path.join(fixturesDirectory, "workspace"), workspace, { recursive: true });
  try {
    await runTests({
      extensionDevelopmentPath: repositoryRoot,
      extensionTestsPath: __dirname,
      launchArgs: [workspace, "--disable-extensions", "--disable-workspace-trust", "--user-data-dir", path.join(scratch, "user-data")],
    });
  } finally {
    await fs.rm(scratch, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
