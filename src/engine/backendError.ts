// Errors every backend throws, with a code the UI can act on and a message that says what
// happened and what to do. A generation cut short keeps the text produced so far.

export type BackendErrorCode =
  | "modelMissing"
  | "notGguf"
  | "modelCorrupt"
  | "modelTooLarge"
  | "unknownChatFormat"
  | "infillUnsupported"
  | "toolsUnsupported"
  | "workerCrashLoop"
  | "busy"
  | "workerCrashed"
  | "serverUnreachable"
  | "modelNotFound"
  | "badResponse"
  | "streamCut"
  | "unauthorized"
  | "cancelled"
  | "internal";

export class BackendError extends Error {
  constructor(
    readonly code: BackendErrorCode,
    message: string,
    /** Text generated before the failure; the caller keeps it. */
    readonly partialText = "",
    /** The setting that fixes it, when one does (the UI offers to open it). */
    readonly setting?: string,
  ) {
    super(message);
    this.name = "BackendError";
  }
}

/** The abort reason Hearth uses; backends recognise it to end a generation quietly. */
export function isAbortError(error: unknown): boolean {
  return error instanceof Error && (error.name === "AbortError" || error.name === "TimeoutError");
}
