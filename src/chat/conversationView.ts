// How stored messages are shown in the Chat view, and what becomes of an answer that was still
// being written when VS Code closed.
import type { ChatAction, ChatMessageView } from "../shared/chatProtocol";
import type { Conversation, StoredMessage } from "./conversation";

/** An answer that was still being written when VS Code closed is shown as interrupted, with Retry. */
export function withoutUnfinished(conversation: Conversation): Conversation {
  if (!conversation.messages.some((message) => message.status === "streaming")) return conversation;
  return {
    ...conversation,
    messages: conversation.messages.map((message) =>
      message.status === "streaming" ? { ...message, status: "failed", error: "Interrupted: this answer was still being written when VS Code closed. What was written is kept." } : message,
    ),
  };
}

/** How a stored message is shown; a failed answer offers the setting that fixes it, when one does. */
export function toView(message: StoredMessage): ChatMessageView {
  const actions: ChatAction[] = [];
  if (message.error && message.errorSetting) actions.push({ label: "Open Setting", command: "hearth.openSettings", argument: message.errorSetting });
  if (message.error) actions.push({ label: "Show Log", command: "hearth.showLog" });
  return {
    id: message.id,
    role: message.role,
    text: message.text,
    status: message.status,
    ...(message.context?.length ? { context: message.context.map(({ id, kind, label, detail }) => ({ id, kind, label, ...(detail ? { detail } : {}) })) } : {}),
    ...(message.usage ? { usage: message.usage } : {}),
    ...(message.error ? { error: { message: message.error, actions } } : {}),
    ...(message.leftOut ? { leftOut: message.leftOut } : {}),
    ...(message.note ? { note: message.note } : {}),
  };
}
