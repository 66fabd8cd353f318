// An OpenAI-compatible server's failures, told in the user's terms: what happened, and the
// setting or server option that fixes it.
import { BackendError } from "../backendError";
import { describeNetworkError } from "../networkErrors";
import { CHAT_MODEL_SETTING, OPENAI_BASE_URL_SETTING } from "../settingNames";

export interface FailedRequest {
  readonly baseUrl: string;
  readonly url: string;
  readonly model: string;
  /** The setting that names the model, for a 404. */
  readonly setting: string;
  /** Whether the request offered tools (a refusal that mentions them is then about tools). */
  readonly toolsOffered: boolean;
}

/** The error for a response that is not 2xx; `detail` is its body. */
export function errorForStatus(status: number, detail: string, statusText: string, request: FailedRequest): BackendError {
  const { baseUrl, url, model, setting } = request;
  const message = extractErrorMessage(detail) || statusText;
  if (status === 401 || status === 403) {
    return new BackendError("unauthorized", `The server at ${baseUrl} refused the request (${status}: ${message}). Set its API key with "Hearth: Set API Key for OpenAI-compatible Server".`, "", OPENAI_BASE_URL_SETTING);
  }
  if (status === 404) {
    const named = model ? ` The model is set in ${setting}.` : "";
    return new BackendError("modelNotFound", `The server at ${baseUrl} answered 404 for ${new URL(url).pathname}${model ? ` (model ${model})` : ""}: ${message}${named}`, "", setting);
  }
  if (request.toolsOffered && refusesTools(status, message)) {
    return new BackendError(
      "toolsUnsupported",
      `The server at ${baseUrl} cannot call tools with ${model} (${status}: ${message}). Start llama-server with --jinja, vLLM with --enable-auto-tool-choice and --tool-call-parser, or choose a model that can call tools in ${CHAT_MODEL_SETTING}.`,
      "",
      CHAT_MODEL_SETTING,
    );
  }
  return new BackendError("badResponse", `The server at ${baseUrl} answered ${status}: ${message}`);
}

/**
 * A refusal of the `tools` field itself, not of a request that happens to have one: llama-server
 * without --jinja answers 500 "tools param requires --jinja flag", vLLM without tool parsing 400
 * "\"auto\" tool choice requires --enable-auto-tool-choice…", Ollama 400 "… does not support tools".
 */
function refusesTools(status: number, message: string): boolean {
  return [400, 422, 500, 501].includes(status) && /tool/i.test(message) && /not support|unsupported|jinja|enable-auto-tool-choice|not allowed|unrecogni[sz]ed/i.test(message);
}

/** A failure that is not an HTTP status: the connection, the stream, or what came through it. */
export function explainFailure(error: unknown, baseUrl: string, model: string, partialText: string): BackendError {
  if (error instanceof BackendError) return new BackendError(error.code, error.message, partialText || error.partialText, error.setting);
  const message = (error as Error)?.message ?? String(error);
  if (error instanceof SyntaxError) return new BackendError("badResponse", `The server at ${baseUrl} sent something Hearth cannot read: ${message}`, partialText);
  if (error instanceof TypeError && /terminated/.test(message)) {
    return new BackendError("streamCut", `The server at ${baseUrl} closed the connection in the middle of the answer. What it sent is kept; try again.`, partialText);
  }
  if (error instanceof TypeError && /fetch failed/.test(message)) {
    return new BackendError(
      "serverUnreachable",
      `No OpenAI-compatible server answered at ${baseUrl} (${describeNetworkError(error)}). Start the server, or correct ${OPENAI_BASE_URL_SETTING}.`,
      partialText,
      OPENAI_BASE_URL_SETTING,
    );
  }
  return new BackendError("internal", `Request for ${model || "the server"} failed: ${message}`, partialText);
}

/** OpenAI's {"error": {"message": …}}, llama-server's and others' {"error": "…"}, or the text itself. */
function extractErrorMessage(text: string): string {
  try {
    const body = JSON.parse(text) as { error?: string | { message?: string }; message?: string };
    if (typeof body.error === "string") return body.error;
    return body.error?.message ?? body.message ?? text.slice(0, 200);
  } catch {
    return text.slice(0, 200);
  }
}
