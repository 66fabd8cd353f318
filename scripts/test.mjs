// `npm test`: all three test layers, then one line "N passed, N failed" that counts them all.
//   unit         mocha on plain Node (test/unit)
//   integration  mocha inside a real VS Code extension host: code-server (test/integration)
//   ui           Playwright + Chromium against code-server with the packaged VSIX (test/ui)
// `node scripts/test.mjs unit ui` runs only the layers named. Works on a fresh clone: it installs
// the npm dependencies and the test tools (scripts/install-test-tools.sh) when they are missing.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const LAYERS = ["unit", "integration", "ui"];
const requested = process.argv.slice(2);
for (const layer of requested) {
  if (!LAYERS.includes(layer)) {
    console.error(`Unknown test layer "${layer}"; choose from ${LAYERS.join(", ")}.`);
    process.exit(2);
  }
}
const layers = requested.length ? requested : LAYERS;
const results = "test-results";
mkdirSync(results, { recursive: true });
rmSync(join(results, "summary.json"), { force: true });

function run(command, args, env = {}) {
  const started = Date.now();
  const { status } = spawnSync(command, args, { stdio: "inherit", env: { ...process.env, ...env } });
  return { ok: status === 0, seconds: (Date.now() - started) / 1000 };
}

function step(title, command, args, env) {
  console.log(`\n=== ${title}`);
  const result = run(command, args, env);
  if (!result.ok) {
    console.error(`\n${title} failed.`);
    console.log("0 passed, 1 failed");
    process.exit(1);
  }
}

if (!existsSync("node_modules/.package-lock.json")) step("Installing npm dependencies", "npm", ["install", "--no-audit", "--no-fund"]);
if (layers.some((layer) => layer !== "unit")) step("Installing test tools", "bash", ["scripts/install-test-tools.sh"]);
step("Building", "node", ["esbuild.js"]);
step("Compiling tests", "npx", ["tsc", "-p", "."]);

const mocha = ["mocha", "--reporter", "./out/test/support/countingReporter.js"];
const commands = {
  unit: () => run("npx", [...mocha, "--timeout", "60000", "out/test/unit/**/*.test.js"], { HEARTH_RESULTS_FILE: `${results}/unit.json` }),
  integration: () =>
    run("node", ["out/test/integration/runInCodeServer.js"], {
      HEARTH_RESULTS_FILE: `${results}/integration.json`,
      HEARTH_METRICS_FILE: `${results}/integration-metrics.json`,
    }),
  ui: () => {
    // The CPU build the UI tests install (GPU builds, hearth-linux-x64-cuda-…, are left alone).
    for (const old of readdirSync(".").filter((name) => /^hearth-linux-x64-\d[\w.-]*\.vsix$/.test(name))) rmSync(old);
    const packaged = run("npm", ["run", "package"]);
    if (!packaged.ok) return packaged;
    return run("npx", [...mocha, "--timeout", "120000", "out/test/ui/**/*.test.js"], { HEARTH_RESULTS_FILE: `${results}/ui.json` });
  },
};

const rows = [];
for (const layer of layers) {
  console.log(`\n=== ${layer} tests`);
  rmSync(`${results}/${layer}.json`, { force: true });
  const { seconds } = commands[layer]();
  const file = `${results}/${layer}.json`;
  // A layer that crashed before mocha reported counts as one failure.
  const counts = existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : { passed: 0, failed: 1, crashed: true };
  rows.push({ layer, ...counts, seconds });
}

console.log("\n=== Summary");
for (const { layer, passed, failed, pending, crashed, seconds } of rows) {
  const note = crashed ? "  (did not finish: see the output above)" : pending ? `  (${pending} pending)` : "";
  console.log(`${layer.padEnd(12)} ${String(passed).padStart(4)} passed ${String(failed).padStart(4)} failed ${seconds.toFixed(0).padStart(5)} s${note}`);
}
const metricsFile = `${results}/integration-metrics.json`;
if (layers.includes("integration") && existsSync(metricsFile)) {
  console.log(`activation   ${JSON.parse(readFileSync(metricsFile, "utf8")).activationMs.toFixed(1)} ms (measured in the integration suite)`);
}
const vsix = readdirSync(".").find((name) => /^hearth-linux-x64-\d[\w.-]*\.vsix$/.test(name));
if (layers.includes("ui") && vsix) console.log(`vsix         ${vsix}: ${(statSync(vsix).size / 1e6).toFixed(1)} MB`);
const passed = rows.reduce((sum, row) => sum + row.passed, 0);
const failed = rows.reduce((sum, row) => sum + row.failed, 0);
writeFileSync(join(results, "summary.json"), JSON.stringify({ passed, failed, layers: rows }, null, 2));
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
