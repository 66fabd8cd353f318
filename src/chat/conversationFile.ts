// Reading and writing one conversation as text: the JSON Hearth stores and exports, the Markdown
// it exports, and import. Pure functions (no VS Code, no Node), so the store and tests share them.
// A file is checked completely before anything is used: a result is the whole conversation or a
// message saying what is wrong, never part of one.
import type { ConversationSummary } from "../shared/chatProtocol";
import {
  CONVERSATION_FORMAT,
  CONVERSATION_FORMAT_VERSION,
  isValidId,
  type Conversation,
  type StoredContext,
  type StoredMessage,
} from "./conversation";

/** Larger files are refused unread: a conversation this big is not one Hearth wrote. */
export const MAX_CONVERSATION_BYTES = 20 * 1024 * 1024;

export type ConversationResult =
  | { readonly ok: true; readonly conversation: Conversation }
  /** `newerVersion`: the file is fine but from a newer Hearth, so the store leaves it alone. */
  | { readonly ok: false; readonly message: string; readonly newerVersion?: number };

export function parseConversation(text: string): ConversationResult {
  if (isTooLarge(text)) {
    return { ok: false, message: `This file is larger than ${MAX_CONVERSATION_BYTES / (1024 * 1024)} MB, too large for a Hearth conversation.` };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, message: `This file is not valid JSON (${(error as Error).message}), so it is not a Hearth conversation.` };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { ok: false, message: `This file is not a Hearth conversation: it holds ${describe(value)}, not an object.` };
  }
  const fields = value as Fields;
  if (fields.format !== CONVERSATION_FORMAT) {
    const found = fields.format === undefined ? 'it has no "format" field' : `its format is ${describe(fields.format)}`;
    return { ok: false, message: `This file is not a Hearth conversation: ${found}, expected "${CONVERSATION_FORMAT}".` };
  }
  try {
    const version = wholeNumber(fields, "version", "", 1);
    if (version > CONVERSATION_FORMAT_VERSION) {
      return {
        ok: false,
        newerVersion: version,
        message: `This conversation was saved by a newer version of Hearth (format ${version}); update Hearth to open it.`,
      };
    }
    checkConversation(fields);
  } catch (error) {
    if (!(error instanceof Invalid)) throw error;
    return { ok: false, message: `This Hearth conversation file is invalid: ${error.message}.` };
  }
  // Checked above, field by field; `ordered` keeps only the known fields.
  return { ok: true, conversation: ordered(fields as unknown as Conversation) };
}

/** Pretty JSON with the fields always in the same order, so exports diff well. */
export function conversationToJson(conversation: Conversation): string {
  return `${JSON.stringify(ordered(conversation), null, 2)}\n`;
}

/**
 * A file to import, as a new conversation: a fresh id (importing twice never overwrites),
 * updated now, and an answer that was still streaming when saved shown as stopped.
 */
export function importConversation(text: string, newId: string, now: number): ConversationResult {
  if (!isValidId(newId)) throw new Error(`${JSON.stringify(newId)} is not a valid conversation id.`);
  const parsed = parseConversation(text);
  if (!parsed.ok) return parsed;
  const messages = parsed.conversation.messages.map((message) =>
    message.status === "streaming" ? { ...message, status: "stopped" as const } : message,
  );
  return { ok: true, conversation: { ...parsed.conversation, id: newId, updatedAt: now, messages } };
}

export function toSummary(conversation: Conversation): ConversationSummary {
  const { id, title, updatedAt } = conversation;
  return { id, title, updatedAt, messageCount: conversation.messages.length };
}

const INDEX_FORMAT = "hearth.conversationIndex";

/** The store's index: a summary per conversation, so the history opens without reading them all. */
export function indexToJson(summaries: readonly ConversationSummary[]): string {
  const conversations = summaries.map(({ id, title, updatedAt, messageCount }) => ({ id, title, updatedAt, messageCount }));
  return `${JSON.stringify({ format: INDEX_FORMAT, version: 1, conversations }, null, 1)}\n`;
}

/** The index's entries, or undefined if it is damaged or not one this version wrote (it is then rebuilt). */
export function parseIndex(text: string): ConversationSummary[] | undefined {
  try {
    const index = object(JSON.parse(text), "index");
    if (index.format !== INDEX_FORMAT || index.version !== 1) return undefined;
    return array(index, "conversations", "").map((value) => {
      const entry = object(value, "entry");
      return { id: id(entry, "id", ""), title: string(entry, "title", ""), updatedAt: time(entry, "updatedAt", ""), messageCount: wholeNumber(entry, "messageCount", "", 0) };
    });
  } catch {
    return undefined;
  }
}

