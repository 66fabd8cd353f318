// The key-per-origin rule: a key is given only for the scheme, host and port it was stored for.
import * as assert from "node:assert/strict";
import { ApiKeyStore, LEGACY_OPENAI_API_KEY_SECRET, serverOrigin, type SecretStore } from "../../src/ui/apiKeys";
import { OpenAiBackend } from "../../src/engine/openai/openAiBackend";
import { startFakeOpenAiServer } from "../support/fakeOpenAiServer";

class MemorySecrets implements SecretStore {
  readonly values = new Map<string, string>();
  get(key: string) {
    return Promise.resolve(this.values.get(key));
  }
  store(key: string, value: string) {
    this.values.set(key, value);
    return Promise.resolve();
  }
  delete(key: string) {
    this.values.delete(key);
    return Promise.resolve();
  }
}

describe("API keys per server origin", () => {
  it("gives a key only for the origin it was stored for; paths and trailing slashes do not matter", async () => {
    const keys = new ApiKeyStore(new MemorySecrets());
    assert.equal(await keys.setKey("http://127.0.0.1:8080/v1/", "sk-8080"), "http://127.0.0.1:8080");
    assert.equal(await keys.keyFor("http://127.0.0.1:8080/v1"), "sk-8080");
    assert.equal(await keys.keyFor("http://127.0.0.1:8080"), "sk-8080");
    assert.equal(await keys.keyFor("http://127.0.0.1:8080/"), "sk-8080");
    assert.equal(await keys.keyFor("http://127.0.0.1:8080/infill"), "sk-8080");
    assert.equal(await keys.keyFor("http://127.0.0.1:8081/v1"), undefined, "another port");
    assert.equal(await keys.keyFor("https://127.0.0.1:8080/v1"), undefined, "another scheme");
    assert.equal(await keys.keyFor("http://127.0.0.2:8080/v1"), undefined, "another host");
    assert.equal(await keys.keyFor("http://localhost:8080/v1"), undefined, "another name for the host is another origin");
    assert.equal(await keys.keyFor("not a url"), undefined);
  });

  it("normalises origins: case and default ports", async () => {
    const keys = new ApiKeyStore(new MemorySecrets());
    await keys.setKey("https://Models.Example.com:443/v1", "sk-remote");
    assert.equal(await keys.keyFor("https://models.example.com/v1"), "sk-remote");
    assert.equal(await keys.keyFor("https://models.example.com:8443/v1"), undefined);
    assert.equal(serverOrigin("http://host:80/v1/"), "http://host");
    assert.equal(serverOrigin("file:///etc/passwd"), undefined);
    assert.equal(serverOrigin("ftp://host/v1"), undefined);
  });

  it("removes a key given empty, and refuses to store one for something that is not an http(s) address", async () => {
    const secrets = new MemorySecrets();
    const keys = new ApiKeyStore(secrets);
    await keys.setKey("http://127.0.0.1:8080/v1", "sk");
    await keys.setKey("http://127.0.0.1:8080/v1", "");
    assert.equal(await keys.keyFor("http://127.0.0.1:8080/v1"), undefined);
    assert.equal(secrets.values.size, 0);
    await assert.rejects(keys.setKey("127.0.0.1:8080", "sk"), /not an http or https address/);
  });

  it("moves the old single key to the origin configured then, once, and deletes it", async () => {
    const secrets = new MemorySecrets();
    secrets.values.set(LEGACY_OPENAI_API_KEY_SECRET, "sk-old");
    const keys = new ApiKeyStore(secrets);
    void keys.migrate("http://127.0.0.1:8080/v1");
    assert.equal(await keys.keyFor("http://127.0.0.1:8080/v1"), "sk-old", "a request made during the move waits for it");
    assert.equal(secrets.values.has(LEGACY_OPENAI_API_KEY_SECRET), false);
    await keys.migrate("https://elsewhere.example.com/v1");
    assert.equal(await keys.keyFor("https://elsewhere.example.com/v1"), undefined, "the move happens once");
  });

  it("keeps the old key where it is while no base URL is set, and never overwrites a per-origin key", async () => {
    const secrets = new MemorySecrets();
    secrets.values.set(LEGACY_OPENAI_API_KEY_SECRET, "sk-old");
    const keys = new ApiKeyStore(secrets);
    await keys.migrate("");
    assert.equal(secrets.values.get(LEGACY_OPENAI_API_KEY_SECRET), "sk-old");
    await keys.setKey("http://127.0.0.1:1234/v1", "sk-new");
    await keys.migrate("http://127.0.0.1:1234/v1");
    assert.equal(await keys.keyFor("http://127.0.0.1:1234"), "sk-new");
    assert.equal(secrets.values.has(LEGACY_OPENAI_API_KEY_SECRET), false);
  });

  it("sends the key to its server only, when the backend asks the store", async () => {
    const keyed = await startFakeOpenAiServer({ models: ["qwen"], apiKey: "sk-keyed" });
    const other = await startFakeOpenAiServer({ models: ["qwen"] });
    try {
      const keys = new ApiKeyStore(new MemorySecrets());
      await keys.setKey(`${keyed.url}/v1`, "sk-keyed");
      for (const server of [keyed, other]) {
        const backend = new OpenAiBackend(() => ({ baseUrl: `${server.url}/v1`, apiKey: (origin) => keys.keyFor(origin) }));
        await backend.listModels();
        backend.dispose();
      }
      assert.equal(keyed.bodies[0]?.authorization, "Bearer sk-keyed");
      assert.equal(other.bodies[0]?.authorization, undefined, "a server on another port gets no key");
    } finally {
      await keyed.close();
      await other.close();
    }
  });
});
