// Ollama's failures, told in the user's terms (the ollama client's error shapes are in
// LIBRARY-NOTES): what happened, and the setting or command that fixes it.
import { BackendError } from "../backendError";
import { infillUnsupportedError } from "../fim/chooseFimFormat";
import { describeNetworkError } from "../networkErrors";
import { CHAT_MODEL_SETTING, OLLAMA_HOST_SETTING } from "../settingNames";

/** `setting` names the model the request was for; `partialText` is what was generated before the failure. */
export function explainOllamaError(error: unknown, host: string, model: string, partialText: string, setting = CHAT_MODEL_SETTING): BackendError {
  if (error instanceof BackendError) return error; // already told in the user's terms (a refused redirect)
  const status = (error as { status_code?: number }).status_code;
  const message = (error as Error)?.message ?? String(error);
  // Ollama's 400 for a suffix its template for the model cannot place: "<name> does not support insert".
  if (/does not support insert/.test(message)) return infillUnsupportedError(model, "it has no fill-in-the-middle support", "qwen2.5-coder:1.5b-base or starcoder2:3b");
  // Ollama's 400 for tools offered to a model whose template cannot call them: "<name> does not support tools".
  if (/does not support tools/.test(message)) return toolsUnsupportedError(model, partialText);
  // Ollama's own 404 names the model ("model \"x\" not found, try pulling it first"); another
  // server's 404 page at that address means hearth.ollama.host is not an Ollama server.
  if (/not found/.test(message) && /model/.test(message)) {
    return new BackendError("modelNotFound", `Ollama has no model named ${model}. Pull it with \`ollama pull ${model}\`, or select another model in ${setting}.`, partialText, setting);
  }
  if (status === 404) {
    return new BackendError("badResponse", `${host} answered 404 (${message}): is ${OLLAMA_HOST_SETTING} the address of an Ollama server?`, partialText, OLLAMA_HOST_SETTING);
  }
  if (status !== undefined) {
    return new BackendError("badResponse", `Ollama at ${host} answered ${status}: ${message}`, partialText);
  }
  if (error instanceof TypeError && /terminated|other side closed/i.test(message + String((error as { cause?: unknown }).cause))) {
    return new BackendError("streamCut", `Ollama at ${host} closed the connection in the middle of the answer. What it sent is kept; try again.`, partialText);
  }
  if (error instanceof TypeError && /fetch failed/.test(message)) {
    return new BackendError(
      "serverUnreachable",
      `Ollama isn't running at ${host} (${describeNetworkError(error)}); start it with \`ollama serve\`, or set ${OLLAMA_HOST_SETTING} to where it runs.`,
      partialText,
      OLLAMA_HOST_SETTING,
    );
  }
  // An {"error": …} line inside a 200 stream arrives as a plain Error with Ollama's text.
  return new BackendError("badResponse", `Ollama at ${host} reported an error: ${message}`, partialText);
}

export function toolsUnsupportedError(model: string, partialText: string): BackendError {
  return new BackendError(
    "toolsUnsupported",
    `${model} cannot call tools on Ollama (its template has no tool support; \`ollama show ${model}\` lists its capabilities). Choose a model with the "tools" capability, such as qwen2.5-coder or llama3.1, in ${CHAT_MODEL_SETTING}, or ask without tools.`,
    partialText,
    CHAT_MODEL_SETTING,
  );
}
