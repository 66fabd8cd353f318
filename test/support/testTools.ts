// Where scripts/install-test-tools.sh put Node 24, code-server and Chromium (it writes tools.env).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export interface TestTools {
  readonly node24: string;
  readonly codeServerEntry: string;
  readonly chromium: string;
}

export function testTools(): TestTools {
  const cache = process.env.HEARTH_CACHE ?? path.join(os.homedir(), ".cache", "hearth");
  const file = path.join(cache, "tools.env");
  if (!fs.existsSync(file)) {
    throw new Error(`${file} is missing: run scripts/install-test-tools.sh first (npm test does).`);
  }
  const values = Object.fromEntries(
    fs
      .readFileSync(file, "utf8")
      .split("\n")
      .filter((line) => line.includes("="))
      .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
  ) as Record<string, string>;
  return { node24: values.HEARTH_NODE24, codeServerEntry: values.HEARTH_CODE_SERVER, chromium: values.HEARTH_CHROMIUM };
}
