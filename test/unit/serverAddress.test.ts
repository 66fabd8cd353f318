import * as assert from "node:assert/strict";
import { isLoopbackUrl, resolveOllamaHost } from "../../src/engine/serverAddress";

describe("server addresses", () => {
  it("finds Ollama from the setting, then OLLAMA_HOST, then 127.0.0.1:11434", () => {
    assert.equal(resolveOllamaHost("http://10.0.0.5:8000", "0.0.0.0"), "http://10.0.0.5:8000");
    assert.equal(resolveOllamaHost("", "gpu-box"), "http://gpu-box:11434");
    assert.equal(resolveOllamaHost("", undefined), "http://127.0.0.1:11434");
  });

  it("reads the forms OLLAMA_HOST takes", () => {
    assert.equal(resolveOllamaHost("", "0.0.0.0"), "http://127.0.0.1:11434");
    assert.equal(resolveOllamaHost("", "0.0.0.0:9999"), "http://127.0.0.1:9999");
    assert.equal(resolveOllamaHost("", "127.0.0.1:11500"), "http://127.0.0.1:11500");
    assert.equal(resolveOllamaHost("", "https://ollama.example.com"), "https://ollama.example.com");
    assert.equal(resolveOllamaHost("http://localhost:11434/", undefined), "http://localhost:11434");
  });

  it("tells loopback addresses from the rest", () => {
    for (const url of ["http://127.0.0.1:11434", "http://localhost:8080/v1", "http://127.8.9.10", "http://[::1]:1234/v1"]) {
      assert.ok(isLoopbackUrl(url), url);
    }
    for (const url of ["http://192.168.1.20:11434", "https://api.example.com/v1", "http://localhost.example.com", "not a url"]) {
      assert.ok(!isLoopbackUrl(url), url);
    }
  });
});
