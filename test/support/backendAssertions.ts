import * as assert from "node:assert/strict";
import { BackendError } from "../../src/engine/backendError";

/** Awaits `promise`, which must fail with a BackendError, and returns that error. */
export async function backendFailure(promise: Promise<unknown>): Promise<BackendError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof BackendError, `a BackendError, not ${String(error)}`);
    return error;
  }
  return assert.fail("expected a BackendError");
}
