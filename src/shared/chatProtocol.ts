// The messages between the chat view's webview (media/chat) and the extension host. Both sides
// import this file; nothing else crosses that boundary. No VS Code and no Node APIs here.

/** Commands the webview may ask the host to run; the host refuses any other. */
export const CHAT_VIEW_COMMANDS = [
  "hearth.selectModel",
  "hearth.installModel",
  "hearth.showLog",
  "hearth.openSettings",
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

export type HostToWebview = { readonly type: "status"; readonly status: ChatStatus };

export type WebviewToHost =
  | { readonly type: "ready" }
  | { readonly type: "runCommand"; readonly command: ChatViewCommand; readonly argument?: string };

export function isWebviewToHost(value: unknown): value is WebviewToHost {
  if (typeof value !== "object" || value === null) return false;
  const message = value as Record<string, unknown>;
  if (message.type === "ready") return true;
  return (
    message.type === "runCommand" &&
    CHAT_VIEW_COMMANDS.includes(message.command as ChatViewCommand) &&
    (message.argument === undefined || typeof message.argument === "string")
  );
}
