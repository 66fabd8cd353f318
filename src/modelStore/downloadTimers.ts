// The waits of a download. A download that receives nothing for a while is stalled: the attempt is
// ended with a StallError (then retried, and named if it keeps happening) instead of sitting at the
// same percentage. A pause before a retry ends early on cancel, so cancel is immediate there too.
export class StallError extends Error {}

/** Aborts its signal when no byte has come for `timeoutMs`; checked a few times per period. */
export class StallWatch {
  private readonly controller = new AbortController();
  private last = Date.now();
  private readonly timer: NodeJS.Timeout;
  readonly signal = this.controller.signal;

  constructor(private readonly timeoutMs: number) {
    this.timer = setInterval(() => {
      if (Date.now() - this.last >= this.timeoutMs) {
        this.controller.abort(new StallError(`no data for ${this.timeoutMs} ms`));
        this.stop();
      }
    }, Math.max(10, Math.min(1000, timeoutMs / 4)));
    this.timer.unref();
  }

  touch(): void {
    this.last = Date.now();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/** Waits `ms`, or less if `signal` aborts first (the caller checks which). */
export function delayUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
  });
}
