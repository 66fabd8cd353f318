import * as assert from "node:assert/strict";
import { CompletionCache } from "../../../src/completion/pipeline/completionCache";

const prefix = "function area(width: number, height: number): number {\n  return ";
const suffix = "\n}\n";

describe("completion cache", () => {
  it("answers the same context, and misses another", () => {
    const cache = new CompletionCache();
    cache.set(prefix, suffix, "width * height;");
    assert.deepEqual(cache.get(prefix, suffix), { text: "width * height;", typed: 0 });
    assert.equal(cache.get(prefix, "\n}\nexport {};\n".replace("\n}", "\n} ")), undefined, "another suffix");
    assert.equal(cache.get(prefix.replace("area", "volume"), suffix), undefined, "another prefix");
  });

  it("serves type-through: typing the start of the ghost text shows the rest", () => {
    const cache = new CompletionCache();
    cache.set(prefix, suffix, "width * height;");
    assert.deepEqual(cache.get(prefix + "w", suffix), { text: "idth * height;", typed: 1 });
    assert.deepEqual(cache.get(prefix + "width * ", suffix), { text: "height;", typed: 8 });
    assert.equal(cache.get(prefix + "width * height;", suffix), undefined, "all of it typed: nothing left");
    assert.equal(cache.get(prefix + "wide", suffix), undefined, "typed something else");
  });

  it("serves deleting back towards the cached position", () => {
    const cache = new CompletionCache();
    cache.set(prefix, suffix, "width * height;");
    cache.get(prefix + "width", suffix);
    assert.deepEqual(cache.get(prefix + "wid", suffix), { text: "th * height;", typed: 3 });
    assert.deepEqual(cache.get(prefix, suffix), { text: "width * height;", typed: 0 });
  });

  it("types through multi-line completions, line breaks included", () => {
    const cache = new CompletionCache();
    cache.set("def f(x):\n    ", "\n", "y = x * 2\n    return y");
    assert.deepEqual(cache.get("def f(x):\n    y = x * 2\n    ", "\n"), { text: "return y", typed: 14 });
  });

  it("keys on the ends of the prefix and suffix, not the whole file", () => {
    const cache = new CompletionCache();
    const near = "// shared lines\n".repeat(20);
    const below = suffix + "// more code\n".repeat(10);
    cache.set("// one header\n".repeat(500) + near + prefix, below + "x".repeat(10_000), "width * height;");
    assert.equal(cache.get("// another\n".repeat(30) + near + prefix, below + "y".repeat(10_000))?.text, "width * height;");
  });

  it("follows an auto-closed quote right of the cursor", () => {
    const cache = new CompletionCache();
    cache.set("print(", ")\n", '"hello")'.slice(0, -1));
    assert.deepEqual(cache.get('print("he', '")\n'), { text: "llo", typed: 3 });
  });

  it("follows an auto-closed bracket right of the cursor", () => {
    const cache = new CompletionCache();
    cache.set("const total = ", ";\n", "sum(a, b);".slice(0, -1));
    // The user typed "sum(" and the editor inserted ")" after the cursor.
    assert.deepEqual(cache.get("const total = sum(", ");\n"), { text: "a, b", typed: 4 });
  });

  it("remembers empty results, but does not type through them", () => {
    const cache = new CompletionCache();
    cache.set(prefix, suffix, "");
    assert.deepEqual(cache.get(prefix, suffix), { text: "", typed: 0 });
    assert.equal(cache.get(prefix + "w", suffix), undefined);
  });

  it("evicts the least recently used entries", () => {
    const cache = new CompletionCache({ maxEntries: 2 });
    cache.set("a = ", "", "1");
    cache.set("b = ", "", "2");
    cache.get("a = ", "");
    cache.set("c = ", "", "3");
    assert.equal(cache.size, 2);
    assert.equal(cache.get("b = ", ""), undefined);
    assert.equal(cache.get("a = ", "")?.text, "1");
    // Evicted entries no longer count as candidates for type-through.
    assert.equal(cache.get("b = 2", ""), undefined);
  });

  it("stops looking further back than maxTypeThrough", () => {
    const cache = new CompletionCache({ maxTypeThrough: 4 });
    cache.set(prefix, suffix, "width * height;");
    assert.equal(cache.get(prefix + "wid", suffix)?.text, "th * height;");
    assert.equal(cache.get(prefix + "width", suffix), undefined);
  });

  it("looks up in well under 2 ms on a miss, typed-through or not", () => {
    const cache = new CompletionCache();
    const document = Array.from({ length: 2000 }, (_, line) => `  const value${line} = compute(${line});`).join("\n");
    for (let position = 0; position < 256; position++) {
      const cut = 1000 + position * 211;
      cache.set(document.slice(0, cut), document.slice(cut), `completion ${position}`);
    }
    const started = performance.now();
    const lookups = 200;
    for (let index = 0; index < lookups; index++) {
      const cut = 500 + index * 97;
      cache.get(document.slice(0, cut) + "z", document.slice(cut));
    }
    const perLookup = (performance.now() - started) / lookups;
    assert.ok(perLookup < 0.5, `${perLookup.toFixed(3)} ms a lookup`);
  });
});
