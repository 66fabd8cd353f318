// The integration suite's entry point: VS Code's extension host calls run() (under code-server
// through the smoke-test driver, or under @vscode/test-electron on a desktop). It runs every
// *.test.js beside it with mocha and rejects when a test failed.
import Mocha from "mocha";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import CountingReporter from "../support/countingReporter";

export async function run(): Promise<void> {
  const mocha = new Mocha({ ui: "bdd", color: false, timeout: 30_000, reporter: CountingReporter });
  // HEARTH_INTEGRATION_FILES=completion,engine runs only those suites (when debugging one).
  const only = process.env.HEARTH_INTEGRATION_FILES?.split(",").map((name) => `${name.trim()}.test.js`);
  const files = (await fs.readdir(__dirname)).filter((name) => name.endsWith(".test.js") && (!only || only.includes(name))).sort();
  for (const file of files) mocha.addFile(path.join(__dirname, file));
  const failures = await new Promise<number>((resolve) => mocha.run(resolve));
  if (failures > 0) throw new Error(`${failures} integration test(s) failed`);
}
