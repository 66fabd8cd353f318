// Reuses the generation in flight instead of starting another when the user keeps typing what
// it is producing. The new request must have the same suffix and a prefix that extends the
// in-flight one's by the typed text T; then either the text so far starts with T (the user typed
// what the model wrote), or T starts with the text so far and the generation is still running
// (the user is ahead of the model). "The text" is as the user saw it: on an empty line,
// post-processing drops leading blank lines and repeated indentation, so those are skipped too.
// The new request then follows the same generation through a view without them and T.
// Otherwise the caller cancels the in-flight generation and starts a new one.
//
//   reuseInflight(inflight: InflightRequest | undefined, prefix, suffix): ReuseDecision
//   → { reuse: true, typed, stream: TypedThroughStream } | { reuse: false, reason }
// A view is itself a TextStream, so the next keystroke can reuse it in turn.
import type { Generation } from "../../engine/backend";
import type { TextStream } from "./infillStream";
import { withoutLeadingBlankLines } from "./postProcess";
import { firstLine, isBlank, lastLine, withoutRepeatedIndentation } from "./textLines";

export interface InflightRequest {
  readonly prefix: string;
  readonly suffix: string;
  readonly stream: TextStream;
}

export type NoReuseReason = "nothingInFlight" | "suffixChanged" | "notAnExtension" | "notStartedYet" | "diverged" | "finished" | "interrupted";

export type ReuseDecision =
  | { readonly reuse: true; readonly typed: string; readonly stream: TypedThroughStream }
  | { readonly reuse: false; readonly reason: NoReuseReason };

/** Suffixes are compared by their start: the provider's window may end at another line. */
const SUFFIX_COMPARED_CHARS = 256;
/** The old prefix's end that must reappear before the typed text when the window start moved. */
const PREFIX_ANCHOR_CHARS = 256;
/** Longer typed text is a new context, not a continuation. */
const MAX_TYPED_CHARS = 256;

export function reuseInflight(inflight: InflightRequest | undefined, prefix: string, suffix: string): ReuseDecision {
  if (!inflight) return { reuse: false, reason: "nothingInFlight" };
  if (suffix.slice(0, SUFFIX_COMPARED_CHARS) !== inflight.suffix.slice(0, SUFFIX_COMPARED_CHARS)) return { reuse: false, reason: "suffixChanged" };
  const typed = typedSince(inflight.prefix, prefix);
  if (typed === undefined) return { reuse: false, reason: "notAnExtension" };
  const { running, interrupted } = inflight.stream;
  if (!running && interrupted) return { reuse: false, reason: "interrupted" };
  if (typed === "") return { reuse: true, typed, stream: new TypedThroughStream(inflight.stream, 0, "") };
  const hidden = hiddenStart(inflight.prefix, inflight.suffix, inflight.stream.text);
  if (hidden === undefined) return { reuse: false, reason: "notStartedYet" };
  const shown = inflight.stream.text.slice(hidden);
  if (shown.startsWith(typed)) {
    // All of it typed and nothing more coming: there is nothing left to show from it.
    if (!running && shown.length === typed.length) return { reuse: false, reason: "finished" };
  } else if (!(running && typed.startsWith(shown))) return { reuse: false, reason: running ? "diverged" : "finished" };
  return { reuse: true, typed, stream: new TypedThroughStream(inflight.stream, hidden, typed) };
}

/**
 * How many characters at the start of `text` the user never saw: on an empty cursor line, the
 * leading blank lines and repeated indentation post-processing drops. Undefined while the text
 * is only whitespace (it cannot tell yet).
 */
function hiddenStart(prefix: string, suffix: string, text: string): number | undefined {
  const linePrefix = lastLine(prefix);
  if (!isBlank(linePrefix) || !isBlank(firstLine(suffix))) return 0;
  if (isBlank(text)) return text.length === 0 ? 0 : undefined;
  return text.length - withoutRepeatedIndentation(linePrefix, withoutLeadingBlankLines(text)).length;
}

/** The text typed after `oldPrefix` to make `newPrefix`, or undefined when it is not such an extension. */
export function typedSince(oldPrefix: string, newPrefix: string): string | undefined {
  if (newPrefix.startsWith(oldPrefix)) {
    const typed = newPrefix.slice(oldPrefix.length);
    return typed.length <= MAX_TYPED_CHARS ? typed : undefined;
  }
  // The window's start moved (it follows the cursor by lines): find the old prefix's end instead.
  const anchor = oldPrefix.slice(-PREFIX_ANCHOR_CHARS);
  if (anchor.length < PREFIX_ANCHOR_CHARS) return undefined;
  const at = newPrefix.lastIndexOf(anchor);
  if (at < 0) return undefined;
  const typed = newPrefix.slice(at + anchor.length);
  return typed.length <= MAX_TYPED_CHARS ? typed : undefined;
}

/**
 * A generation seen from a request further on: its text without the `hidden` characters the
 * user never saw and the `typed` ones. If the generation turns out not to continue with the
 * typed text, the view ends (`diverged`) and shows nothing. cancel() cancels the underlying
 * generation: the view's request is the only one left using it.
 */
export class TypedThroughStream implements TextStream {
  constructor(
    private readonly source: TextStream,
    private readonly hidden: number,
    readonly typed: string,
  ) {}

  get text(): string {
    return this.diverged ? "" : this.source.text.slice(this.hidden + this.typed.length);
  }

  get running(): boolean {
    return this.source.running && !this.diverged;
  }

  get interrupted(): boolean {
    return this.source.interrupted;
  }

  /** The generation wrote something other than what the user typed. */
  get diverged(): boolean {
    return this.divergedAt(this.source.text);
  }

  get done(): Promise<Generation> {
    return this.source.done.then((generation) => ({ ...generation, text: this.text }));
  }

  cancel(): void {
    this.source.cancel();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<string> {
    const skip = this.hidden + this.typed.length;
    let seen = "";
    for await (const chunk of this.source) {
      const before = seen.length;
      seen += chunk;
      if (this.divergedAt(seen)) return;
      if (seen.length > skip) yield seen.slice(Math.max(skip, before));
    }
  }

  private divergedAt(text: string): boolean {
    const shown = text.slice(this.hidden);
    return shown.length >= this.typed.length ? !shown.startsWith(this.typed) : !this.typed.startsWith(shown);
  }
}
