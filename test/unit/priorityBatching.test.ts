// How one batch of a context is shared between the sequences evaluating at once: a completion's
// prompt goes before a chat answer's, so typing never waits behind a long chat prompt, and
// sequences of the same priority share evenly.
import * as assert from "node:assert/strict";
import { prioritizeBatch } from "../../src/engine/llamaCpp/priorityBatching";

interface Item {
  readonly name: string;
  readonly tokens: readonly number[];
  readonly evaluationPriority: number;
}

const item = (name: string, tokenCount: number, evaluationPriority: number): Item => ({ name, tokens: new Array<number>(tokenCount).fill(0), evaluationPriority });

/** The plan as name → tokens processed, in the order it came. */
function shares(items: readonly Item[], size: number): Array<[string, number]> {
  return prioritizeBatch({ items, size }).map(({ item, processAmount }) => [item.name, processAmount]);
}

const total = (plan: ReadonlyArray<[string, number]>) => plan.reduce((sum, [, amount]) => sum + amount, 0);

describe("llama.cpp batch sharing", () => {
  it("evaluates a completion's whole prompt before a chat prompt gets any of the batch", () => {
    const plan = shares([item("chat", 2000, 3), item("completion", 300, 5)], 512);
    assert.deepEqual(plan, [
      ["completion", 300],
      ["chat", 212],
    ]);
  });

  it("gives the whole batch to the highest priority when it needs all of it", () => {
    const plan = shares([item("background", 100, 1), item("chat", 1000, 3)], 512);
    assert.deepEqual(plan, [["chat", 512]]);
  });

  it("shares the batch evenly between sequences of the same priority", () => {
    const plan = shares([item("a", 1000, 3), item("b", 1000, 3)], 512);
    assert.deepEqual(plan, [
      ["a", 256],
      ["b", 256],
    ]);
  });

  it("hands what a small sequence does not need to the others of its priority", () => {
    const plan = shares([item("small", 10, 3), item("large 1", 1000, 3), item("large 2", 1000, 3)], 300);
    assert.deepEqual(new Map(plan), new Map([["small", 10], ["large 1", 145], ["large 2", 145]]));
    assert.equal(total(plan), 300, "the whole batch is used");
  });

  it("then shares what is left between the next priority down", () => {
    const plan = shares([item("completion", 100, 5), item("chat 1", 1000, 3), item("chat 2", 1000, 3), item("background", 1000, 1)], 500);
    assert.deepEqual(plan, [
      ["completion", 100],
      ["chat 1", 200],
      ["chat 2", 200],
    ]);
  });

  it("never plans more than the batch holds, nor more tokens than a sequence has", () => {
    const items = [item("a", 7, 2), item("b", 3, 2), item("c", 11, 4), item("d", 5, 1), item("e", 1, 4)];
    for (let size = 1; size <= 30; size++) {
      const plan = prioritizeBatch({ items, size });
      const used = plan.reduce((sum, entry) => sum + entry.processAmount, 0);
      assert.equal(used, Math.min(size, 27), `batch of ${size}`);
      for (const entry of plan) {
        assert.ok(entry.processAmount > 0 && entry.processAmount <= entry.item.tokens.length, `batch of ${size}: ${entry.item.name}`);
      }
    }
  });

  it("uses a batch smaller than the number of sequences of one priority without stalling", () => {
    const plan = shares([item("a", 10, 3), item("b", 10, 3), item("c", 10, 3)], 2);
    assert.equal(total(plan), 2);
    assert.equal(plan.length, 2);
  });

  it("plans nothing for sequences with nothing to evaluate", () => {
    assert.deepEqual(shares([item("idle", 0, 5), item("chat", 4, 3)], 16), [["chat", 4]]);
    assert.deepEqual(shares([], 16), []);
  });
});
