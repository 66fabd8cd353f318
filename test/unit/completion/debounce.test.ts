import * as assert from "node:assert/strict";
import { AdaptiveDebouncer, type DebounceClock } from "../../../src/completion/pipeline/debounce";

/** A clock whose time moves only when the test says so. */
class FakeClock implements DebounceClock {
  time = 0;
  private timers: { at: number; callback: () => void; handle: number }[] = [];
  private nextHandle = 1;

  now(): number {
    return this.time;
  }
  setTimeout(callback: () => void, ms: number): unknown {
    const handle = this.nextHandle++;
    this.timers.push({ at: this.time + ms, callback, handle });
    return handle;
  }
  clearTimeout(handle: unknown): void {
    this.timers = this.timers.filter((timer) => timer.handle !== handle);
  }
  advance(ms: number): void {
    this.time += ms;
    const due = this.timers.filter((timer) => timer.at <= this.time);
    this.timers = this.timers.filter((timer) => timer.at > this.time);
    for (const timer of due) timer.callback();
  }
  get pending(): number {
    return this.timers.length;
  }
}

function typeAt(debouncer: AdaptiveDebouncer, gaps: readonly number[]): void {
  let at = 0;
  debouncer.recordKeystroke(at);
  for (const gap of gaps) debouncer.recordKeystroke((at += gap));
}

describe("adaptive debounce", () => {
  it("waits 150 ms until it knows the typing speed", () => {
    const debouncer = new AdaptiveDebouncer({ clock: new FakeClock() });
    assert.equal(debouncer.delayMs, 150);
    typeAt(debouncer, [40, 40]);
    assert.equal(debouncer.delayMs, 150, "two gaps are not enough to go by");
  });

  it("waits twice the median gap: shorter for fast typing, longer for slow typing, within 50–350 ms", () => {
    const fast = new AdaptiveDebouncer({ clock: new FakeClock() });
    typeAt(fast, [60, 55, 65, 60, 58, 62]);
    assert.equal(fast.delayMs, 120);

    const slow = new AdaptiveDebouncer({ clock: new FakeClock() });
    typeAt(slow, [140, 160, 150, 150, 155, 145]);
    assert.equal(slow.delayMs, 300);

    const hunting = new AdaptiveDebouncer({ clock: new FakeClock() });
    typeAt(hunting, [400, 450, 500, 420]);
    assert.equal(hunting.delayMs, 350, "clamped to the maximum");

    const keyRepeat = new AdaptiveDebouncer({ clock: new FakeClock() });
    typeAt(keyRepeat, [10, 10, 10, 10, 10]);
    assert.equal(keyRepeat.delayMs, 50, "clamped to the minimum");
  });

  it("leaves thinking pauses and odd gaps out of the rhythm", () => {
    const debouncer = new AdaptiveDebouncer({ clock: new FakeClock() });
    typeAt(debouncer, [80, 80, 5000, 80, 900, 80, 80]);
    assert.equal(debouncer.delayMs, 160, "the 5 s pause is ignored, the 900 ms gap outvoted");
  });

  it("adapts when the typing speed changes", () => {
    const debouncer = new AdaptiveDebouncer({ clock: new FakeClock(), samples: 8 });
    typeAt(debouncer, [60, 60, 60, 60, 60, 60, 60, 60]);
    assert.equal(debouncer.delayMs, 120);
    let at = 1000;
    for (let key = 0; key < 9; key++) debouncer.recordKeystroke((at += 150));
    assert.equal(debouncer.delayMs, 300);
  });

  it("resolves true after the delay", async () => {
    const clock = new FakeClock();
    const debouncer = new AdaptiveDebouncer({ clock });
    const wait = debouncer.wait();
    clock.advance(149);
    let settled = false;
    void wait.then(() => (settled = true));
    await Promise.resolve();
    assert.equal(settled, false);
    clock.advance(1);
    assert.equal(await wait, true);
  });

  it("a newer wait supersedes the older one, which resolves false at once", async () => {
    const clock = new FakeClock();
    const debouncer = new AdaptiveDebouncer({ clock });
    const older = debouncer.wait();
    clock.advance(100);
    const newer = debouncer.wait();
    assert.equal(await older, false);
    assert.equal(clock.pending, 1, "the older timer is cleared");
    clock.advance(150);
    assert.equal(await newer, true);
  });

  it("resolves false when its signal aborts or cancel() is called", async () => {
    const clock = new FakeClock();
    const debouncer = new AdaptiveDebouncer({ clock });
    const controller = new AbortController();
    const aborted = debouncer.wait(controller.signal);
    controller.abort();
    assert.equal(await aborted, false);
    assert.equal(clock.pending, 0);

    assert.equal(await debouncer.wait(AbortSignal.abort()), false, "already aborted");

    const cancelled = debouncer.wait();
    debouncer.cancel();
    assert.equal(await cancelled, false);
    clock.advance(1000);
  });

  it("works with the real timers", async () => {
    const debouncer = new AdaptiveDebouncer({ defaultMs: 5 });
    const started = performance.now();
    assert.equal(await debouncer.wait(), true);
    assert.ok(performance.now() - started >= 4);
  });
});
