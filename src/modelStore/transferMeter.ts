// Speed and time left of a download: the bytes received over the last few seconds, so the figure is
// steady enough to read, follows a connection that slows down, and falls to 0 when bytes stop.
export class TransferMeter {
  private samples: Array<{ at: number; bytes: number }> = [];

  constructor(
    private readonly windowMs = 5_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** `bytes` is the running total; a total that goes down (the server made us start over) resets. */
  record(bytes: number): void {
    const at = this.now();
    const last = this.samples[this.samples.length - 1];
    if (last && bytes < last.bytes) this.samples = [];
    this.samples.push({ at, bytes });
    // Keep one sample at or before the window's start, to know the total there.
    while (this.samples.length > 2 && this.samples[1].at <= at - this.windowMs) this.samples.shift();
  }

  /** Bytes per second over the window up to now (over the time since the start, if shorter). */
  bytesPerSecond(): number {
    if (this.samples.length < 2) return 0;
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    const now = Math.max(this.now(), last.at);
    const from = now - this.windowMs;
    if (first.at >= from) return now > first.at ? ((last.bytes - first.bytes) * 1000) / (now - first.at) : 0;
    if (last.at <= from) return 0; // nothing arrived within the window
    // The total at the window's start, between the samples around it.
    const after = this.samples.findIndex((sample) => sample.at > from);
    const a = this.samples[after - 1];
    const b = this.samples[after];
    const atStart = a.bytes + ((b.bytes - a.bytes) * (from - a.at)) / (b.at - a.at);
    return ((last.bytes - atStart) * 1000) / this.windowMs;
  }

  secondsLeft(received: number, total: number | undefined): number | undefined {
    const speed = this.bytesPerSecond();
    return total === undefined || speed <= 0 ? undefined : Math.max(0, total - received) / speed;
  }
}
