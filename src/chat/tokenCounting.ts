// How the prompt builder learns what text costs in tokens. The embedded llama.cpp counts with the
// model's own tokenizer (the chat session adapts `Backend.countTokens` to `TokenCounter`); servers
// give us no tokenizer, so their counts are estimated from characters and calibrated from the
// prompt token counts the server reports after each answer. Plain data, no VS Code, no Node APIs.
import { DEFAULT_CHARS_PER_TOKEN, ESTIMATE_MARGIN, estimateTokens } from "../engine/tokenEstimate";

/** Counts the tokens of each text, in order: one call for all of a prompt's pieces. */
export interface TokenCounter {
  count(texts: readonly string[], signal?: AbortSignal): Promise<number[]>;
  /** Counting asks another process (the llama.cpp worker): worth skipping when the prompt surely fits. */
  readonly roundTrip?: boolean;
}

/** Where estimates start, and their margin: the engine's estimate, which this one calibrates. */
export { DEFAULT_CHARS_PER_TOKEN, ESTIMATE_MARGIN };
/** Calibration never leaves this range: below 1 is not a tokenizer, above 6 is a miscount. */
export const MIN_CHARS_PER_TOKEN = 1;
export const MAX_CHARS_PER_TOKEN = 6;
/** Weight of a new sample in the moving average: a few answers move the ratio most of the way. */
const SMOOTHING = 0.3;
/** Shorter prompts say little: the chat template's own tokens dominate them. */
const MIN_SAMPLE_CHARACTERS = 400;
const MIN_SAMPLE_TOKENS = 50;
/**
 * A sample showing this many times more characters per token than the current ratio is taken as
 * a miscount and ignored: some servers report only the prompt tokens they did not take from
 * their cache, which would make text look cheaper than it is. Samples showing text to be dearer
 * are always taken, since following them errs on the safe side.
 */
const MAX_CHEAPER_STEP = 1.6;

/** Estimates token counts from characters for servers whose tokenizer Hearth cannot run. */
export class EstimatingTokenCounter implements TokenCounter {
  private ratio: number;
  private accepted = 0;

  constructor(initialCharsPerToken = DEFAULT_CHARS_PER_TOKEN) {
    this.ratio = clamp(initialCharsPerToken);
  }

  /** The characters per token estimates use now. */
  get charsPerToken(): number {
    return this.ratio;
  }

  /** How many reported figures have been taken into the ratio. */
  get samples(): number {
    return this.accepted;
  }

  /** A safe estimate for one text: rounded up, with a margin, and at least one token if not empty. */
  estimate(text: string): number {
    return estimateTokens(text, this.ratio);
  }

  count(texts: readonly string[], signal?: AbortSignal): Promise<number[]> {
    if (signal?.aborted) return Promise.reject(signal.reason instanceof Error ? signal.reason : new Error("Token counting was cancelled."));
    return Promise.resolve(texts.map((text) => this.estimate(text)));
  }

  /**
   * Moves the ratio toward what the server reported for a prompt of `promptCharacters` characters
   * (pass the prompt's total tokens, cached ones included). Returns whether the sample was used:
   * tiny prompts, implausible ratios and suspiciously cheap figures are ignored.
   */
  calibrate(promptCharacters: number, reportedPromptTokens: number): boolean {
    if (!Number.isFinite(promptCharacters) || !Number.isFinite(reportedPromptTokens)) return false;
    if (promptCharacters < MIN_SAMPLE_CHARACTERS || reportedPromptTokens < MIN_SAMPLE_TOKENS) return false;
    const observed = promptCharacters / reportedPromptTokens;
    if (observed < MIN_CHARS_PER_TOKEN || observed > MAX_CHARS_PER_TOKEN) return false;
    if (observed > this.ratio * MAX_CHEAPER_STEP) return false;
    // The first figure replaces most of the guess; later ones are averaged in.
    const weight = this.accepted === 0 ? 0.6 : SMOOTHING;
    this.ratio = clamp(this.ratio + (observed - this.ratio) * weight);
    this.accepted++;
    return true;
  }
}

function clamp(ratio: number): number {
  if (!Number.isFinite(ratio)) return DEFAULT_CHARS_PER_TOKEN;
  return Math.min(MAX_CHARS_PER_TOKEN, Math.max(MIN_CHARS_PER_TOKEN, ratio));
}
