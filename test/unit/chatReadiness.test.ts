import * as assert from "node:assert/strict";
import * as path from "node:path";
import { describeReadiness, type ReadinessContext } from "../../src/chat/chatReadiness";
import { BackendError } from "../../src/engine/backendError";
import { Engine } from "../../src/engine/engine";
import { readSettings, type SettingKey } from "../../src/config/settings";
import { fixturesDirectory } from "../support/fixtures";
import { closedPortUrl, sendJson, startLoopbackServer, type LoopbackServer } from "../support/loopbackServer";

/** The readiness the chat view shows for these settings, probing servers through the engine's real backend. */
async function readiness(values: Partial<Record<SettingKey, unknown>>, overrides: Partial<ReadinessContext> = {}) {
  const settings = readSettings((key) => values[key]).settings;
  const engine = new Engine({
    settings: () => settings,
    modelsDirectory: () => fixturesDirectory,
    workerScript: "unused: no llama.cpp request is made",
    apiKey: () => Promise.resolve(undefined),
    ollamaHostFromEnvironment: overrides.ollamaHostFromEnvironment,
    log: () => undefined,
    notify: () => undefined,
  });
  try {
    return await describeReadiness(settings, {
      modelsDirectory: fixturesDirectory,
      listServerModels: (signal) => engine.backend.listModels(signal),
      ...overrides,
    });
  } finally {
    engine.dispose();
  }
}

describe("chat readiness", () => {
  describe("llama.cpp", () => {
    it("is ready with a GGUF model, and names it with its size and the GPU setting", async () => {
      const status = await readiness({ "models.chat": "llama-2-tiny-random.gguf" });
      assert.equal(status.problem, undefined);
      assert.equal(status.backend, "llama.cpp (on this machine)");
      assert.equal(status.model, "llama-2-tiny-random.gguf");
      assert.deepEqual(status.details.slice(0, 2), [
        { label: "Size", value: "1.75 MB" },
        { label: "GPU layers", value: "auto (as many as fit in GPU memory)" },
      ]);
    });

    it("says no model is selected, offering to select or install one", async () => {
      const status = await readiness({});
      assert.match(status.problem?.message ?? "", /No chat model is selected/);
      assert.deepEqual(status.problem?.actions.map((a) => a.command), ["hearth.selectModel", "hearth.installModel"]);
    });

    it("names the path of a model file that is missing", async () => {
      const status = await readiness({ "models.chat": "gone.gguf" });
      assert.equal(status.problem?.message, `The model file ${path.join(fixturesDirectory, "gone.gguf")} does not exist.`);
    });
  });

  describe("Ollama", () => {
    let ollama: LoopbackServer;
    before(async () => {
      // GET /api/tags as in Ollama's API document: the models pulled on this server.
      ollama = await startLoopbackServer((request, response) => {
        if (request.method === "GET" && request.url === "/api/tags") {
          sendJson(response, 200, {
            models: [
              {
                name: "qwen2.5-coder:1.5b",
                model: "qwen2.5-coder:1.5b",
                modified_at: "2026-10-01T10:00:00.000Z",
                size: 986_000_000,
                digest: "a".repeat(64),
                details: { format: "gguf", family: "qwen2", parameter_size: "1.5B", quantization_level: "Q4_K_M" },
              },
              { name: "llama3.2:latest", model: "llama3.2:latest", modified_at: "2026-10-01T10:00:00.000Z", size: 2_019_000_000, digest: "b".repeat(64), details: {} },
            ],
          });
        } else {
          sendJson(response, 404, { error: "not found" });
        }
      });
    });
    after(() => ollama.close());

    it("is ready when the server has the model (a bare name means :latest)", async () => {
      for (const model of ["qwen2.5-coder:1.5b", "llama3.2"]) {
        const status = await readiness({ backend: "ollama", "ollama.host": ollama.url, "models.chat": model });
        assert.equal(status.problem, undefined, model);
        assert.equal(status.backend, `Ollama at ${ollama.url}`);
        assert.equal(status.notice, undefined);
      }
    });

    it("says how to pull a model the server does not have", async () => {
      const status = await readiness({ backend: "ollama", "ollama.host": ollama.url, "models.chat": "codellama:7b" });
      assert.equal(status.problem?.message, "Ollama has no model named codellama:7b. Pull it with `ollama pull codellama:7b`, or select another.");
    });

    it("says Ollama isn't running, and how to start it, when the connection is refused", async () => {
      const url = await closedPortUrl();
      const status = await readiness({ backend: "ollama", "ollama.host": url, "models.chat": "llama3.2" });
      assert.equal(
        status.problem?.message,
        `Ollama isn't running at ${url} (connection refused); start it with \`ollama serve\`, or set hearth.ollama.host to where it runs.`,
      );
      assert.deepEqual(status.problem?.actions, [{ label: "Open Setting", command: "hearth.openSettings", argument: "hearth.ollama.host" }]);
    });

    it("says a server that does not answer in time did not answer", async () => {
      const silent = await startLoopbackServer(() => undefined); // accepts, never answers
      try {
        const status = await readiness({ backend: "ollama", "ollama.host": silent.url, "models.chat": "llama3.2" }, { probeTimeoutMs: 300 });
        assert.equal(status.problem?.message, `The Ollama at ${silent.url} did not answer within 0.3 s. Check that it is running, or correct hearth.ollama.host.`);
      } finally {
        await silent.close();
      }
    });

    it("uses OLLAMA_HOST when the setting is empty", async () => {
      const status = await readiness({ backend: "ollama", "models.chat": "llama3.2" }, { ollamaHostFromEnvironment: ollama.url.replace("http://", "") });
      assert.equal(status.problem, undefined);
    });
  });

  describe("OpenAI-compatible server", () => {
    let server: LoopbackServer;
    before(async () => {
      server = await startLoopbackServer((request, response) => {
        if (request.url === "/v1/models") sendJson(response, 200, { object: "list", data: [{ id: "qwen2.5-coder", object: "model", owned_by: "llamacpp" }] });
        else sendJson(response, 404, { error: { message: "not found", type: "not_found_error" } });
      });
    });
    after(() => server.close());

    it("asks for a base URL when there is none", async () => {
      const status = await readiness({ backend: "openai" });
      assert.match(status.problem?.message ?? "", /Set hearth\.openai\.baseUrl/);
    });

    it("is ready when the server answers its model list", async () => {
      const status = await readiness({ backend: "openai", "openai.baseUrl": `${server.url}/v1/`, "models.chat": "qwen2.5-coder" });
      assert.equal(status.problem, undefined);
      assert.equal(status.backend, `OpenAI-compatible server at ${server.url}/v1`);
    });

    it("says plainly when code would leave this machine", async () => {
      // No request may leave the machine in a test: the backend's listModels fails here as it does for
      // an unknown host (that message itself is tested in openAiBackend.test.ts).
      const unreachable = "No OpenAI-compatible server answered at https://models.example.com/v1 (host not found). Start the server, or correct hearth.openai.baseUrl.";
      const status = await readiness(
        { backend: "openai", "openai.baseUrl": "https://models.example.com/v1" },
        { listServerModels: () => Promise.reject(new BackendError("serverUnreachable", unreachable, "", "hearth.openai.baseUrl")) },
      );
      assert.match(status.notice ?? "", /leaves this computer/);
      assert.equal(
        status.problem?.message,
        "No OpenAI-compatible server answered at https://models.example.com/v1 (host not found). Start the server, or correct hearth.openai.baseUrl.",
      );
    });
  });
});
