// The stateful tier of inline completions, between the thin VS Code provider and the engine.
// For each request, cheapest answer first:
//   1. the gate: no request where one is pointless (a selection, mid-word, a minified line);
//   2. the cache: a completion already made here, or one the user is typing through;
//   3. the generation in flight, when the user typed what it is writing;
//   4. after the adaptive debounce, a new infill — the engine's latest-wins lane aborts the old one.
// A generation is followed to its end even when VS Code gives up on the request (the user typed
// on): its result lands in the cache, where the next keystrokes find it. No VS Code import here:
// tests and the benchmark drive this class directly.
import type { FimTemplateName } from "../config/settings";
import type { Backend, Generation, InfillRequest } from "../engine/backend";
import { Emitter } from "../engine/event";
import { CompletionProblems, type CompletionReporter } from "./completionProblems";
import { documentWindow, type LineSource } from "./documentWindow";
import { CompletionCache } from "./pipeline/completionCache";
import type { RecentContext } from "./pipeline/contextChunks";
import type { AdaptiveDebouncer } from "./pipeline/debounce";
import { CompletionFinisher } from "./pipeline/finishCompletion";
import { InfillStream, type TextStream } from "./pipeline/infillStream";
import { reuseInflight, type InflightRequest } from "./pipeline/inflightReuse";
import { gateRequest } from "./pipeline/requestGate";
import { untilAborted } from "../engine/untilAborted";

export interface CompletionDocument extends LineSource {
  readonly languageId: string;
}

export interface CompletionRequest {
  readonly document: CompletionDocument;
  /** Workspace-relative path, when the document has one. */
  readonly path: string | undefined;
  readonly line: number;
  readonly character: number;
  readonly selectionEmpty: boolean;
  /** Asked for by the user (or after an accept): no debounce, and a paused pipeline tries again. */
  readonly explicit: boolean;
  readonly tabSize?: number;
  readonly insertSpaces?: boolean;
}

export interface CompletionResult {
  readonly text: string;
}

/** How a request was answered; the benchmark and the tests read these. */
export type Outcome = "skipped" | "cacheHit" | "reused" | "generated" | "debounced" | "empty" | "interrupted" | "failed";

export interface CompletionEvent {
  readonly outcome: Outcome;
  /** From the call to the answer. */
  readonly latencyMs: number;
  /** Of that, waiting for the user to pause. */
  readonly debounceMs: number;
  /** What was shown, if anything. */
  readonly text?: string;
  /** Why it failed. */
  readonly error?: string;
  /** The engine's usage, for a request that reached the model. */
  readonly generation?: Generation;
}

export interface CompletionControllerOptions {
  readonly backend: () => Pick<Backend, "infill">;
  /** hearth.models.completion */
  readonly model: () => string;
  readonly template: () => FimTemplateName;
  readonly maxLines: () => number;
  /** A chat answer is being written: automatic completions give way to it. */
  readonly engineBusy: () => boolean;
  readonly recent: RecentContext;
  readonly debouncer: AdaptiveDebouncer;
  readonly reporter: CompletionReporter & { working(): () => void };
}

/** A generation that has not finished after this long has stalled (loading a model included). */
const STALL_TIMEOUT_MS = 60_000;

/** Documents whose completions stay cached. */
const CACHED_DOCUMENTS = 8;

/** Characters of other files' chunks sent as extra context (the engine trims to its token budget). */
const CONTEXT_CHARS = 6_000;

export class CompletionController {
  /** One cache per document (language and path in the key): two files that start alike share nothing. */
  private readonly caches = new Map<string, CompletionCache>();
  private readonly answered = new Emitter<CompletionEvent>();
  /** Each request's outcome, when it is answered (tests and the benchmark listen). */
  readonly onDidAnswer = this.answered.event;
  private readonly problems: CompletionProblems;
  /** The generation in flight, and the document it is for (cache key). */
  private inflight: (InflightRequest & { readonly document: string }) | undefined;
  private lastFailure: string | undefined;

