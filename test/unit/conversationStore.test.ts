import * as assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { CONVERSATION_FORMAT, CONVERSATION_FORMAT_VERSION, type Conversation, type StoredMessage } from "../../src/chat/conversation";
import { conversationToJson, importConversation } from "../../src/chat/conversationFile";
import {
  ConversationStore,
  CorruptConversationError,
  NewerConversationError,
  nodeStoreFiles,
  type StoreFiles,
} from "../../src/chat/conversationStore";
import { temporaryDirectory } from "../support/temporaryDirectory";

function conversation(id: string, title: string, messageCount = 1, updatedAt = 1_000): Conversation {
  const messages: StoredMessage[] = Array.from({ length: messageCount }, (_, index) => ({
    id: `m${index}`,
    role: index % 2 ? "assistant" : "user",
    text: `message ${index}`,
    status: "complete",
    createdAt: 500 + index,
  }));
  return { format: CONVERSATION_FORMAT, version: CONVERSATION_FORMAT_VERSION, id, title, createdAt: 500, updatedAt, messages };
}

const diskFull = () => Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("conversation store", () => {
  let folder: Awaited<ReturnType<typeof temporaryDirectory>>;
  let directory: string;
  let logged: string[];
  let reads: string[];
  /** The real file system, with reads counted. */
  let counting: StoreFiles;
  const log = (level: string, message: string) => logged.push(`${level}: ${message}`);
  const store = (files: StoreFiles = counting) => new ConversationStore(directory, log, files);
  const names = async () => (await fs.readdir(directory)).sort();

  beforeEach(async () => {
    folder = await temporaryDirectory();
    directory = path.join(folder.path, "conversations");
    logged = [];
    reads = [];
    counting = {
      ...nodeStoreFiles,
      readFile: (file) => {
        reads.push(path.basename(file));
        return nodeStoreFiles.readFile(file);
      },
    };
  });
  afterEach(() => folder.remove());

  it("creates nothing until the first save, then one file per conversation and an index, with no temporary files", async () => {
    const conversations = store();
    assert.deepEqual(await conversations.list(), []);
    await assert.rejects(fs.access(directory), { code: "ENOENT" });
    await conversations.save(conversation("a", "First", 2, 1_000));
    await conversations.save(conversation("b", "Second", 3, 2_000));
    assert.deepEqual(await names(), [".index.json", "a.json", "b.json"]);
    assert.deepEqual(await conversations.list(), [
      { id: "b", title: "Second", updatedAt: 2_000, messageCount: 3 },
      { id: "a", title: "First", updatedAt: 1_000, messageCount: 2 },
    ]);
    assert.deepEqual(await conversations.load("a"), conversation("a", "First", 2, 1_000));
    assert.equal(await conversations.load("missing"), undefined);
    // A second store (the next session) sees the same.
    assert.deepEqual((await store().list()).map((entry) => entry.id), ["b", "a"]);
  });

  it("keeps the previous version, and no temporary file, when the disk fills up mid-write", async () => {
    const before = conversation("a", "Parser question", 2);
    await store().save(before);
    const halfWrite: StoreFiles = {
      ...nodeStoreFiles,
      async writeNewFile(file, text) {
        await fs.writeFile(file, text.slice(0, text.length / 2));
        throw diskFull();
      },
    };
    const conversations = store(halfWrite);
    await assert.rejects(conversations.save(conversation("a", "Parser question", 4)), (error: Error) => {
      assert.match(error.message, /^Could not save the conversation "Parser question": there is not enough free disk space in .*conversations\. Free some space and try again; its previous version is unchanged\.$/);
      return true;
    });
    assert.deepEqual(await names(), [".index.json", "a.json"]);
    assert.deepEqual(await store().load("a"), before);
    assert.equal((await conversations.list())[0]?.messageCount, 2);

    const failingRename: StoreFiles = { ...nodeStoreFiles, rename: () => Promise.reject(Object.assign(new Error("EIO: i/o error, rename"), { code: "EIO" })) };
    await assert.rejects(store(failingRename).save(conversation("a", "Parser question", 6)), /"Parser question": EIO: i\/o error, rename \(in .*\); its previous version is unchanged/);
    assert.deepEqual(await names(), [".index.json", "a.json"]);
    assert.deepEqual(await store().load("a"), before);
  });

  it("writes a burst of saves of one conversation in order, ending with the last", async () => {
    // Writes that take a random time: unordered, a late write of an early state would win.
    const slow: StoreFiles = { ...nodeStoreFiles, writeNewFile: async (file, text) => (await pause(Math.random() * 10), nodeStoreFiles.writeNewFile(file, text)) };
    const conversations = store(slow);
    await Promise.all(Array.from({ length: 20 }, (_, index) => conversations.save(conversation("a", `Title ${index}`, index + 1, 1_000 + index))));
    assert.deepEqual(await store().load("a"), conversation("a", "Title 19", 20, 1_019));
    assert.deepEqual(await store().list(), [{ id: "a", title: "Title 19", updatedAt: 1_019, messageCount: 20 }]);
    assert.deepEqual(await names(), [".index.json", "a.json"]);
  });

  it("does not make one conversation's save wait for another's", async () => {
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const holdA: StoreFiles = {
      ...nodeStoreFiles,
      writeNewFile: async (file, text) => (path.basename(file).startsWith(".a.") && (await held), nodeStoreFiles.writeNewFile(file, text)),
    };
    const conversations = store(holdA);
    const savingA = conversations.save(conversation("a", "Held"));
    await conversations.save(conversation("b", "Not held"));
    assert.deepEqual(await store().load("b"), conversation("b", "Not held"));
    release();
    await savingA;
    assert.deepEqual((await conversations.list()).map((entry) => entry.id).sort(), ["a", "b"]);
  });

  for (const [kind, damage] of [
    ["garbage", "\u0000\u0001 not json at all"],
    ["truncated JSON", conversationToJson(conversation("bad", "Broken one", 3)).slice(0, 80)],
    ["valid JSON that fails validation", conversationToJson(conversation("bad", "Broken one", 3)).replace('"role": "assistant"', '"role": "robot"')],
  ] as const) {
    it(`sets a damaged conversation (${kind}) aside, says so, and keeps the others`, async () => {
      await store().save(conversation("good", "Fine one", 2, 1_000));
      await store().save(conversation("bad", "Broken one", 3, 2_000));
      await fs.writeFile(path.join(directory, "bad.json"), damage);
      const conversations = store();
      assert.deepEqual((await conversations.list()).map((entry) => entry.id), ["bad", "good"]); // the index does not read it
      await assert.rejects(conversations.load("bad"), (error: Error) => {
        assert.ok(error instanceof CorruptConversationError);
        assert.equal(error.setAsideAs, path.join(directory, "bad.json.corrupt"));
        assert.match(error.message, /^The conversation "Broken one" \(bad\) could not be opened\. This .+ Its file was set aside as .*bad\.json\.corrupt; your other conversations are not affected\.$/);
        return true;
      });
      assert.equal(await fs.readFile(path.join(directory, "bad.json.corrupt"), "utf8"), damage);
      assert.deepEqual((await conversations.list()).map((entry) => entry.id), ["good"]);
      assert.deepEqual(await conversations.load("good"), conversation("good", "Fine one", 2, 1_000));
      assert.deepEqual((await store().list()).map((entry) => entry.id), ["good"]);
      assert.ok(logged.some((line) => line.startsWith("warn: Conversation bad is damaged and was set aside")));
    });
  }

  it("never sets a file aside over an earlier one", async () => {
    await fs.mkdir(directory);
    await fs.writeFile(path.join(directory, "bad.json.corrupt"), "first");
    await fs.writeFile(path.join(directory, "bad.json"), "second");
    await assert.rejects(store().load("bad"), /set aside as .*bad\.json\.2\.corrupt;/);
    assert.equal(await fs.readFile(path.join(directory, "bad.json.corrupt"), "utf8"), "first");
  });

  it("rebuilds a missing index once, setting damaged files aside, then lists from memory", async () => {
    await store().save(conversation("a", "First", 1, 1_000));
    await store().save(conversation("b", "Second", 2, 2_000));
    await fs.writeFile(path.join(directory, "junk.json"), "{ truncated");
    await fs.rm(path.join(directory, ".index.json"));
    reads.length = 0;
    const conversations = store();
    assert.deepEqual((await conversations.list()).map((entry) => entry.title), ["Second", "First"]);
    assert.deepEqual(reads.sort(), ["a.json", "b.json", "junk.json"]);
    assert.deepEqual(await names(), [".index.json", "a.json", "b.json", "junk.json.corrupt"]);
    reads.length = 0;
    await conversations.list();
    await conversations.list();
    assert.deepEqual(reads, []);
    // The next session reads the index alone.
    assert.deepEqual((await store().list()).map((entry) => entry.title), ["Second", "First"]);
    assert.deepEqual(reads, [".index.json"]);
  });

  it("rebuilds a damaged index and logs it", async () => {
    await store().save(conversation("a", "First"));
    for (const damage of ["{ not json", JSON.stringify({ format: "hearth.conversationIndex", version: 1, conversations: [{ id: "../x" }] })]) {
      await fs.writeFile(path.join(directory, ".index.json"), damage);
      reads.length = 0;
      assert.deepEqual((await store().list()).map((entry) => entry.title), ["First"]);
      assert.deepEqual(reads, [".index.json", "a.json"]);
      assert.ok(logged.some((line) => line.includes("conversation index") && line.includes("rebuilding it")));
      const index = JSON.parse(await fs.readFile(path.join(directory, ".index.json"), "utf8")) as { conversations: unknown[] };
      assert.equal(index.conversations.length, 1);
    }
  });

  it("reads only the files the index lacks, and drops entries whose file is gone", async () => {
    await store().save(conversation("a", "First", 1, 1_000));
    await store().save(conversation("b", "Second", 1, 2_000));
    // As if another window saved "c" and deleted "b" while this index was written.
    await fs.writeFile(path.join(directory, "c.json"), conversationToJson(conversation("c", "Third", 1, 3_000)));
    await fs.rm(path.join(directory, "b.json"));
    reads.length = 0;
    assert.deepEqual((await store().list()).map((entry) => entry.id), ["c", "a"]);
    assert.deepEqual(reads, [".index.json", "c.json"]);
  });

  it("leaves a conversation from a newer Hearth alone", async () => {
    await fs.mkdir(directory);
    const newer = JSON.stringify({ format: CONVERSATION_FORMAT, version: CONVERSATION_FORMAT_VERSION + 1, id: "n" });
    await fs.writeFile(path.join(directory, "n.json"), newer);
    const conversations = store();
    assert.deepEqual(await conversations.list(), []);
    await assert.rejects(conversations.load("n"), (error: Error) => error instanceof NewerConversationError && /update Hearth to open it/.test(error.message));
    assert.equal(await fs.readFile(path.join(directory, "n.json"), "utf8"), newer);
  });

  it("renames and deletes", async () => {
    const conversations = store();
    await conversations.save(conversation("a", "First", 2, 1_000));
    await conversations.save(conversation("b", "Second", 1, 2_000));
    const renamed = await conversations.rename("a", "  Parser\nbug  ");
    assert.deepEqual(renamed, { ...conversation("a", "First", 2, 1_000), title: "Parser bug" });
    assert.deepEqual(await store().load("a"), renamed);
    assert.deepEqual((await store().list()).map((entry) => entry.title), ["Second", "Parser bug"]);
    assert.equal(await conversations.rename("missing", "x"), undefined);
    await assert.rejects(conversations.rename("a", "  "), /needs a title/);

    await conversations.delete("b");
    await conversations.delete("b");
    await conversations.delete("never-existed");
    assert.deepEqual((await conversations.list()).map((entry) => entry.id), ["a"]);
    assert.deepEqual((await store().list()).map((entry) => entry.id), ["a"]);
    assert.deepEqual(await names(), [".index.json", "a.json"]);
  });

  it("refuses ids that are not plain names, touching nothing", async () => {
    await fs.writeFile(path.join(folder.path, "outside.json"), conversationToJson(conversation("outside", "Outside")));
    const conversations = store();
    for (const id of ["../outside", "..", "a/b", "a\\b", "", "a.json", "x".repeat(65)]) {
      await assert.rejects(conversations.load(id), /is not a valid conversation id/);
      await assert.rejects(conversations.save(conversation(id, "Evil")), /is not a valid conversation id/);
      await assert.rejects(conversations.rename(id, "Evil"), /is not a valid conversation id/);
      await assert.rejects(conversations.delete(id), /is not a valid conversation id/);
    }
    assert.deepEqual(await fs.readdir(folder.path), ["outside.json"]);
  });

  it("stores an import under a fresh id, and a refused import writes nothing", async () => {
    const conversations = store();
    const exported = conversationToJson(conversation("a", "Shared"));
    for (const id of ["imported-1", "imported-2"]) {
      const imported = importConversation(exported, id, 9_000);
      assert.ok(imported.ok);
      await conversations.save(imported.conversation);
    }
    assert.deepEqual((await conversations.list()).map((entry) => entry.id).sort(), ["imported-1", "imported-2"]);
    const before = await names();
    const refused = importConversation(exported.replace('"version": 1', '"version": 7'), "imported-3", 9_000);
    assert.ok(!refused.ok);
    assert.deepEqual(await names(), before);
  });
});
