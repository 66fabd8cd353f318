// The engine's state stays true while the Chat view is open: an error state ends once its cause
// may be fixed (a settings change, the server answering again), and a backend switch is announced
// at once, however it was noticed.
import * as assert from "node:assert/strict";
import { readSettings, type SettingKey } from "../../src/config/settings";
import type { Backend, BackendState } from "../../src/engine/backend";
import { Engine } from "../../src/engine/engine";
import { startFakeOllama, type FakeOllama } from "../support/fakeOllama";
import { startFakeOpenAiServer, type FakeOpenAiServer } from "../support/fakeOpenAiServer";
import { fixturesDirectory } from "../support/fixtures";
import { closedPortUrl } from "../support/loopbackServer";

const hello = [{ role: "user" as const, content: "Hello" }];

describe("engine status", () => {
  let values: Partial<Record<SettingKey, unknown>>;
  let engine: Engine;
  let states: BackendState[];
  let openAi: FakeOpenAiServer;
  let ollama: FakeOllama;

  before(async () => {
    openAi = await startFakeOpenAiServer({ models: ["qwen2.5-coder"] });
    ollama = await startFakeOllama({ models: ["llama3.2:latest"] });
  });
  after(async () => {
    await openAi.close();
    await ollama.close();
  });

  beforeEach(() => {
    values = { backend: "openai", "openai.baseUrl": `${openAi.url}/v1`, "ollama.host": ollama.url, "models.chat": "qwen2.5-coder" };
    states = [];
    engine = new Engine({
      settings: () => readSettings((key) => values[key]).settings,
      modelsDirectory: () => fixturesDirectory,
      workerScript: "unused: no llama.cpp request is made",
      apiKey: () => Promise.resolve(undefined),
      ollamaHostFromEnvironment: undefined,
      log: () => undefined,
      notify: () => undefined,
    });
    engine.onDidChangeState((state) => states.push(state));
  });
  afterEach(() => engine.dispose());

  /** Puts the current backend in the error state with a failed chat. */
  async function failChat(model = "qwen2.5-coder"): Promise<void> {
    await assert.rejects(engine.backend.chat(model, hello));
    assert.equal(engine.state.kind, "error");
  }

  it("a settings change clears an error state", async () => {
    const down = await closedPortUrl();
    values["openai.baseUrl"] = `${down}/v1`;
    engine.settingsChanged();
    await failChat();
    values["openai.baseUrl"] = `${openAi.url}/v1`;
    engine.settingsChanged();
    assert.deepEqual(states.at(-1), { kind: "idle", loaded: [] });
    assert.equal(engine.state.kind, "idle");
  });

  it("a change to a setting the backend does not depend on leaves a true error standing", async () => {
    const down = await closedPortUrl();
    values["openai.baseUrl"] = `${down}/v1`;
    engine.settingsChanged();
    await failChat();
    values["chat.systemPrompt"] = "Be brief.";
    engine.settingsChanged();
    assert.equal(engine.state.kind, "error");
  });

  it("a settings change while nothing failed fires nothing", () => {
    void engine.backend;
    engine.settingsChanged();
    assert.deepEqual(states, []);
  });

  it("the server answering a model list again clears an error state (OpenAI-compatible)", async () => {
    await failChat("gpt-9"); // the server does not have it
    await engine.backend.listModels();
    assert.equal(states.at(-1)?.kind, "idle");
  });

  it("the server answering a model list again clears an error state (Ollama)", async () => {
    values.backend = "ollama";
    await failChat("mistral");
    await engine.backend.listModels();
    assert.equal(states.at(-1)?.kind, "idle");
  });

  it("a failed model list leaves the error state as it is", async () => {
    await failChat("gpt-9");
    const down = await closedPortUrl();
    values["openai.baseUrl"] = `${down}/v1`; // read per request: no settingsChanged() here
    await assert.rejects(engine.backend.listModels());
    assert.equal(engine.state.kind, "error");
  });

  it("switching backend in the settings fires the new backend's state, whoever reads it first", async () => {
    await failChat("gpt-9");
    const seen: Array<{ state: BackendState; backend: Backend }> = [];
    // A listener that reads the backend while the switch is announced (as the Chat view's does).
    engine.onDidChangeState((state) => seen.push({ state, backend: engine.backend }));
    values.backend = "ollama";
    const backend = engine.backend; // noticed by a getter, before settingsChanged()
    assert.equal(backend.kind, "ollama");
    assert.deepEqual(seen.map((entry) => entry.state), [{ kind: "idle", loaded: [] }]);
    assert.equal(seen[0].backend, backend, "the listener got the new backend");
    engine.settingsChanged();
    assert.equal(seen.length, 1, "announced once");
    values.backend = "openai";
    engine.settingsChanged(); // noticed by the settings change this time
    assert.deepEqual(seen.map((entry) => [entry.state.kind, entry.backend.kind]), [["idle", "ollama"], ["idle", "openai"]]);
    assert.equal(engine.backend, seen[1].backend);
  });

  it("the first backend is created without an event: nothing was shown for another one", () => {
    assert.equal(engine.backend.kind, "openai");
    assert.deepEqual(states, []);
  });
});
