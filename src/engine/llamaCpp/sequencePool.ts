// The chat sequences of one loaded model, shared by every caller (the sidebar's conversations,
// other extensions through VS Code's language-model API). Each sequence keeps its KV cache
// between requests, so a request goes to the sequence that already holds the most of its prompt:
// the one its conversation used last, else the one whose cached tokens share the longest
// beginning with the prompt, else an empty one, else the one used longest ago. When all are busy,
// requests wait in order of priority, then arrival; a cancelled one stops waiting at once.
// Plain logic over any sequence type: unit-tested without llama.cpp.

/** Higher runs first: a completion before a chat answer before background work. */
export type RequestPriority = "completion" | "chat" | "background";
export const PRIORITY_RANK: Readonly<Record<RequestPriority, number>> = { completion: 3, chat: 2, background: 1 };

export interface LeaseRequest {
  /** The conversation asking, when the caller knows one: it gets its sequence back. */
  readonly conversation?: string;
  readonly priority: RequestPriority;
  /** The prompt's tokens, to find the sequence that holds most of it. */
  readonly prompt?: readonly number[];
  readonly signal?: AbortSignal;
}

export interface Lease<S> {
  readonly sequence: S;
  /** How many of the prompt's first tokens the sequence already held. */
  readonly cachedPrefix: number;
  release(): void;
}

interface Lane<S> {
  readonly sequence: S;
  conversation?: string;
  busy: boolean;
  lastUsed: number;
}

interface Waiter<S> {
  readonly request: LeaseRequest;
  readonly arrival: number;
  readonly grant: (lease: Lease<S> | undefined) => void;
}

export class SequencePool<S> {
  private readonly lanes: Lane<S>[];
  private readonly waiters: Waiter<S>[] = [];
  private clock = 0;

  constructor(
    sequences: readonly S[],
    /** The tokens a sequence holds in its KV cache now. */
    private readonly cachedTokens: (sequence: S) => readonly number[],
    /** Requests that may wait at once; more are refused (a caller sending hundreds at once gets a clear answer). */
    private readonly maxWaiting = 32,
  ) {
    this.lanes = sequences.map((sequence) => ({ sequence, busy: false, lastUsed: 0 }));
  }

  get size(): number {
    return this.lanes.length;
  }

  get waiting(): number {
    return this.waiters.length;
  }

  /**
   * A sequence for `request`, or undefined when the request was cancelled before one was free.
   * Throws PoolFullError when too many are waiting already.
   */
  acquire(request: LeaseRequest): Promise<Lease<S> | undefined> {
    if (request.signal?.aborted) return Promise.resolve(undefined);
    const lane = this.choose(request);
    if (lane) return Promise.resolve(this.lease(lane, request));
    if (this.waiters.length >= this.maxWaiting) return Promise.reject(new PoolFullError(this.lanes.length, this.waiters.length));
    return new Promise((resolve) => {
      const waiter: Waiter<S> = {
        request,
        arrival: this.clock++,
        grant: (lease) => {
          request.signal?.removeEventListener("abort", onAbort);
          resolve(lease);
        },
      };
      const onAbort = () => {
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
        waiter.grant(undefined);
      };
      request.signal?.addEventListener("abort", onAbort, { once: true });
      this.waiters.push(waiter);
      this.waiters.sort((a, b) => PRIORITY_RANK[b.request.priority] - PRIORITY_RANK[a.request.priority] || a.arrival - b.arrival);
    });
  }

  private lease(lane: Lane<S>, request: LeaseRequest): Lease<S> {
    lane.busy = true;
    lane.conversation = request.conversation ?? lane.conversation;
    const cachedPrefix = request.prompt ? commonPrefix(this.cachedTokens(lane.sequence), request.prompt) : 0;
    let released = false;
    return {
      sequence: lane.sequence,
      cachedPrefix,
      release: () => {
        if (released) return;
        released = true;
        lane.busy = false;
        lane.lastUsed = ++this.clock;
        this.serveWaiters();
      },
    };
  }

  private serveWaiters(): void {
    while (this.waiters.length > 0) {
      const waiter = this.waiters[0];
      const lane = this.choose(waiter.request);
      if (!lane) return;
      this.waiters.shift();
      waiter.grant(this.lease(lane, waiter.request));
    }
  }

  private choose(request: LeaseRequest): Lane<S> | undefined {
    const idle = this.lanes.filter((lane) => !lane.busy);
    if (idle.length === 0) return undefined;
    if (request.conversation !== undefined) {
      const own = idle.find((lane) => lane.conversation === request.conversation);
      if (own) return own;
    }
    if (request.prompt && request.prompt.length > 0) {
      // Another conversation's sequence is taken over only for a real share of the prompt, not a common system prompt.
      const owned = (lane: Lane<S>) => lane.conversation !== undefined && lane.conversation !== request.conversation;
      let best: { lane: Lane<S>; shared: number } | undefined;
      for (const lane of idle) {
        const shared = commonPrefix(this.cachedTokens(lane.sequence), request.prompt);
        if (owned(lane) && request.conversation !== undefined) continue;
        if (shared > (best?.shared ?? 0)) best = { lane, shared };
      }
      if (best && best.shared >= request.prompt.length / 2) return best.lane;
    }
    const empty = idle.find((lane) => this.cachedTokens(lane.sequence).length === 0);
    if (empty) return empty;
    return idle.reduce((oldest, lane) => (lane.lastUsed < oldest.lastUsed ? lane : oldest));
  }
}

export class PoolFullError extends Error {
  constructor(
    readonly lanes: number,
    readonly waiting: number,
  ) {
    super(`llama.cpp is answering ${lanes} request(s) and ${waiting} more are waiting; try again when they finish.`);
    this.name = "PoolFullError";
  }
}

/** How many first tokens two token lists share. */
export function commonPrefix(a: readonly number[], b: readonly number[]): number {
  const length = Math.min(a.length, b.length);
  let index = 0;
  while (index < length && a[index] === b[index]) index++;
  return index;
}
