import * as assert from "node:assert/strict";
import { chunkWindow, RecentContext } from "../../../src/completion/pipeline/contextChunks";

function lines(from: number, count: number, label = "line"): string {
  return Array.from({ length: count }, (_, index) => `const ${label}${from + index} = ${from + index};`).join("\n");
}

describe("recent context chunks", () => {
  it("keeps the most recent chunks, evicting the oldest", () => {
    const recent = new RecentContext({ maxChunks: 3 });
    for (const name of ["a", "b", "c", "d"]) recent.record(`${name}.ts`, lines(0, 10, name), 0);
    assert.equal(recent.size, 3);
    assert.deepEqual(
      recent.snippets("other.ts", 100_000).map((snippet) => snippet.path),
      ["d.ts", "c.ts", "b.ts"],
    );
  });

  it("replaces a near-duplicate instead of keeping both", () => {
    const recent = new RecentContext();
    const text = lines(0, 30);
    recent.record("a.ts", text);
    recent.record("b.ts", lines(0, 30, "other"));
    recent.record("copy-of-a.ts", text.replace("const line3 = 3;", "const line3 = 4;"));
    assert.deepEqual(recent.snippets("x.ts", 100_000).map((snippet) => snippet.path), ["copy-of-a.ts", "b.ts"]);
  });

  it("replaces the same file's chunk that the new one mostly overlaps", () => {
    const recent = new RecentContext();
    recent.record("a.ts", lines(0, 64), 0);
    recent.record("a.ts", lines(20, 64), 20);
    assert.equal(recent.size, 1);
    recent.record("a.ts", lines(200, 64), 200);
    assert.equal(recent.size, 2, "a far part of the file is a chunk of its own");
  });

  it("leaves out the file being completed unless asked, then puts it last", () => {
    const recent = new RecentContext();
    recent.record("a.ts", lines(0, 10, "a"));
    recent.record("b.ts", lines(0, 10, "b"));
    assert.deepEqual(recent.snippets("b.ts", 100_000).map((snippet) => snippet.path), ["a.ts"]);
    assert.deepEqual(recent.snippets("b.ts", 100_000, { includeSameFile: true }).map((snippet) => snippet.path), ["a.ts", "b.ts"]);
  });

  it("fits the budget, skipping chunks too large for what is left", () => {
    const recent = new RecentContext();
    recent.record("big.ts", lines(0, 60, "big"));
    recent.record("small.ts", lines(0, 2, "small"));
    recent.record("large.ts", lines(0, 40, "large"));
    const budget = lines(0, 2, "small").length + lines(0, 40, "large").length;
    assert.deepEqual(recent.snippets("x.ts", budget).map((snippet) => snippet.path), ["large.ts", "small.ts"]);
    assert.deepEqual(recent.snippets("x.ts", 0), []);
  });

  it("ignores blank text, caps a chunk's lines, and forgets a file", () => {
    const recent = new RecentContext({ chunkLines: 5 });
    recent.record("blank.ts", "\n  \n\n");
    assert.equal(recent.size, 0);
    recent.record("a.ts", lines(0, 50));
    assert.equal(recent.snippets("x.ts", 100_000)[0].text.split("\n").length, 5);
    recent.forget("a.ts");
    assert.equal(recent.size, 0);
  });

  it("centres a chunk's window on the line, inside the document", () => {
    assert.deepEqual(chunkWindow(100, 1000), { startLine: 68, endLine: 132 });
    assert.deepEqual(chunkWindow(3, 1000), { startLine: 0, endLine: 64 });
    assert.deepEqual(chunkWindow(995, 1000), { startLine: 936, endLine: 1000 });
    assert.deepEqual(chunkWindow(5, 10), { startLine: 0, endLine: 10 });
  });

  it("records an event in well under a millisecond with a full ring", () => {
    const recent = new RecentContext();
    for (let file = 0; file < 16; file++) recent.record(`f${file}.ts`, lines(file * 100, 64, `f${file}_`), 0);
    const started = performance.now();
    for (let event = 0; event < 500; event++) recent.record("current.ts", lines(event % 50, 64), event % 50);
    const perEvent = (performance.now() - started) / 500;
    assert.ok(perEvent < 0.5, `${perEvent.toFixed(3)} ms an event`);
  });
});
