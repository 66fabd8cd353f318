// A conversation as Hearth keeps it on disk (one JSON file each) and exports it. Plain data:
// no VS Code, no Node APIs, so the store, the prompt builder and the tests share it.
import type { AnswerUsage, ContextChip, MessageStatus } from "../shared/chatProtocol";

/** Written into every file; a file with another format name is not a Hearth conversation. */
export const CONVERSATION_FORMAT = "hearth.conversation";
/** Raised when the layout changes; a file with a newer version is refused on import, never half-read. */
export const CONVERSATION_FORMAT_VERSION = 1;

/** Code or a file attached to a question, with the text that was sent. */
export interface StoredContext extends ContextChip {
  /** Absolute path or URI string of the file it came from, when it came from one. */
  readonly source?: string;
  /** VS Code language id, for the fence in the prompt. */
  readonly language?: string;
  readonly text: string;
}

export interface StoredMessage {
  readonly id: string;
  readonly role: "user" | "assistant";
  readonly text: string;
  readonly status: MessageStatus;
  /** Milliseconds since the epoch. */
  readonly createdAt: number;
  readonly context?: readonly StoredContext[];
  readonly usage?: AnswerUsage;
  /** Why an answer failed (its text so far is kept). */
  readonly error?: string;
  /** The setting that fixes that failure, when one does (the view offers to open it). */
  readonly errorSetting?: string;
  /** How the answer ended, when worth saying ("cut at the 2,048-token limit"). */
  readonly note?: string;
  /** What was left out of the prompt to fit the context window. */
  readonly leftOut?: string;
}

export interface Conversation {
  readonly format: typeof CONVERSATION_FORMAT;
  readonly version: number;
  readonly id: string;
  readonly title: string;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly messages: readonly StoredMessage[];
}

/** A title from the first question: its first line, shortened. */
export function titleFrom(text: string): string {
  const line = text.trim().split("\n")[0]?.trim() ?? "";
  if (!line) return "New conversation";
  return line.length > 60 ? `${line.slice(0, 57).trimEnd()}…` : line;
}

/** Conversation and message ids: short and plain, since a conversation's id is its file name. */
export const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export function isValidId(value: unknown): value is string {
  return typeof value === "string" && ID_PATTERN.test(value);
}

/**
 * A fresh id: `prefix`, the time in base 36 (zero-padded, so ids of one kind sort by creation) and
 * 48 random bits, so ids made in two windows in the same millisecond differ. Web Crypto: works in
 * Node and in webviews.
 */
export function newId(prefix = ""): string {
  const random = Array.from(crypto.getRandomValues(new Uint8Array(6)), (byte) => byte.toString(16).padStart(2, "0")).join("");
  return `${prefix}${Date.now().toString(36).padStart(9, "0")}${random}`;
}
