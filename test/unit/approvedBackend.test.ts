// The approval gate in front of the server backends, against real loopback servers: a refused
// server receives no request at all, whatever is called, and an approved one works as before.
import * as assert from "node:assert/strict";
import { withServerApproval, type ServerToApprove, type ServerVerdict } from "../../src/engine/approvedBackend";
import type { Backend } from "../../src/engine/backend";
import { BackendError } from "../../src/engine/backendError";
import { readSettings, type SettingKey } from "../../src/config/settings";
import { Engine } from "../../src/engine/engine";
import { OllamaBackend } from "../../src/engine/ollama/ollamaBackend";
import { OpenAiBackend } from "../../src/engine/openai/openAiBackend";
import { startFakeOllama, type FakeOllama } from "../support/fakeOllama";
import { startFakeOpenAiServer, type FakeOpenAiServer } from "../support/fakeOpenAiServer";

const hello = [{ role: "user" as const, content: "Hello" }];
const refused: ServerVerdict = { allowed: false, settings: ["hearth.backend"] };

async function refusal(work: Promise<unknown>): Promise<BackendError> {
  const error = await work.then(
    () => assert.fail("the call should have been refused"),
    (caught: unknown) => caught,
  );
  assert.ok(error instanceof BackendError, String(error));
  return error;
}

