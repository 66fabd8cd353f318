// Turns what goes wrong when llama.cpp opens a model into a BackendError that names the file
// and says what to do. Used inside the worker, before and around node-llama-cpp's loadModel.
import { promises as fs } from "node:fs";
import { BackendError } from "../backendError";
import { checkModelFile, formatBytes } from "../../modelStore/modelFiles";

/**
 * Fails early, with a clear message, for a missing, unreadable or non-GGUF file. The error names
 * no setting: a load is shared by the requests that need the model, and each of them names its
 * own (modelFileError below).
 */
export async function assertModelFileUsable(modelPath: string): Promise<void> {
  const check = await checkModelFile(modelPath);
  if (check.ok) return;
  const code = check.reason === "missing" ? "modelMissing" : check.reason === "notGguf" ? "notGguf" : "modelCorrupt";
  throw new BackendError(code, check.message);
}

/** An error about the model file itself, told to the request whose `setting` named the model. */
export function modelFileError(error: BackendError, setting: string | undefined): BackendError {
  if (!setting || !["modelMissing", "notGguf", "modelCorrupt"].includes(error.code) || error.setting) return error;
  return new BackendError(error.code, `${error.message} The model is set in ${setting}.`, error.partialText, setting);
}

/** The error node-llama-cpp threw while loading, told in the user's terms. */
export async function describeLoadFailure(modelPath: string, error: unknown): Promise<BackendError> {
  const name = (error as Error)?.constructor?.name ?? "";
  const message = (error as Error)?.message ?? String(error);
  if (name === "InvalidGgufMagicError") {
    return new BackendError("notGguf", `The model file ${modelPath} is not a GGUF model. Choose a .gguf file.`);
  }
  if (name === "InsufficientMemoryError") {
    return new BackendError(
      "modelTooLarge",
      `${modelPath} needs more memory than this machine has free (${message}). Lower hearth.llamaCpp.contextSize, or use a smaller model or quantization.`,
      "",
      "hearth.llamaCpp.contextSize",
    );
  }
  let size = "";
  try {
    size = ` (${formatBytes((await fs.stat(modelPath)).size)})`;
  } catch {
    // the size is only a hint
  }
  return new BackendError(
    "modelCorrupt",
    `llama.cpp could not load ${modelPath}${size}: ${message}. The file may be incomplete (a cut download) or damaged, or made for a model architecture this llama.cpp does not know. Download it again, or choose another model.`,
  );
}
