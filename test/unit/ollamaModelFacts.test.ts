// What the Ollama backend tells about a model before using it (describeModel), from `ollama show`
// and `ollama list` on a loopback server that answers as Ollama does.
import * as assert from "node:assert/strict";
import { OllamaBackend } from "../../src/engine/ollama/ollamaBackend";
import { backendFailure } from "../support/backendAssertions";
import { startFakeOllama, type FakeOllama } from "../support/fakeOllama";

describe("Ollama backend: model facts", () => {
  let ollama: FakeOllama;
  let backend: OllamaBackend;

  beforeEach(async () => {
    ollama = await startFakeOllama({ models: ["qwen2.5-coder:1.5b", "llama3.2:latest", "gemma3:1b", "old:latest"], noTools: ["gemma3:1b"], noInsert: ["gemma3:1b"] });
    backend = new OllamaBackend(() => ({ host: ollama.url, keepAlive: "" }));
  });
  afterEach(async () => {
    backend.dispose();
    await ollama.close();
  });

  const shows = () => ollama.bodies.filter((request) => request.path === "/api/show").length;

  it("reads capabilities, the context Hearth's requests get, quantization, family and size", async () => {
    ollama.options.numCtx = 8192;
    assert.deepEqual(await backend.describeModel("qwen2.5-coder:1.5b"), {
      name: "qwen2.5-coder:1.5b",
      contextWindow: 8192,
      toolCalling: true,
      chat: true,
      fillInMiddle: true,
      sizeBytes: 986_000_000,
      quantization: "Q4_K_M",
      family: "qwen2",
    });
  });

  it("says a model without the tools and insert capabilities can neither call tools nor fill in the middle", async () => {
    const facts = await backend.describeModel("gemma3:1b");
    assert.equal(facts.toolCalling, false);
    assert.equal(facts.fillInMiddle, false);
    assert.equal(facts.chat, true);
  });

  it("gives Ollama's default context when the Modelfile sets none, within the model's trained length", async () => {
    assert.equal((await backend.describeModel("qwen2.5-coder:1.5b")).contextWindow, 4096);
    ollama.options.contextLength = 2048;
    assert.equal((await backend.describeModel("llama3.2")).contextWindow, 2048);
  });

  it("finds the size of a model named without its :latest tag", async () => {
    assert.equal((await backend.describeModel("llama3.2")).sizeBytes, 986_000_000);
  });

  it("describes a model whose show lacks capabilities, model_info and details, as older servers answer", async () => {
    ollama.options.bareShow = ["old:latest"];
    const facts = await backend.describeModel("old");
    assert.equal(facts.contextWindow, 4096);
    assert.equal(facts.toolCalling, false, "its template has no .Tools");
    assert.equal(facts.fillInMiddle, false, "its template has no .Suffix");
    assert.equal(facts.chat, true);
    assert.equal(facts.quantization, "Q4_K_M", "from the list");
  });

  it("reuses what it read for the same model and server, and reads again after a pull", async () => {
    await backend.describeModel("qwen2.5-coder:1.5b");
    await backend.describeModel("qwen2.5-coder:1.5b");
    assert.equal(shows(), 1);
    await backend.pull("qwen2.5-coder:1.5b", () => undefined);
    await backend.describeModel("qwen2.5-coder:1.5b");
    assert.equal(shows(), 2);
  });

  it("describes several models at once with one list of the server's models", async () => {
    const facts = await Promise.all(["qwen2.5-coder:1.5b", "llama3.2", "gemma3:1b"].map((model) => backend.describeModel(model)));
    assert.deepEqual(facts.map((fact) => fact.sizeBytes), [986_000_000, 986_000_000, 986_000_000]);
    assert.equal(ollama.bodies.filter((request) => request.path === "/api/tags").length, 1);
    assert.equal(shows(), 3);
  });

  it("says how to pull a model Ollama does not have, and caches no failure", async () => {
    const error = await backendFailure(backend.describeModel("mistral"));
    assert.equal(error.code, "modelNotFound");
    ollama.options.models.push("mistral:latest");
    assert.equal((await backend.describeModel("mistral")).toolCalling, true);
  });
});
