// The pool of chat sequences one loaded model shares between its callers: which sequence a
// request gets (its conversation's, the one holding most of its prompt, an empty one, the one
// used longest ago), who waits when all are busy and in which order, and what a cancel or a
// flood of requests does. Fake sequences: each holds the tokens its "KV cache" would.
import * as assert from "node:assert/strict";
import { PoolFullError, SequencePool, type Lease, type LeaseRequest } from "../../src/engine/llamaCpp/sequencePool";

interface FakeSequence {
  readonly name: string;
  tokens: number[];
}

function makePool(count: number, maxWaiting?: number) {
  const sequences: FakeSequence[] = Array.from({ length: count }, (_, index) => ({ name: `s${index}`, tokens: [] }));
  const pool = new SequencePool(sequences, (sequence) => sequence.tokens, maxWaiting);
  return { pool, sequences };
}

/** Takes a sequence, "evaluates" the prompt on it (its cache now holds the prompt) and releases it. */
async function runTurn(pool: SequencePool<FakeSequence>, request: LeaseRequest): Promise<Lease<FakeSequence>> {
  const lease = await pool.acquire(request);
  assert.ok(lease, "a free sequence is granted at once");
  lease.sequence.tokens = [...(request.prompt ?? [])];
  lease.release();
  return lease;
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, index) => from + index);

