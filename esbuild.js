// Builds the two bundles Hearth ships:
//  - dist/extension.js: the extension host code (CommonJS). `vscode` is provided by the host;
//    `node-llama-cpp` is ESM with native binaries, so it stays external, ships in the VSIX's
//    node_modules and is loaded with `await import()` only when a model is first needed.
//  - dist/llamaWorker.js: the llama.cpp worker process (CommonJS, node-llama-cpp external).
//  - dist/webview/: the chat view's browser code and styles (no CDN; the webview's CSP allows
//    only these files).
// Usage: node esbuild.js [--production] [--watch]
const esbuild = require("esbuild");

const production = process.argv.includes("--production");
const watch = process.argv.includes("--watch");

/** Prints build errors in the `file:line:col: error: text` form VS Code's problem matchers read. */
const reportProblems = {
  name: "report-problems",
  setup(build) {
    build.onEnd((result) => {
      for (const { text, location } of result.errors) {
        console.error(`${location?.file}:${location?.line}:${location?.column}: error: ${text}`);
      }
      if (watch) console.log(`[watch] ${build.initialOptions.outdir ?? build.initialOptions.outfile} built`);
    });
  },
};

const common = {
  bundle: true,
  minify: production,
  sourcemap: !production,
  sourcesContent: false,
  logLevel: "warning",
  plugins: [reportProblems],
};

const builds = [
  {
    ...common,
    entryPoints: ["src/extension.ts"],
    outfile: "dist/extension.js",
    platform: "node",
    format: "cjs",
    target: "node20",
    external: ["vscode", "node-llama-cpp"],
  },
  {
    // The llama.cpp worker process: owns node-llama-cpp and the model weights.
    ...common,
    entryPoints: ["src/engine/llamaCpp/worker.ts"],
    outfile: "dist/llamaWorker.js",
    platform: "node",
    format: "cjs",
    target: "node20",
    external: ["node-llama-cpp"],
  },
  {
    ...common,
    entryPoints: { chat: "media/chat/main.ts" },
    outdir: "dist/webview",
    platform: "browser",
    format: "iife",
    target: "es2022",
  },
];

async function main() {
  const contexts = await Promise.all(builds.map((options) => esbuild.context(options)));
  if (watch) {
    await Promise.all(contexts.map((context) => context.watch()));
    return;
  }
  const results = await Promise.allSettled(contexts.map((context) => context.rebuild()));
  await Promise.all(contexts.map((context) => context.dispose()));
  if (results.some((result) => result.status === "rejected")) process.exit(1);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
