import * as assert from "node:assert/strict";
import { cursorContext } from "../../../src/completion/pipeline/cursorContext";
import { planStop } from "../../../src/completion/pipeline/stopRules";

/** The plan at "█" in `document`. */
function planAt(document: string, languageId = "typescript", settings = {}) {
  const [prefix, suffix] = document.split("█");
  return planStop(cursorContext(prefix, suffix, languageId), settings);
}

describe("stop rules", () => {
  it("asks for one line in the middle of a line", () => {
    assert.deepEqual([planAt("const x = █").shape, planAt("const x = █").reason], ["singleLine", "textBeforeCursor"]);
    assert.deepEqual([planAt("foo(█);").shape, planAt("foo(█);").reason], ["singleLine", "textAfterCursor"]);
    assert.deepEqual([planAt("  █return x;").shape, planAt("  █return x;").reason], ["singleLine", "textAfterCursor"]);
    assert.equal(planAt("const x = █").maxLines, 1);
  });

  it("asks for a block on an empty line, its indentation set by the completion's first line", () => {
    const plan = planAt("function f() {\n  █\n}");
    assert.equal(plan.shape, "multiLine");
    assert.equal(plan.reason, "emptyLine");
    assert.equal(plan.blockIndent, undefined);
    assert.equal(planAt("█").shape, "multiLine", "an empty document");
  });

  it("asks for the body at the end of a line that opens a block", () => {
    const plan = planAt("  function f() {█\n  }");
    assert.equal(plan.reason, "afterBlockOpener");
    assert.equal(plan.blockIndent, 3, "deeper than the opening line's two columns");
    assert.equal(planAt("    for x in xs:█", "python").reason, "afterBlockOpener");
    assert.equal(planAt("const o = { a:█", "typescript").shape, "singleLine", "a colon opens no block outside Python and YAML");
  });

  it("takes the line limit and time budget from settings, and sizes maxTokens by them", () => {
    const defaults = planAt("\n█\n");
    assert.equal(defaults.maxLines, 8);
    assert.equal(defaults.timeBudgetMs, 3000);
    assert.equal(defaults.maxTokens, 256);
    const custom = planAt("\n█\n", "typescript", { maxLines: 3, timeBudgetMs: 1000 });
    assert.equal(custom.maxLines, 3);
    assert.equal(custom.timeBudgetMs, 1000);
    assert.equal(custom.maxTokens, 96);
    assert.equal(planAt("x = █").maxTokens, 96);
  });
});
