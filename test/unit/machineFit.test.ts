// The memory estimate and the fits / tight / too big marks.
import * as assert from "node:assert/strict";
import { estimatedMemoryBytes, kvCacheBytes, machineFit } from "../../src/modelStore/machineFit";

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
});
