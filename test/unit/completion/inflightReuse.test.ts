import * as assert from "node:assert/strict";
import type { Generation } from "../../../src/engine/backend";
import { InfillStream } from "../../../src/completion/pipeline/infillStream";
import { reuseInflight, typedSince, type InflightRequest } from "../../../src/completion/pipeline/inflightReuse";

const usage = { promptTokens: 0, reusedPromptTokens: 0, completionTokens: 0, timeToFirstTokenMs: 0, tokensPerSecond: 0 };

/** An in-flight stream whose chunks the test pushes. */
function inflight(prefix: string, suffix = "\n}") {
  let push: (text: string) => void = () => undefined;
  let finish: (stopReason?: Generation["stopReason"]) => void = () => undefined;
  let signal: AbortSignal | undefined;
  let text = "";
  const stream = new InfillStream((onChunk, abort) => {
    signal = abort;
    push = (chunk) => {
      text += chunk;
      onChunk(chunk);
    };
    return new Promise<Generation>((resolve) => (finish = (stopReason = "endOfText") => resolve({ text, stopReason, usage })));
  });
  const request: InflightRequest = { prefix, suffix, stream };
  return { request, stream, push: (chunk: string) => push(chunk), finish: (reason?: Generation["stopReason"]) => finish(reason), aborted: () => signal?.aborted };
}

async function collect(stream: AsyncIterable<string>): Promise<string> {
  let text = "";
  for await (const chunk of stream) text += chunk;
  return text;
}

const prefix = "function area(w: number, h: number) {\n  return ";

describe("in-flight reuse", () => {
  it("attaches when the user typed what the model already wrote, without the typed text", async () => {
    const old = inflight(prefix);
    old.push("w * h;");
    const decision = reuseInflight(old.request, prefix + "w *", "\n}");
    assert.ok(decision.reuse);
    assert.equal(decision.typed, "w *");
    assert.equal(decision.stream.text, " h;");
    const rest = collect(decision.stream);
    old.push(" // area");
    old.finish();
    assert.equal(await rest, " h; // area");
    assert.equal((await decision.stream.done).text, " h; // area");
  });

  it("attaches when the user is ahead of a running generation, and follows it once it catches up", async () => {
    const old = inflight(prefix);
    old.push("w");
    const decision = reuseInflight(old.request, prefix + "w * h", "\n}");
    assert.ok(decision.reuse);
    assert.equal(decision.stream.text, "");
    const rest = collect(decision.stream);
    old.push(" * h");
    old.push(";");
    old.finish();
    assert.equal(await rest, ";");
  });

  it("ends the view (diverged) when the generation writes something other than what was typed", async () => {
    const old = inflight(prefix);
    old.push("w");
    const decision = reuseInflight(old.request, prefix + "w * h", "\n}");
    assert.ok(decision.reuse);
    const rest = collect(decision.stream);
    old.push(" + h;");
    assert.equal(await rest, "");
    assert.equal(decision.stream.diverged, true);
    assert.equal(decision.stream.text, "");
    old.finish();
  });

  it("does not reuse when the text so far contradicts what was typed, the suffix changed, or the cursor went back", () => {
    const old = inflight(prefix);
    old.push("w * h;");
    assert.deepEqual(reuseInflight(old.request, prefix + "h", "\n}"), { reuse: false, reason: "diverged" });
    assert.deepEqual(reuseInflight(old.request, prefix + "w", ")\n}"), { reuse: false, reason: "suffixChanged" });
    assert.deepEqual(reuseInflight(old.request, prefix.slice(0, -1), "\n}"), { reuse: false, reason: "notAnExtension" });
    assert.deepEqual(reuseInflight(undefined, prefix, "\n}"), { reuse: false, reason: "nothingInFlight" });
  });

  it("compares only the start of the suffix (the window's end may move)", () => {
    const suffix = "\n}\n" + "// more code\n".repeat(40);
    const old = inflight(prefix, suffix);
    old.push("w * h;");
    assert.equal(reuseInflight(old.request, prefix + "w", suffix + "// one more line\n").reuse, true);
  });

  it("does not reuse a finished generation that was all typed, or one that is finished and contradicted", async () => {
    const old = inflight(prefix);
    old.push("w;");
    old.finish();
    await old.stream.done;
    assert.deepEqual(reuseInflight(old.request, prefix + "w;", "\n}"), { reuse: false, reason: "finished" });
    assert.deepEqual(reuseInflight(old.request, prefix + "w; x", "\n}"), { reuse: false, reason: "finished" });
    assert.equal(reuseInflight(old.request, prefix + "w", "\n}").reuse, true, "a finished generation still serves its rest");
  });

  it("does not reuse a generation cut off by cancel() or by the engine: its text may stop anywhere", async () => {
    const cancelled = inflight(prefix);
    cancelled.push("width * he");
    cancelled.stream.cancel();
    assert.deepEqual(reuseInflight(cancelled.request, prefix + "w", "\n}"), { reuse: false, reason: "interrupted" });

    const superseded = inflight(prefix);
    superseded.push("width * he");
    superseded.finish("cancelled");
    await superseded.stream.done;
    assert.deepEqual(reuseInflight(superseded.request, prefix + "w", "\n}"), { reuse: false, reason: "interrupted" });
  });

  it("compares with the text as shown: leading blank lines and repeated indentation on an empty line are skipped", async () => {
    const emptyLine = "def f(x):\n    ";
    const old = inflight(emptyLine, "\n");
    old.push("\n    return x");
    const decision = reuseInflight(old.request, emptyLine + "ret", "\n");
    assert.ok(decision.reuse);
    assert.equal(decision.stream.text, "urn x");
    const rest = collect(decision.stream);
    old.push(" * 2");
    old.finish();
    assert.equal(await rest, "urn x * 2");

    const early = inflight(emptyLine, "\n");
    early.push("  ");
    assert.deepEqual(reuseInflight(early.request, emptyLine + "r", "\n"), { reuse: false, reason: "notStartedYet" });
  });

  it("reuses the same request again with nothing typed, and views compose", async () => {
    const old = inflight(prefix);
    old.push("width");
    const same = reuseInflight(old.request, prefix, "\n}");
    assert.ok(same.reuse);
    assert.equal(same.typed, "");
    const first = reuseInflight(old.request, prefix + "w", "\n}");
    assert.ok(first.reuse);
    const second = reuseInflight({ prefix: prefix + "w", suffix: "\n}", stream: first.stream }, prefix + "wid", "\n}");
    assert.ok(second.reuse);
    assert.equal(second.stream.text, "th");
    const rest = collect(second.stream);
    old.push(" * h");
    old.finish();
    assert.equal(await rest, "th * h");
  });

  it("cancelling a view cancels the generation it follows", () => {
    const old = inflight(prefix);
    old.push("w");
    const decision = reuseInflight(old.request, prefix + "w", "\n}");
    assert.ok(decision.reuse);
    decision.stream.cancel();
    assert.equal(old.aborted(), true);
  });

  it("finds the typed text when the prefix window's start moved", () => {
    const body = Array.from({ length: 40 }, (_, line) => `const v${line} = ${line};`).join("\n");
    const before = "// first line\n" + body + "\nconst total = ";
    const after = body + "\nconst total = v1 +";
    assert.equal(typedSince(before, after), "v1 +");
    assert.equal(typedSince(before, body + "\nconst other = "), undefined);
    assert.equal(typedSince("short", "shorter"), "er");
    assert.equal(typedSince("short", "other"), undefined);
  });
});
