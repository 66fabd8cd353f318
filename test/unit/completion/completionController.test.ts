// The stateful tier of completions against a scripted backend: what reaches the engine, what the
// cache and the generation in flight answer instead, and how failures are said.
import * as assert from "node:assert/strict";
import type { Backend, Generation, GenerationOptions, InfillRequest } from "../../../src/engine/backend";
import { BackendError } from "../../../src/engine/backendError";
import { CompletionController, type CompletionEvent, type CompletionRequest } from "../../../src/completion/completionController";
import { RecentContext } from "../../../src/completion/pipeline/contextChunks";
import { AdaptiveDebouncer } from "../../../src/completion/pipeline/debounce";

const USAGE = { promptTokens: 10, reusedPromptTokens: 0, completionTokens: 3, timeToFirstTokenMs: 1, tokensPerSecond: 100 };

interface Call {
  readonly request: InfillRequest;
  readonly signal: AbortSignal | undefined;
}

/** A backend whose infill streams `output` in pieces, `delayMs` apart, or throws `failure`. */
function scriptedBackend(script: { output?: string; pieces?: number; delayMs?: number; failure?: () => Error }) {
  const calls: Call[] = [];
  const backend: Pick<Backend, "infill"> = {
    async infill(_model: string, request: InfillRequest, options: GenerationOptions = {}, signal?: AbortSignal): Promise<Generation> {
      calls.push({ request, signal });
      if (script.failure) throw script.failure();
      const output = script.output ?? "";
      const size = Math.ceil(output.length / (script.pieces ?? 1)) || 1;
      let sent = "";
      for (let start = 0; start < output.length; start += size) {
        if (script.delayMs) await new Promise((resolve) => setTimeout(resolve, script.delayMs));
        if (signal?.aborted) return { text: sent, stopReason: "cancelled", usage: USAGE };
        sent += output.slice(start, start + size);
        options.onChunk?.(output.slice(start, start + size));
      }
      return { text: sent, stopReason: "endOfText", usage: USAGE };
    },
  };
  return { backend, calls };
}

function setup(backend: Pick<Backend, "infill">, overrides: { model?: string; engineBusy?: boolean } = {}) {
  const notices: string[] = [];
  const problems: Array<string | undefined> = [];
  const events: CompletionEvent[] = [];
  const controller = new CompletionController({
    backend: () => backend,
    model: () => overrides.model ?? "coder.gguf",
    template: () => "auto",
    maxLines: () => 8,
    engineBusy: () => overrides.engineBusy ?? false,
    recent: new RecentContext(),
    debouncer: new AdaptiveDebouncer({ defaultMs: 1, minMs: 1, maxMs: 1 }),
    reporter: { working: () => () => undefined, problem: (problem) => problems.push(problem?.kind), notify: (message) => notices.push(message), log: () => undefined },
  });
  controller.onDidAnswer((event) => events.push(event));
  return { controller, notices, problems, events };
}

/** A one-document editor: the text with the cursor at "|". */
function at(text: string, explicit = false): CompletionRequest {
  const offset = text.indexOf("|");
  const lines = text.replace("|", "").split("\n");
  const before = text.slice(0, offset).split("\n");
  return {
    document: { languageId: "typescript", lineCount: lines.length, lineAt: (line) => ({ text: lines[line] }) },
    path: "src/sum.ts",
    line: before.length - 1,
    character: before[before.length - 1].length,
    selectionEmpty: true,
    explicit,
  };
}

const live = () => new AbortController().signal;

