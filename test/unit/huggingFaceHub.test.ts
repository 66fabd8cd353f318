import * as assert from "node:assert/strict";
import type { ModelDownloadError } from "../../src/modelStore/downloadErrors";
import { listGgufModels, searchGgufRepos } from "../../src/modelStore/huggingFaceHub";
import { resolveUrl } from "../../src/modelStore/hubUrls";
import { fakeRepo as repo, startFakeHuggingFace, type FakeHuggingFace } from "../support/fakeHuggingFace";
import { closedPortUrl } from "../support/loopbackServer";

const KiB = 1024;

describe("Hugging Face hub: search and listing", () => {
  let hub: FakeHuggingFace;
  const coder = repo("acme/Coder-1.5B-GGUF", [
    ["README.md", 1 * KiB],
    ["coder-1.5b-Q8_0.gguf", 48 * KiB],
    ["coder-1.5b-Q4_K_M.gguf", 32 * KiB],
    ["Q6_K/coder-1.5b-Q6_K-00001-of-00002.gguf", 20 * KiB],
    ["Q6_K/coder-1.5b-Q6_K-00002-of-00002.gguf", 21 * KiB],
    ["mmproj-coder-f16.gguf", 8 * KiB],
  ]);

  before(async () => {
    hub = await startFakeHuggingFace(
      [
        { ...coder, downloads: 50 },
        repo("other/Coder-7B-GGUF", [["coder-7b-Q4_K_M.gguf", 4 * KiB]], { downloads: 900 }),
        repo("other/Coder-7B", [["model.safetensors", 4 * KiB]], { downloads: 5000, tags: ["safetensors"] }),
        repo("meta/Gated-GGUF", [["gated-Q4_0.gguf", 4 * KiB]], { gated: true }),
        repo("me/Private-GGUF", [["private-Q4_0.gguf", 4 * KiB]], { private: true }),
      ],
      { pageSize: 2 },
    );
  });
  after(() => hub.close());
  beforeEach(() => hub.requests.splice(0));

  it("searches GGUF repositories the way @huggingface/hub asks, most downloaded first", async () => {
    const found = await searchGgufRepos("coder", { endpoint: hub.url });
    assert.deepEqual(
      found.map((entry) => [entry.repo, entry.downloads]),
      [
        ["other/Coder-7B-GGUF", 900],
        ["acme/Coder-1.5B-GGUF", 50],
      ],
    );
    assert.equal(found[0].gated, false);
    const first = new URL(hub.requests[0].url, hub.url);
    assert.equal(first.pathname, "/api/models");
    assert.equal(first.searchParams.get("search"), "coder");
    assert.deepEqual(first.searchParams.getAll("filter"), ["gguf"]);
    assert.equal(first.searchParams.get("sort"), "downloads");
    assert.ok(first.searchParams.getAll("expand").includes("gated"));
    assert.equal(hub.requests.length, 1, "two results fit one page of 2: no second request");
  });

  it("lists a repository's .gguf files as models, across pages: sizes, quantization, sha256, split parts as one", async () => {
    const models = await listGgufModels(coder.name, { endpoint: hub.url });
    assert.deepEqual(
      models.map((model) => [model.name, model.quantization, model.sizeBytes, model.split, model.projector, model.files.length]),
      [
        ["mmproj-coder-f16.gguf", "F16", 8 * KiB, false, true, 1],
        ["coder-1.5b-Q4_K_M.gguf", "Q4_K_M", 32 * KiB, false, false, 1],
        ["coder-1.5b-Q6_K.gguf", "Q6_K", 41 * KiB, true, false, 2],
        ["coder-1.5b-Q8_0.gguf", "Q8_0", 48 * KiB, false, false, 1],
      ],
    );
    const q4 = models[1].files[0];
    assert.equal(q4.sha256, coder.files[2].content.sha256);
    const tree = hub.requests.filter((request) => request.url.includes("/tree/"));
    assert.ok(tree.length >= 3, `followed the Link pages (${tree.length} requests)`);
    assert.match(tree[0].url, /^\/api\/models\/acme\/Coder-1\.5B-GGUF\/tree\/main\?recursive=true&expand=false$/);
  });

  it("lists a gated repository without a token (the hub shows gated files, only their bytes need one)", async () => {
    const models = await listGgufModels("meta/Gated-GGUF", { endpoint: hub.url });
    assert.deepEqual(
      models.map((model) => model.name),
      ["gated-Q4_0.gguf"],
    );
  });

  it("sends a token to the hub's origin when it has one, and opens a private repository with it", async () => {
    const models = await listGgufModels("me/Private-GGUF", { endpoint: hub.url, token: "hf_test_token" });
    assert.equal(models.length, 1);
    assert.equal(hub.requests[0].headers.authorization, "Bearer hf_test_token");
  });

  it("names a repository it can't see: 401 without a token (missing or private alike), 404 with one", async () => {
    await assert.rejects(listGgufModels("me/Private-GGUF", { endpoint: hub.url }), (error: ModelDownloadError) => {
      assert.equal(error.reason, "unauthorized");
      assert.match(error.message, /me\/Private-GGUF .*HTTP 401.*does not exist, or it is private or gated.*Hearth: Set Hugging Face Token/);
      return true;
    });
    await assert.rejects(listGgufModels("nobody/Nothing", { endpoint: hub.url, token: "hf_test_token" }), (error: ModelDownloadError) => {
      assert.equal(error.reason, "notFound");
      assert.match(error.message, /nobody\/Nothing was not found .*404/);
      return true;
    });
  });

  it("names a rate limit (429) on a listing, and points at the token only when none was sent", async () => {
    hub.behaviour.busy = { status: 429, times: 2, on: "api" };
    try {
      await assert.rejects(listGgufModels(coder.name, { endpoint: hub.url }), (error: ModelDownloadError) => {
        assert.equal(error.reason, "rateLimited");
        assert.match(error.message, /answered 429 Too Many Requests while looking up acme\/Coder-1\.5B-GGUF: rate limited\. .*"Hearth: Set Hugging Face Token"/);
        assert.equal(error.tokenHelps, true);
        return true;
      });
      await assert.rejects(searchGgufRepos("coder", { endpoint: hub.url, token: "hf_test_token" }), (error: ModelDownloadError) => {
        assert.equal(error.reason, "rateLimited");
        assert.match(error.message, /rate limited\. Wait a few minutes and try again\.$/);
        assert.equal(error.tokenHelps, false);
        return true;
      });
    } finally {
      delete hub.behaviour.busy;
    }
  });

  it("names a hub it can't reach, and which setting points at it", async () => {
    const endpoint = await closedPortUrl();
    await assert.rejects(searchGgufRepos("coder", { endpoint }), (error: ModelDownloadError) => {
      assert.equal(error.reason, "connection");
      assert.match(error.message, /Can't reach the Hugging Face hub at 127\.0\.0\.1:\d+ \(ECONNREFUSED\).*hearth\.huggingFace\.endpoint/);
      return true;
    });
  });

  it("builds resolve URLs with each path segment encoded", () => {
    assert.equal(resolveUrl("https://hf.example/", "acme/Coder GGUF", "main", "Q4 K/coder#1.gguf"), "https://hf.example/acme/Coder%20GGUF/resolve/main/Q4%20K/coder%231.gguf");
    assert.equal(resolveUrl(undefined, "a/b", "v1.0", "m.gguf"), "https://huggingface.co/a/b/resolve/v1.0/m.gguf");
  });
});
