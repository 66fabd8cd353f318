import * as assert from "node:assert/strict";
import { resolveThreads } from "../../src/engine/llamaCpp/threads";

describe("llama.cpp threads", () => {
  it("uses the physical cores when the setting is 0", () => {
    assert.equal(resolveThreads(0, 8, 16), 8);
    assert.equal(resolveThreads(0, 0, 2), 1);
  });
  it("never uses more threads than the machine has CPUs", () => {
    assert.equal(resolveThreads(4, 2, 2), 2);
    assert.equal(resolveThreads(3, 8, 16), 3);
  });
});
