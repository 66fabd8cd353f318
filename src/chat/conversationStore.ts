// The stored conversations: one JSON file each in a folder, plus a small index so the history
// list opens without reading every conversation. Plain Node (no VS Code), so unit tests run it.
// Files are replaced atomically (temporary file, fsync, rename): a crash or a full disk leaves the
// previous version. A file that cannot be read is set aside, never deleted, and never takes the
// other conversations down with it.
import { randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import type { ConversationSummary } from "../shared/chatProtocol";
import { isValidId, type Conversation } from "./conversation";
import { conversationToJson, indexToJson, parseConversation, parseIndex, toSummary } from "./conversationFile";

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

/** A conversation file that did not parse or check out; `setAsideAs` is where it was moved (undefined if it could not be). */
export class CorruptConversationError extends Error {
  override name = "CorruptConversationError";
  constructor(readonly conversationId: string, readonly setAsideAs: string | undefined, message: string) {
    super(message);
  }
}

/** A conversation saved by a newer Hearth: left as it is, to open after updating. */
export class NewerConversationError extends Error {
  override name = "NewerConversationError";
}

type Log = (level: "info" | "warn" | "error", message: string) => void;
type Summaries = Map<string, ConversationSummary>;

/** Named so that no conversation id can produce it (ids have no dots). */
const INDEX_FILE = ".index.json";
const CONVERSATION_FILE = /^([A-Za-z0-9_-]{1,64})\.json$/;

export class ConversationStore {
  /** Read on first use, then kept in memory and written back on every change. */
  private summaries?: Promise<Summaries>;
  /** Per conversation id, the end of its queue of reads and writes. */
  private readonly queues = new Map<string, Promise<unknown>>();
  private indexWrites: Promise<void> = Promise.resolve();
  private queuedIndexWrite?: Promise<void>;
  /** Damaged files the index scan set aside, reported by the next load of their id. */
  private readonly setAsideInScan = new Map<string, { path: string | undefined; reason: string }>();
  private readonly reported = new Set<string>();

  // Nothing happens here: the store is built at activation, which must stay cheap.
  constructor(
    private readonly directory: string,
    private readonly log: Log,
    private readonly files: StoreFiles = nodeStoreFiles,
  ) {}

  /**
   * What listing found damaged and set aside, said once each: "The conversation file … was damaged
   * and set aside as …". The caller tells the user (the files no longer show in the list).
   */
  takeSetAsideReports(): string[] {
    const reports: string[] = [];
    for (const [id, { path: setAsideAs, reason }] of this.setAsideInScan) {
      if (this.reported.has(id)) continue;
      this.reported.add(id);
      reports.push(`The conversation file ${id}.json could not be read (${reason}) and was set aside${setAsideAs ? ` as ${setAsideAs}` : ""}; your other conversations are not affected.`);
    }
    return reports;
  }

  /** The stored conversations, newest first. */
  async list(): Promise<ConversationSummary[]> {
    const summaries = await this.index();
    return [...summaries.values()].sort((a, b) => b.updatedAt - a.updatedAt || (a.id < b.id ? 1 : -1));
  }

  /** Undefined when there is no such conversation; throws CorruptConversationError for a damaged file. */
  async load(id: string): Promise<Conversation | undefined> {
    checkId(id);
    return this.serialize(id, () => this.read(id));
  }

  /** Writes the conversation; saves of one id happen in the order they were asked for. */
  async save(conversation: Conversation): Promise<void> {
    checkId(conversation.id);
    // Taken now: the caller's later changes belong to its next save.
    const text = conversationToJson(conversation);
    const summaries = await this.serialize(conversation.id, () => this.write(conversation, text));
    await this.writeIndex(summaries);
  }

  /** The renamed conversation, or undefined if there is no such conversation. */
  async rename(id: string, title: string): Promise<Conversation | undefined> {
    checkId(id);
    const clean = title.replace(/\s+/g, " ").trim();
    if (!clean) throw new Error("A conversation needs a title; this one was left as it was.");
    const renamed = await this.serialize(id, async () => {
      const current = await this.read(id);
      if (!current) return undefined;
      const next: Conversation = { ...current, title: clean };
      await this.write(next, conversationToJson(next));
      return next;
    });
    if (renamed) await this.writeIndex(await this.index());
    return renamed;
  }

  /** Deleting a conversation that is not there is fine. */
  async delete(id: string): Promise<void> {
    checkId(id);
    const summaries = await this.serialize(id, async () => {
      const summaries = await this.index();
      try {
        await this.files.remove(this.fileOf(id));
      } catch (error) {
        throw new Error(`Could not delete the conversation ${this.name(id, summaries)} in ${this.directory}: ${message(error)}`, { cause: error });
      }
      summaries.delete(id);
      return summaries;
    });
    await this.writeIndex(summaries);
  }

  private async write(conversation: Conversation, text: string): Promise<Summaries> {
    const summaries = await this.index();
    const label = `"${conversation.title}"`;
    // Checked like a file being opened, so the store never writes one it would later refuse.
    const check = parseConversation(text);
    if (!check.ok) throw new Error(`Could not save the conversation ${label}: ${check.message}`);
    try {
      await this.replaceFile(`${conversation.id}.json`, text);
    } catch (error) {
      const reason =
        errorCode(error) === "ENOSPC"
          ? `there is not enough free disk space in ${this.directory}. Free some space and try again`
          : `${message(error)} (in ${this.directory})`;
      throw new Error(`Could not save the conversation ${label}: ${reason}; its previous version is unchanged.`, { cause: error });
    }
    summaries.set(conversation.id, toSummary(check.conversation));
    return summaries;
  }

  private async read(id: string): Promise<Conversation | undefined> {
    const summaries = await this.index();
    const name = this.name(id, summaries);
    let text: string;
    try {
      text = await this.files.readFile(this.fileOf(id));
    } catch (error) {
      if (errorCode(error) !== "ENOENT") throw new Error(`Could not read the conversation ${name} in ${this.directory}: ${message(error)}`, { cause: error });
      const scanned = this.setAsideInScan.get(id);
      this.setAsideInScan.delete(id);
      if (scanned) throw corrupt(id, name, scanned.path, scanned.reason);
      await this.forget(id); // deleted meanwhile, perhaps by another window
      return undefined;
    }
    const parsed = parseConversation(text);
    if (parsed.ok) {
      // A file copied under another name is that name's conversation.
      const conversation = parsed.conversation.id === id ? parsed.conversation : { ...parsed.conversation, id };
      await this.refresh(conversation);
      return conversation;
    }
    if (parsed.newerVersion !== undefined) throw new NewerConversationError(parsed.message);
    const aside = await this.setAside(id, parsed.message);
    await this.forget(id);
    throw corrupt(id, name, aside, parsed.message);
  }

  /** Renames a damaged file to `<id>.json.corrupt` (or `<id>.json.2.corrupt`, …), never over another. */
  private async setAside(id: string, reason: string): Promise<string | undefined> {
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

  /** The summaries, read once: from the index, checked against the folder's file names. */
  private index(): Promise<Summaries> {
    this.summaries ??= this.readIndex().catch((error: unknown) => {
      this.summaries = undefined; // try again next time
      throw error;
    });
    return this.summaries;
  }

  private async readIndex(): Promise<Summaries> {
    let names: string[];
    try {
      names = await this.files.readDirectory(this.directory);
    } catch (error) {
      if (errorCode(error) === "ENOENT") return new Map(); // nothing saved yet
      throw new Error(`Could not read the conversations folder ${this.directory}: ${message(error)}`, { cause: error });
    }
    const ids = names.flatMap((name) => CONVERSATION_FILE.exec(name)?.[1] ?? []);
    const stored = names.includes(INDEX_FILE) ? await this.files.readFile(path.join(this.directory, INDEX_FILE)).then(parseIndex, () => undefined) : undefined;
    if (!stored && names.includes(INDEX_FILE)) this.log("warn", `The conversation index in ${this.directory} is damaged or unreadable; rebuilding it.`);
    const summaries: Summaries = new Map();
    // Entries whose file is gone are dropped; files the index lacks (a crash between the two
    // writes, another window's save) are read. Only a missing or damaged index means reading all.
    for (const entry of stored ?? []) if (ids.includes(entry.id)) summaries.set(entry.id, entry);
    const unknown = ids.filter((id) => !summaries.has(id));
    for (let start = 0; start < unknown.length; start += 8) {
      const batch = await Promise.all(unknown.slice(start, start + 8).map((id) => this.summaryFromFile(id)));
      for (const summary of batch) if (summary) summaries.set(summary.id, summary);
    }
    if (!stored) this.log("info", `Rebuilt the conversation index from ${ids.length} files in ${this.directory}.`);
    if (!stored || unknown.length > 0 || summaries.size !== stored.length) await this.writeIndex(summaries);
    return summaries;
  }

  private async summaryFromFile(id: string): Promise<ConversationSummary | undefined> {
    const text = await this.files.readFile(this.fileOf(id)).catch((error: unknown) => {
      this.log("warn", `Could not read conversation ${id}: ${message(error)}`);
    });
    if (text === undefined) return undefined;
    const parsed = parseConversation(text);
    if (parsed.ok) return { ...toSummary(parsed.conversation), id };
    if (parsed.newerVersion !== undefined) this.log("info", `Conversation ${id} is left out: ${parsed.message}`);
    // Kept, so that opening it (from a list shown before) says what happened rather than "not found".
    else this.setAsideInScan.set(id, { path: await this.setAside(id, parsed.message), reason: parsed.message });
    return undefined;
  }

  /** Writes the index from `summaries` as they are when the write starts, so writes asked for meanwhile share it. */
  private writeIndex(summaries: Summaries): Promise<void> {
    if (this.queuedIndexWrite) return this.queuedIndexWrite;
    const write = this.indexWrites.then(async () => {
      this.queuedIndexWrite = undefined;
      try {
        await this.replaceFile(INDEX_FILE, indexToJson([...summaries.values()]));
      } catch (error) {
        // The conversations themselves are saved; the index is rebuilt from them if it falls behind.
        this.log("warn", `Could not update the conversation index in ${this.directory}: ${message(error)}`);
      }
    });
    this.queuedIndexWrite = write;
    this.indexWrites = write;
    return write;
  }

  /** Corrects the index entry of a conversation just read, if it differs (another window saved it). */
  private async refresh(conversation: Conversation): Promise<void> {
    const summaries = await this.index();
    const now = toSummary(conversation);
    const known = summaries.get(conversation.id);
    if (known && known.title === now.title && known.updatedAt === now.updatedAt && known.messageCount === now.messageCount) return;
    summaries.set(conversation.id, now);
    await this.writeIndex(summaries);
  }

  private async forget(id: string): Promise<void> {
    const summaries = await this.index();
    if (summaries.delete(id)) await this.writeIndex(summaries);
  }

  /** Temporary file in the same folder (so the rename stays on one disk), flushed, renamed over the old one. */
  private async replaceFile(name: string, text: string): Promise<void> {
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

  private serialize<T>(id: string, task: () => Promise<T>): Promise<T> {
    const result = (this.queues.get(id) ?? Promise.resolve()).then(task);
    const tail = result.catch(() => undefined);
    this.queues.set(id, tail);
    void tail.then(() => this.queues.get(id) === tail && this.queues.delete(id));
    return result;
  }

  private fileOf(id: string): string {
    return path.join(this.directory, `${id}.json`);
  }

  private name(id: string, summaries: Summaries): string {
    const title = summaries.get(id)?.title;
    return title ? `"${title}" (${id})` : id;
  }
}

function corrupt(id: string, name: string, aside: string | undefined, reason: string): CorruptConversationError {
  const where = aside ? `Its file was set aside as ${aside}` : "Its file could not be set aside (see Hearth's log)";
  return new CorruptConversationError(id, aside, `The conversation ${name} could not be opened. ${reason} ${where}; your other conversations are not affected.`);
}

function checkId(id: string): void {
  // Ids become file names: anything else could point outside the folder.
  if (!isValidId(id)) throw new Error(`${JSON.stringify(id)} is not a valid conversation id.`);
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}