  constructor(private readonly options: CompletionControllerOptions) {
    this.problems = new CompletionProblems(options.reporter);
  }

  async complete(request: CompletionRequest, signal: AbortSignal): Promise<CompletionResult | undefined> {
    const started = performance.now();
    let debounceMs = 0;
    const answer = (outcome: Outcome, text?: string, generation?: Generation) => {
      const error = outcome === "failed" ? this.lastFailure : undefined;
      this.answered.fire({ outcome, latencyMs: performance.now() - started, debounceMs, ...(text ? { text } : {}), ...(error ? { error } : {}), ...(generation ? { generation } : {}) });
      return text ? { text } : undefined;
    };
    const model = this.options.model();
    if (!model) {
      this.problems.noModel();
      return answer("skipped");
    }
    if (this.problems.paused && !request.explicit) return answer("skipped");
    const place = this.textAround(request);
    if (!place) return answer("skipped");
    const { prefix, suffix } = place;
    const cache = this.cacheFor(request);
    const cached = cache.get(prefix, suffix);
    // "Nothing to show here" is remembered, except when the user asks explicitly.
    if (cached && !(request.explicit && cached.text === "")) return answer("cacheHit", cached.text);

    const reuse = reuseInflight(this.inflight?.document === documentKey(request) ? this.inflight : undefined, prefix, suffix);
    // Only a generation that has written something, on the same line: before its first token a
    // new request costs little more (the KV cache), and Enter changes the shape of what is wanted.
    if (reuse.reuse && this.inflight?.stream.text && !reuse.typed.includes("\n")) {
      const text = await abortable(this.follow(reuse.stream, request, prefix, suffix, false, cache), signal);
      if (signal.aborted) return answer("debounced");
      if (text !== undefined) return answer(text ? "reused" : "empty", text);
      // The generation went another way than the user typed: ask anew.
    }

    if (!request.explicit) {
      if (this.options.engineBusy()) return answer("skipped");
      const waitStarted = performance.now();
      const go = await this.options.debouncer.wait(signal);
      debounceMs = performance.now() - waitStarted;
      if (!go || signal.aborted) return answer("debounced");
    }
    // Latest wins: nobody follows the old generation any more (the engine aborts it too).
    this.inflight?.stream.cancel();
    const finisher = this.finisher(request, prefix, suffix);
    const done = this.options.reporter.working();
    // The stop plan's time budget counts from the first chunk (the stream filter checks it); a
    // model loading for the first time may take seconds before that, and only a stall ends it.
    const stream = InfillStream.start(this.options.backend(), model, this.infillRequest(request, prefix, suffix), {
      maxTokens: finisher.plan.maxTokens,
      temperature: 0,
    }, AbortSignal.timeout(STALL_TIMEOUT_MS));
    const finished = this.follow(stream, request, prefix, suffix, true, cache, finisher);
    this.inflight = { prefix, suffix, stream, document: documentKey(request) };
    try {
      const text = await abortable(finished, signal);
      if (text === undefined && !signal.aborted) return answer(stream.interrupted ? "interrupted" : "failed");
      const generation = await stream.done.catch(() => undefined);
      return answer(text === undefined ? "debounced" : text ? "generated" : "empty", text, generation);
    } finally {
      void finished.finally(done);
    }
  }

  /**
   * Sends the prompt at this cursor ahead of time (one token generated, nothing shown), so the
   * engine's KV cache holds it when the user starts typing. Any completion request aborts it.
   */
  async warm(request: CompletionRequest): Promise<void> {
    const model = this.options.model();
    if (!model || this.problems.paused || this.inflight?.stream.running) return;
    const place = this.textAround(request);
    if (!place) return;
    const { prefix, suffix } = place;
    const stream = InfillStream.start(this.options.backend(), model, this.infillRequest(request, prefix, suffix), { maxTokens: 1, temperature: 0 });
    // A failure counts like a completion's (a worker crashing on load pauses completions).
    await stream.done.catch((error: unknown) => this.failed(error));
  }

