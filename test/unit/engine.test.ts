// The engine facade: the backend the settings name, and a settings change applied to loaded models.
import * as assert from "node:assert/strict";
import * as os from "node:os";
import * as path from "node:path";
import { readSettings, type HearthSettings, type SettingKey } from "../../src/config/settings";
import type { BackendState } from "../../src/engine/backend";
import { Engine, llamaRunSettings } from "../../src/engine/engine";
import { fixturesDirectory, repositoryRoot } from "../support/fixtures";

describe("engine", function () {
  this.timeout(60_000);
  let values: Partial<Record<SettingKey, unknown>>;
  let engine: Engine;
  const notices: string[] = [];

  beforeEach(() => {
    values = { "models.chat": "llama-2-tiny-random.gguf", "llamaCpp.threads": 1, "llamaCpp.contextSize": 1024 };
    const settings = (): HearthSettings => readSettings((key) => values[key]).settings;
    engine = new Engine({
      settings,
      modelsDirectory: () => fixturesDirectory,
      workerScript: path.join(repositoryRoot, "dist", "llamaWorker.js"),
      apiKey: () => Promise.resolve(undefined),
      ollamaHostFromEnvironment: undefined,
      log: () => undefined,
      notify: (message) => notices.push(message),
    });
  });
  afterEach(() => engine.dispose());

  it("creates no backend until one is used, then the one the settings name", () => {
    assert.deepEqual(engine.state, { kind: "idle", loaded: [] });
    assert.equal(engine.backend.kind, "llamaCpp");
    values.backend = "ollama";
    engine.settingsChanged();
    assert.equal(engine.backend.kind, "ollama");
    values.backend = "openai";
    assert.equal(engine.backend.kind, "openai");
  });

  it("loads the loaded models again when a llama.cpp setting changes", async () => {
    assert.equal((await engine.backend.load("llama-2-tiny-random.gguf")).contextSize, 1024);
    const reloaded = new Promise<BackendState>((resolve) =>
      engine.onDidChangeState((state) => state.kind === "idle" && state.loaded[0]?.contextSize === 2048 && resolve(state)),
    );
    values["llamaCpp.contextSize"] = 2048;
    engine.settingsChanged();
    const state = await reloaded;
    assert.equal(state.kind === "idle" && state.loaded.length, 1);
  });

  it("frees a model no setting names any more", async () => {
    await engine.backend.chat("llama-2-tiny-random.gguf", [{ role: "user", content: "Hi" }], { maxTokens: 2 });
    const freed = new Promise<BackendState>((resolve) =>
      engine.onDidChangeState((state) => state.kind === "idle" && state.loaded.length === 0 && resolve(state)),
    );
    values["models.chat"] = "llama-2-tiny-random-fim.gguf";
    engine.settingsChanged();
    await freed;
  });

  it("never gives llama.cpp more threads than cores, and picks them itself for 0", () => {
    values["llamaCpp.threads"] = 512;
    const settings = readSettings((key) => values[key]).settings;
    assert.ok(llamaRunSettings(settings).threads <= os.availableParallelism());
    values["llamaCpp.threads"] = 0;
    assert.ok(llamaRunSettings(readSettings((key) => values[key]).settings).threads >= 1);
  });
});
