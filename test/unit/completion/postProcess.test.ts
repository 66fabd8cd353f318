import * as assert from "node:assert/strict";
import { cursorContext } from "../../../src/completion/pipeline/cursorContext";
import {
  postProcess,
  withDocumentIndentation,
  withoutSuffixOverlap,
  withoutTrailingWhitespace,
} from "../../../src/completion/pipeline/postProcess";

function processAt(document: string, completion: string, languageId = "typescript", options = {}) {
  const [prefix, suffix] = document.split("█");
  return postProcess(completion, cursorContext(prefix, suffix, languageId), options);
}

describe("post-processing", () => {
  it("drops the overlap with the text right of the cursor", () => {
    assert.equal(withoutSuffixOverlap("foo(a, b))", ")", "typescript"), "foo(a, b)");
    assert.equal(withoutSuffixOverlap('hello")', '")', "typescript", '"'), "hello", "the cursor is in a string");
    assert.equal(withoutSuffixOverlap("x = 1;", ";", "typescript"), "x = 1");
    assert.equal(withoutSuffixOverlap("a, b }", " }", "typescript"), "a, b");
    assert.equal(withoutSuffixOverlap("value", ")", "typescript"), "value");
  });

  it("keeps a closer the completion needs for its own opener", () => {
    assert.equal(withoutSuffixOverlap("f()", ")", "typescript"), "f()");
    assert.equal(withoutSuffixOverlap("g(f())", "))", "typescript"), "g(f())");
    assert.equal(withoutSuffixOverlap("g(f()))", "))", "typescript"), "g(f())");
  });

  it("drops blank output and output repeating the line above or below", () => {
    assert.equal(processAt("x();\n█\n", "  \n\t\n"), "");
    assert.equal(processAt("  total += 1;\n  █\n", "total += 1;"), "");
    assert.equal(processAt("  █\n  return total;\n", "return total;"), "");
    assert.equal(processAt("  total += 1;\n  █\n", "total += 2;"), "total += 2;");
  });

  it("strips indentation the model repeated and leading blank lines on an empty line", () => {
    assert.equal(processAt("if (x) {\n    █\n}", "    y();"), "y();");
    assert.equal(processAt("if (x) {\n    █\n}", "\n\n    y();"), "y();");
    assert.equal(processAt("if (x) {\n█\n}", "    y();"), "    y();", "at column 0 the indentation is the model's to give");
  });

  it("trims trailing whitespace, but keeps a space before text right of the cursor", () => {
    assert.equal(withoutTrailingWhitespace("a;  \nb;  \n\n", true), "a;\nb;");
    assert.equal(withoutTrailingWhitespace("a +  ", false), "a +  ");
    assert.equal(processAt("const s = █b;", "a + "), "a + ");
  });

  it("indents the following lines in the document's style", () => {
    assert.equal(withDocumentIndentation("if x {\n        y\n    }", "tabs", 4), "if x {\n\t\ty\n\t}");
    assert.equal(withDocumentIndentation("if x {\n\t\ty\n\t}", "spaces", 2), "if x {\n    y\n  }");
    assert.equal(withDocumentIndentation("a\n  b", "tabs", 4), "a\n  b", "less than a tab stays");
    assert.equal(processAt("def f():\n█", "if x:\n\treturn 1", "python", { insertSpaces: true, tabSize: 4 }), "if x:\n    return 1");
  });
});
