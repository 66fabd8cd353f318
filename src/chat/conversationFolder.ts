// The conversations folder on disk, shared by the store and its index: the file operations
// (injectable, so tests can count reads or fill the disk), atomic replacement and setting damaged
// files aside. Plain Node (no VS Code), so unit tests run it.
import { randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import * as path from "node:path";

/** The file operations the store needs; tests pass their own to count reads or fill the disk. */
export interface StoreFiles {
  readFile(file: string): Promise<string>;
  /** Creates `file` (it must not exist yet), writes `text` and flushes it to the disk. */
  writeNewFile(file: string, text: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  /** Removes `file`; a missing file is fine. */
  remove(file: string): Promise<void>;
  readDirectory(directory: string): Promise<string[]>;
  makeDirectory(directory: string): Promise<void>;
}

export const nodeStoreFiles: StoreFiles = {
  readFile: (file) => fs.readFile(file, "utf8"),
  async writeNewFile(file, text) {
    const handle = await fs.open(file, "wx");
    try {
      await handle.writeFile(text, "utf8");
      await handle.sync();
    } finally {
      await handle.close();
    }
  },
  async rename(from, to) {
    // On Windows, a virus scanner or indexer briefly holding a file makes rename fail: try again.
    for (let attempt = 1; ; attempt++) {
      try {
        return await fs.rename(from, to);
      } catch (error) {
        if (process.platform !== "win32" || attempt === 5 || !["EPERM", "EACCES", "EBUSY"].includes(errorCode(error) ?? "")) throw error;
        await new Promise((resolve) => setTimeout(resolve, attempt * 50));
      }
    }
  },
  remove: (file) => fs.rm(file, { force: true }),
  readDirectory: (directory) => fs.readdir(directory),
  makeDirectory: async (directory) => void (await fs.mkdir(directory, { recursive: true })),
};

export type Log = (level: "info" | "warn" | "error", message: string) => void;

export class ConversationFolder {
  constructor(
    readonly directory: string,
    readonly files: StoreFiles,
    private readonly log: Log,
  ) {}

  fileOf(id: string): string {
    return path.join(this.directory, `${id}.json`);
  }

  /** Temporary file in the same folder (so the rename stays on one disk), flushed, renamed over the old one. */
  async replace(name: string, text: string): Promise<void> {
    await this.files.makeDirectory(this.directory);
    const temporary = path.join(this.directory, `.${name.replace(/\.json$/, "")}.${randomBytes(6).toString("hex")}.tmp`);
    try {
      await this.files.writeNewFile(temporary, text);
      await this.files.rename(temporary, path.join(this.directory, name));
    } catch (error) {
      await this.files.remove(temporary).catch(() => undefined);
      throw error;
    }
  }

  /** Renames a damaged file to `<id>.json.corrupt` (or `<id>.json.2.corrupt`, …), never over another. */
  async setAside(id: string, reason: string): Promise<string | undefined> {
    try {
      const taken = new Set(await this.files.readDirectory(this.directory));
      let name = `${id}.json.corrupt`;
      for (let number = 2; taken.has(name); number++) name = `${id}.json.${number}.corrupt`;
      const target = path.join(this.directory, name);
      await this.files.rename(this.fileOf(id), target);
      this.log("warn", `Conversation ${id} is damaged and was set aside as ${target}: ${reason}`);
      return target;
    } catch (error) {
      this.log("error", `Conversation ${id} is damaged (${reason}) and could not be set aside: ${message(error)}`);
      return undefined;
    }
  }
}

export function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}