/** A readable document: title, then each question with its attached code, and each answer. */
export function conversationToMarkdown(conversation: Conversation): string {
  const started = new Date(conversation.createdAt).toISOString().slice(0, 10);
  const parts = [`# ${oneLine(conversation.title)}`, `*A Hearth conversation, started ${started}.*`];
  for (const message of conversation.messages) {
    if (message.role === "user") {
      parts.push("### You", closeOpenFence(message.text));
      for (const item of message.context ?? []) parts.push(contextMarkdown(item));
    } else {
      parts.push(message.usage ? `### Hearth (${oneLine(message.usage.model)})` : "### Hearth", closeOpenFence(message.text));
      parts.push(...answerNotes(message));
    }
  }
  return `${parts.filter((part) => part.trim() !== "").join("\n\n")}\n`;
}

function contextMarkdown(item: StoredContext): string {
  const from = item.source ? ` from ${item.source}` : "";
  const heading = `**${oneLine(item.label)}** (${item.kind === "file" ? "file" : "selection"}${from})`;
  // A fence longer than any backtick run inside, so code that itself holds ``` stays whole.
  const longestRun = Math.max(0, ...Array.from(item.text.matchAll(/`+/g), (match) => match[0].length));
  const fence = "`".repeat(Math.max(3, longestRun + 1));
  const body = item.text.endsWith("\n") ? item.text : `${item.text}\n`;
  return `${heading}\n\n${fence}${item.language ?? ""}\n${body}${fence}`;
}

/** An answer cut off inside a code block would swallow the rest of the document: close the block. */
function closeOpenFence(text: string): string {
  let open: string | undefined;
  for (const line of text.split("\n")) {
    const fence = /^ {0,3}(`{3,}|~{3,})/.exec(line)?.[1];
    if (!fence) continue;
    if (!open) open = fence;
    else if (fence[0] === open[0] && fence.length >= open.length && line.trim() === fence) open = undefined;
  }
  return open ? `${text}\n${open}` : text;
}

function answerNotes(message: StoredMessage): string[] {
  const notes: string[] = [];
  if (message.status === "stopped") notes.push("*Stopped before the answer was complete.*");
  if (message.status === "streaming") notes.push("*Unfinished: this answer was still being written.*");
  if (message.status === "failed") notes.push(`*The answer failed: ${oneLine(message.error ?? "no reason was recorded")}*`);
  if (message.leftOut) notes.push(`*Left out to fit the context window: ${oneLine(message.leftOut)}*`);
  if (message.note) notes.push(`*${oneLine(message.note)}*`);
  const usage = message.usage;
  if (usage) {
    const reused = usage.reusedPromptTokens ? ` (${usage.reusedPromptTokens} reused)` : "";
    notes.push(
      `*${usage.backend} · ${usage.promptTokens} prompt tokens${reused} · ${usage.completionTokens} answer tokens · ` +
        `${usage.tokensPerSecond.toFixed(1)} tokens/s · first token after ${(usage.timeToFirstTokenMs / 1000).toFixed(2)} s*`,
    );
  }
  return notes;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

/** The known fields in a fixed order, optional ones only when present. */
function ordered(conversation: Conversation): Conversation {
  const { id, title, createdAt, updatedAt } = conversation;
  const messages = conversation.messages.map((message) => {
    const { role, text, status, context, usage, error, errorSetting, leftOut, note } = message;
    return present({
      id: message.id,
      role,
      text,
      status,
      createdAt: message.createdAt,
      context: context?.map((item) => present({ ...pick(item, ["id", "kind", "label", "detail", "source", "language"]), text: item.text })),
      usage: usage && pick(usage, ["model", "backend", "promptTokens", "reusedPromptTokens", "completionTokens", "timeToFirstTokenMs", "tokensPerSecond"]),
      error,
      errorSetting,
      leftOut,
      note,
    });
  });
  return { format: CONVERSATION_FORMAT, version: CONVERSATION_FORMAT_VERSION, id, title, createdAt, updatedAt, messages };
}

function pick<T extends object, K extends keyof T>(value: T, keys: readonly K[]): Pick<T, K> {
  return Object.fromEntries(keys.map((key) => [key, value[key]])) as Pick<T, K>;
}

/** Without the keys whose value is undefined, so parsed conversations compare equal to built ones. */
function present<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as T;
}

// Validation: each check throws `Invalid` naming the field's path, what it holds and what was expected.
type Fields = Record<string, unknown>;
class Invalid extends Error {}

function checkConversation(fields: Fields): void {
  id(fields, "id", "");
  string(fields, "title", "");
  time(fields, "createdAt", "");
  time(fields, "updatedAt", "");
  const seen = new Set<string>();
  array(fields, "messages", "").forEach((value, index) => {
    const path = `messages[${index}].`;
    const message = object(value, `messages[${index}]`);
    const messageId = id(message, "id", path);
    if (seen.has(messageId)) throw new Invalid(`${path}id "${messageId}" is also the id of an earlier message`);
    seen.add(messageId);
    oneOf(message, "role", path, ["user", "assistant"]);
    string(message, "text", path);
    oneOf(message, "status", path, ["complete", "streaming", "stopped", "failed"]);
    time(message, "createdAt", path);
    for (const key of ["error", "errorSetting", "leftOut", "note"]) if (message[key] !== undefined) string(message, key, path);
    if (message.context !== undefined) {
      array(message, "context", path).forEach((item, itemIndex) => {
        const itemPath = `${path}context[${itemIndex}]`;
        const context = object(item, itemPath);
        id(context, "id", `${itemPath}.`);
        oneOf(context, "kind", `${itemPath}.`, ["selection", "file"]);
        for (const key of ["label", "text"]) string(context, key, `${itemPath}.`);
        for (const key of ["detail", "source", "language"]) if (context[key] !== undefined) string(context, key, `${itemPath}.`);
      });
    }
    if (message.usage !== undefined) {
      const usage = object(message.usage, `${path}usage`);
      for (const key of ["model", "backend"]) string(usage, key, `${path}usage.`);
      for (const key of ["promptTokens", "reusedPromptTokens", "completionTokens"]) wholeNumber(usage, key, `${path}usage.`, 0);
      for (const key of ["timeToFirstTokenMs", "tokensPerSecond"]) time(usage, key, `${path}usage.`);
    }
  });
}

function object(value: unknown, path: string): Fields {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Invalid(`${path} is ${describe(value)}, expected an object`);
  return value as Fields;
}

function array(fields: Fields, key: string, path: string): unknown[] {
  const value = fields[key];
  if (!Array.isArray(value)) throw new Invalid(`${path}${key} is ${describe(value)}, expected a list`);
  return value;
}

function string(fields: Fields, key: string, path: string): string {
  const value = fields[key];
  if (typeof value !== "string") throw new Invalid(`${path}${key} is ${describe(value)}, expected a string`);
  return value;
}

function id(fields: Fields, key: string, path: string): string {
  const value = fields[key];
  if (!isValidId(value)) throw new Invalid(`${path}${key} is ${describe(value)}, expected an id of 1 to 64 letters, digits, "_" or "-"`);
  return value;
}

function oneOf(fields: Fields, key: string, path: string, choices: readonly string[]): void {
  if (!choices.includes(fields[key] as string)) {
    const expected = choices.map((choice) => `"${choice}"`);
    const list = expected.length > 2 ? `${expected.slice(0, -1).join(", ")} or ${expected.at(-1)}` : expected.join(" or ");
    throw new Invalid(`${path}${key} is ${describe(fields[key])}, expected ${list}`);
  }
}

/** Times, durations and rates: finite and not negative. */
function time(fields: Fields, key: string, path: string): number {
  const value = fields[key];
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) throw new Invalid(`${path}${key} is ${describe(value)}, expected a number ≥ 0`);
  return value;
}

function wholeNumber(fields: Fields, key: string, path: string, minimum: number): number {
  const value = fields[key];
  if (!Number.isSafeInteger(value) || (value as number) < minimum) {
    throw new Invalid(`${path}${key} is ${describe(value)}, expected a whole number ≥ ${minimum}`);
  }
  return value as number;
}

function describe(value: unknown): string {
  if (value === undefined) return "missing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === "object") return "an object";
  return typeof value === "number" || typeof value === "boolean" ? String(value) : typeof value;
}

/** Over the cap in UTF-8, encoding only when the length alone does not settle it (1 to 3 bytes per UTF-16 unit). */
function isTooLarge(text: string): boolean {
  if (text.length > MAX_CONVERSATION_BYTES) return true;
  if (text.length * 3 <= MAX_CONVERSATION_BYTES) return false;
  return new TextEncoder().encode(text).length > MAX_CONVERSATION_BYTES;
}
