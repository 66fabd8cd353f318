// The text around the cursor a completion is built from: windows that cost the same in a small
// and a multi-megabyte file, and a start that stays put while the user types down the file.
import * as assert from "node:assert/strict";
import { documentWindow, PREFIX_LINES, SUFFIX_LINES } from "../../../src/completion/documentWindow";

function documentOf(lines: string[]) {
  let reads = 0;
  return {
    get reads() {
      return reads;
    },
    lineCount: lines.length,
    lineAt: (line: number) => {
      reads++;
      return { text: lines[line] };
    },
  };
}

describe("document window", () => {
  it("splits the cursor line and takes whole lines around it", () => {
    const window = documentWindow(documentOf(["a", "bc|de".replace("|", ""), "f"]), 1, 2);
    assert.equal(window.prefix, "a\nbc");
    assert.equal(window.suffix, "de\nf");
  });

  it("reads only lines near the cursor in a multi-megabyte file, and keeps within its caps", () => {
    const lines = Array.from({ length: 100_000 }, (_, index) => `const value${index} = compute(${index}); // some code on this line`);
    lines[49_990] = "x".repeat(2_000_000); // a minified line above the cursor
    const document = documentOf(lines);
    const started = performance.now();
    const window = documentWindow(document, 50_000, 10);
    const elapsed = performance.now() - started;
    assert.ok(document.reads <= PREFIX_LINES + SUFFIX_LINES + 2, `${document.reads} lines read`);
    assert.ok(window.prefix.length <= 12_000 && window.suffix.length <= 3_000);
    assert.ok(!window.prefix.includes("xxxx"), "the minified line is left out, not cut in half");
    assert.ok(window.prefix.endsWith(lines[50_000].slice(0, 10)));
    assert.ok(elapsed < 20, `${elapsed.toFixed(1)} ms`);
  });

  it("keeps the same first line while the user types down the file", () => {
    const lines = Array.from({ length: 2_000 }, (_, index) => `line ${index} ${"·".repeat(60)}`);
    const firstLines = new Set<string>();
    for (let line = 900; line < 930; line++) firstLines.add(documentWindow(documentOf(lines), line, 0).prefix.split("\n")[0]);
    assert.ok(firstLines.size <= 2, `${firstLines.size} different starts over 30 lines`);
  });
});
