// Admission for requests through `vscode.lm`: any extension may send many at once, and each one
// handed to the engine holds a worker sequence or a server connection. A few run at a time; the
// rest wait their turn in order, and past a limit a request is refused at once with a message
// that says why, rather than piling up without end. A waiting request that is cancelled leaves
// the line. Plain data, no VS Code.

export class QueueFullError extends Error {
  constructor(waiting: number) {
    super(`Hearth is busy: ${waiting} language-model requests are already waiting. Try again when some have finished.`);
    this.name = "QueueFullError";
  }
}

export class RequestQueue {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    /** Requests handed to the engine at once (the llama.cpp worker queues chat requests per model itself). */
    private readonly concurrency: number,
    /** Requests that may wait; one more is refused. */
    private readonly maxWaiting: number,
  ) {}

  /** Requests running and waiting now. */
  get size(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }

  /**
   * Runs `work` when its turn comes. Rejects with QueueFullError when the line is full, and with
   * the signal's reason when cancelled while waiting (the work never starts).
   */
  async run<T>(work: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (this.running >= this.concurrency) {
      if (this.waiting.length >= this.maxWaiting) throw new QueueFullError(this.waiting.length);
      await this.turn(signal);
    } else {
      this.running++;
    }
    try {
      return await work();
    } finally {
      this.release();
    }
  }

  /** Waits in line; the slot is handed over by release(), so `running` already counts this request. */
  private turn(signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const start = () => {
        signal?.removeEventListener("abort", leave);
        resolve();
      };
      const leave = () => {
        const index = this.waiting.indexOf(start);
        if (index >= 0) this.waiting.splice(index, 1);
        reject(signal?.reason instanceof Error ? signal.reason : new Error("The request was cancelled while it waited."));
      };
      if (signal?.aborted) return leave();
      signal?.addEventListener("abort", leave, { once: true });
      this.waiting.push(start);
    });
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next(); // the slot passes straight to the next in line
    else this.running--;
  }
}
