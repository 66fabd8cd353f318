// The memory estimate and the fits / tight / too big marks.
import * as assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { estimatedMemoryBytes, kvCacheBytes, loadedModelsBytes, machineFit, thisMachine } from "../../src/modelStore/machineFit";
import { temporaryDirectory } from "../support/temporaryDirectory";

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

describe("machine fit", () => {
  it("computes the KV cache from the header's shape: 2 × f16 × layers × KV heads × head size × 4096 tokens", () => {
    // Qwen2.5-Coder-1.5B: 28 layers, 2 KV heads of 128.
    assert.equal(kvCacheBytes(1 * GiB, { layers: 28, kvHeads: 2, headDimension: 128 }), 2 * 2 * 28 * 2 * 128 * 4096);
  });

  it("guesses the KV cache as a tenth of the file, within bounds, when the header is not known", () => {
    assert.equal(kvCacheBytes(1000 * MiB, undefined), 100 * MiB);
    assert.equal(kvCacheBytes(10 * MiB, undefined), 16 * MiB);
    assert.equal(kvCacheBytes(100 * GiB, undefined), 2048 * MiB);
  });

  it("estimates the file plus 20 % plus the KV cache, and never under the stated minimum", () => {
    assert.equal(estimatedMemoryBytes(1000 * MiB), 1200 * MiB + 100 * MiB);
    assert.equal(estimatedMemoryBytes(1000 * MiB, undefined, 4 * GiB), 4 * GiB);
  });

  it("marks fits, tight and too big against total and free memory", () => {
    const machine = { totalBytes: 16 * GiB, freeBytes: 8 * GiB };
    assert.equal(machineFit(4 * GiB, machine), "fits");
    assert.equal(machineFit(10 * GiB, machine), "tight"); // more than is free, less than 90 % of all
    assert.equal(machineFit(15 * GiB, machine), "tooBig");
    // Lots free on a small machine still leaves room for the editor.
    assert.equal(machineFit(7 * GiB, { totalBytes: 8 * GiB, freeBytes: 8 * GiB }), "tight");
  });

  it("counts the memory of models already loaded: what fit alone is tight beside them, and never too big for that", () => {
    const machine = { totalBytes: 16 * GiB, freeBytes: 12 * GiB };
    assert.equal(machineFit(6 * GiB, machine), "fits");
    // Their weights are memory-mapped, so the system may still count them as free: they are subtracted by estimate.
    assert.equal(machineFit(6 * GiB, { ...machine, loadedModelBytes: 7 * GiB }), "tight");
    assert.equal(machineFit(6 * GiB, { ...machine, loadedModelBytes: 20 * GiB }), "tight", "fits once Hearth unloads them");
    assert.equal(machineFit(15 * GiB, { ...machine, loadedModelBytes: 0 }), "tooBig");
  });

  it("adds a reported GPU's memory, and with no GPU (or a GPU of 0 bytes) judges by RAM alone", () => {
    const machine = { totalBytes: 8 * GiB, freeBytes: 6 * GiB };
    assert.equal(machineFit(9 * GiB, machine), "tooBig");
    assert.equal(machineFit(9 * GiB, { ...machine, gpu: { totalBytes: 8 * GiB, freeBytes: 7 * GiB } }), "fits");
    assert.equal(machineFit(9 * GiB, { ...machine, gpu: { totalBytes: 8 * GiB, freeBytes: 1 * GiB } }), "tight");
    assert.equal(thisMachine({ gpu: { totalBytes: 0, freeBytes: 0 } }).gpu, undefined);
    assert.equal(thisMachine().gpu, undefined);
    assert.deepEqual(machineFit(GiB, { ...thisMachine(), gpu: undefined }), machineFit(GiB, thisMachine()));
  });

  it("estimates loaded models from their files (header's KV shape when known), and skips names that are not files", async () => {
    const folder = await temporaryDirectory();
    try {
      const file = path.join(folder.path, "loaded.gguf");
      await fs.writeFile(file, Buffer.alloc(1000));
      const shape = { layers: 2, kvHeads: 1, headDimension: 4 };
      const estimates = await loadedModelsBytes([file, file, "qwen2.5-coder:1.5b", path.join(folder.path, "gone.gguf")], (at) => Promise.resolve(at === file ? shape : undefined));
      assert.deepEqual([...estimates], [[file, estimatedMemoryBytes(1000, shape)]]);
    } finally {
      await folder.remove();
    }
  });
});
