// Copies a GGUF file from elsewhere on disk into the models folder. The copy is written under a
// temporary name and put in place only when complete, so a full disk or a failed copy never
// leaves a half-written model where a good one is expected.
import { randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { fileExists, linkInPlace } from "../modelStore/linkInPlace";
import { checkModelFile, errorCode, formatBytes } from "../modelStore/modelFiles";

export class InstallError extends Error {}

/**
 * Copies `source` into `modelsDirectory` and returns the installed path. `copy` is the byte
 * copier (a parameter so tests can make it fail half-way, as a full disk would).
 */
export async function installModelFile(
  source: string,
  modelsDirectory: string,
  copy: (from: string, to: string) => Promise<void> = fs.copyFile,
): Promise<string> {
  const check = await checkModelFile(source);
  if (!check.ok) throw new InstallError(check.message);

  const target = path.join(modelsDirectory, path.basename(source));
  if (path.resolve(source) === path.resolve(target)) return target; // already in the folder
  if (await fileExists(target)) {
    throw new InstallError(
      `A model named ${path.basename(source)} is already installed in ${modelsDirectory}. Remove it first to replace it.`,
    );
  }

  await fs.mkdir(modelsDirectory, { recursive: true });
  const partial = `${target}.${randomBytes(4).toString("hex")}.partial`;
  try {
    await copy(source, partial);
    await linkInPlace(partial, target);
  } catch (error) {
    if (errorCode(error) === "EEXIST") {
      throw new InstallError(`A model named ${path.basename(source)} was installed in ${modelsDirectory} meanwhile; nothing was changed.`);
    }
    if (errorCode(error) === "ENOSPC") {
      throw new InstallError(
        `There is not enough free disk space in ${modelsDirectory} for ${path.basename(source)} (${formatBytes(check.sizeBytes)}). Free some space and try again; nothing was changed.`,
      );
    }
    throw new InstallError(`Copying ${source} into ${modelsDirectory} failed: ${(error as Error).message}. Nothing was changed.`);
  } finally {
    await fs.rm(partial, { force: true });
  }
  return target;
}
