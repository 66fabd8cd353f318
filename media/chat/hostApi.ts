// The webview's side of the VS Code API: messages to the host, and the little state kept while
// the view is hidden (the host keeps the conversation itself and sends it again after `ready`).
import type { WebviewToHost } from "../../src/shared/chatProtocol";

export type PostToHost = (message: WebviewToHost) => void;

/** What survives the view being hidden: the question being typed, and the message being edited. */
export interface DraftState {
  readonly draft: string;
  readonly editingMessageId?: string;
}

export interface DraftStore {
  load(): DraftState | undefined;
  save(state: DraftState): void;
}

interface VsCodeApi {
  postMessage(message: WebviewToHost): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

export function connectToHost(): { readonly post: PostToHost; readonly drafts: DraftStore } {
  const api = acquireVsCodeApi();
  return {
    post: (message) => api.postMessage(message),
    drafts: {
      load: () => parseDraftState(api.getState()),
      save: (state) => api.setState(state),
    },
  };
}

export function parseDraftState(value: unknown): DraftState | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const { draft, editingMessageId } = value as Record<string, unknown>;
  if (typeof draft !== "string") return undefined;
  return typeof editingMessageId === "string" ? { draft, editingMessageId } : { draft };
}
