// The one path from model output to the text shown: the stream filters while the chunks arrive,
// then post-processing. The provider drives a CompletionFinisher with the live stream; the golden
// tests run finishCompletion, which drives the same class with a recorded output.
//
//   const finisher = new CompletionFinisher({ prefix, suffix, languageId }, settings?)
//   finisher.plan                        → what to ask the engine for (maxTokens, time budget)
//   finisher.push(chunk).stop            → cancel the generation when true
//   finisher.finish(): FinishedCompletion → the text to show ("" for nothing)
//   finishCompletion({ prefix, suffix, languageId, modelOutput, settings?, plan? }): FinishedCompletion
// The filter checks the plan's time budget from the first chunk on (a model loading before it does
// not count); a generation that stalls altogether is the caller's to end (the controller's stall guard).
import { type CursorContext, cursorContext } from "./cursorContext";
import { type PostProcessOptions, postProcess } from "./postProcess";
import { type StopPlan, type StopSettings, planStop } from "./stopRules";
import { type FilterResult, type StopCause, StreamFilter } from "./streamFilters";

export interface CompletionRequestText {
  /** Text before the cursor (the provider's window of the document). */
  readonly prefix: string;
  /** Text after the cursor (the provider's window of the document). */
  readonly suffix: string;
  readonly languageId: string;
}

export type FinishSettings = StopSettings & PostProcessOptions;

export interface FinishedCompletion {
  /** What to insert at the cursor; "" when there is nothing worth showing. */
  readonly text: string;
  /** The stream filter's reason for stopping early, if it did. */
  readonly cause: StopCause | undefined;
  /** The part of the model's output the stream filters accepted, before post-processing. */
  readonly accepted: string;
  readonly plan: StopPlan;
}

export class CompletionFinisher {
  readonly context: CursorContext;
  readonly plan: StopPlan;
  private readonly filter: StreamFilter;

  constructor(
    request: CompletionRequestText,
    private readonly settings: FinishSettings = {},
    options: { readonly plan?: StopPlan; readonly now?: () => number } = {},
  ) {
    this.context = cursorContext(request.prefix, request.suffix, request.languageId);
    this.plan = options.plan ?? planStop(this.context, settings);
    this.filter = new StreamFilter(this.context, this.plan, options.now ? { now: options.now } : {});
  }

  /** Feeds a chunk of generated text; when the result says stop, cancel the generation. */
  push(chunk: string): FilterResult {
    return this.filter.push(chunk);
  }

  /** The generation is over (ended, stopped or cancelled): the text to show. */
  finish(): FinishedCompletion {
    const result = this.filter.end();
    return { text: postProcess(result.text, this.context, this.settings), cause: result.cause, accepted: result.text, plan: this.plan };
  }
}

export interface RecordedCompletion extends CompletionRequestText {
  readonly modelOutput: string;
  readonly settings?: FinishSettings;
  /** A plan to use instead of the one planStop makes. */
  readonly plan?: StopPlan;
  /** Sizes of the chunks the output arrives in (default: all at once); the result must not depend on them. */
  readonly chunkSize?: number;
}

/** Runs a whole recorded model output through the pipeline, as the provider runs a live one. */
export function finishCompletion(recorded: RecordedCompletion): FinishedCompletion {
  const finisher = new CompletionFinisher(recorded, recorded.settings, recorded.plan ? { plan: recorded.plan } : {});
  const size = recorded.chunkSize ?? Math.max(1, recorded.modelOutput.length);
  for (let start = 0; start < recorded.modelOutput.length; start += size) {
    if (finisher.push(recorded.modelOutput.slice(start, start + size)).stop) break;
  }
  return finisher.finish();
}
