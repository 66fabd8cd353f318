// The packaged VSIX the UI tests install (npm test builds it with `npm run package`).
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { repositoryRoot } from "../support/fixtures";

export async function packagedVsix(): Promise<string> {
  if (process.env.HEARTH_VSIX) return process.env.HEARTH_VSIX;
  const found = (await fs.readdir(repositoryRoot)).filter((name) => /^hearth-linux-x64-[\d.]+\.vsix$/.test(name));
  if (!found.length) throw new Error("No hearth-linux-x64-*.vsix: run `npm run package` first (npm test does).");
  return path.join(repositoryRoot, found.sort().at(-1)!);
}
