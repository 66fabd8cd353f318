// Turns a stored conversation into the chat messages sent to the model, fitted to its context
// window. Everything is counted in one `TokenCounter` call (one round trip to the llama.cpp
// worker); what does not fit is dropped in a fixed order and named in `leftOut`, never cut silently.
// Plain data: no VS Code, no Node APIs.
import type { ChatMessage } from "../engine/backend";
import type { StoredContext, StoredMessage } from "./conversation";
import type { TokenCounter } from "./tokenCounting";

/**
 * Tokens a chat template adds around each message: role markers and separators
 * (`<|im_start|>user\n … <|im_end|>\n` in ChatML is 5, Llama 3's headers 5–6), rounded up.
 */
export const MESSAGE_OVERHEAD_TOKENS = 8;
/**
 * Tokens added once per prompt: the start-of-text token, the header that opens the answer, and the
 * preamble some templates put in the system message (Llama 3.1's knowledge and today's dates, ~20).
 * Misjudging these by a few tokens is harmless: it comes out of the room kept for the answer.
 */
export const PROMPT_OVERHEAD_TOKENS = 32;
/** A file cut to fit keeps this share of the room it is given: its first lines may be denser than its average. */
const CUT_SAFETY = 0.9;
/** Said in place of code that was left out, so the model does not answer as if it had seen it. */
export const LEFT_OUT_NOTE = "[Some code attached to this question is left out to fit the context window.]";

export interface BuildPromptInput {
  readonly systemPrompt: string;
  /** The history, ending with the user message to answer. */
  readonly messages: readonly StoredMessage[];
  readonly contextWindow: number;
  readonly reservedForAnswer: number;
  readonly counter: TokenCounter;
  readonly signal?: AbortSignal;
}

export interface BuiltPrompt {
  readonly messages: ChatMessage[];
  /**
   * Counted (or estimated, for servers) tokens of the prompt, template overhead included; an upper
   * bound when the prompt surely fits and counting would have cost a round trip.
   */
  readonly promptTokens: number;
  /** Characters of all message contents, for calibrating estimates against the server's count. */
  readonly promptCharacters: number;
  /** What was dropped to fit, as a sentence for the user; undefined when nothing was. */
  readonly leftOut?: string;
}

/** The system prompt and the question to answer do not fit in the context window on their own. */
export class PromptTooLargeError extends Error {
  override readonly name = "PromptTooLargeError";
  constructor(
    readonly neededTokens: number,
    readonly contextWindow: number,
    readonly reservedForAnswer: number,
    droppedFiles: number,
  ) {
    const room = Math.max(0, contextWindow - reservedForAnswer);
    super(
      `This question needs about ${formatNumber(neededTokens)} tokens, but the model's ${formatNumber(contextWindow)}-token context ` +
        `has room for ${formatNumber(room)} once ${formatNumber(reservedForAnswer)} are kept for the answer` +
        `${droppedFiles ? " (even with its attached files left out)" : ""}. Shorten the question or the selected code, ` +
        "or raise hearth.llamaCpp.contextSize (llama.cpp) or use a model with a larger context.",
    );
  }
}

interface Attachment {
  readonly context: StoredContext;
  /** The rendered block as sent, and its tokens: replaced when the block is cut. */
  block: string;
  tokens: number;
  dropped: boolean;
  cut?: { readonly shownLines: number; readonly totalLines: number };
}

interface Turn {
  readonly question: StoredMessage;
  questionTokens: number;
  readonly attachments: Attachment[];
  answer?: { text: string; tokens: number; messages: number };
  dropped: boolean;
}

