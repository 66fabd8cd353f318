// What the fixture models' GGUF headers say, and that the facts are read once per file version.
import * as assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { GgufFactsCache, readGgufFacts, type GgufFacts } from "../../src/modelStore/ggufFacts";
import { tinyFimModel, tinyModel } from "../support/fixtures";
import { temporaryDirectory } from "../support/temporaryDirectory";

describe("GGUF facts", () => {
  it("reads architecture, context length, file type and KV shape; the tiny model has no template or FIM tokens", async () => {
    assert.deepEqual(await readGgufFacts(tinyModel), {
      architecture: "llama",
      name: "LLaMA v2",
      contextLength: 4096,
      hasChatTemplate: false,
      hasFimTokens: false,
      fileType: "F16",
      kvShape: { layers: 1, kvHeads: 2, headDimension: 4 },
    });
  });

  it("sees the FIM model's chat template and fill-in-the-middle tokens", async () => {
    const facts = await readGgufFacts(tinyFimModel);
    assert.equal(facts.hasChatTemplate, true);
    assert.equal(facts.hasFimTokens, true);
  });

  it("rejects a file that is not GGUF", async () => {
    await assert.rejects(readGgufFacts(__filename));
  });

  it("caches by path and modification time, and gives undefined for an unreadable file", async () => {
    let reads = 0;
    const cache = new GgufFactsCache(async (filePath) => {
      reads++;
      return readGgufFacts(filePath);
    });
    assert.equal((await cache.get(tinyModel, 1))?.architecture, "llama");
    await cache.get(tinyModel, 1);
    assert.equal(reads, 1, "the same version is read once");
    await cache.get(tinyModel, 2);
    assert.equal(reads, 2, "a new modification time is read again");
    const broken: GgufFacts | undefined = await cache.get(__filename, 1);
    assert.equal(broken, undefined);
  });

  it("reads the modification time itself when not given", async () => {
    const folder = await temporaryDirectory();
    try {
      const copy = path.join(folder.path, "model.gguf");
      await fs.copyFile(tinyFimModel, copy);
      const cache = new GgufFactsCache();
      assert.equal((await cache.get(copy))?.hasFimTokens, true);
      await fs.copyFile(tinyModel, copy);
      await fs.utimes(copy, new Date(), new Date(Date.now() + 10_000));
      assert.equal((await cache.get(copy))?.hasFimTokens, false);
    } finally {
      await folder.remove();
    }
  });
});
