import * as assert from "node:assert/strict";
import { finishCompletion } from "../../../src/completion/pipeline/finishCompletion";
import { readGoldenCases } from "./goldenCases";

describe("completion golden cases (test/fixtures/completion-golden)", () => {
  const cases = readGoldenCases();

  it("has cases across languages", () => {
    assert.ok(cases.length >= 20, `only ${cases.length} cases`);
    const languages = new Set(cases.map((golden) => golden.languageId));
    for (const language of ["typescript", "python", "go", "json"]) assert.ok(languages.has(language), language);
  });

  for (const golden of cases) {
    it(`${golden.name}: ${golden.title}`, () => {
      const whole = finishCompletion(golden);
      assert.equal(whole.text, golden.expected);
      if (golden.shape !== undefined) assert.equal(whole.plan.shape, golden.shape);
      if (golden.cause !== undefined) assert.equal(whole.cause ?? "none", golden.cause);
      // Chunking must not change anything: one character at a time gives the same result.
      const trickle = finishCompletion({ ...golden, chunkSize: 1 });
      assert.equal(trickle.text, golden.expected, "one character at a time");
      assert.equal(trickle.cause, whole.cause, "one character at a time");
    });
  }
});
