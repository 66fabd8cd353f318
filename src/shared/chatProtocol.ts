// The messages between the chat view's webview (media/chat) and the extension host. Both sides
// import this file; nothing else crosses that boundary. No VS Code and no Node APIs here.
// Every message from the webview is checked by `parseWebviewMessage` before the host acts on it:
// a webview is a browser page showing model output, so its messages are treated as untrusted.

/** Commands the webview may ask the host to run; the host refuses any other. */
export const CHAT_VIEW_COMMANDS = [
  "hearth.selectModel",
  "hearth.installModel",
  "hearth.showLog",
  "hearth.openSettings",
  "hearth.showModelsView",
] as const;
export type ChatViewCommand = (typeof CHAT_VIEW_COMMANDS)[number];

export interface ChatAction {
  readonly label: string;
  readonly command: ChatViewCommand;
  /** For hearth.openSettings: the setting to show. */
  readonly argument?: string;
}

/** What the chat view shows about the backend before (and while) a conversation runs. */
export interface ChatStatus {
  /** "llama.cpp (on this machine)", "Ollama at http://…", … */
  readonly backend: string;
  /** The chat model's name, when one is chosen. */
  readonly model?: string;
  /** Facts worth knowing: size, GPU layers, context size, where the server is. */
  readonly details: ReadonlyArray<{ readonly label: string; readonly value: string }>;
  /** What is missing or wrong, and what to do about it. Absent when ready to chat. */
  readonly problem?: { readonly message: string; readonly actions: readonly ChatAction[] };
  /** Said when code would leave this machine (a server that is not on loopback). */
  readonly notice?: string;
}

/** What one answer cost, shown under it. */
export interface AnswerUsage {
  readonly model: string;
  /** "llama.cpp", "Ollama", "OpenAI-compatible server". */
  readonly backend: string;
  readonly promptTokens: number;
  /** Prompt tokens served from the KV cache instead of being evaluated again. */
  readonly reusedPromptTokens: number;
  readonly completionTokens: number;
  readonly timeToFirstTokenMs: number;
  readonly tokensPerSecond: number;
}

/** Code or files attached to a question. */
export interface ContextChip {
  readonly id: string;
  readonly kind: "selection" | "file";
  /** "example.ts:3-9", "example.ts". */
  readonly label: string;
  /** Full path and what it holds, for the hover. */
  readonly detail?: string;
}

/**
 * streaming: text still arriving; complete: ended normally; stopped: the user stopped it;
 * failed: cut off by an error (the text so far is kept and `error` says why).
 */
export type MessageStatus = "complete" | "streaming" | "stopped" | "failed";

export interface ChatMessageView {
  readonly id: string;
  readonly role: "user" | "assistant";
  readonly text: string;
  readonly status: MessageStatus;
  /** User messages: the context that went with them. */
  readonly context?: readonly ContextChip[];
  /** Assistant messages: what the answer cost. */
  readonly usage?: AnswerUsage;
  /** Assistant messages that failed: what happened and what to do (Retry is always offered). */
  readonly error?: { readonly message: string; readonly actions: readonly ChatAction[] };
  /** Assistant messages: what was left out of the prompt to fit the model's context window. */
  readonly leftOut?: string;
  /** Assistant messages: a remark on how the answer ended, such as "cut at the 2,048-token limit". */
  readonly note?: string;
}

export interface ConversationView {
  readonly id: string;
  readonly title: string;
  readonly messages: readonly ChatMessageView[];
}

export interface ConversationSummary {
  readonly id: string;
  readonly title: string;
  /** Milliseconds since the epoch. */
  readonly updatedAt: number;
  readonly messageCount: number;
}

/** The engine's state as the conversation needs it: a model loading shows its progress. */
export type EngineActivity = { readonly kind: "idle" } | { readonly kind: "loading"; readonly model: string; readonly progress?: number };

export type CodeAction = "copy" | "insert" | "apply" | "newFile";
export const CODE_ACTIONS: readonly CodeAction[] = ["copy", "insert", "apply", "newFile"];

