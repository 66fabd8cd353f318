import * as assert from "node:assert/strict";
import * as path from "node:path";
import { groupModelFiles, localFileName, parseQuantization, parseSplitPart, pathInFolder } from "../../src/modelStore/hubFileNames";
import { isLoopbackHost, proxyFor } from "../../src/modelStore/proxyConnection";

describe("hub file names", () => {
  it("reads the quantization from the names uploaders use", () => {
    const cases: Array<[string, string | undefined]> = [
      ["qwen2.5-coder-1.5b-instruct-q4_k_m.gguf", "Q4_K_M"],
      ["Qwen2.5-Coder-7B-Instruct-Q8_0.gguf", "Q8_0"],
      ["llama-3.2-1b.Q5_K_S.gguf", "Q5_K_S"],
      ["gemma-3-1b-it-UD-Q4_K_XL.gguf", "Q4_K_XL"],
      ["phi-4-IQ4_XS.gguf", "IQ4_XS"],
      ["model_q6_k.gguf", "Q6_K"],
      ["Meta-Llama-3.1-70B-Instruct-Q4_K_M-00001-of-00002.gguf", "Q4_K_M"],
      ["mmproj-model-f16.gguf", "F16"],
      ["model-bf16.gguf", "BF16"],
      ["tinyllama.gguf", undefined],
    ];
    for (const [name, quantization] of cases) assert.equal(parseQuantization(name), quantization, name);
  });

  it("recognises the parts of a split model and groups them as one, in order", () => {
    assert.deepEqual(parseSplitPart("dir/model-Q4_K_M-00002-of-00003.gguf"), { stem: "dir/model-Q4_K_M", part: 2, parts: 3 });
    assert.equal(parseSplitPart("model-Q4_K_M.gguf"), undefined);
    assert.equal(parseSplitPart("model-00004-of-00003.gguf"), undefined);
    const groups = groupModelFiles([
      { path: "README.md" },
      { path: "big/m-Q6_K-00002-of-00002.gguf" },
      { path: "m-Q4_K_M.gguf" },
      { path: "big/m-Q6_K-00001-of-00002.gguf" },
      { path: "broken-00001-of-00003.gguf" }, // parts 2 and 3 missing: not loadable, left out
      { path: "broken-00003-of-00003.gguf" },
    ]);
    assert.deepEqual(
      groups.map((group) => group.map((file) => file.path)),
      [["m-Q4_K_M.gguf"], ["big/m-Q6_K-00001-of-00002.gguf", "big/m-Q6_K-00002-of-00002.gguf"]],
    );
  });

  it("saves a root file under its base name, and a file in folders under its folders and base name, in the models folder itself", () => {
    assert.deepEqual(localFileName("model-Q4_K_M.gguf"), { ok: true, fileName: "model-Q4_K_M.gguf" });
    assert.deepEqual(localFileName("Q4_K_M/sub/model-Q4_K_M.gguf"), { ok: true, fileName: "Q4_K_M--sub--model-Q4_K_M.gguf" });
    assert.deepEqual(localFileName("big/m-Q6_K-00001-of-00002.gguf"), { ok: true, fileName: "big--m-Q6_K-00001-of-00002.gguf" });
    assert.equal(pathInFolder("/models", "model.gguf"), path.resolve("/models/model.gguf"));
  });

  it("keeps same-named files of different folders apart, under names that stay the same from one call to the next", () => {
    const paths = ["model.gguf", "Q4_K_M/model.gguf", "Q8_0/model.gguf", "v2/Q4_K_M/model.gguf"];
    const names = paths.map((hubPath) => (localFileName(hubPath) as { fileName: string }).fileName);
    assert.equal(new Set(names).size, paths.length, names.join(", "));
    assert.deepEqual(paths.map((hubPath) => (localFileName(hubPath) as { fileName: string }).fileName), names);
    const long = `${"folder-".repeat(30)}x/model-Q4_0.gguf`;
    const hashed = localFileName(long);
    assert.ok(hashed.ok && /^[0-9a-f]{10}--model-Q4_0\.gguf$/.test(hashed.fileName), JSON.stringify(hashed));
    assert.deepEqual(localFileName(long), hashed);
    assert.notDeepEqual(localFileName(`${"folder-".repeat(30)}y/model-Q4_0.gguf`), hashed);
    assert.deepEqual(localFileName(".cache/model.gguf"), { ok: false, why: "the file is in a hidden folder" });
    assert.equal(localFileName("what?/model.gguf").ok, false);
  });

  it("refuses names that could write outside the models folder or are not plain .gguf names", () => {
    const refused = [
      "../evil.gguf",
      "a/../../evil.gguf",
      "./model.gguf",
      "a//model.gguf",
      "/etc/evil.gguf",
      "C:/Windows/evil.gguf",
      "C:evil.gguf",
      "a\\..\\evil.gguf",
      "evil.gguf\u0000.txt",
      "line\nbreak.gguf",
      ".hidden.gguf",
      "model.bin",
      "model.gguf/",
      "what?.gguf",
      `${"x".repeat(220)}.gguf`,
      "",
    ];
    for (const name of refused) assert.equal(localFileName(name).ok, false, JSON.stringify(name));
    assert.equal(pathInFolder("/models", "../x.gguf"), undefined);
  });
});

describe("which requests use the proxy", () => {
  const proxy = { url: "http://proxy.example:3128", noProxy: ["internal.example", ".corp.example"] };

  it("never proxies loopback", () => {
    for (const host of ["localhost", "app.localhost", "127.0.0.1", "127.5.6.7", "[::1]", "::1"]) assert.equal(isLoopbackHost(host), true, host);
    for (const host of ["huggingface.co", "10.0.0.1", "[2001:db8::1]", "localhost.example.com"]) assert.equal(isLoopbackHost(host), false, host);
    assert.equal(proxyFor(new URL("http://127.0.0.1:8080/x"), proxy), undefined);
    assert.equal(proxyFor(new URL("http://localhost:8080/x"), proxy), undefined);
  });

  it("proxies other hosts except those the no-proxy list names", () => {
    assert.equal(proxyFor(new URL("https://huggingface.co/x"), proxy)?.host, "proxy.example:3128");
    assert.equal(proxyFor(new URL("https://cdn-lfs.hf.co/x"), { url: "proxy.example:8080" })?.href, "http://proxy.example:8080/");
    assert.equal(proxyFor(new URL("https://internal.example/x"), proxy), undefined);
    assert.equal(proxyFor(new URL("https://hub.corp.example/x"), proxy), undefined);
    assert.equal(proxyFor(new URL("https://huggingface.co/x"), { url: "http://p:1", noProxy: ["*"] }), undefined);
    assert.equal(proxyFor(new URL("https://huggingface.co/x"), { url: "" }), undefined);
    assert.equal(proxyFor(new URL("https://huggingface.co/x"), undefined), undefined);
  });
});
