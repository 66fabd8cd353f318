// The server presets' probe, against loopback servers: answering, another program, nothing.
import * as assert from "node:assert/strict";
import { probePresets, probeServer, SERVER_PRESETS, type ProbeResult, type ServerPreset } from "../../src/ui/serverPresets";
import { startFakeOllama } from "../support/fakeOllama";
import { startFakeOpenAiServer } from "../support/fakeOpenAiServer";
import { closedPortUrl, sendJson, startLoopbackServer } from "../support/loopbackServer";

describe("server presets", () => {
  it("names the usual servers at their default addresses, local ones on this machine", () => {
    const byName = Object.fromEntries(SERVER_PRESETS.map((preset) => [preset.name, preset.address]));
    assert.deepEqual(byName, {
      "llama-server": "http://127.0.0.1:8080/v1",
      "LM Studio": "http://127.0.0.1:1234/v1",
      GPT4All: "http://127.0.0.1:4891/v1",
      vLLM: "http://127.0.0.1:8000/v1",
      Ollama: "http://127.0.0.1:11434",
      "Hugging Face": "https://router.huggingface.co/v1",
    });
    assert.deepEqual(SERVER_PRESETS.filter((preset) => !preset.local).map((preset) => preset.name), ["Hugging Face"]);
  });

  it("tells an answering server from another program on the port and from nothing at all", async () => {
    const openAi = await startFakeOpenAiServer({ models: ["qwen"] });
    const keyed = await startFakeOpenAiServer({ models: ["qwen"], apiKey: "sk" });
    const ollama = await startFakeOllama({ models: ["llama3.2"] });
    const other = await startLoopbackServer((_request, response) => sendJson(response, 200, { hello: "a web page" }));
    const closed = await closedPortUrl();
    try {
      assert.equal(await probeServer("openai", `${openAi.url}/v1/`), "answering");
      assert.equal(await probeServer("openai", `${keyed.url}/v1`), "answering", "a server that wants a key answers");
      assert.equal(keyed.bodies[0]?.authorization, undefined, "a probe sends no key");
      assert.equal(await probeServer("ollama", ollama.url), "answering");
      assert.equal(await probeServer("openai", `${other.url}/v1`), "other");
      assert.equal(await probeServer("ollama", `${openAi.url}`), "other");
      assert.equal(await probeServer("openai", `${closed}/v1`), "notAnswering");
    } finally {
      await Promise.all([openAi.close(), keyed.close(), ollama.close(), other.close()]);
    }
  });

  it("gives up on a server that does not answer within the time", async () => {
    const silent = await startLoopbackServer(() => undefined);
    try {
      const started = Date.now();
      assert.equal(await probeServer("openai", `${silent.url}/v1`, 200), "notAnswering");
      assert.ok(Date.now() - started < 1000);
    } finally {
      await silent.close();
    }
  });

  it("probes the local presets in parallel and reports each as it finishes; the remote one is not probed", async () => {
    const fast = await startFakeOpenAiServer({ models: ["qwen"] });
    const silent = await startLoopbackServer(() => undefined);
    try {
      const presets: ServerPreset[] = [
        { id: "silent", name: "Silent", backend: "openai", address: `${silent.url}/v1`, local: true },
        { id: "fast", name: "Fast", backend: "openai", address: `${fast.url}/v1`, local: true },
        { id: "remote", name: "Remote", backend: "openai", address: "https://192.0.2.1/v1", local: false },
      ];
      const order: Array<[string, ProbeResult]> = [];
      const started = Date.now();
      await probePresets(presets, (preset, result) => order.push([preset.id, result]), 300);
      assert.deepEqual(order, [["fast", "answering"], ["silent", "notAnswering"]]);
      assert.ok(Date.now() - started < 900, "in parallel: the slow one does not hold the others up");
    } finally {
      await Promise.all([fast.close(), silent.close()]);
    }
  });
});
