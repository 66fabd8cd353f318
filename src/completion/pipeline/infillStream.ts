// A handle on one engine infill call, so several parties can follow one generation: the request
// that started it and any later request that reuses it (inflightReuse.ts).
//   - chunks as an async iterable: each iterator first gets all the text so far as one chunk,
//     then the text as it arrives (pieces may be merged; chunk boundaries mean nothing);
//   - `text`: the text so far; `done`: the final Generation (never rejects because of cancel());
//   - cancel(): aborts the engine call; iterators end at once and no chunk is delivered after it.
// Breaking out of a for-await loop only detaches that iterator: the generation goes on for the
// others. Only cancel() stops it, so the stateful layer decides when nobody needs it any more.
//
//   const stream = InfillStream.start(backend, model, request, { maxTokens, temperature }, signal?)
//   for await (const chunk of stream) { … }   stream.text   stream.running   await stream.done   stream.cancel()
import type { Backend, Generation, GenerationOptions, InfillRequest } from "../../engine/backend";

/** What a consumer of a generation sees; InfillStream and the views of inflightReuse.ts have it. */
export interface TextStream extends AsyncIterable<string> {
  /** The text generated so far. */
  readonly text: string;
  /** More text may still come. */
  readonly running: boolean;
  /**
   * The generation was cancelled, by cancel() or by the engine for a newer request: its text
   * may stop anywhere, so it is no finished completion.
   */
  readonly interrupted: boolean;
  /** The final generation; a cancelled one ends with stopReason "cancelled" and the text so far. */
  readonly done: Promise<Generation>;
  cancel(): void;
}

/** Runs the generation, reporting each piece of text; ends when `signal` aborts. */
export type GenerationCall = (onChunk: (text: string) => void, signal: AbortSignal) => Promise<Generation>;

const NO_USAGE = { promptTokens: 0, reusedPromptTokens: 0, completionTokens: 0, timeToFirstTokenMs: 0, tokensPerSecond: 0 };

export class InfillStream implements TextStream {
  readonly done: Promise<Generation>;
  private received = "";
  private finished = false;
  private cancelled = false;
  private cancelledByEngine = false;
  private failure: { readonly error: unknown } | undefined;
  private readonly controller = new AbortController();
  /** Iterators waiting for text or the end. */
  private waiting: (() => void)[] = [];

  static start(
    backend: Pick<Backend, "infill">,
    model: string,
    request: InfillRequest,
    options: Omit<GenerationOptions, "onChunk"> = {},
    signal?: AbortSignal,
  ): InfillStream {
    return new InfillStream((onChunk, abort) => backend.infill(model, request, { ...options, onChunk }, abort), signal);
  }

  constructor(call: GenerationCall, signal?: AbortSignal) {
    if (signal?.aborted) this.cancel();
    else signal?.addEventListener("abort", () => this.cancel(), { once: true });
    this.done = this.run(call);
    // A failure is also thrown to the iterators; nobody has to await `done` to see it.
    this.done.catch(() => undefined);
  }

  get text(): string {
    return this.received;
  }

  get running(): boolean {
    return !this.finished;
  }

  get interrupted(): boolean {
    return this.cancelled || this.cancelledByEngine;
  }

  cancel(): void {
    if (this.finished) return;
    this.cancelled = true;
    this.controller.abort();
    this.end();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<string> {
    let delivered = 0;
    for (;;) {
      if (this.cancelled) return;
      if (this.received.length > delivered) {
        const chunk = this.received.slice(delivered);
        delivered = this.received.length;
        yield chunk;
        continue;
      }
      if (this.finished) {
        if (this.failure) throw this.failure.error;
        return;
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
  }

  private async run(call: GenerationCall): Promise<Generation> {
    if (this.cancelled) return { text: "", stopReason: "cancelled", usage: NO_USAGE };
    const onChunk = (text: string) => {
      if (this.finished) return; // after cancel (or a late chunk): dropped
      this.received += text;
      this.wake();
    };
    try {
      const generation = await call(onChunk, this.controller.signal);
      if (this.cancelled) return { ...generation, text: this.received, stopReason: "cancelled" };
      // Some backends deliver text only in the result: the iterators get it too.
      if (generation.text.length > this.received.length && generation.text.startsWith(this.received)) this.received = generation.text;
      this.cancelledByEngine = generation.stopReason === "cancelled";
      this.end();
      return generation;
    } catch (error) {
      if (this.cancelled) return { text: this.received, stopReason: "cancelled", usage: NO_USAGE };
      this.failure = { error };
      this.end();
      throw error;
    }
  }

  private end(): void {
    this.finished = true;
    this.wake();
  }

  private wake(): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const resolve of waiting) resolve();
  }
}
