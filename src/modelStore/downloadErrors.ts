// Every way a model download can fail, as one typed error whose `reason` callers switch on and whose
// message names the model and says what to do. The messages are written here, once, so the Models
// view, the notifications and the tests all show the same words.
import { STATUS_CODES } from "node:http";
import { formatBytes } from "./modelFiles";

export type DownloadFailure =
  | "notFound"
  | "unauthorized"
  | "connection"
  | "stalled"
  | "rateLimited"
  | "serverBusy"
  | "checksum"
  | "diskFull"
  | "notGguf"
  | "notWritable"
  | "badName"
  | "alreadyInstalled"
  | "alreadyDownloading"
  | "http"
  | "unexpected"
  | "cancelled";

export class ModelDownloadError extends Error {
  /** True when setting a Hugging Face token is the fix the message points at (a button can offer it). */
  readonly tokenHelps: boolean;

  constructor(
    readonly reason: DownloadFailure,
    /** The model as the user knows it (its display name or file name). */
    readonly modelName: string,
    message: string,
    options?: { cause?: unknown; tokenHelps?: boolean },
  ) {
    super(message, options);
    this.name = "ModelDownloadError";
    this.tokenHelps = options?.tokenHelps ?? reason === "unauthorized";
  }
}

const TOKEN_COMMAND = '"Hearth: Set Hugging Face Token"';

