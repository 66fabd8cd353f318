// The chat sequences of one loaded model, shared by every caller (the sidebar's conversations,
// other extensions through VS Code's language-model API). Each sequence keeps its KV cache
// between requests, so a request goes to the sequence that already holds the most of its prompt:
// the one its conversation used last, else one whose cache (nearly all of it) begins the prompt
// (the same conversation, sent again with a new turn), else an empty one, else the one sharing at least
// half the prompt, else the one used longest ago. When all are busy,
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

/** The share of a sequence's cache a prompt must begin with to continue its conversation. */
const CONTINUATION_SHARE = 0.9;

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
    const prompt = request.prompt ?? [];
    // Each sequence's cache is read and compared once (node-llama-cpp copies the token list on each read).
    const seen = idle.map((lane) => {
      const tokens = this.cachedTokens(lane.sequence);
      return { lane, cached: tokens.length, shared: tokens.length === 0 ? 0 : commonPrefix(tokens, prompt) };
    });
    // A request with a conversation of its own never takes another conversation's sequence by its prompt.
    const takable = seen.filter(({ lane }) => request.conversation === undefined || lane.conversation === undefined || lane.conversation === request.conversation);
    const bySharing = [...takable].sort((a, b) => b.shared - a.shared);
    // 1. A sequence whose cache begins this prompt: the prompt continues that conversation. Nearly
    // all of it, not all: the answer it generated may come back re-rendered a little differently.
    const continued = bySharing.find(({ cached, shared }) => cached > 0 && shared >= cached * CONTINUATION_SHARE);
    if (continued) return continued.lane;
    // 2. An empty sequence: better than pushing out another conversation that only shares a system prompt.
    const empty = seen.find(({ cached }) => cached === 0);
    if (empty) return empty.lane;
    // 3. The one sharing the most, when that is a real share of the prompt (an answer regenerated, an edited message).
    const most = bySharing[0];
    if (most && prompt.length > 0 && most.shared >= prompt.length / 2) return most.lane;
    // 4. The one used longest ago.
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
