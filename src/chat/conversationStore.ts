// The stored conversations: one JSON file each in a folder, plus a small index so the history
// list opens without reading every conversation. Plain Node (no VS Code), so unit tests run it.
// Files are replaced atomically (temporary file, fsync, rename): a crash or a full disk leaves the
// previous version. A file that cannot be read is set aside, never deleted, and never takes the
// other conversations down with it. The folder's file handling is in conversationFolder.ts, the
// index in conversationIndex.ts; this file is the API the rest of Hearth uses.
import type { ConversationSummary } from "../shared/chatProtocol";
import { isValidId, type Conversation } from "./conversation";
import { conversationToJson, parseConversation, toSummary } from "./conversationFile";
import { ConversationFolder, errorCode, message, nodeStoreFiles, type Log, type StoreFiles } from "./conversationFolder";
import { ConversationIndex, type Summaries } from "./conversationIndex";

// Exported from here too: callers and tests inject files through the store's module.
export { nodeStoreFiles, type StoreFiles };

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

export class ConversationStore {
  private readonly folder: ConversationFolder;
  private readonly index: ConversationIndex;
  /** Per conversation id, the end of its queue of reads and writes. */
  private readonly queues = new Map<string, Promise<unknown>>();

  // Nothing is read or written here: the store is built at activation, which must stay cheap.
  constructor(directory: string, log: Log, files: StoreFiles = nodeStoreFiles) {
    this.folder = new ConversationFolder(directory, files, log);
    this.index = new ConversationIndex(this.folder, log);
  }

  /**
   * What listing found damaged and set aside, said once each: "The conversation file … was damaged
   * and set aside as …". The caller tells the user (the files no longer show in the list).
   */
  takeSetAsideReports(): string[] {
    return this.index.takeSetAsideReports();
  }

  /** The stored conversations, newest first. */
  async list(): Promise<ConversationSummary[]> {
    const summaries = await this.index.get();
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
    await this.index.write(summaries);
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
    if (renamed) await this.index.write(await this.index.get());
    return renamed;
  }

  /** Deleting a conversation that is not there is fine. */
  async delete(id: string): Promise<void> {
    checkId(id);
    const summaries = await this.serialize(id, async () => {
      const summaries = await this.index.get();
      try {
        await this.folder.files.remove(this.folder.fileOf(id));
      } catch (error) {
        throw new Error(`Could not delete the conversation ${this.name(id, summaries)} in ${this.folder.directory}: ${message(error)}`, { cause: error });
      }
      summaries.delete(id);
      return summaries;
    });
    await this.index.write(summaries);
  }

  private async write(conversation: Conversation, text: string): Promise<Summaries> {
    const summaries = await this.index.get();
    const label = `"${conversation.title}"`;
    // Checked like a file being opened, so the store never writes one it would later refuse.
    const check = parseConversation(text);
    if (!check.ok) throw new Error(`Could not save the conversation ${label}: ${check.message}`);
    try {
      await this.folder.replace(`${conversation.id}.json`, text);
    } catch (error) {
      const reason =
        errorCode(error) === "ENOSPC"
          ? `there is not enough free disk space in ${this.folder.directory}. Free some space and try again`
          : `${message(error)} (in ${this.folder.directory})`;
      throw new Error(`Could not save the conversation ${label}: ${reason}; its previous version is unchanged.`, { cause: error });
    }
    summaries.set(conversation.id, toSummary(check.conversation));
    return summaries;
  }

  private async read(id: string): Promise<Conversation | undefined> {
    const summaries = await this.index.get();
    const name = this.name(id, summaries);
    let text: string;
    try {
      text = await this.folder.files.readFile(this.folder.fileOf(id));
    } catch (error) {
      if (errorCode(error) !== "ENOENT") throw new Error(`Could not read the conversation ${name} in ${this.folder.directory}: ${message(error)}`, { cause: error });
      const scanned = this.index.takeSetAside(id);
      if (scanned) throw corrupt(id, name, scanned.path, scanned.reason);
      await this.index.forget(id); // deleted meanwhile, perhaps by another window
      return undefined;
    }
    const parsed = parseConversation(text);
    if (parsed.ok) {
      // A file copied under another name is that name's conversation.
      const conversation = parsed.conversation.id === id ? parsed.conversation : { ...parsed.conversation, id };
      await this.index.refresh(conversation);
      return conversation;
    }
    if (parsed.newerVersion !== undefined) throw new NewerConversationError(parsed.message);
    const aside = await this.folder.setAside(id, parsed.message);
    await this.index.forget(id);
    throw corrupt(id, name, aside, parsed.message);
  }

  private serialize<T>(id: string, task: () => Promise<T>): Promise<T> {
    const result = (this.queues.get(id) ?? Promise.resolve()).then(task);
    const tail = result.catch(() => undefined);
    this.queues.set(id, tail);
    void tail.then(() => this.queues.get(id) === tail && this.queues.delete(id));
    return result;
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
