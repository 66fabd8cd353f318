import * as assert from "node:assert/strict";
import { cursorContext } from "../../../src/completion/pipeline/cursorContext";
import { planStop } from "../../../src/completion/pipeline/stopRules";
import { StreamFilter } from "../../../src/completion/pipeline/streamFilters";

function filterAt(document: string, languageId = "typescript", settings = {}, now?: () => number) {
  const [prefix, suffix] = document.split("█");
  const context = cursorContext(prefix, suffix, languageId);
  return new StreamFilter(context, planStop(context, settings), now ? { now } : {});
}

describe("stream filters", () => {
  it("says stop as soon as the rule can tell, before the generation ends", () => {
    const filter = filterAt("const x = █");
    assert.deepEqual(filter.push("compute("), { text: "compute(", stop: false, cause: undefined });
    const result = filter.push("1);\nconst y");
    assert.deepEqual(result, { text: "compute(1);", stop: true, cause: "endOfLine" });
    assert.deepEqual(filter.push("more"), result, "nothing is accepted after a stop");
  });

  it("stops at a dedent at its first character, without waiting for the line's end", () => {
    const filter = filterAt("def f(x):\n    █", "python");
    assert.equal(filter.push("return x\nd").stop, true);
    assert.equal(filter.result.text, "return x");
    assert.equal(filter.result.cause, "blockClosed");
  });

  it("stops before an unbalanced closer mid-line", () => {
    const filter = filterAt("foo(bar(█), baz)");
    const result = filter.push("1, 2), baz)");
    assert.equal(result.text, "1, 2");
    assert.equal(result.cause, "unbalancedBracket");
  });

  it("ignores brackets in strings and comments of the completion", () => {
    const filter = filterAt("function f() {\n  █\n}");
    assert.equal(filter.push('log(")"); // }\n  ').stop, false);
    assert.equal(filter.end().text, 'log(")"); // }\n  ');
  });

  it("stops at the time budget counted from the first chunk (not a model's load), keeping whole lines of a multi-line completion", () => {
    let time = 0;
    const filter = filterAt("function f() {\n  █\n}", "typescript", { timeBudgetMs: 100 }, () => time);
    assert.equal(filter.push("a();\n  b(").stop, false);
    time = 100;
    assert.deepEqual(filter.push("1"), { text: "a();", stop: true, cause: "timeBudget" });

    let single = 0;
    const line = filterAt("const x = █", "typescript", { timeBudgetMs: 100 }, () => single);
    single = 5_000; // the model took seconds to load: the budget starts with its first chunk
    assert.deepEqual(line.push("co"), { text: "co", stop: false, cause: undefined });
    single = 5_150;
    assert.deepEqual(line.push("mp"), { text: "comp", stop: true, cause: "timeBudget" });
  });

  it("judges the last line when the generation ends", () => {
    const filter = filterAt("let a = 1;\n█\nlet b = 2;");
    filter.push("let c = 3;\nlet b = 2;");
    assert.deepEqual(filter.end(), { text: "let c = 3;", stop: true, cause: "repeatsLineBelow" });
  });

  it("reads CRLF line ends as line breaks", () => {
    const filter = filterAt("const x = █");
    assert.deepEqual(filter.push("1;\r\nconst y = 2;"), { text: "1;", stop: true, cause: "endOfLine" });
  });
});