describe("server approval", () => {
  let ollama: FakeOllama;
  let openAi: FakeOpenAiServer;
  let asked: ServerToApprove[];
  let verdict: ServerVerdict;
  const approve = (server: ServerToApprove) => {
    asked.push(server);
    return Promise.resolve(verdict);
  };

  beforeEach(async () => {
    ollama = await startFakeOllama({ models: ["llama3.2:latest"] });
    openAi = await startFakeOpenAiServer({ models: ["qwen"], infill: true, nCtx: 8192 });
    asked = [];
    verdict = refused;
  });
  afterEach(async () => {
    await ollama.close();
    await openAi.close();
  });

  const gatedOllama = () => withServerApproval(new OllamaBackend(() => ({ host: ollama.url, keepAlive: "" })), () => ({ backend: "ollama", address: ollama.url }), approve);
  const gatedOpenAi = () =>
    withServerApproval(new OpenAiBackend(() => ({ baseUrl: `${openAi.url}/v1`, apiKey: () => Promise.resolve("sk-secret") })), () => ({ backend: "openai", address: openAi.url }), approve);

  it("sends Ollama nothing when refused, whatever is called, and names the setting and the way back", async () => {
    const backend = gatedOllama();
    assert.ok(backend instanceof OllamaBackend, "callers that check the class (pull, delete, the Models view) still find it");
    const error = await refusal(backend.chat("llama3.2", hello));
    assert.equal(error.code, "unauthorized");
    assert.equal(error.setting, "hearth.backend");
    assert.match(error.message, new RegExp(`sent nothing to ${ollama.url.replace(/[.]/g, "\\.")}`));
    assert.match(error.message, /hearth\.backend/);
    assert.match(error.message, /Reset Server Permissions for This Workspace/);
    await refusal(backend.infill("llama3.2", { prefix: "a", suffix: "b" }));
    await refusal(backend.embed("llama3.2", ["x"]));
    await refusal(backend.listModels());
    await refusal(backend.load("llama3.2"));
    await refusal(backend.describeModel("llama3.2"));
    await refusal(backend.runningModels());
    await refusal(backend.show("llama3.2"));
    await refusal(backend.pull("llama3.2", () => undefined));
    await refusal(backend.delete("llama3.2"));
    assert.equal(await backend.contextWindow("llama3.2"), undefined, "contextWindow keeps its never-throws contract");
    await backend.unload();
    assert.deepEqual(ollama.requests, [], "the server received nothing");
    assert.equal(backend.state.kind, "idle", "a refusal is not the server's error");
    backend.dispose();
  });

  it("sends an OpenAI-compatible server nothing when refused: no request, so no API key either", async () => {
    const backend = gatedOpenAi();
    await refusal(backend.chat("qwen", hello));
    await refusal(backend.infill("qwen", { prefix: "a", suffix: "b" }));
    await refusal(backend.embed("qwen", ["x"]));
    await refusal(backend.listModels());
    await refusal(backend.load("qwen"));
    const asBackend: Backend = backend;
    if (asBackend.describeModel) await refusal(asBackend.describeModel("qwen"));
    if (asBackend.countTokens) await refusal(asBackend.countTokens("qwen", ["x"]));
    assert.equal(await backend.contextWindow("qwen"), undefined);
    assert.deepEqual(openAi.requests, [], "the server received nothing");
    assert.ok(asked.length > 0, "the user was asked");
    assert.ok(asked.every((server) => server.backend === "openai" && server.address === openAi.url));
    backend.dispose();
  });

  it("works as before once approved, asking before each call", async () => {
    verdict = { allowed: true };
    const backend = gatedOpenAi();
    assert.equal((await backend.chat("qwen", hello)).stopReason, "endOfText");
    assert.equal(await backend.contextWindow("qwen"), 8192);
    assert.deepEqual((await backend.listModels()).map((model) => model.name), ["qwen"]);
    assert.equal(asked.length, 3);
    assert.ok(openAi.requests.length >= 3);
    const ollamaBackend = gatedOllama();
    assert.deepEqual((await ollamaBackend.listModels()).map((model) => model.name), ["llama3.2:latest"]);
    backend.dispose();
    ollamaBackend.dispose();
  });

  it("waits for the answer before sending; a probe that times out meanwhile says it is waiting, and sends nothing", async () => {
    let answer!: (verdict: ServerVerdict) => void;
    const backend = withServerApproval(new OllamaBackend(() => ({ host: ollama.url, keepAlive: "" })), () => ({ backend: "ollama", address: ollama.url }), () =>
      new Promise<ServerVerdict>((resolve) => (answer = resolve)),
    );
    const probe = await refusal(backend.listModels(AbortSignal.timeout(50)));
    assert.match(probe.message, /waiting for your answer/);
    const listing = backend.listModels();
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(ollama.requests, [], "nothing is sent while the question is open");
    answer({ allowed: true });
    assert.equal((await listing).length, 1);
    assert.equal(ollama.requests.length, 1);
    backend.dispose();
  });

  it("lets an address that does not parse through, so the backend reports it (and sends nothing)", async () => {
    const backend = withServerApproval(new OpenAiBackend(() => ({ baseUrl: "not a url", apiKey: () => Promise.resolve(undefined) })), () => undefined, approve);
    await assert.rejects(backend.listModels());
    assert.deepEqual(asked, []);
    backend.dispose();
  });

  it("is what the engine builds for both server backends, asking with the server's origin as the settings give it now", async () => {
    const values: Partial<Record<SettingKey, unknown>> = { backend: "ollama", "ollama.host": `${ollama.url}/`, "openai.baseUrl": `${openAi.url}/v1/` };
    const engine = new Engine({
      settings: () => readSettings((key) => values[key]).settings,
      modelsDirectory: () => "/nonexistent",
      workerScript: "/nonexistent/llamaWorker.js",
      apiKey: () => Promise.resolve(undefined),
      ollamaHostFromEnvironment: undefined,
      log: () => undefined,
      notify: () => undefined,
      approveServer: approve,
    });
    try {
      assert.ok(engine.backend instanceof OllamaBackend);
      await refusal(engine.backend.listModels());
      values.backend = "openai";
      engine.settingsChanged();
      await refusal(engine.backend.chat("qwen", hello));
      assert.deepEqual(asked, [
        { backend: "ollama", address: ollama.url },
        { backend: "openai", address: openAi.url },
      ]);
      assert.deepEqual([...ollama.requests, ...openAi.requests], []);
      verdict = { allowed: true };
      assert.deepEqual((await engine.backend.listModels()).map((model) => model.name), ["qwen"]);
    } finally {
      engine.dispose();
    }
  });
});
