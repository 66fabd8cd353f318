// Gives a complete file its final name without ever replacing one: link() fails if a file of that
// name appeared meanwhile, where rename() would silently overwrite it. File systems without hard
// links (exFAT, some network shares) get rename() after a last check, the best there is.
import { promises as fs } from "node:fs";
import { errorCode } from "./modelFiles";

/** Links `source` at `target` (the caller removes `source`); fails with code EEXIST when `target` exists. */
export async function linkInPlace(source: string, target: string): Promise<void> {
  try {
    await fs.link(source, target);
  } catch (error) {
    if (!isNoHardLinks(error)) throw error;
    if (await fileExists(target)) throw Object.assign(new Error(`${target} exists`), { code: "EEXIST" });
    await fs.rename(source, target);
  }
}

/** The error a file system without hard links gives for link(). */
export function isNoHardLinks(error: unknown): boolean {
  return ["EPERM", "ENOTSUP", "EOPNOTSUPP", "ENOSYS"].includes(errorCode(error) ?? "");
}

export async function fileExists(filePath: string): Promise<boolean> {
  try {
    await fs.access(filePath);
    return true;
  } catch {
    return false;
  }
}
