import * as assert from "node:assert/strict";
import type { BackendState } from "../../src/engine/backend";
import { BackendActivity } from "../../src/engine/backendActivity";
import { BackendError } from "../../src/engine/backendError";

describe("backend activity", () => {
  const idle = (): BackendState => ({ kind: "idle", loaded: [] });

  it("stays generating while any request runs, then shows the failure of one that ended meanwhile", async () => {
    const activity = new BackendActivity();
    let finishA: () => void = () => undefined;
    const a = activity.track("m", idle, () => new Promise<void>((resolve) => (finishA = resolve)));
    const b = activity.track("m", idle, () => Promise.reject(new BackendError("badResponse", "B failed")));
    await assert.rejects(b);
    assert.equal(activity.state.kind, "generating", "A still runs");
    finishA();
    await a;
    assert.deepEqual(activity.state, { kind: "error", message: "B failed" });
  });

  it("a cancelled request is not an error", async () => {
    const activity = new BackendActivity();
    await assert.rejects(activity.track("m", idle, () => Promise.reject(new BackendError("cancelled", "stopped"))));
    assert.deepEqual(activity.state, idle());
  });

  it("a new request clears an earlier failure once it succeeds", async () => {
    const activity = new BackendActivity();
    await assert.rejects(activity.track("m", idle, () => Promise.reject(new Error("boom"))));
    assert.equal(activity.state.kind, "error");
    await activity.track("m", idle, () => Promise.resolve());
    assert.deepEqual(activity.state, idle());
  });

  it("clearError leaves the error state for the idle one given, and fires it", () => {
    const activity = new BackendActivity();
    const fired: BackendState[] = [];
    activity.onDidChangeState((state) => fired.push(state));
    activity.set({ kind: "error", message: "server down" });
    const loaded: BackendState = { kind: "idle", loaded: [{ name: "m" }] };
    activity.clearError(loaded);
    assert.deepEqual(fired.at(-1), loaded);
    activity.clearError(idle());
    assert.equal(fired.length, 2, "no error, nothing to clear: nothing fired");
  });

  it("clearError while a request runs leaves its state alone, and forgets a failure waiting to be shown", async () => {
    const activity = new BackendActivity();
    let finishA: () => void = () => undefined;
    const a = activity.track("m", idle, () => new Promise<void>((resolve) => (finishA = resolve)));
    await assert.rejects(activity.track("m", idle, () => Promise.reject(new Error("B failed"))));
    activity.clearError(idle());
    assert.equal(activity.state.kind, "generating");
    finishA();
    await a;
    assert.deepEqual(activity.state, idle());
  });

  it("quiet work never says generating; a success clears an error, a failure shows one, a cancellation does not", async () => {
    const activity = new BackendActivity();
    const kinds: string[] = [];
    activity.onDidChangeState((state) => kinds.push(state.kind));
    assert.equal(await activity.quiet(idle, () => Promise.resolve(3)), 3);
    assert.deepEqual(kinds, [], "idle stays idle, unannounced");
    await assert.rejects(activity.quiet(idle, () => Promise.reject(new Error("no such file"))));
    assert.deepEqual(activity.state, { kind: "error", message: "no such file" });
    await activity.quiet(idle, () => Promise.resolve());
    assert.deepEqual(activity.state, idle());
    await assert.rejects(activity.quiet(idle, () => Promise.reject(new BackendError("cancelled", "stopped"))));
    assert.deepEqual(kinds, ["error", "idle"]);
  });

  it("quiet work that fails while a generation runs shows its failure when the generation ends", async () => {
    const activity = new BackendActivity();
    let finish: () => void = () => undefined;
    const generation = activity.track("m", idle, () => new Promise<void>((resolve) => (finish = resolve)));
    await assert.rejects(activity.quiet(idle, () => Promise.reject(new Error("count failed"))));
    await activity.quiet(idle, () => Promise.resolve());
    assert.equal(activity.state.kind, "generating", "quiet work does not end a generation's state");
    finish();
    await generation;
    assert.deepEqual(activity.state, { kind: "error", message: "count failed" });
  });

  it("background work never says generating, announces no usage, and its failure is no error", async () => {
    const activity = new BackendActivity();
    const kinds: string[] = [];
    activity.onDidChangeState((state) => kinds.push(state.kind));
    activity.onDidFinishRequest(() => kinds.push("usage"));
    assert.equal(await activity.background(idle, () => Promise.resolve(7)), 7);
    await assert.rejects(activity.background(idle, () => Promise.reject(new BackendError("modelMissing", "no such file"))));
    assert.deepEqual(kinds, []);
    assert.deepEqual(activity.state, idle());
  });

  it("background work leaves a load it started for idle, and an error or a generation's state alone", async () => {
    const activity = new BackendActivity();
    // The backend shows the load (as its worker reports it); the load fails.
    await assert.rejects(activity.background(idle, () => (activity.set({ kind: "loading", model: "m" }), Promise.reject(new Error("corrupt")))));
    assert.deepEqual(activity.state, idle());
    activity.set({ kind: "error", message: "chat failed" });
    await activity.background(idle, () => Promise.resolve());
    assert.deepEqual(activity.state, { kind: "error", message: "chat failed" }, "a completion says nothing about the chat's error");
    let finish: () => void = () => undefined;
    const generation = activity.track("m", idle, () => new Promise<void>((resolve) => (finish = resolve)));
    await activity.background(idle, () => Promise.resolve());
    assert.equal(activity.state.kind, "generating");
    finish();
    await generation;
  });
});
