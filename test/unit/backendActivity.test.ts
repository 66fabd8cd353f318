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
});
