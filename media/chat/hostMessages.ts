// Checks what the host sends before the view acts on it. The host is trusted, but a malformed
// message (an older or newer host, a bug) must be dropped, not half-rendered or crash the view.
import {
  type AnswerUsage,
  CHAT_VIEW_COMMANDS,
  type ChatAction,
  type ChatMessageView,
  type ChatStatus,
  type ChatViewCommand,
  type ContextChip,
  type ConversationSummary,
  type ConversationView,
  type EngineActivity,
  type HostToWebview,
} from "../../src/shared/chatProtocol";

type Check<T> = (value: unknown) => value is T;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
const isString = (value: unknown): value is string => typeof value === "string";
const isNumber = (value: unknown): value is number => typeof value === "number" && Number.isFinite(value);
const optional =
  <T>(check: Check<T>): Check<T | undefined> =>
  (value): value is T | undefined =>
    value === undefined || check(value);
const arrayOf =
  <T>(check: Check<T>): Check<readonly T[]> =>
  (value): value is readonly T[] =>
    Array.isArray(value) && value.every(check);

/** An object whose listed fields pass their checks (other fields are ignored). */
function shape<T>(fields: { readonly [K in keyof T]-?: Check<T[K]> }): Check<T> {
  return (value): value is T =>
    isRecord(value) && Object.entries<Check<unknown>>(fields).every(([key, check]) => check(value[key]));
}

const isCommand = (value: unknown): value is ChatViewCommand => (CHAT_VIEW_COMMANDS as readonly unknown[]).includes(value);
const isAction = shape<ChatAction>({ label: isString, command: isCommand, argument: optional(isString) });
const isProblem = shape<{ message: string; actions: readonly ChatAction[] }>({ message: isString, actions: arrayOf(isAction) });
const isStatus = shape<ChatStatus>({
  backend: isString,
  model: optional(isString),
  details: arrayOf(shape<{ label: string; value: string }>({ label: isString, value: isString })),
  problem: optional(isProblem),
  notice: optional(isString),
});
const isChip = shape<ContextChip>({
  id: isString,
  kind: (value): value is ContextChip["kind"] => value === "selection" || value === "file",
  label: isString,
  detail: optional(isString),
});
const isUsage = shape<AnswerUsage>({
  model: isString,
  backend: isString,
  promptTokens: isNumber,
  reusedPromptTokens: isNumber,
  completionTokens: isNumber,
  timeToFirstTokenMs: isNumber,
  tokensPerSecond: isNumber,
});
const isMessage = shape<ChatMessageView>({
  id: isString,
  role: (value): value is ChatMessageView["role"] => value === "user" || value === "assistant",
  text: isString,
  status: (value): value is ChatMessageView["status"] =>
    value === "complete" || value === "streaming" || value === "stopped" || value === "failed",
  context: optional(arrayOf(isChip)),
  usage: optional(isUsage),
  error: optional(isProblem),
  leftOut: optional(isString),
  note: optional(isString),
});
const isConversation = shape<ConversationView>({ id: isString, title: isString, messages: arrayOf(isMessage) });
const isSummary = shape<ConversationSummary>({ id: isString, title: isString, updatedAt: isNumber, messageCount: isNumber });
const isActivity = (value: unknown): value is EngineActivity =>
  isRecord(value) &&
  (value.kind === "idle" ||
    (value.kind === "loading" && isString(value.model) && optional(isNumber)(value.progress)));

type Fields<K extends HostToWebview["type"]> = Omit<Extract<HostToWebview, { type: K }>, "type">;

const HOST_MESSAGE_CHECKS: { readonly [K in HostToWebview["type"]]: Check<Fields<K>> } = {
  status: shape<Fields<"status">>({ status: isStatus }),
  conversation: shape<Fields<"conversation">>({ conversation: isConversation }),
  messageAdded: shape<Fields<"messageAdded">>({ conversationId: isString, message: isMessage }),
  answerChunk: shape<Fields<"answerChunk">>({ conversationId: isString, messageId: isString, text: isString }),
  messageUpdated: shape<Fields<"messageUpdated">>({ conversationId: isString, message: isMessage }),
  context: shape<Fields<"context">>({ chips: arrayOf(isChip) }),
  history: shape<Fields<"history">>({ conversations: arrayOf(isSummary) }),
  prefill: shape<Fields<"prefill">>({ text: isString }),
  engine: shape<Fields<"engine">>({ activity: isActivity }),
};

/** The message if it is a well-formed HostToWebview message; otherwise undefined. */
export function parseHostMessage(value: unknown): HostToWebview | undefined {
  if (!isRecord(value) || !isString(value.type) || !Object.hasOwn(HOST_MESSAGE_CHECKS, value.type)) return undefined;
  const check = HOST_MESSAGE_CHECKS[value.type as HostToWebview["type"]] as Check<unknown>;
  return check(value) ? (value as HostToWebview) : undefined;
}
