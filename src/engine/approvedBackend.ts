// A server backend (Ollama, OpenAI-compatible) that asks before it talks to its server: every
// call that can send a request first awaits the approval hook, and a refused server receives
// nothing. The VS Code layer decides (a workspace's own settings pointing off this machine need
// the user's yes); the engine only enforces it.
import { AsyncLocalStorage } from "node:async_hooks";
import type { Backend } from "./backend";
import { BackendError } from "./backendError";
import { untilAborted } from "./untilAborted";
import { BACKEND_SETTING, OLLAMA_HOST_SETTING, OPENAI_BASE_URL_SETTING } from "./settingNames";

export interface ServerToApprove {
  readonly backend: "ollama" | "openai";
  /** The server's origin (scheme, host and port), such as http://10.0.0.5:11434. */
  readonly address: string;
}

export interface ServerVerdict {
  readonly allowed: boolean;
  /** When refused: the workspace settings that chose this server (the error names them). */
  readonly settings?: readonly string[];
}

/** `ask: false`: answer from what the user said before, never with a question (background work). */
export type ApproveServer = (server: ServerToApprove, options: { readonly ask: boolean }) => Promise<ServerVerdict>;

const background = new AsyncLocalStorage<true>();

/**
 * Runs `work` as background work: a server the user has not answered about yet is treated as
 * refused for it instead of asked about (a listing nobody asked for must not open a dialog).
 */
export function withoutAsking<T>(work: () => Promise<T>): Promise<T> {
  return background.run(true, work);
}

/**
 * Members that never send a request (or, unload, only to models an approved request used).
 * Everything else is gated, so a method added to a backend later is gated until listed here.
 */
const UNGATED = new Set<PropertyKey>(["kind", "state", "onDidChangeState", "onDidFinishRequest", "clearError", "dispose", "constructor"]);

/** What a refused call returns instead of throwing, for methods whose contract is "never throws". */
const QUIET_WHEN_REFUSED: ReadonlyMap<PropertyKey, unknown> = new Map<PropertyKey, unknown>([
  ["contextWindow", undefined],
  ["unload", undefined],
]);

/** The setting that holds each backend's address. */
const ADDRESS_SETTING = { ollama: OLLAMA_HOST_SETTING, openai: OPENAI_BASE_URL_SETTING } as const;

/**
 * Wraps `backend` so every gated call awaits `approve(server())` first. A Proxy rather than a
 * class: callers that test `instanceof OllamaBackend` (pull, delete, the Models view) keep
 * working and are gated too. `server()` is read per call (the address setting may change);
 * undefined (an address that does not parse) lets the backend report its own error, which
 * sends nothing.
 */
export function withServerApproval<T extends Backend>(backend: T, server: () => ServerToApprove | undefined, approve: ApproveServer): T {
  const gate = async (signal: AbortSignal | undefined): Promise<{ refused: BackendError } | undefined> => {
    let target: ServerToApprove | undefined;
    try {
      target = server();
    } catch {
      return undefined;
    }
    if (!target) return undefined;
    // A probe with a timeout that ends while the question is open says so, not "the server did not answer".
    const verdict = await untilAborted(approve(target, { ask: background.getStore() !== true }), signal, (aborted) => abortReason(aborted, target.address));
    if (verdict.allowed) return undefined;
    const settings = verdict.settings?.length ? verdict.settings : [BACKEND_SETTING, ADDRESS_SETTING[target.backend]];
    return {
      refused: new BackendError(
        "unauthorized",
        `Hearth sent nothing to ${target.address}: this workspace's settings (${settings.join(", ")}) point Hearth at that server, ` +
          `which is not on this machine, and you did not allow it. To be asked again, run "Hearth: Reset Server Permissions for This Workspace"; ` +
          `to stop using it, remove ${settings.join(" and ")} from the workspace's settings.`,
        "",
        settings[0],
      ),
    };
  };

  return new Proxy(backend, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== "function") return value;
      const method = value as (...args: unknown[]) => unknown;
      if (UNGATED.has(property) || typeof property === "symbol") return method.bind(target);
      return async (...args: unknown[]) => {
        const gated = await gate(args.find((arg): arg is AbortSignal => arg instanceof AbortSignal));
        if (gated) {
          if (QUIET_WHEN_REFUSED.has(property)) return QUIET_WHEN_REFUSED.get(property);
          throw gated.refused;
        }
        return method.apply(target, args);
      };
    },
  });
}

/** The signal's own reason (callers recognise their abort), except a timeout, which says why nothing was sent. */
function abortReason(signal: AbortSignal, address: string): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error && reason.name === "TimeoutError") {
    return new BackendError("unauthorized", `Hearth is waiting for your answer: may it send requests to ${address}? Nothing was sent yet.`);
  }
  return reason instanceof Error ? reason : new DOMException("The request was cancelled.", "AbortError");
}
