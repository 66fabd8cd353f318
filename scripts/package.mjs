// Builds the platform VSIX: `npm run package [-- --gpu cuda,vulkan] [--out FILE]`.
// The VSIX carries node-llama-cpp with the linux-x64 CPU binary only; GPU variants are added
// only when asked for with --gpu, since each is tens to hundreds of MB. vsce runs the
// production build (vscode:prepublish) itself.
import { spawnSync } from "node:child_process";
import { readFileSync, statSync, writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";

const TARGET = "linux-x64";
const GPU_PACKAGES = { cuda: ["linux-x64-cuda", "linux-x64-cuda-ext"], vulkan: ["linux-x64-vulkan"] };
const ALL_BINARY_PACKAGES = ["linux-x64", "linux-arm64", "linux-armv7l", ...Object.values(GPU_PACKAGES).flat()];

const { values } = parseArgs({ options: { gpu: { type: "string", default: "" }, out: { type: "string" } } });
const gpus = values.gpu.split(",").map((gpu) => gpu.trim()).filter(Boolean);
for (const gpu of gpus) {
  if (!(gpu in GPU_PACKAGES)) {
    console.error(`Unknown GPU variant "${gpu}"; choose from ${Object.keys(GPU_PACKAGES).join(", ")}.`);
    process.exit(2);
  }
}

const { version } = JSON.parse(readFileSync("package.json", "utf8"));
const kept = new Set([TARGET, ...gpus.flatMap((gpu) => GPU_PACKAGES[gpu])]);
const dropped = ALL_BINARY_PACKAGES.filter((name) => !kept.has(name));
const suffix = gpus.length ? `-${gpus.join("-")}` : "";
const out = values.out ?? `hearth-${TARGET}${suffix}-${version}.vsix`;

const scratch = mkdtempSync(join(tmpdir(), "hearth-package-"));
const ignoreFile = join(scratch, ".vscodeignore");
writeFileSync(
  ignoreFile,
  readFileSync(".vscodeignore", "utf8") +
    "\n# Added by scripts/package.mjs: binaries of other platforms and GPU variants.\n" +
    dropped.map((name) => `node_modules/@node-llama-cpp/${name}/**\n`).join(""),
);

const result = spawnSync(
  "npx",
  ["vsce", "package", "--target", TARGET, "--ignoreFile", ignoreFile, "--out", out, "--skip-license", "--allow-missing-repository"],
  { stdio: "inherit" },
);
rmSync(scratch, { recursive: true, force: true });
if (result.status !== 0) process.exit(result.status ?? 1);
console.log(`${out}: ${(statSync(out).size / 1e6).toFixed(1)} MB (node-llama-cpp binaries: ${[...kept].join(", ")})`);