  /** Stops the generation in flight (a chat answer started: it gets the CPU). */
  cancel(): void {
    this.inflight?.stream.cancel();
    this.inflight = undefined;
  }

  /** Settings changed: cached completions may come from another model, and old failures may be fixed. */
  reset(): void {
    this.cancel();
    this.caches.clear();
    this.problems.reset();
  }

  dispose(): void {
    this.reset();
    this.answered.dispose();
  }

  /** The text before and after the cursor, or nothing where a completion is pointless (the gate). */
  private textAround(request: CompletionRequest): { prefix: string; suffix: string } | undefined {
    const { document, line, character } = request;
    if (!gateRequest({ lineText: document.lineAt(line).text, character, hasSelection: !request.selectionEmpty }).request) return undefined;
    return documentWindow(document, line, character);
  }

  private cacheFor(request: CompletionRequest): CompletionCache {
    const key = documentKey(request);
    let cache = this.caches.get(key);
    if (cache) this.caches.delete(key); // most recent last
    cache ??= new CompletionCache();
    this.caches.set(key, cache);
    if (this.caches.size > CACHED_DOCUMENTS) this.caches.delete(this.caches.keys().next().value as string);
    return cache;
  }

  private failed(error: unknown): void {
    this.lastFailure = (error as Error)?.message ?? String(error);
    this.problems.failed(error, this.options.model());
  }

  private infillRequest(request: CompletionRequest, prefix: string, suffix: string): InfillRequest {
    const context = this.options.recent.snippets(request.path ?? "", CONTEXT_CHARS);
    return { prefix, suffix, path: request.path, context, template: this.options.template() };
  }

  private finisher(request: CompletionRequest, prefix: string, suffix: string): CompletionFinisher {
    return new CompletionFinisher(
      { prefix, suffix, languageId: request.document.languageId },
      { maxLines: this.options.maxLines(), tabSize: request.tabSize, insertSpaces: request.insertSpaces },
    );
  }

  /**
   * Reads a generation to its end through the stream filters, caches what it made, and returns
   * the text to show ("" for nothing; undefined when it failed). The one that started the
   * generation stops it when the filters say so.
   */
  private async follow(
    stream: TextStream,
    request: CompletionRequest,
    prefix: string,
    suffix: string,
    owner: boolean,
    cache: CompletionCache,
    finisher = this.finisher(request, prefix, suffix),
  ): Promise<string | undefined> {
    let stoppedByFilter = false;
    try {
      for await (const chunk of stream) {
        if (finisher.push(chunk).stop) {
          stoppedByFilter = true;
          if (owner) stream.cancel();
          break;
        }
      }
      // Stopped by its own filters: the answer is ready, whatever the rest of the generation does.
      if (!stoppedByFilter) await stream.done;
    } catch (error) {
      if (owner) this.failed(error);
      return undefined;
    }
    // Cut off (by a newer request, or a stall) before the filters were done, or a reused
    // generation that wrote something else than the user typed: no finished completion here.
    if (!stoppedByFilter && (stream.interrupted || (stream as { diverged?: boolean }).diverged)) return undefined;
    try {
      const { text } = finisher.finish();
      cache.set(prefix, suffix, text);
      this.problems.succeeded();
      return text;
    } catch (error) {
      // A bug in a pipeline step: logged, and this completion is dropped.
      this.lastFailure = (error as Error)?.stack ?? String(error);
      this.options.reporter.log(`Completion post-processing failed: ${this.lastFailure}`);
      return undefined;
    }
  }
}

function documentKey(request: CompletionRequest): string {
  return `${request.document.languageId}\u0000${request.path ?? "untitled"}`;
}

/** The promise's value, or undefined as soon as `signal` aborts or the promise fails (the work goes on). */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T | undefined> {
  return untilAborted<T | undefined>(promise, signal, () => new Error("aborted")).catch(() => undefined);
}