/** Message builders, one per failure; `model` is the name the user picked. */
export const downloadFailures = {
  repoNotFound: (model: string, repo: string) =>
    new ModelDownloadError("notFound", model, `Can't download ${model}: the Hugging Face repository ${repo} does not exist, or is private. Check the name, or pick another model; if it is private and yours, set a token with ${TOKEN_COMMAND}.`),

  fileNotFound: (model: string, repo: string, file: string) =>
    new ModelDownloadError("notFound", model, `Can't download ${model}: the repository ${repo} has no file ${file} (404). It may have been renamed or removed; search the repository again.`),

  unauthorized: (model: string, repo: string, status: number, hadToken: boolean) =>
    new ModelDownloadError(
      "unauthorized",
      model,
      hadToken
        ? `Hugging Face refused your token for ${model} (${repo}, HTTP ${status}). Accept the model's licence on its Hugging Face page, and check that the token may read it; to change it, run ${TOKEN_COMMAND}.`
        : `${model} is in a gated or private repository (${repo}, HTTP ${status}). Accept its licence on its Hugging Face page, then set a Hugging Face token with ${TOKEN_COMMAND} and download again.`,
    ),

  connection: (model: string, host: string, attempts: number, haveBytes: number, cause: unknown) =>
    new ModelDownloadError(
      "connection",
      model,
      `Downloading ${model} failed: the connection to ${host} dropped ${attempts} time${attempts === 1 ? "" : "s"} in a row (${describe(cause)}). Check your network or proxy and download again: it resumes from ${formatBytes(haveBytes)}.`,
      { cause },
    ),

  /** The hub kept answering 429: too many requests from this address (or this token) for now. */
  rateLimited: (model: string, host: string, hadToken: boolean, haveBytes: number) =>
    new ModelDownloadError(
      "rateLimited",
      model,
      hadToken
        ? `Hugging Face (${host}) answered 429 Too Many Requests to the download of ${model}: your token has reached its rate limit for now. Wait a few minutes and download again${resumesFrom(haveBytes)}.`
        : `Hugging Face (${host}) answered 429 Too Many Requests to the download of ${model}: downloads without a token are rate limited. Set a Hugging Face token with ${TOKEN_COMMAND} (signed-in downloads get a higher limit), or wait a few minutes, then download again${resumesFrom(haveBytes)}.`,
      { tokenHelps: !hadToken },
    ),

  /** The hub or its CDN kept answering 5xx: it is down or overloaded, nothing to fix here. */
  serverBusy: (model: string, host: string, status: number, attempts: number, haveBytes: number) =>
    new ModelDownloadError(
      "serverBusy",
      model,
      `Hugging Face (${host}) answered ${status} ${STATUS_CODES[status] ?? "Server Error"} to the download of ${model}${attempts > 1 ? `, ${attempts} times in a row` : ""}: the server is down or overloaded. Try again later${resumesFrom(haveBytes)}.`,
    ),

  proxyRefused: (model: string, detail: string) =>
    new ModelDownloadError("connection", model, `Can't download ${model}: ${detail}. Check VS Code's proxy settings (http.proxy, and the credentials in it).`),

  stalled: (model: string, host: string, seconds: number, haveBytes: number) =>
    new ModelDownloadError(
      "stalled",
      model,
      `The server ${host} stopped sending ${model}: no data for ${seconds} s, several times in a row. Check your network or proxy and download again: it resumes from ${formatBytes(haveBytes)}.`,
    ),

  checksum: (model: string, file: string, damage: string) =>
    new ModelDownloadError("checksum", model, `${file} of ${model} arrived damaged: ${damage}. The damaged download was deleted and nothing was installed; download it again.`),

  diskFull: (model: string, folder: string, neededBytes: number) =>
    new ModelDownloadError(
      "diskFull",
      model,
      `The disk holding ${folder} is full; free ${formatBytes(neededBytes)} and download ${model} again (it resumes where it stopped), or choose another models folder in the setting hearth.modelsDirectory.`,
    ),

  notEnoughSpace: (model: string, folder: string, neededBytes: number, freeBytes: number) =>
    new ModelDownloadError(
      "diskFull",
      model,
      `${model} needs ${formatBytes(neededBytes)} more but the disk holding ${folder} has ${formatBytes(freeBytes)} free; free ${formatBytes(neededBytes - freeBytes)} or choose another models folder in the setting hearth.modelsDirectory.`,
    ),

  notGguf: (model: string, repo: string, file: string) =>
    new ModelDownloadError("notGguf", model, `${file} in ${repo} is not a GGUF model file (it does not start with "GGUF"), so ${model} was not installed. Pick a .gguf file from the repository.`),

  notWritable: (model: string, folder: string, cause: unknown) =>
    new ModelDownloadError(
      "notWritable",
      model,
      `Hearth can't write to the models folder ${folder} (${describe(cause)}), so ${model} can't be downloaded. Choose a folder you may write to in the setting hearth.modelsDirectory.`,
      { cause },
    ),

  badName: (model: string, repo: string, hubPath: string, why: string) =>
    new ModelDownloadError("badName", model, `Hearth won't download "${hubPath}" from ${repo}: ${why}. Only plain .gguf file names are written into the models folder.`),

  alreadyInstalled: (model: string, file: string, folder: string) =>
    new ModelDownloadError("alreadyInstalled", model, `A model file named ${file} is already installed in ${folder}. Remove it first to download ${model} again.`),

  alreadyDownloading: (model: string) =>
    new ModelDownloadError("alreadyDownloading", model, `${model} is already being downloaded (here or in another VS Code window).`),

  http: (model: string, host: string, status: number) =>
    new ModelDownloadError("http", model, `Downloading ${model} failed: ${host} answered HTTP ${status}. Try again later.`),

  unexpected: (model: string, cause: unknown) =>
    new ModelDownloadError("unexpected", model, `Downloading ${model} failed: ${describe(cause)}. Try again; what was downloaded is kept.`, { cause }),

  cancelled: (model: string) => new ModelDownloadError("cancelled", model, `The download of ${model} was cancelled; it can be resumed.`),
};

function resumesFrom(haveBytes: number): string {
  return haveBytes > 0 ? `; the download resumes from ${formatBytes(haveBytes)}` : "";
}

function describe(cause: unknown): string {
  if (cause instanceof Error) {
    const code = (cause as NodeJS.ErrnoException).code;
    return code && !cause.message.includes(code) ? `${code}: ${cause.message}` : cause.message;
  }
  return String(cause);
}
