import * as assert from "node:assert/strict";
import {
  DEFAULT_CHARS_PER_TOKEN,
  EstimatingTokenCounter,
  ESTIMATE_MARGIN,
  MAX_CHARS_PER_TOKEN,
  MIN_CHARS_PER_TOKEN,
} from "../../src/chat/tokenCounting";

describe("token estimates", () => {
  it("start at 3.5 characters a token, rounded up with a margin", async () => {
    const counter = new EstimatingTokenCounter();
    assert.equal(counter.charsPerToken, DEFAULT_CHARS_PER_TOKEN);
    assert.equal(counter.estimate(""), 0);
    assert.equal(counter.estimate("x"), 1);
    // 35 characters: 10 tokens at 3.5, 11 with the 10% margin.
    assert.equal(ESTIMATE_MARGIN, 1.1);
    assert.equal(counter.estimate("x".repeat(35)), 11);
    assert.equal(counter.estimate("x".repeat(36)), 12, "a fraction of a token counts as a whole one");
    assert.deepEqual(await counter.count(["", "x".repeat(35), "abc"]), [0, 11, 1]);
  });

  it("refuse to count for a cancelled request", async () => {
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(new EstimatingTokenCounter().count(["text"], controller.signal));
  });

  it("converge toward the ratio the server reports, down and up", () => {
    const dense = new EstimatingTokenCounter();
    for (let sample = 0; sample < 10; sample++) assert.ok(dense.calibrate(10_000, 4_000)); // 2.5 characters a token
    assert.ok(Math.abs(dense.charsPerToken - 2.5) < 0.02, `${dense.charsPerToken}`);
    assert.equal(dense.samples, 10);
    assert.ok(dense.estimate("x".repeat(10_000)) >= 4_000, "estimates stay at or above the reported count");

    const sparse = new EstimatingTokenCounter();
    sparse.calibrate(8_400, 2_000); // 4.2 characters a token
    assert.ok(sparse.charsPerToken > 3.8 && sparse.charsPerToken < 4.2, "the first sample moves most of the way");
    for (let sample = 0; sample < 10; sample++) sparse.calibrate(8_400, 2_000);
    assert.ok(Math.abs(sparse.charsPerToken - 4.2) < 0.02, `${sparse.charsPerToken}`);
  });

  it("move gradually: one odd answer does not throw the estimate off", () => {
    const counter = new EstimatingTokenCounter();
    for (let sample = 0; sample < 10; sample++) counter.calibrate(12_000, 3_000); // 4 a token
    counter.calibrate(6_000, 3_000); // 2 a token, once
    assert.ok(counter.charsPerToken > 3.2 && counter.charsPerToken < 4, `${counter.charsPerToken}`);
  });

  it("ignore tiny, implausible and suspiciously cheap samples", () => {
    const counter = new EstimatingTokenCounter();
    const rejected: Array<[number, number]> = [
      [120, 40], // too short: the template's tokens dominate
      [5_000, 20], // too few tokens
      [10_000, 100], // 100 characters a token: not a tokenizer
      [10_000, 15_000], // fewer than one character a token
      [Number.NaN, 100],
      [10_000, Number.POSITIVE_INFINITY],
      [10_000, 0],
    ];
    for (const [characters, tokens] of rejected) assert.equal(counter.calibrate(characters, tokens), false, `${characters}/${tokens}`);
    assert.equal(counter.charsPerToken, DEFAULT_CHARS_PER_TOKEN);
    assert.equal(counter.samples, 0);

    // After settling at 2.5, a prompt "costing" 5.8 characters a token looks like a server that
    // counted only the tokens it did not take from its cache: following it would under-count.
    for (let sample = 0; sample < 10; sample++) counter.calibrate(10_000, 4_000);
    const settled = counter.charsPerToken;
    assert.equal(counter.calibrate(11_600, 2_000), false);
    assert.equal(counter.charsPerToken, settled);
  });

  it("keep the ratio within a sane range", () => {
    assert.equal(new EstimatingTokenCounter(100).charsPerToken, MAX_CHARS_PER_TOKEN);
    assert.equal(new EstimatingTokenCounter(0.1).charsPerToken, MIN_CHARS_PER_TOKEN);
    assert.equal(new EstimatingTokenCounter(Number.NaN).charsPerToken, DEFAULT_CHARS_PER_TOKEN);
    const cjk = new EstimatingTokenCounter();
    for (let sample = 0; sample < 30; sample++) cjk.calibrate(3_000, 2_900); // about one character a token
    assert.ok(cjk.charsPerToken >= MIN_CHARS_PER_TOKEN && cjk.charsPerToken < 1.1, `${cjk.charsPerToken}`);
  });
});
