// The GGUF files in Hearth's models folder, and the checks that turn a bad model path into a
// message a person can act on. Plain Node: no VS Code, so unit tests run it directly.
import { promises as fs, type Dirent } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";

export interface ModelFile {
  /** File name, which is also how settings refer to a model in the models folder. */
  readonly name: string;
  readonly path: string;
  readonly sizeBytes: number;
  readonly modified: Date;
}

const GGUF_MAGIC = Buffer.from("GGUF", "ascii");

/**
 * The models folder: the setting (with `~` expanded; a relative path is taken from the home
 * folder, not from wherever the extension host happens to run) or, when empty, Hearth's storage folder.
 */
export function resolveModelsDirectory(setting: string, defaultDirectory: string): string {
  return setting ? path.resolve(os.homedir(), expandHome(setting)) : defaultDirectory;
}

/**
 * Where a model named in settings lives: an absolute path (or `~/…`) as given, otherwise a
 * file name inside the models folder. An empty setting means no model is chosen.
 */
export function resolveModelPath(setting: string, modelsDirectory: string): string | undefined {
  if (!setting) return undefined;
  const expanded = expandHome(setting);
  return path.isAbsolute(expanded) ? expanded : path.join(modelsDirectory, expanded);
}

/** How a model is written into settings: its file name when it is in the models folder, else its path. */
export function modelSettingValue(modelPath: string, modelsDirectory: string): string {
  return path.dirname(path.resolve(modelPath)) === path.resolve(modelsDirectory)
    ? path.basename(modelPath)
    : modelPath;
}

function expandHome(value: string): string {
  return value === "~" || value.startsWith("~/") ? path.join(os.homedir(), value.slice(1)) : value;
}

/** The `.gguf` files directly in `directory`, by name. A folder that does not exist yet has none. */
export async function listModelFiles(directory: string): Promise<ModelFile[]> {
  let entries: Dirent[];
  try {
    entries = await fs.readdir(directory, { withFileTypes: true });
  } catch (error) {
    if (errorCode(error) === "ENOENT") return [];
    throw error;
  }
  const files = await Promise.all(
    entries
      .filter((entry) => entry.isFile() && entry.name.toLowerCase().endsWith(".gguf"))
      .map(async (entry): Promise<ModelFile | undefined> => {
        const filePath = path.join(directory, entry.name);
        try {
          const stat = await fs.stat(filePath);
          return { name: entry.name, path: filePath, sizeBytes: stat.size, modified: stat.mtime };
        } catch {
          return undefined; // removed between readdir and stat
        }
      }),
  );
  return files
    .filter((file): file is ModelFile => file !== undefined)
    .sort((a, b) => a.name.localeCompare(b.name));
}

export type ModelFileCheck =
  | { readonly ok: true; readonly sizeBytes: number }
  | { readonly ok: false; readonly reason: "missing" | "unreadable" | "notGguf"; readonly message: string };

/** Cheap check before a model is used: the file exists, can be read and starts with the GGUF magic. */
export async function checkModelFile(filePath: string): Promise<ModelFileCheck> {
  let handle: FileHandle | undefined;
  try {
    handle = await fs.open(filePath, "r");
    const stat = await handle.stat();
    if (!stat.isFile()) {
      return { ok: false, reason: "unreadable", message: `The model path ${filePath} is not a file.` };
    }
    const magic = Buffer.alloc(GGUF_MAGIC.length);
    const { bytesRead } = await handle.read(magic, 0, magic.length, 0);
    if (bytesRead < magic.length || !magic.equals(GGUF_MAGIC)) {
      return {
        ok: false,
        reason: "notGguf",
        message: `The model file ${filePath} is not a GGUF model (it does not start with "GGUF"). Choose a .gguf file.`,
      };
    }
    return { ok: true, sizeBytes: stat.size };
  } catch (error) {
    const code = errorCode(error);
    if (code === "ENOENT") {
      return { ok: false, reason: "missing", message: `The model file ${filePath} does not exist.` };
    }
    if (code === "EISDIR") {
      return { ok: false, reason: "unreadable", message: `The model path ${filePath} is a folder, not a file.` };
    }
    return {
      ok: false,
      reason: "unreadable",
      message: `Hearth can't read the model file ${filePath} (${code ?? String(error)}). Check that it exists and that you may read it.`,
    };
  } finally {
    await handle?.close();
  }
}

/** Sizes as model hubs show them: decimal units, three significant digits at most. */
export function formatBytes(bytes: number): string {
  const units = ["B", "kB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  const digits = unit === 0 || value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return `${Number(value.toFixed(digits))} ${units[unit]}`;
}

export function errorCode(error: unknown): string | undefined {
  return typeof error === "object" && error !== null && "code" in error ? String(error.code) : undefined;
}
