// Partial downloads on disk, under stable names next to where the model will land:
//   <file>.gguf.partial       the bytes so far (never ends in .gguf, so never listed as installed)
//   <file>.gguf.partial.json  what they are: the model's plan, the URL, size, SHA-256, ETag
//   <file>.gguf.partial.lock  the process writing them (another window must not append too; downloadLock.ts)
// The record is enough to resume after a cancel, a window reload or a crash, in a new process.
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { localFileName, pathInFolder } from "./hubFileNames";
import { errorCode } from "./modelFiles";

export interface PlannedFile {
  /** Path in the repository. */
  readonly path: string;
  /** Checked base name it lands under in the models folder. */
  readonly fileName: string;
  readonly size?: number;
  readonly sha256?: string;
}

/** One model to download: all its files (the parts of a split model, in order). */
export interface DownloadPlan {
  readonly id: string;
  readonly name: string;
  readonly repo: string;
  readonly revision: string;
  readonly files: readonly PlannedFile[];
  /** Replace an installed file of the same name (only ever by a verified download). */
  readonly replace?: boolean;
}

export interface PartialRecord {
  readonly version: 1;
  readonly plan: DownloadPlan;
  readonly url: string;
  readonly fileName: string;
  readonly size?: number;
  readonly sha256?: string;
  /** The server's identity for the bytes (the hub's X-Linked-ETag, else the ETag), checked on resume. */
  readonly etag?: string;
}

export interface PartialDownload {
  readonly plan: DownloadPlan;
  readonly receivedBytes: number;
  /** Undefined until every file's size is known. */
  readonly totalBytes: number | undefined;
}

export const partialPath = (destination: string) => `${destination}.partial`;
const recordPath = (destination: string) => `${destination}.partial.json`;

export async function readPartialRecord(destination: string): Promise<PartialRecord | undefined> {
  try {
    const record = JSON.parse(await fs.readFile(recordPath(destination), "utf8")) as PartialRecord;
    if (record.version !== 1 || !(record.plan?.files?.length > 0)) return undefined;
    // A record is data on disk, not trusted: each name must still be a plain .gguf name in this folder.
    const folder = path.dirname(destination);
    const named = record.plan.files.every((file) => {
      const checked = typeof file.fileName === "string" ? localFileName(file.fileName) : undefined;
      return checked?.ok === true && checked.fileName === file.fileName && pathInFolder(folder, file.fileName) !== undefined;
    });
    return named ? record : undefined;
  } catch {
    return undefined; // missing or garbled: the bytes can't be trusted to resume from
  }
}

/** Written to a temporary name and renamed, so a crash never leaves half a record. */
export async function writePartialRecord(destination: string, record: PartialRecord): Promise<void> {
  const temporary = `${recordPath(destination)}.tmp`;
  await fs.writeFile(temporary, JSON.stringify(record, null, 1));
  await fs.rename(temporary, recordPath(destination));
}

/** Removes a file's partial bytes and record (not its lock: the writer holds that). */
export async function deletePartial(destination: string): Promise<void> {
  await Promise.all([fs.rm(partialPath(destination), { force: true }), fs.rm(recordPath(destination), { force: true })]);
}

export async function partialSize(destination: string): Promise<number> {
  try {
    return (await fs.stat(partialPath(destination))).size;
  } catch (error) {
    if (errorCode(error) === "ENOENT") return 0;
    throw error;
  }
}

/** The partial downloads in `folder`, one per model, whatever process started them. */
export async function listPartialDownloads(folder: string): Promise<PartialDownload[]> {
  let names: string[];
  try {
    names = await fs.readdir(folder);
  } catch (error) {
    if (errorCode(error) === "ENOENT") return [];
    throw error;
  }
  const plans = new Map<string, DownloadPlan>();
  for (const name of names.filter((entry) => entry.endsWith(".partial.json"))) {
    const record = await readPartialRecord(path.join(folder, name.slice(0, -".partial.json".length)));
    if (record && !plans.has(record.plan.id)) plans.set(record.plan.id, record.plan);
  }
  const downloads: PartialDownload[] = [];
  for (const plan of plans.values()) {
    let receivedBytes = 0;
    let totalBytes: number | undefined = 0;
    for (const file of plan.files) {
      const destination = path.join(folder, file.fileName);
      receivedBytes += await partialSize(destination);
      const size = file.size ?? (await readPartialRecord(destination))?.size;
      totalBytes = size === undefined || totalBytes === undefined ? undefined : totalBytes + size;
    }
    downloads.push({ plan, receivedBytes, totalBytes });
  }
  return downloads.sort((a, b) => a.plan.name.localeCompare(b.plan.name));
}

/** Removes every file a plan's download left, in `folder`. */
export async function removePartialDownload(folder: string, plan: DownloadPlan): Promise<void> {
  await Promise.all(plan.files.map((file) => deletePartial(path.join(folder, file.fileName))));
}
