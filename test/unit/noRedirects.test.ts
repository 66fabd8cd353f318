// A model server that answers with a redirect does not get Hearth's request passed on: the code
// in a chat request (and a key) go only to the address the user set, and the error says where the
// server points and which setting to change.
import * as assert from "node:assert/strict";
import { OllamaBackend } from "../../src/engine/ollama/ollamaBackend";
import { OpenAiBackend } from "../../src/engine/openai/openAiBackend";
import { backendFailure } from "../support/backendAssertions";
import { startLoopbackServer, type LoopbackServer } from "../support/loopbackServer";

describe("model servers never redirect Hearth's requests", () => {
  let elsewhere: LoopbackServer;
  let redirecting: LoopbackServer;
  const received: string[] = [];

  beforeEach(async () => {
    received.length = 0;
    elsewhere = await startLoopbackServer((request, response) => {
      let body = "";
      request.on("data", (chunk: Buffer) => (body += chunk.toString()));
      request.on("end", () => (received.push(body), response.end("{}")));
    });
    redirecting = await startLoopbackServer((request, response) => {
      request.resume();
      response.writeHead(307, { Location: `${elsewhere.url}${request.url ?? "/"}` }).end();
    });
  });
  afterEach(async () => {
    await redirecting.close();
    await elsewhere.close();
  });

  it("an OpenAI-compatible server's 307 is refused, naming the new address and hearth.openai.baseUrl, and the other server gets nothing", async () => {
    const backend = new OpenAiBackend(() => ({ baseUrl: `${redirecting.url}/v1`, apiKey: () => Promise.resolve("sk-secret") }));
    const error = await backendFailure(backend.chat("coder", [{ role: "user", content: "const secret = 42;" }]));
    assert.equal(error.setting, "hearth.openai.baseUrl");
    assert.match(error.message, new RegExp(`redirect to ${elsewhere.url.replace(/\./g, "\\.")}.*set hearth\\.openai\\.baseUrl`));
    assert.deepEqual(received, []);
    backend.dispose();
  });

  it("an Ollama server's 307 is refused, naming hearth.ollama.host, and the other server gets nothing", async () => {
    const backend = new OllamaBackend(() => ({ host: redirecting.url, keepAlive: "" }));
    const error = await backendFailure(backend.chat("qwen", [{ role: "user", content: "const secret = 42;" }]));
    assert.equal(error.setting, "hearth.ollama.host");
    assert.match(error.message, /Hearth does not follow redirects/);
    assert.deepEqual(received, []);
    backend.dispose();
  });
});