/** Whether the promise has settled after the microtasks queued now have run. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(
    () => (done = true),
    () => (done = true),
  );
  await new Promise<void>((resolve) => setImmediate(resolve));
  return done;
}

describe("llama.cpp sequence pool", () => {
  describe("which sequence a request gets", () => {
    it("gives two conversations interleaved turn by turn each its own sequence, with the cache of its last turn", async () => {
      const { pool } = makePool(2);
      const a1 = await runTurn(pool, { conversation: "a", priority: "chat", prompt: range(0, 10) });
      const b1 = await runTurn(pool, { conversation: "b", priority: "chat", prompt: range(100, 110) });
      assert.notEqual(a1.sequence, b1.sequence);
      for (let turn = 2; turn <= 4; turn++) {
        const a = await runTurn(pool, { conversation: "a", priority: "chat", prompt: range(0, 10 * turn) });
        assert.equal(a.sequence, a1.sequence, `conversation a keeps its sequence on turn ${turn}`);
        assert.equal(a.cachedPrefix, 10 * (turn - 1), "the previous turn's prompt is served from the cache");
        const b = await runTurn(pool, { conversation: "b", priority: "chat", prompt: range(100, 100 + 10 * turn) });
        assert.equal(b.sequence, b1.sequence, `conversation b keeps its sequence on turn ${turn}`);
        assert.equal(b.cachedPrefix, 10 * (turn - 1));
      }
    });

    it("keeps a conversation's sequence even when its prompt shares nothing with what the sequence holds", async () => {
      const { pool } = makePool(2);
      const first = await runTurn(pool, { conversation: "a", priority: "chat", prompt: range(0, 10) });
      const edited = await runTurn(pool, { conversation: "a", priority: "chat", prompt: range(50, 60) });
      assert.equal(edited.sequence, first.sequence);
      assert.equal(edited.cachedPrefix, 0);
    });

    it("sends a request without a conversation to the sequence that holds most of its prompt", async () => {
      const { pool, sequences } = makePool(3);
      sequences[0].tokens = range(0, 4);
      sequences[1].tokens = range(0, 12);
      sequences[2].tokens = range(500, 520);
      const lease = await pool.acquire({ priority: "chat", prompt: range(0, 16) });
      assert.equal(lease?.sequence, sequences[1]);
      assert.equal(lease?.cachedPrefix, 12);
    });

    it("takes over another conversation's sequence for a request without a conversation only when it holds at least half the prompt", async () => {
      const { pool } = makePool(2);
      await runTurn(pool, { conversation: "a", priority: "chat", prompt: range(0, 10) });
      // A shared system prompt (3 of 10 tokens) is not worth another conversation's cache: the empty sequence is taken.
      const small = await pool.acquire({ priority: "chat", prompt: [...range(0, 3), ...range(900, 907)] });
      assert.equal(small?.sequence.tokens.length, 0, "the empty sequence, not conversation a's");
      small?.release();
      const large = await pool.acquire({ priority: "chat", prompt: range(0, 12) });
      assert.deepEqual(large?.sequence.tokens, range(0, 10), "conversation a's sequence holds 10 of its 12 tokens");
      assert.equal(large?.cachedPrefix, 10);
    });

    it("gives a new conversation an empty sequence rather than another conversation's, even one holding most of its prompt", async () => {
      const { pool } = makePool(2);
      const a = await runTurn(pool, { conversation: "a", priority: "chat", prompt: range(0, 20) });
      // Same system prompt and question as conversation a, nearly all of the new prompt.
      const b = await pool.acquire({ conversation: "b", priority: "chat", prompt: range(0, 21) });
      assert.notEqual(b?.sequence, a.sequence);
      assert.equal(b?.cachedPrefix, 0);
      b?.release();
      const again = await pool.acquire({ conversation: "a", priority: "chat", prompt: range(0, 30) });
      assert.equal(again?.sequence, a.sequence, "conversation a still has its cache");
    });

    it("gives a new conversation the sequence used longest ago when none is empty", async () => {
      const { pool } = makePool(3);
      const a = await runTurn(pool, { conversation: "a", priority: "chat", prompt: range(0, 5) });
      const b = await runTurn(pool, { conversation: "b", priority: "chat", prompt: range(10, 15) });
      const c = await runTurn(pool, { conversation: "c", priority: "chat", prompt: range(20, 25) });
      await runTurn(pool, { conversation: "a", priority: "chat", prompt: range(0, 8) }); // a is now the most recent
      const d = await pool.acquire({ conversation: "d", priority: "chat", prompt: range(30, 35) });
      assert.equal(d?.sequence, b.sequence, "b was used longest ago");
      assert.notEqual(d?.sequence, a.sequence);
      assert.notEqual(d?.sequence, c.sequence);
      d?.release();
      const b2 = await pool.acquire({ conversation: "b", priority: "chat", prompt: range(10, 15) });
      assert.notEqual(b2?.sequence, b.sequence, "b lost its sequence to d: it gets another one");
    });

    it("keeps two API conversations that share a long system prompt (no conversation ids) each on its own sequence", async () => {
      // VS Code's agent mode: 800 tokens of tools and instructions in common, then each conversation's own turns.
      const { pool } = makePool(2);
      const system = range(0, 800);
      const x = [...system, ...range(1000, 1150)];
      const y = [...system, ...range(2000, 2150)];
      const firstX = await runTurn(pool, { priority: "chat", prompt: x });
      const firstY = await runTurn(pool, { priority: "chat", prompt: y });
      assert.notEqual(firstX.sequence, firstY.sequence, "the second conversation took the empty sequence");
      for (let turn = 0; turn < 3; turn++) {
        x.push(...range(3000 + turn * 10, 3010 + turn * 10));
        y.push(...range(4000 + turn * 10, 4010 + turn * 10));
        const nextX = await runTurn(pool, { priority: "chat", prompt: x });
        const nextY = await runTurn(pool, { priority: "chat", prompt: y });
        assert.equal(nextX.sequence, firstX.sequence);
        assert.equal(nextY.sequence, firstY.sequence);
        assert.equal(nextX.cachedPrefix, x.length - 10, "all it held before");
        assert.equal(nextY.cachedPrefix, y.length - 10);
      }
    });

    it("continues a conversation whose last answer came back re-rendered a little differently, rather than take an empty sequence", async () => {
      const { pool, sequences } = makePool(2);
      const first = await runTurn(pool, { priority: "chat", prompt: range(0, 300) });
      // The sequence holds the prompt and the answer as generated; the next prompt has that answer as the template renders it.
      first.sequence.tokens = [...range(0, 300), ...range(500, 540)];
      const next = await runTurn(pool, { priority: "chat", prompt: [...range(0, 300), ...range(500, 537), 9001, 9002, ...range(700, 720)] });
      assert.equal(next.sequence, first.sequence);
      assert.equal(next.cachedPrefix, 337);
      assert.deepEqual(sequences[1].tokens, [], "the empty sequence stays free for another conversation");
    });

    it("reports how many of the prompt's first tokens the sequence already held, and 0 without a prompt", async () => {
      const { pool, sequences } = makePool(1);
      sequences[0].tokens = [1, 2, 3, 4, 9];
      const lease = await pool.acquire({ priority: "chat", prompt: [1, 2, 3, 4, 5, 6] });
      assert.equal(lease?.cachedPrefix, 4);
      lease?.release();
      const noPrompt = await pool.acquire({ priority: "background" });
      assert.equal(noPrompt?.cachedPrefix, 0);
    });
  });

  describe("when every sequence is busy", () => {
    it("makes a request wait, and gives it the sequence as soon as one is released", async () => {
      const { pool } = makePool(1);
      const holder = await pool.acquire({ conversation: "a", priority: "chat" });
      const waiting = pool.acquire({ conversation: "b", priority: "chat" });
      assert.equal(await settled(waiting), false, "nothing is free");
      assert.equal(pool.waiting, 1);
      holder?.release();
      const lease = await waiting;
      assert.equal(lease?.sequence, holder?.sequence);
      assert.equal(pool.waiting, 0);
    });

    it("serves waiters by priority (completion, chat, background), then in order of arrival", async () => {
      const { pool } = makePool(1);
      const holder = await pool.acquire({ priority: "chat" });
      const order: string[] = [];
      const ask = (name: string, priority: LeaseRequest["priority"]) =>
        pool.acquire({ priority }).then((lease) => {
          order.push(name);
          lease?.release(); // hands the sequence on to the next waiter
        });
      const all = [
        ask("background 1", "background"),
        ask("chat 1", "chat"),
        ask("completion 1", "completion"),
        ask("chat 2", "chat"),
        ask("background 2", "background"),
        ask("completion 2", "completion"),
      ];
      assert.equal(pool.waiting, 6);
      holder?.release();
      await Promise.all(all);
      assert.deepEqual(order, ["completion 1", "completion 2", "chat 1", "chat 2", "background 1", "background 2"]);
    });

    it("serves a waiting conversation with the first sequence released rather than keep it waiting for its own", async () => {
      const { pool } = makePool(2);
      const a = await runTurn(pool, { conversation: "a", priority: "chat", prompt: range(0, 10) });
      const holdingA = await pool.acquire({ priority: "chat", prompt: range(0, 10) });
      const holdingOther = await pool.acquire({ priority: "chat" });
      assert.equal(holdingA?.sequence, a.sequence);
      const waiting = pool.acquire({ conversation: "a", priority: "chat", prompt: range(0, 12) });
      holdingOther?.release();
      const lease = await waiting;
      assert.equal(lease?.sequence, holdingOther?.sequence);
      assert.equal(lease?.cachedPrefix, 0);
    });

    it("stops a cancelled waiter at once, without a sequence, and the next waiter gets the released one", async () => {
      const { pool } = makePool(1);
      const holder = await pool.acquire({ priority: "chat" });
      const controller = new AbortController();
      const cancelled = pool.acquire({ priority: "completion", signal: controller.signal });
      const next = pool.acquire({ priority: "chat" });
      controller.abort();
      assert.equal(await settled(cancelled), true, "the cancelled request does not wait for a sequence");
      assert.equal(await cancelled, undefined);
      assert.equal(pool.waiting, 1);
      holder?.release();
      const lease = await next;
      assert.equal(lease?.sequence, holder?.sequence, "the cancelled waiter did not take it");
    });

    it("answers a request cancelled before it asked without a sequence, and leaves the sequence free", async () => {
      const { pool } = makePool(1);
      const controller = new AbortController();
      controller.abort();
      assert.equal(await pool.acquire({ priority: "chat", signal: controller.signal }), undefined);
      const lease = await pool.acquire({ priority: "chat" });
      assert.ok(lease, "the sequence was not taken by the cancelled request");
    });

    it("refuses with PoolFullError once as many requests wait as the pool allows, and accepts again when they are served", async () => {
      const { pool } = makePool(1, 2);
      const holder = await pool.acquire({ priority: "chat" });
      const first = pool.acquire({ priority: "chat" });
      const second = pool.acquire({ priority: "chat" });
      await assert.rejects(pool.acquire({ priority: "completion" }), (error: unknown) => {
        assert.ok(error instanceof PoolFullError);
        assert.equal(error.lanes, 1);
        assert.equal(error.waiting, 2);
        assert.match(error.message, /1 request\(s\) and 2 more are waiting/);
        return true;
      });
      assert.equal(pool.waiting, 2, "the refused request did not join the queue");
      holder?.release();
      (await first)?.release();
      (await second)?.release();
      const later = await pool.acquire({ priority: "chat" });
      assert.ok(later);
    });

    it("answers a hundred requests at once: the first ones queue up to the cap, the rest are refused, and all queued ones are served", async () => {
      const { pool } = makePool(2);
      const results = await Promise.allSettled(
        Array.from({ length: 100 }, async (_, index) => {
          const lease = await pool.acquire({ conversation: `c${index}`, priority: "chat" });
          await new Promise<void>((resolve) => setImmediate(resolve));
          lease?.release();
          return lease;
        }),
      );
      const served = results.filter((result) => result.status === "fulfilled" && result.value !== undefined);
      const refused = results.filter((result) => result.status === "rejected");
      assert.equal(served.length, 2 + 32, "two at once plus the default 32 waiting");
      assert.equal(refused.length, 100 - 34);
      assert.ok(refused.every((result) => result.status === "rejected" && result.reason instanceof PoolFullError));
      assert.equal(pool.waiting, 0);
    });
  });

  describe("releasing", () => {
    it("does no harm when a lease is released twice: the sequence is not handed out twice", async () => {
      const { pool } = makePool(1);
      const first = await pool.acquire({ priority: "chat" });
      const second = pool.acquire({ priority: "chat" });
      const third = pool.acquire({ priority: "chat" });
      first?.release();
      first?.release();
      assert.ok(await second);
      assert.equal(await settled(third), false, "the second release did not free the sequence the second request holds");
      (await second)?.release();
      assert.ok(await third);
    });
  });
});
