import * as assert from "node:assert/strict";
import type { Backend, Generation, GenerationOptions, InfillRequest } from "../../../src/engine/backend";
import { InfillStream } from "../../../src/completion/pipeline/infillStream";

const usage = { promptTokens: 10, reusedPromptTokens: 0, completionTokens: 3, timeToFirstTokenMs: 1, tokensPerSecond: 100 };

/** A generation the test drives chunk by chunk. */
class ScriptedGeneration {
  onChunk: (text: string) => void = () => undefined;
  signal: AbortSignal | undefined;
  private finish: (generation: Generation) => void = () => undefined;
  private fail: (error: unknown) => void = () => undefined;
  text = "";

  readonly call = (onChunk: (text: string) => void, signal: AbortSignal): Promise<Generation> => {
    this.onChunk = onChunk;
    this.signal = signal;
    return new Promise<Generation>((resolve, reject) => {
      this.finish = resolve;
      this.fail = reject;
    });
  };

  chunk(text: string): void {
    this.text += text;
    this.onChunk(text);
  }
  end(stopReason: Generation["stopReason"] = "endOfText"): void {
    this.finish({ text: this.text, stopReason, usage });
  }
  error(error: unknown): void {
    this.fail(error);
  }
}

async function collect(stream: AsyncIterable<string>): Promise<string[]> {
  const chunks: string[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("infill stream", () => {
  it("delivers chunks, the text so far and the final generation", async () => {
    const generation = new ScriptedGeneration();
    const stream = new InfillStream(generation.call);
    const chunks = collect(stream);
    generation.chunk("ret");
    await tick();
    generation.chunk("urn 1;");
    assert.equal(stream.text, "return 1;");
    assert.equal(stream.running, true);
    generation.end();
    assert.deepEqual((await chunks).join(""), "return 1;");
    assert.deepEqual(await stream.done, { text: "return 1;", stopReason: "endOfText", usage });
    assert.equal(stream.running, false);
  });

  it("gives a late consumer the text so far first, then what follows", async () => {
    const generation = new ScriptedGeneration();
    const stream = new InfillStream(generation.call);
    const early = collect(stream);
    generation.chunk("a");
    generation.chunk("b");
    await tick();
    const late = collect(stream);
    await tick();
    generation.chunk("c");
    generation.end();
    assert.equal((await early).join(""), "abc");
    assert.deepEqual(await late, ["ab", "c"]);
  });

  it("delivers no chunk after cancel, and ends every iterator at once", async () => {
    const generation = new ScriptedGeneration();
    const stream = new InfillStream(generation.call);
    const received: string[] = [];
    const consumer = (async () => {
      for await (const chunk of stream) received.push(chunk);
    })();
    generation.chunk("one");
    await tick();
    stream.cancel();
    assert.equal(generation.signal?.aborted, true, "the engine call is aborted");
    generation.chunk(" two"); // the engine forwards a chunk after the abort
    await consumer;
    assert.deepEqual(received, ["one"]);
    assert.equal(stream.text, "one");
    assert.equal((await collect(stream)).length, 0, "a new iterator gets nothing either");
    generation.end("cancelled");
    const done = await stream.done;
    assert.equal(done.stopReason, "cancelled");
    assert.equal(done.text, "one");
  });

  it("does not report cancel() as a failure when the engine rejects the aborted call", async () => {
    const generation = new ScriptedGeneration();
    const stream = new InfillStream(generation.call);
    stream.cancel();
    generation.error(Object.assign(new Error("aborted"), { name: "AbortError" }));
    assert.equal((await stream.done).stopReason, "cancelled");
  });

  it("is cancelled by its signal, even one aborted before the start", async () => {
    const controller = new AbortController();
    const generation = new ScriptedGeneration();
    const stream = new InfillStream(generation.call, controller.signal);
    controller.abort();
    assert.equal(stream.running, false);
    assert.equal(generation.signal?.aborted, true);

    let called = false;
    const never = new InfillStream(() => {
      called = true;
      return Promise.reject(new Error("not called"));
    }, AbortSignal.abort());
    assert.equal((await never.done).stopReason, "cancelled");
    assert.equal(called, false);
  });

  it("ends when the engine cancels it for a newer request (latest wins)", async () => {
    const generation = new ScriptedGeneration();
    const stream = new InfillStream(generation.call);
    const chunks = collect(stream);
    generation.chunk("x");
    generation.end("cancelled");
    assert.deepEqual(await chunks, ["x"]);
    assert.equal((await stream.done).stopReason, "cancelled");
  });

  it("passes an engine failure to the iterators and to done", async () => {
    const generation = new ScriptedGeneration();
    const stream = new InfillStream(generation.call);
    const chunks = collect(stream);
    generation.error(new Error("model crashed"));
    await assert.rejects(chunks, /model crashed/);
    await assert.rejects(stream.done, /model crashed/);
  });

  it("detaching one iterator leaves the generation running for the others", async () => {
    const generation = new ScriptedGeneration();
    const stream = new InfillStream(generation.call);
    const other = collect(stream);
    generation.chunk("a");
    for await (const chunk of stream) {
      assert.equal(chunk, "a");
      break;
    }
    generation.chunk("b");
    generation.end();
    assert.equal((await other).join(""), "ab");
    assert.equal(generation.signal?.aborted, false);
  });

  it("starts an engine infill call with the request, options and an abort signal", async () => {
    let seen: { model: string; request: InfillRequest; options?: GenerationOptions; signal?: AbortSignal } | undefined;
    const backend: Pick<Backend, "infill"> = {
      infill: (model, request, options, signal) => {
        seen = { model, request, options, signal };
        options?.onChunk?.("42");
        return Promise.resolve({ text: "42", stopReason: "endOfText", usage });
      },
    };
    const stream = InfillStream.start(backend, "coder.gguf", { prefix: "x = ", suffix: "" }, { maxTokens: 16 });
    assert.equal((await stream.done).text, "42");
    assert.equal(seen?.model, "coder.gguf");
    assert.equal(seen?.options?.maxTokens, 16);
    assert.ok(seen?.signal instanceof AbortSignal);
    assert.deepEqual(await collect(stream), ["42"]);
  });
});