/** Builds the messages for the last question in `input.messages`; throws PromptTooLargeError when it cannot fit. */
export async function buildPrompt(input: BuildPromptInput): Promise<BuiltPrompt> {
  input.signal?.throwIfAborted();
  const turns = groupTurns(input.messages);
  const current = turns.at(-1);
  if (!current || current.question !== input.messages.at(-1)) throw new Error("buildPrompt needs a history that ends with the question to answer.");

  // Every piece, counted at once; turns fill in their figures from `counts` in the same order.
  const texts = [input.systemPrompt, LEFT_OUT_NOTE, cutMarker(99_999)];
  for (const turn of turns) {
    texts.push(turn.question.text, ...turn.attachments.map((attachment) => attachment.block));
    if (turn.answer) texts.push(turn.answer.text);
  }
  // No token takes less than a byte of text (plus a leading-space token per text on SentencePiece
  // models), so when even that bound fits, nothing can need trimming and the tokenizer round trip
  // is skipped: a short question reaches the model sooner. The figures are then upper bounds.
  const bounds = texts.map((text) => utf8Length(text) + 1);
  const boundTotal = PROMPT_OVERHEAD_TOKENS + bounds.reduce((sum, bound) => sum + bound + MESSAGE_OVERHEAD_TOKENS, 0);
  const skipCount = input.counter.roundTrip === true && boundTotal <= input.contextWindow - input.reservedForAnswer;
  const counts = skipCount ? bounds : await input.counter.count(texts, input.signal);
  if (counts.length !== texts.length || counts.some((count) => !Number.isFinite(count) || count < 0)) {
    throw new Error(`The token counter gave ${counts.length} counts for ${texts.length} texts.`);
  }
  const [systemTokens, noteTokens, markerTokens] = counts;
  let next = 3;
  for (const turn of turns) {
    turn.questionTokens = counts[next++];
    for (const attachment of turn.attachments) attachment.tokens = counts[next++];
    if (turn.answer) turn.answer.tokens = counts[next++];
  }

  const turnTokens = (turn: Turn): number =>
    MESSAGE_OVERHEAD_TOKENS +
    turn.questionTokens +
    turn.attachments.reduce((sum, attachment) => sum + (attachment.dropped ? 0 : attachment.tokens), 0) +
    (turn.attachments.some((attachment) => attachment.dropped) ? noteTokens : 0) +
    (turn.answer ? MESSAGE_OVERHEAD_TOKENS + turn.answer.tokens : 0);
  /** Applies a change to one turn and keeps the running total right. */
  const change = (turn: Turn, apply: () => void): void => {
    const before = turnTokens(turn);
    apply();
    total += (turn.dropped ? 0 : turnTokens(turn)) - before;
  };
  const budget = input.contextWindow - input.reservedForAnswer;
  const hasSystem = input.systemPrompt.trim() !== "";
  let total = PROMPT_OVERHEAD_TOKENS + (hasSystem ? MESSAGE_OVERHEAD_TOKENS + systemTokens : 0);
  for (const turn of turns) total += turnTokens(turn);
  const earlier = turns.slice(0, -1);

  // (a) The code attached to earlier questions, oldest question first.
  for (const turn of earlier) {
    if (total <= budget) break;
    change(turn, () => turn.attachments.forEach((attachment) => (attachment.dropped = true)));
  }
  // (b) Earlier turns (a question with its answer), oldest first.
  for (const turn of earlier) {
    if (total <= budget) break;
    change(turn, () => (turn.dropped = true));
  }
  // (c) Files attached to this question, largest first; the last one needed may keep its first lines.
  const files = current.attachments.filter((attachment) => attachment.context.kind === "file").sort((a, b) => b.tokens - a.tokens);
  for (const file of files) {
    const overflow = total - budget;
    if (overflow <= 0) break;
    change(current, () => {
      if (!cutToFit(file, file.tokens - overflow - markerTokens, markerTokens)) file.dropped = true;
    });
  }
  // (d) The system prompt and the question itself (with any selection) are never cut.
  const promptTokens = total;
  if (promptTokens > budget) {
    throw new PromptTooLargeError(promptTokens, input.contextWindow, input.reservedForAnswer, files.filter((file) => file.dropped).length);
  }

  const messages = render(hasSystem ? input.systemPrompt : undefined, turns);
  return {
    messages,
    promptTokens,
    promptCharacters: messages.reduce((sum, message) => sum + message.content.length, 0),
    leftOut: describeLeftOut(input.contextWindow, earlier, files),
  };
}

/** One turn per question, with the answers that followed it; empty answers are left out. */
function groupTurns(messages: readonly StoredMessage[]): Turn[] {
  const turns: Turn[] = [];
  for (const message of messages) {
    if (message.role === "user") {
      const attachments = (message.context ?? []).map((context) => ({ context, block: renderBlock(context, context.text), tokens: 0, dropped: false }));
      turns.push({ question: message, questionTokens: 0, attachments, dropped: false });
      continue;
    }
    const turn = turns.at(-1);
    // An answer stopped or failed before its first word says nothing, and some chat templates
    // refuse an empty turn; one before any question has nothing to answer.
    if (!turn || !message.text.trim()) continue;
    if (turn.answer) {
      turn.answer.text += `\n\n${message.text}`;
      turn.answer.messages++;
    } else turn.answer = { text: message.text, tokens: 0, messages: 1 };
  }
  return turns;
}

/** Cuts a file's block to its first lines within `room` tokens; false when not even one line fits. */
function cutToFit(attachment: Attachment, room: number, markerTokens: number): boolean {
  if (room <= 0 || attachment.tokens <= 0) return false;
  const code = attachment.context.text;
  const density = attachment.tokens / attachment.block.length;
  const overheadCharacters = attachment.block.length - code.length;
  const codeCharacters = Math.floor((room / density) * CUT_SAFETY) - overheadCharacters;
  const end = codeCharacters > 0 ? code.lastIndexOf("\n", codeCharacters - 1) : -1;
  if (end < 0) return false;
  const kept = code.slice(0, end + 1);
  const shownLines = lineCount(kept);
  const totalLines = lineCount(code);
  const block = renderBlock(attachment.context, kept);
  attachment.block = renderBlock(attachment.context, kept, cutMarker(totalLines - shownLines));
  attachment.tokens = Math.ceil(block.length * density) + markerTokens;
  attachment.cut = { shownLines, totalLines };
  return true;
}