export type HostToWebview =
  | { readonly type: "status"; readonly status: ChatStatus }
  /** Replaces the whole conversation shown (opened, new, after an edit, or the view shown again). */
  | { readonly type: "conversation"; readonly conversation: ConversationView }
  /** A message added at the end of the conversation shown. */
  | { readonly type: "messageAdded"; readonly conversationId: string; readonly message: ChatMessageView }
  /** More text of a streaming answer, to append. */
  | { readonly type: "answerChunk"; readonly conversationId: string; readonly messageId: string; readonly text: string }
  /** A message changed as a whole (an answer ended: its status, usage, error). */
  | { readonly type: "messageUpdated"; readonly conversationId: string; readonly message: ChatMessageView }
  /** The context that goes with the next question. */
  | { readonly type: "context"; readonly chips: readonly ContextChip[] }
  /** The stored conversations, newest first. */
  | { readonly type: "history"; readonly conversations: readonly ConversationSummary[] }
  /** Puts text into the question box (from "Hearth: Explain" and the like) and focuses it. */
  | { readonly type: "prefill"; readonly text: string }
  | { readonly type: "engine"; readonly activity: EngineActivity };

export type WebviewToHost =
  | { readonly type: "ready" }
  | { readonly type: "runCommand"; readonly command: ChatViewCommand; readonly argument?: string }
  | { readonly type: "send"; readonly text: string }
  | { readonly type: "stop" }
  /** Asks again for the last answer (also "Retry" after a failure). */
  | { readonly type: "regenerate" }
  /** Replaces the user message `messageId` by `text`, drops what followed it, and asks again. */
  | { readonly type: "editAndResend"; readonly messageId: string; readonly text: string }
  | { readonly type: "newConversation" }
  | { readonly type: "showHistory" }
  | { readonly type: "openConversation"; readonly id: string }
  | { readonly type: "renameConversation"; readonly id: string }
  | { readonly type: "deleteConversation"; readonly id: string }
  | { readonly type: "exportConversation"; readonly format: "markdown" | "json" }
  | { readonly type: "importConversation" }
  | { readonly type: "removeContext"; readonly id: string }
  /** Opens the file picker (also typed as `#file` in the question box). */
  | { readonly type: "addFileContext" }
  | { readonly type: "codeAction"; readonly action: CodeAction; readonly code: string; readonly language?: string }
  /** A link in an answer was clicked: the host opens http(s) links outside the webview. */
  | { readonly type: "openLink"; readonly href: string };

type FieldRule = (value: unknown) => boolean;
const isString: FieldRule = (value) => typeof value === "string";
const isOptionalString: FieldRule = (value) => value === undefined || typeof value === "string";
/** Ids are short and plain: they end up in file names. */
const isId: FieldRule = (value) => typeof value === "string" && /^[A-Za-z0-9_-]{1,64}$/.test(value);
const oneOf =
  (choices: readonly unknown[]): FieldRule =>
  (value) =>
    choices.includes(value);

/** Each message type's fields and their rules; a message with another field or type is refused. */
const WEBVIEW_MESSAGE_FIELDS: { readonly [K in WebviewToHost["type"]]: Readonly<Record<string, FieldRule>> } = {
  ready: {},
  runCommand: { command: oneOf(CHAT_VIEW_COMMANDS), argument: isOptionalString },
  send: { text: isString },
  stop: {},
  regenerate: {},
  editAndResend: { messageId: isId, text: isString },
  newConversation: {},
  showHistory: {},
  openConversation: { id: isId },
  renameConversation: { id: isId },
  deleteConversation: { id: isId },
  exportConversation: { format: oneOf(["markdown", "json"]) },
  importConversation: {},
  removeContext: { id: isId },
  addFileContext: {},
  codeAction: { action: oneOf(CODE_ACTIONS), code: isString, language: isOptionalString },
  openLink: { href: isString },
};

/** The message if it is one the protocol allows, with every field of the right type; otherwise undefined. */
export function parseWebviewMessage(value: unknown): WebviewToHost | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const message = value as Record<string, unknown>;
  const type = message.type;
  if (typeof type !== "string" || !Object.hasOwn(WEBVIEW_MESSAGE_FIELDS, type)) return undefined;
  const fields = WEBVIEW_MESSAGE_FIELDS[type as WebviewToHost["type"]];
  for (const key of Object.keys(message)) if (key !== "type" && !Object.hasOwn(fields, key)) return undefined;
  for (const [key, rule] of Object.entries(fields)) if (!rule(message[key])) return undefined;
  // Only Open Settings takes an argument, and only the name of one of Hearth's settings.
  if (type === "runCommand" && message.argument !== undefined) {
    if (message.command !== "hearth.openSettings" || !/^hearth\.[\w.]+$/.test(message.argument as string)) return undefined;
  }
  return message as WebviewToHost;
}

/** Whether `value` is a message the protocol allows. */
export function isWebviewToHost(value: unknown): value is WebviewToHost {
  return parseWebviewMessage(value) !== undefined;
}
