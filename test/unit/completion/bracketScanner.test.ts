import * as assert from "node:assert/strict";
import { closableAtCursor, scanOpeners, scanUnmatchedClosers } from "../../../src/completion/pipeline/bracketScanner";

describe("bracket scanner", () => {
  it("finds the brackets still open, skipping strings and comments", () => {
    assert.deepEqual(scanOpeners("function f(a) {\n  const s = \"(\";\n  // {\n  g([", "typescript").openers, ["{", "(", "["]);
    assert.deepEqual(scanOpeners("/* ( */ x = {", "typescript").openers, ["{"]);
    assert.deepEqual(scanOpeners("def f(a):\n    # (\n    x = [", "python").openers, ["["]);
    assert.deepEqual(scanOpeners("fn f<'a>(x: &'a str) {", "rust").openers, ["{"], "a lifetime is no string");
  });

  it("tells whether the cursor is inside a string", () => {
    assert.equal(scanOpeners('const s = "abc', "typescript").openString, '"');
    assert.equal(scanOpeners('const s = "a\\"bc', "typescript").openString, '"', "escaped quote");
    assert.equal(scanOpeners('const s = "abc";\nx = ', "typescript").openString, undefined);
    assert.equal(scanOpeners("It's prose (really", "markdown").openString, undefined);
  });

  it("finds the suffix's closers of brackets opened before the cursor", () => {
    assert.deepEqual(scanUnmatchedClosers("a, (b)), c]\n}", "typescript").closers, [")", "]", "}"]);
    assert.deepEqual(scanUnmatchedClosers('abc", x)', "typescript", '"'), { closers: [")"], closesString: true });
    assert.deepEqual(scanUnmatchedClosers("abc\nx = \"\"", "typescript", '"'), { closers: [], closesString: false });
  });

  it("leaves closable what the prefix opened and the suffix does not close", () => {
    assert.deepEqual(closableAtCursor("class A {\n  m() {\n    f(", ")\n  }\n}", "typescript").openers, []);
    assert.deepEqual(closableAtCursor("class A {\n  m() {\n    f(", "\n", "typescript").openers, ["{", "{", "("]);
    assert.deepEqual(closableAtCursor("x = [f(", "]", "typescript").openers, ["[", "("], "a mismatched closer stops the pairing");
  });
});
