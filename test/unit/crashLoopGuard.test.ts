// The crash-loop guard: a model load that killed the llama.cpp worker twice in a row is not
// tried again on every request (each would start a worker only to crash it), until something
// that may fix it changes.
import * as assert from "node:assert/strict";
import { BackendError } from "../../src/engine/backendError";
import { CrashLoopGuard, loadKey } from "../../src/engine/llamaCpp/crashLoopGuard";

const MODEL = "/models/qwen2.5-coder-7b-q4_k_m.gguf";
const SETTINGS = { gpuLayers: "max", contextSize: 8192, threads: 4 };

describe("llama.cpp crash-loop guard", () => {
  const load = loadKey(MODEL, SETTINGS);

  it("lets a load that crashed the worker once be tried again (it may have been bad luck)", () => {
    const guard = new CrashLoopGuard();
    guard.crashedWhileLoading(load);
    assert.equal(guard.check(load, MODEL, "hearth.llamaCpp.chatModel"), undefined);
  });

  it("refuses a load that crashed the worker twice in a row, with a message that says what happened and what to change", () => {
    const guard = new CrashLoopGuard();
    guard.crashedWhileLoading(load);
    guard.crashedWhileLoading(load);
    const refusal = guard.check(load, MODEL, "hearth.llamaCpp.chatModel");
    assert.ok(refusal instanceof BackendError);
    assert.equal(refusal.code, "workerCrashLoop");
    assert.equal(refusal.setting, "hearth.llamaCpp.gpuLayers");
    assert.ok(refusal.message.includes("crashed 2 times in a row"), refusal.message);
    assert.ok(refusal.message.includes(MODEL), refusal.message);
    assert.match(refusal.message, /hearth\.llamaCpp\.gpuLayers/);
    assert.match(refusal.message, /hearth\.llamaCpp\.contextSize/);
    assert.match(refusal.message, /\(hearth\.llamaCpp\.chatModel\)/, "names the setting that chose the model");
    // Every further request gets the same answer: no worker is started for it.
    assert.ok(guard.check(load, MODEL, undefined) instanceof BackendError);
  });

  it("does not name a model setting when the caller gave none", () => {
    const guard = new CrashLoopGuard();
    guard.crashedWhileLoading(load);
    guard.crashedWhileLoading(load);
    assert.doesNotMatch(guard.check(load, MODEL, undefined)?.message ?? "", /\(undefined\)|\(\)/);
  });

  it("counts crashes only in a row: a successful load forgets the earlier crash", () => {
    const guard = new CrashLoopGuard();
    guard.crashedWhileLoading(load);
    guard.loaded(load);
    guard.crashedWhileLoading(load);
    assert.equal(guard.check(load, MODEL, undefined), undefined);
  });

  it("still lets the same model load with other settings, and other models load", () => {
    const guard = new CrashLoopGuard();
    guard.crashedWhileLoading(load);
    guard.crashedWhileLoading(load);
    const onCpu = loadKey(MODEL, { ...SETTINGS, gpuLayers: 0 });
    assert.notEqual(onCpu, load);
    assert.equal(guard.check(onCpu, MODEL, undefined), undefined);
    const other = "/models/tiny.gguf";
    assert.equal(guard.check(loadKey(other, SETTINGS), other, undefined), undefined);
  });

  it("tries again after a reset (settings, files or the user's retry)", () => {
    const guard = new CrashLoopGuard();
    guard.crashedWhileLoading(load);
    guard.crashedWhileLoading(load);
    guard.reset();
    assert.equal(guard.check(load, MODEL, undefined), undefined);
    guard.crashedWhileLoading(load);
    assert.equal(guard.check(load, MODEL, undefined), undefined, "the count starts again from zero");
  });

  it("honours another limit", () => {
    const guard = new CrashLoopGuard(3);
    guard.crashedWhileLoading(load);
    guard.crashedWhileLoading(load);
    assert.equal(guard.check(load, MODEL, undefined), undefined);
    guard.crashedWhileLoading(load);
    assert.match(guard.check(load, MODEL, undefined)?.message ?? "", /crashed 3 times/);
  });

  it("names a load by its file and settings", () => {
    assert.equal(loadKey(MODEL, SETTINGS), loadKey(MODEL, { ...SETTINGS }));
    assert.notEqual(loadKey(MODEL, SETTINGS), loadKey("/models/other.gguf", SETTINGS));
    assert.notEqual(loadKey(MODEL, SETTINGS), loadKey(MODEL, { ...SETTINGS, contextSize: 4096 }));
  });
});
