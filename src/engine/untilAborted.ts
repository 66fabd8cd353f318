// Waiting for something that goes on for others: the caller stops waiting as soon as its own
// signal aborts (with the error `reason` gives), while the work itself is not stopped.

export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined, reason: (signal: AbortSignal) => Error): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(reason(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(reason(signal));
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
