// The summaries behind the history list, kept in memory and in the folder's `.index.json`, so the
// list opens without reading every conversation. Plain Node (no VS Code), so unit tests run it.
import * as path from "node:path";
import type { ConversationSummary } from "../shared/chatProtocol";
import type { Conversation } from "./conversation";
import { indexToJson, parseConversation, parseIndex, toSummary } from "./conversationFile";
import { errorCode, message, type ConversationFolder, type Log } from "./conversationFolder";

export type Summaries = Map<string, ConversationSummary>;

/** A damaged file the scan set aside: where to (undefined if it could not be) and why. */
export interface SetAside {
  path: string | undefined;
  reason: string;
}

/** Named so that no conversation id can produce it (ids have no dots). */
const INDEX_FILE = ".index.json";
const CONVERSATION_FILE = /^([A-Za-z0-9_-]{1,64})\.json$/;

export class ConversationIndex {
  /** Read on first use, then kept in memory and written back on every change. */
  private summaries?: Promise<Summaries>;
  private writes: Promise<void> = Promise.resolve();
  private queuedWrite?: Promise<void>;
  /** Damaged files the scan set aside, reported by the next load of their id. */
  private readonly setAsideInScan = new Map<string, SetAside>();
  private readonly reported = new Set<string>();

  constructor(
    private readonly folder: ConversationFolder,
    private readonly log: Log,
  ) {}

  /** The summaries, read once: from the index, checked against the folder's file names. */
  get(): Promise<Summaries> {
    this.summaries ??= this.read().catch((error: unknown) => {
      this.summaries = undefined; // try again next time
      throw error;
    });
    return this.summaries;
  }

  /** Writes the index from `summaries` as they are when the write starts, so writes asked for meanwhile share it. */
  write(summaries: Summaries): Promise<void> {
    if (this.queuedWrite) return this.queuedWrite;
    const write = this.writes.then(async () => {
      this.queuedWrite = undefined;
      try {
        await this.folder.replace(INDEX_FILE, indexToJson([...summaries.values()]));
      } catch (error) {
        // The conversations themselves are saved; the index is rebuilt from them if it falls behind.
        this.log("warn", `Could not update the conversation index in ${this.folder.directory}: ${message(error)}`);
      }
    });
    this.queuedWrite = write;
    this.writes = write;
    return write;
  }

  /** Corrects the entry of a conversation just read, if it differs (another window saved it). */
  async refresh(conversation: Conversation): Promise<void> {
    const summaries = await this.get();
    const now = toSummary(conversation);
    const known = summaries.get(conversation.id);
    if (known && known.title === now.title && known.updatedAt === now.updatedAt && known.messageCount === now.messageCount) return;
    summaries.set(conversation.id, now);
    await this.write(summaries);
  }

  async forget(id: string): Promise<void> {
    const summaries = await this.get();
    if (summaries.delete(id)) await this.write(summaries);
  }

  /** What the scan set aside for `id`, once: a later load of the id finds it gone and says why. */
  takeSetAside(id: string): SetAside | undefined {
    const scanned = this.setAsideInScan.get(id);
    this.setAsideInScan.delete(id);
    return scanned;
  }

  /** The files the scan set aside and not yet reported (nor explained by a load), each said once. */
  takeSetAsideReports(): string[] {
    const reports: string[] = [];
    for (const [id, { path: setAsideAs, reason }] of this.setAsideInScan) {
      if (this.reported.has(id)) continue;
      this.reported.add(id);
      reports.push(`The conversation file ${id}.json could not be read (${reason}) and was set aside${setAsideAs ? ` as ${setAsideAs}` : ""}; your other conversations are not affected.`);
    }
    return reports;
  }

  private async read(): Promise<Summaries> {
    const { directory, files } = this.folder;
    let names: string[];
    try {
      names = await files.readDirectory(directory);
    } catch (error) {
      if (errorCode(error) === "ENOENT") return new Map(); // nothing saved yet
      throw new Error(`Could not read the conversations folder ${directory}: ${message(error)}`, { cause: error });
    }
    const ids = names.flatMap((name) => CONVERSATION_FILE.exec(name)?.[1] ?? []);
    const stored = names.includes(INDEX_FILE) ? await files.readFile(path.join(directory, INDEX_FILE)).then(parseIndex, () => undefined) : undefined;
    if (!stored && names.includes(INDEX_FILE)) this.log("warn", `The conversation index in ${directory} is damaged or unreadable; rebuilding it.`);
    const summaries: Summaries = new Map();
    // Entries whose file is gone are dropped; files the index lacks (a crash between the two
    // writes, another window's save) are read. Only a missing or damaged index means reading all.
    for (const entry of stored ?? []) if (ids.includes(entry.id)) summaries.set(entry.id, entry);
    const unknown = ids.filter((id) => !summaries.has(id));
    for (let start = 0; start < unknown.length; start += 8) {
      const batch = await Promise.all(unknown.slice(start, start + 8).map((id) => this.summaryFromFile(id)));
      for (const summary of batch) if (summary) summaries.set(summary.id, summary);
    }
    if (!stored) this.log("info", `Rebuilt the conversation index from ${ids.length} files in ${directory}.`);
    if (!stored || unknown.length > 0 || summaries.size !== stored.length) await this.write(summaries);
    return summaries;
  }

  private async summaryFromFile(id: string): Promise<ConversationSummary | undefined> {
    const text = await this.folder.files.readFile(this.folder.fileOf(id)).catch((error: unknown) => {
      this.log("warn", `Could not read conversation ${id}: ${message(error)}`);
    });
    if (text === undefined) return undefined;
    const parsed = parseConversation(text);
    if (parsed.ok) return { ...toSummary(parsed.conversation), id };
    if (parsed.newerVersion !== undefined) this.log("info", `Conversation ${id} is left out: ${parsed.message}`);
    // Kept, so that opening it (from a list shown before) says what happened rather than "not found".
    else this.setAsideInScan.set(id, { path: await this.folder.setAside(id, parsed.message), reason: parsed.message });
    return undefined;
  }
}