function render(systemPrompt: string | undefined, turns: readonly Turn[]): ChatMessage[] {
  const messages: ChatMessage[] = systemPrompt === undefined ? [] : [{ role: "system", content: systemPrompt }];
  for (const turn of turns) {
    if (turn.dropped) continue;
    const shown = turn.attachments.filter((attachment) => !attachment.dropped);
    const note = shown.length < turn.attachments.length ? `${LEFT_OUT_NOTE}\n\n` : "";
    const content = `${shown.map((attachment) => attachment.block).join("")}${note}${turn.question.text}`;
    const previous = messages.at(-1);
    // A question whose answer was empty is joined to the next one: roles must alternate.
    if (previous?.role === "user") messages[messages.length - 1] = { role: "user", content: `${previous.content}\n\n${content}` };
    else messages.push({ role: "user", content });
    if (turn.answer) messages.push({ role: "assistant", content: turn.answer.text });
  }
  return messages;
}

function describeLeftOut(contextWindow: number, earlier: readonly Turn[], files: readonly Attachment[]): string | undefined {
  const parts: string[] = [];
  const droppedMessages = earlier.reduce((sum, turn) => sum + (turn.dropped ? 1 + (turn.answer?.messages ?? 0) : 0), 0);
  if (droppedMessages) parts.push(`${droppedMessages} earlier ${droppedMessages === 1 ? "message" : "messages"}`);
  const lostCode = earlier.filter((turn) => !turn.dropped && turn.attachments.some((attachment) => attachment.dropped)).length;
  if (lostCode) parts.push(`the code attached to ${lostCode === 1 ? "an earlier question" : `${lostCode} earlier questions`}`);
  const droppedFiles = files.filter((file) => file.dropped).map((file) => file.context.label);
  if (droppedFiles.length) parts.push(`the attached ${droppedFiles.length === 1 ? "file" : "files"} ${joinList(droppedFiles)}`);
  for (const file of files) {
    if (!file.cut) continue;
    const { shownLines, totalLines } = file.cut;
    parts.push(`${shownLines * 2 < totalLines ? "most" : "the end"} of ${file.context.label} (shown up to line ${shownLines})`);
  }
  if (!parts.length) return undefined;
  return `Left out to fit the model's ${formatNumber(contextWindow)}-token context: ${joinList(parts)}.`;
}

/** A file or selection as a fenced block under its name, ending in a blank line. */
export function renderBlock(context: StoredContext, code: string, marker?: string): string {
  const heading = context.kind === "selection" ? `Selected code from ${context.label}:` : `File ${context.label}:`;
  const fence = codeFence(code);
  const body = code === "" || code.endsWith("\n") ? code : `${code}\n`;
  return `${heading}\n${fence}${fenceLanguage(context.language)}\n${body}${fence}\n${marker ? `${marker}\n` : ""}\n`;
}

/** Backticks enough to fence `code`: one more than its longest run, at least three. */
export function codeFence(code: string): string {
  let longest = 0;
  for (const run of code.match(/`+/g) ?? []) longest = Math.max(longest, run.length);
  return "`".repeat(Math.max(3, longest + 1));
}

/** VS Code language ids that markdown spells otherwise. */
const FENCE_LANGUAGES: Readonly<Record<string, string>> = {
  typescriptreact: "tsx",
  javascriptreact: "jsx",
  shellscript: "bash",
  plaintext: "",
  "objective-c": "objectivec",
  "objective-cpp": "objectivecpp",
};

/** The info string for a fence from a VS Code language id. */
export function fenceLanguage(languageId: string | undefined): string {
  if (!languageId) return "";
  return FENCE_LANGUAGES[languageId] ?? languageId;
}

function cutMarker(moreLines: number): string {
  return `[… ${moreLines} more ${moreLines === 1 ? "line" : "lines"} not shown]`;
}

function lineCount(text: string): number {
  if (!text) return 0;
  let lines = text.endsWith("\n") ? 0 : 1;
  for (let index = text.indexOf("\n"); index >= 0; index = text.indexOf("\n", index + 1)) lines++;
  return lines;
}

function joinList(items: readonly string[]): string {
  if (items.length <= 1) return items.join("");
  if (items.length === 2) return `${items[0]} and ${items[1]}`;
  return `${items.slice(0, -1).join(", ")}, and ${items[items.length - 1]}`;
}

function formatNumber(value: number): string {
  return value.toLocaleString("en-US");
}

/** The UTF-8 length of `text` without encoding it. */
function utf8Length(text: string): number {
  let bytes = 0;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff) {
      bytes += 4; // a surrogate pair: one 4-byte character
      index++;
    } else bytes += 3;
  }
  return bytes;
}