describe("completion controller", () => {
  it("asks the engine once; the same place again, and typing through the ghost text, are answered from the cache", async () => {
    const { backend, calls } = scriptedBackend({ output: "a + b;" });
    const { controller, events } = setup(backend);
    const first = await controller.complete(at("function sum(a, b) {\n  return |\n}"), live());
    assert.equal(first?.text, "a + b;");
    assert.equal(calls.length, 1);
    assert.equal(calls[0].request.prefix, "function sum(a, b) {\n  return ");
    assert.equal(calls[0].request.suffix, "\n}");
    assert.equal(calls[0].request.path, "src/sum.ts");

    assert.equal((await controller.complete(at("function sum(a, b) {\n  return |\n}"), live()))?.text, "a + b;");
    assert.equal((await controller.complete(at("function sum(a, b) {\n  return a +|\n}"), live()))?.text, " b;");
    assert.equal(calls.length, 1, "no request for what the cache knows");
    assert.deepEqual(events.map((event) => event.outcome), ["generated", "cacheHit", "cacheHit"]);
  });

  it("follows the generation in flight when the user types what it is writing, instead of starting another", async () => {
    const { backend, calls } = scriptedBackend({ output: "total += value;", pieces: 5, delayMs: 30 });
    const { controller, events } = setup(backend);
    const first = controller.complete(at("for (const value of values) {\n  |\n}"), live());
    await new Promise((resolve) => setTimeout(resolve, 75)); // "total " is out
    const second = await controller.complete(at("for (const value of values) {\n  tot|\n}"), live());
    assert.equal(second?.text, "al += value;");
    assert.equal((await first)?.text, "total += value;");
    assert.equal(calls.length, 1);
    assert.ok(events.some((event) => event.outcome === "reused"));
  });

  it("a keystroke that does not continue the generation cancels it and starts a new one", async () => {
    const { backend, calls } = scriptedBackend({ output: "total += value;", pieces: 5, delayMs: 30 });
    const { controller } = setup(backend);
    const first = controller.complete(at("for (const value of values) {\n  |\n}"), live());
    await new Promise((resolve) => setTimeout(resolve, 45));
    const second = controller.complete(at("for (const value of values) {\n  x|\n}"), live());
    await Promise.all([first, second]);
    assert.equal(calls.length, 2);
    assert.equal(calls[0].signal?.aborted, true, "the stale generation was cancelled");
  });

  it("no request in a selection, mid-word, without a model, or while a chat answer is being written", async () => {
    const { backend, calls } = scriptedBackend({ output: "x" });
    assert.equal(await setup(backend).controller.complete({ ...at("let a = |;"), selectionEmpty: false }, live()), undefined);
    assert.equal(await setup(backend).controller.complete(at("let a = fo|o;"), live()), undefined);
    const noModel = setup(backend, { model: "" });
    assert.equal(await noModel.controller.complete(at("let a = |"), live()), undefined);
    assert.deepEqual(noModel.problems, ["noModel"]);
    assert.equal(await setup(backend, { engineBusy: true }).controller.complete(at("let a = |"), live()), undefined);
    assert.equal(calls.length, 0);
  });

  it("a server that is down is said once, not once per keystroke; a success clears the problem", async () => {
    let down = true;
    const { backend } = scriptedBackend({ output: "1;", failure: undefined });
    const failing: Pick<Backend, "infill"> = {
      infill: (...args) => (down ? Promise.reject(new BackendError("serverUnreachable", "Ollama isn't running.", "", "hearth.ollama.host")) : backend.infill(...args)),
    };
    const { controller, notices, problems } = setup(failing);
    for (const text of ["let a = |", "let a = 1|", "let a = 12|"]) await controller.complete(at(text), live());
    assert.deepEqual(notices, ["Ollama isn't running."]);
    assert.equal(problems.at(-1), "failing");
    down = false;
    await controller.complete(at("let b = |"), live());
    assert.equal(problems.at(-1), undefined);
  });

  it("a model without fill-in-the-middle pauses completions until asked explicitly; two crashes in a row pause them too", async () => {
    const unsupported = scriptedBackend({ failure: () => new BackendError("infillUnsupported", "chat.gguf cannot complete code.", "", "hearth.models.completion") });
    const paused = setup(unsupported.backend);
    await paused.controller.complete(at("let a = |"), live());
    await paused.controller.complete(at("let a = 2|"), live());
    assert.equal(unsupported.calls.length, 1, "paused after the first");
    assert.deepEqual(paused.notices, ["chat.gguf cannot complete code."]);
    assert.equal(paused.problems.at(-1), "noFim");
    await paused.controller.complete(at("let a = 2|", true), live());
    assert.equal(unsupported.calls.length, 2, "an explicit request tries again");

    const crashing = scriptedBackend({ failure: () => new BackendError("workerCrashed", "The llama.cpp worker stopped unexpectedly.") });
    const crashed = setup(crashing.backend);
    for (const text of ["let a = |", "let a = 3|", "let a = 34|"]) await crashed.controller.complete(at(text), live());
    assert.equal(crashing.calls.length, 2);
    assert.match(crashed.notices.at(-1) ?? "", /stopped 2 times in a row .* completions are paused/);
  });

  it("a user ahead of a generation that has written nothing yet gets a new request where they stopped", async () => {
    const { backend, calls } = scriptedBackend({ output: "other();", pieces: 2, delayMs: 60 });
    const { controller } = setup(backend);
    const first = controller.complete(at("function f() {\n  |\n}"), live());
    await new Promise((resolve) => setTimeout(resolve, 10)); // nothing written yet
    const second = await controller.complete(at("function f() {\n  ret|\n}"), live());
    await first;
    assert.equal(calls.length, 2, "not glued to a generation that went another way");
    assert.equal(calls[1].request.prefix, "function f() {\n  ret");
    assert.equal(second?.text, "other();");
  });

  it("an explicit request asks again where the cache only knows there was nothing to show", async () => {
    const { backend, calls } = scriptedBackend({ output: "" });
    const { controller } = setup(backend);
    assert.equal(await controller.complete(at("let a = |"), live()), undefined);
    assert.equal(await controller.complete(at("let a = |"), live()), undefined);
    assert.equal(calls.length, 1, "the empty answer is remembered for automatic requests");
    await controller.complete(at("let a = |", true), live());
    assert.equal(calls.length, 2);
  });

  it("two files that read alike keep their completions apart", async () => {
    const { backend, calls } = scriptedBackend({ output: "1;" });
    const { controller } = setup(backend);
    await controller.complete(at("let a = |"), live());
    await controller.complete({ ...at("let a = |"), path: "other.ts" }, live());
    assert.equal(calls.length, 2);
  });
});
