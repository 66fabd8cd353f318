// From "download these hub files" to a plan with checked local names, and from a verified plan to
// installed files. Putting files in place is the only step that makes a model visible, so it
// happens after every part is verified, last part first, the first part (the one loaded) last.
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { downloadFailures, ModelDownloadError } from "./downloadErrors";
import { localFileName, parseSplitPart, pathInFolder, type HubFileRef } from "./hubFileNames";
import { linkInPlace } from "./linkInPlace";
import { errorCode } from "./modelFiles";
import { deletePartial, partialPath, type DownloadPlan } from "./partialDownloads";

export interface ModelDownloadRequest {
  /** `owner/name` on the hub. */
  readonly repo: string;
  readonly revision?: string;
  /** One file, or every part of a split model. */
  readonly files: readonly HubFileRef[];
  /** How the model is named in messages; the first file's name when absent. */
  readonly name?: string;
  /** Replace an installed file of the same name once the new one is verified. */
  readonly replace?: boolean;
}

/** Checks every hub path and names the plan; throws `badName` for a path Hearth won't write. */
export function planDownload(request: ModelDownloadRequest, folder: string): DownloadPlan {
  const revision = request.revision ?? "main";
  const first = request.files[0]?.path ?? "";
  const name = request.name ?? displayName(first);
  if (request.files.length === 0) throw downloadFailures.badName(name, request.repo, "", "no file was given");
  const files = request.files.map((file) => {
    const checked = localFileName(file.path);
    if (!checked.ok) throw downloadFailures.badName(name, request.repo, file.path, checked.why);
    if (!pathInFolder(folder, checked.fileName)) throw downloadFailures.badName(name, request.repo, file.path, "it would land outside the models folder");
    return { path: file.path, fileName: checked.fileName, size: file.size, sha256: file.sha256?.toLowerCase() };
  });
  const names = new Set(files.map((file) => file.fileName.toLowerCase()));
  if (names.size !== files.length) throw downloadFailures.badName(name, request.repo, first, "two of its files have the same name");
  return { id: `${request.repo}@${revision}/${first}`, name, repo: request.repo, revision, files, replace: request.replace };
}

function displayName(hubPath: string): string {
  const base = hubPath.slice(hubPath.lastIndexOf("/") + 1);
  return parseSplitPart(base) ? `${base.replace(/-\d{5}-of-\d{5}\.gguf$/i, "")}.gguf` : base || "model";
}

/** The installed paths the plan will produce, in the models folder. */
export function destinations(plan: DownloadPlan, folder: string): string[] {
  return plan.files.map((file) => path.join(folder, file.fileName));
}

/**
 * Gives verified partial files their names. Without `replace`, link() refuses a name taken
 * meanwhile where rename() would overwrite it; with `replace`, rename() swaps atomically.
 */
export async function installVerified(plan: DownloadPlan, folder: string): Promise<string[]> {
  const targets = destinations(plan, folder);
  for (const target of [...targets].reverse()) {
    const partial = partialPath(target);
    try {
      if (plan.replace) {
        await fs.rename(partial, target);
      } else {
        await linkInPlace(partial, target);
        await fs.rm(partial, { force: true });
      }
    } catch (error) {
      if (errorCode(error) === "EEXIST") throw downloadFailures.alreadyInstalled(plan.name, path.basename(target), folder);
      throw error instanceof ModelDownloadError ? error : downloadFailures.notWritable(plan.name, folder, error);
    }
    await deletePartial(target);
  }
  return targets;
}

/** Refuses a plan whose files are installed already (unless it replaces them). */
export async function checkNotInstalled(plan: DownloadPlan, folder: string): Promise<void> {
  if (plan.replace) return;
  for (const target of destinations(plan, folder)) {
    const exists = await fs.stat(target).then(
      () => true,
      () => false,
    );
    if (exists) throw downloadFailures.alreadyInstalled(plan.name, path.basename(target), folder);
  }
}
