// Lint with teeth: typescript-eslint's type-aware rules, no `any`, and runtime boundaries:
// webview code and the shared protocol never import `vscode` or Node; unit tests never import `vscode`;
// the engine and the model store are plain Node and import no feature (layers point one way).
import js from "@eslint/js";
import tseslint from "typescript-eslint";

const noVscode = { name: "vscode", message: "This code runs outside VS Code's extension host." };
const nodeBuiltins = ["node:*", "fs", "path", "os", "child_process", "crypto", "http", "net"].map((name) => ({
  group: [name],
  message: "Webview and shared code runs in a browser: no Node APIs.",
}));

/** Folders of features and VS Code UI: what the plain-Node layers below them must not import. */
const aboveThePlainLayers = ["models", "chat", "completion", "languageModels", "workspace", "shared", "ui", "extension"].map((folder) => ({
  group: [`**/${folder}`, `**/${folder}/**`],
  message: "The engine and the model store are plain Node and know no feature or UI: move what both need into src/modelStore or src/engine.",
}));

export default tseslint.config(
  { ignores: ["dist/", "out/", "out-*/", "node_modules/", "test-results/", ".vscode-test/", "**/*.js", "**/*.mjs"] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
      "no-console": "error",
      eqeqeq: "error",
    },
  },
  {
    files: ["media/**/*.ts", "src/shared/**/*.ts"],
    rules: { "no-restricted-imports": ["error", { paths: [noVscode], patterns: nodeBuiltins }] },
  },
  {
    files: ["src/engine/**/*.ts", "src/modelStore/**/*.ts"],
    rules: { "no-restricted-imports": ["error", { paths: [noVscode], patterns: aboveThePlainLayers }] },
  },
  {
    files: ["src/modelStore/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        { paths: [noVscode], patterns: [...aboveThePlainLayers, { group: ["**/engine", "**/engine/**"], message: "The engine may use the model store, not the other way round." }] },
      ],
    },
  },
  // Features import the engine, the model store and config, never each other or the UI on top.
  ...["chat", "completion", "models", "languageModels", "workspace"].map((feature) => ({
    files: [`src/${feature}/**/*.ts`],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: ["chat", "completion", "models", "languageModels", "workspace", "ui", "extension"]
            .filter((other) => other !== feature)
            .map((other) => ({ group: [`**/${other}`, `**/${other}/**`], message: "Features never import each other or the UI: move what both need into src/engine, src/modelStore or src/config." })),
        },
      ],
    },
  })),
  {
    files: ["test/unit/**/*.ts", "test/ui/**/*.ts", "test/support/**/*.ts", "bench/**/*.ts"],
    rules: { "no-restricted-imports": ["error", { paths: [noVscode] }], "no-console": "off" },
  },
  {
    files: ["test/integration/**/*.ts"],
    rules: { "no-console": "off" },
  },
);
