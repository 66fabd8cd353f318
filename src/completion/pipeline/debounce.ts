// Waits for the user to pause before a completion is requested, adapting to how fast they type.
//
// Formula: delay = clamp(2 × median of the last 16 gaps between keystrokes, 50 ms, 350 ms);
// 150 ms until 4 gaps are known. Gaps over a second are thinking, not typing rhythm, and are
// left out. Why: a pause is a silence clearly longer than the user's own gap between keys. A fast
// typist (60 ms gaps) has paused after ~120 ms and gets the completion sooner; a slow,
// deliberate one (200 ms gaps) would trigger a request after nearly every key with a fixed
// 150 ms, each one aborted by the next key — the CPU burn and flicker people turn local
// completions off for — so they wait a little longer (350 ms at most, Continue's fixed default).
// The median ignores the odd long gap inside a burst; the clamp keeps key-repeat and slow
// typists within sensible bounds.
//
//   const debouncer = new AdaptiveDebouncer({ clock? })
//   debouncer.recordKeystroke(at?)        // from the document-change event of each edit
//   debouncer.delayMs                     // the current delay
//   await debouncer.wait(signal?)         // true: request now; false: superseded, cancelled or aborted
//   debouncer.cancel()                    // the pending wait resolves false

export interface DebounceClock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const systemClock: DebounceClock = {
  now: () => performance.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export interface DebounceOptions {
  readonly clock?: DebounceClock;
  /** Delay until the typing speed is known (default 150 ms). */
  readonly defaultMs?: number;
  readonly minMs?: number;
  readonly maxMs?: number;
  /** Delay as a multiple of the typical gap between keystrokes (default 2). */
  readonly gapFactor?: number;
  /** Gaps remembered (default 16). */
  readonly samples?: number;
  /** Gaps longer than this are pauses, not rhythm (default 1000 ms). */
  readonly pauseMs?: number;
}

const MIN_SAMPLES = 4;

export class AdaptiveDebouncer {
  private readonly clock: DebounceClock;
  private readonly defaultMs: number;
  private readonly minMs: number;
  private readonly maxMs: number;
  private readonly gapFactor: number;
  private readonly samples: number;
  private readonly pauseMs: number;
  private readonly gaps: number[] = [];
  private lastKeystroke: number | undefined;
  private pending: { readonly settle: (go: boolean) => void } | undefined;

  constructor(options: DebounceOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.defaultMs = options.defaultMs ?? 150;
    this.minMs = options.minMs ?? 50;
    this.maxMs = options.maxMs ?? 350;
    this.gapFactor = options.gapFactor ?? 2;
    this.samples = options.samples ?? 16;
    this.pauseMs = options.pauseMs ?? 1000;
  }

  /** Notes a keystroke (an edit to the document). */
  recordKeystroke(at: number = this.clock.now()): void {
    if (this.lastKeystroke !== undefined) {
      const gap = at - this.lastKeystroke;
      if (gap >= 0 && gap <= this.pauseMs) {
        this.gaps.push(gap);
        if (this.gaps.length > this.samples) this.gaps.shift();
      }
    }
    this.lastKeystroke = at;
  }

  /** The current delay in ms. */
  get delayMs(): number {
    if (this.gaps.length < MIN_SAMPLES) return this.defaultMs;
    const sorted = [...this.gaps].sort((a, b) => a - b);
    const middle = sorted.length >> 1;
    const median = sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    return Math.round(Math.min(this.maxMs, Math.max(this.minMs, this.gapFactor * median)));
  }

  /**
   * Resolves true after the delay, false as soon as a newer wait starts, cancel() is called or
   * `signal` aborts. Never rejects.
   */
  wait(signal?: AbortSignal): Promise<boolean> {
    this.cancel();
    if (signal?.aborted) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const onAbort = () => pending.settle(false);
      const handle = this.clock.setTimeout(() => pending.settle(true), this.delayMs);
      const pending = {
        settle: (go: boolean) => {
          if (this.pending !== pending) return;
          this.pending = undefined;
          this.clock.clearTimeout(handle);
          signal?.removeEventListener("abort", onAbort);
          resolve(go);
        },
      };
      this.pending = pending;
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** The pending wait, if any, resolves false. */
  cancel(): void {
    this.pending?.settle(false);
  }
}
