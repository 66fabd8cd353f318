// The worker's fill-in-the-middle: picks the model's FIM format, builds the prompt as tokens
// within budgets (fim/fimPrompt.ts), evaluates what the completion sequence's KV cache lacks in
// small steps (a newer keystroke's request stops it between two), then generates the middle.
import type * as NodeLlamaCpp from "node-llama-cpp" with { "resolution-mode": "import" };
import type { Generation, InfillRequest } from "../backend";
import { chooseFimFormat } from "../fim/chooseFimFormat";
import type { FimFormat } from "../fim/fimFormat";
import { buildFimPrompt, type PromptMemory, type PromptTokenizer } from "../fim/fimPrompt";
import { LineTokenCache } from "../fim/lineTokenCache";
import { DEFAULT_INFILL_MAX_TOKENS, infillBudgets } from "../fim/promptBudget";
import type { LoadedEntry } from "./loadedModels";
import type { ModelContext } from "./modelContext";
import { beginningToken, fimModel, modelTokenizer } from "./modelVocabulary";
import { metered, type GenerationRequest, type Send } from "./workerGeneration";

type Library = typeof NodeLlamaCpp;

/** What a loaded model keeps for its completion sequence. */
export interface InfillState {
  /** Formats chosen for this model, by template setting (choosing tokenizes a few texts). */
  readonly formats: Map<string, FimFormat>;
  /** The last prompt's stable parts, so the next keystroke's prompt starts the same way. */
  memory?: PromptMemory;
  /** The model's tokenizer, remembering the lines it tokenized (only the cursor's line is new on a keystroke). */
  tokenizer?: PromptTokenizer;
}

/**
 * Prompt tokens evaluated between two looks at the abort signal. Small enough that a stale
 * request stops within a fraction of a second on a CPU, large enough to batch well.
 */
const EVALUATION_STEP = 128;

/** node-llama-cpp's highest evaluation priority: a completion's tokens go first in a shared batch. */
const COMPLETION_PRIORITY = 5;

export async function generateInfill(lib: Library, entry: LoadedEntry, context: ModelContext, request: GenerationRequest, infill: InfillRequest, send: Send): Promise<Generation> {
  const { model } = entry;
  const sequence = context.infillSequence;
  if (!sequence) throw new Error("the model's context has no infill sequence"); // contextFor gives one to every infill request
  const format = formatFor(entry, infill);
  const bos = beginningToken(model);
  const maxTokens = request.options.maxTokens ?? DEFAULT_INFILL_MAX_TOKENS;
  const budgets = infillBudgets(sequence.contextSize, maxTokens);
  entry.infill.tokenizer ??= new LineTokenCache(modelTokenizer(model));
  const built = buildFimPrompt(infill, format, entry.infill.tokenizer, { ...budgets, room: budgets.room - (bos === undefined ? 0 : 1) }, entry.infill.memory);
  entry.infill.memory = built.memory;
  // The builder's ids are the model's tokens. node-llama-cpp puts the BOS ahead of the input itself; the sequence holds it too.
  const input = built.tokens as NodeLlamaCpp.Token[];
  const prompt = bos === undefined ? input : [bos, ...input];
  const stopTokens = format.stops.flatMap((token) => (token.id === undefined ? [] : [[token.id as NodeLlamaCpp.Token]]));
  const completion = new lib.LlamaCompletion({ contextSequence: sequence });
  try {
    return await metered(request, send, sequence, prompt.length, "completing", async (options) => {
      await evaluateAhead(sequence, prompt, request.signal);
      // Stopped while evaluating: the prompt counts as far as it got.
      if (request.signal.aborted) return { response: "", metadata: { stopReason: "abort" }, promptTokens: Math.min(sequence.nextTokenIndex, prompt.length) };
      return await completion.generateCompletionWithMeta(input, {
        ...options,
        maxTokens,
        customStopTriggers: stopTokens,
        // Code repeats itself; a repeat penalty would steer completions away from the right names.
        repeatPenalty: false,
        evaluationPriority: COMPLETION_PRIORITY,
        // The prompt was sized to leave room for the answer: never shift the context under it.
        disableContextShift: true,
        contextShiftSize: 1,
      });
    });
  } finally {
    completion.dispose();
  }
}

function formatFor(entry: LoadedEntry, infill: InfillRequest): FimFormat {
  const template = infill.template ?? "auto";
  let format = entry.infill.formats.get(template);
  if (!format) {
    format = chooseFimFormat(fimModel(entry.modelPath, entry.model), template);
    entry.infill.formats.set(template, format);
  }
  return format;
}

/**
 * Leaves the sequence holding all of `prompt` but its last token (LlamaCompletion evaluates that
 * one with the first generated token): the part that matches what the sequence holds stays, the
 * rest is evaluated in steps, checking `signal` between them.
 */
async function evaluateAhead(sequence: NodeLlamaCpp.LlamaContextSequence, prompt: NodeLlamaCpp.Token[], signal: AbortSignal): Promise<void> {
  await sequence.adaptStateToTokens(prompt, false);
  const end = prompt.length - 1;
  while (sequence.nextTokenIndex < end && !signal.aborted) {
    const start = sequence.nextTokenIndex;
    await sequence.evaluateWithoutGeneratingNewTokens(prompt.slice(start, Math.min(end, start + EVALUATION_STEP)), { evaluationPriority: COMPLETION_PRIORITY });
  }
}
