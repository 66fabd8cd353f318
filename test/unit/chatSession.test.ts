// The chat session against a real OpenAI-compatible stream (a loopback server) and a real store
// on disk: what the view receives while an answer streams, and what is kept when it stops,
// fails or is cut off.
import * as assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ChatSession, type ChatSessionOptions } from "../../src/chat/chatSession";
import { ConversationStore } from "../../src/chat/conversationStore";
import type { Backend } from "../../src/engine/backend";
import { LlamaCppBackend } from "../../src/engine/llamaCpp/llamaCppBackend";
import { LlamaWorkerClient } from "../../src/engine/llamaCpp/llamaWorkerClient";
import { OpenAiBackend } from "../../src/engine/openai/openAiBackend";
import type { HostToWebview } from "../../src/shared/chatProtocol";
import { startFakeOpenAiServer, type FakeOpenAiServer } from "../support/fakeOpenAiServer";
import { repositoryRoot, tinyFimModel } from "../support/fixtures";

describe("chat session", () => {
  let server: FakeOpenAiServer;
  let backend: OpenAiBackend;
  let directory: string;
  let store: ConversationStore;
  let posted: HostToWebview[];
  let model: string;

  let remembered: string | undefined;
  const session = (chatBackend: Backend = backend, overrides: Partial<ChatSessionOptions> = {}) =>
    new ChatSession({
      store,
      backend: () => chatBackend,
      chatModel: () => ({ model, label: model, backendLabel: "OpenAI-compatible server" }),
      systemPrompt: () => "You are terse.",
      maxAnswerTokens: () => 256,
      post: (message) => posted.push(message),
      log: () => undefined,
      lastConversation: { get: () => remembered, set: (id) => (remembered = id) },
      ...overrides,
    });

  beforeEach(async () => {
    server = await startFakeOpenAiServer({ models: ["coder"], words: ["Use", " `map`", ":\n\n```ts\nxs.map(f)\n```\n"] });
    backend = new OpenAiBackend(() => ({ baseUrl: `${server.url}/v1`, apiKey: () => Promise.resolve(undefined) }));
    directory = await fs.mkdtemp(path.join(os.tmpdir(), "hearth-session-"));
    store = new ConversationStore(directory, () => undefined);
    posted = [];
    model = "coder";
    remembered = undefined;
  });
  afterEach(async () => {
    backend.dispose();
    await server.close();
    await fs.rm(directory, { recursive: true, force: true });
  });

  it("streams an answer to the view, then shows what it cost and keeps the conversation on disk", async () => {
    const chat = session();
    chat.send("How do I transform a list?", [{ id: "selection", kind: "selection", label: "a.ts:1-1", source: "/w/a.ts", language: "typescript", text: "const xs = [1];" }]);
    await chat.whenIdle();

    const chunks = posted.filter((message) => message.type === "answerChunk").map((message) => message.text);
    assert.deepEqual(chunks, ["Use", " `map`", ":\n\n```ts\nxs.map(f)\n```\n"]);
    const final = posted.filter((message) => message.type === "messageUpdated").at(-1);
    assert.ok(final?.type === "messageUpdated");
    assert.equal(final.message.status, "complete");
    assert.equal(final.message.text, "Use `map`:\n\n```ts\nxs.map(f)\n```\n");
    assert.deepEqual(final.message.usage, {
      model: "coder",
      backend: "OpenAI-compatible server",
      promptTokens: 9,
      reusedPromptTokens: 6,
      completionTokens: 3,
      timeToFirstTokenMs: final.message.usage?.timeToFirstTokenMs,
      tokensPerSecond: final.message.usage?.tokensPerSecond,
    });

    // The question went with its selection, after the system prompt.
    const sent = server.bodies.find((request) => request.path === "/v1/chat/completions")!.body.messages as Array<{ role: string; content: string }>;
    assert.equal(sent[0].role, "system");
    assert.equal(sent[0].content, "You are terse.");
    assert.match(sent.at(-1)!.content, /const xs = \[1\];/);
    assert.match(sent.at(-1)!.content, /How do I transform a list\?/);

    const stored = await new ConversationStore(directory, () => undefined).load(chat.current.id);
    assert.equal(stored?.title, "How do I transform a list?");
    assert.deepEqual(stored?.messages.map((message) => [message.role, message.status]), [["user", "complete"], ["assistant", "complete"]]);
    assert.equal(stored?.messages[0].context?.[0].text, "const xs = [1];");
  });

  it("gives the answer only the room the prompt leaves in the server's context", async () => {
    const chat = session();
    chat.send("Plenty of room?", []);
    await chat.whenIdle();
    const sent = () => server.bodies.filter((request) => request.path === "/v1/chat/completions").at(-1)!.body;
    assert.equal(sent().max_tokens, 256, "hearth.chat.maxAnswerTokens when the context is large");

    // Another server, whose llama-server /props says the context is small (a backend remembers a server's /props).
    server.options.nCtx = 300;
    const other = new OpenAiBackend(() => ({ baseUrl: `${server.url}/v1`, apiKey: () => Promise.resolve(undefined) }));
    const small = session(other);
    const before = server.bodies.length;
    small.send(`Little room: ${"word ".repeat(60)}`, []);
    await small.whenIdle();
    other.dispose();
    assert.equal(small.current.messages.at(-1)?.status, "complete", small.current.messages.at(-1)?.error);
    assert.ok(server.bodies.slice(before).some((request) => request.path === "/v1/chat/completions"));
    const maxTokens = sent().max_tokens as number;
    assert.ok(maxTokens > 0 && maxTokens < 256, `max_tokens ${maxTokens}: what the prompt leaves of 300`);
  });

  it("keeps the partial answer, marked as failed, when the stream is cut, and Retry asks again", async () => {
    server.options.failure = { after: 2, kind: "cut" };
    const chat = session();
    chat.send("Explain", []);
    await chat.whenIdle();
    const failed = chat.current.messages.at(-1)!;
    assert.equal(failed.status, "failed");
    assert.equal(failed.text, "Use `map`");
    assert.match(failed.error ?? "", /closed the connection|cut|ended/i);

    server.options.failure = undefined;
    chat.regenerate();
    await chat.whenIdle();
    assert.deepEqual(chat.current.messages.map((message) => [message.role, message.status]), [["user", "complete"], ["assistant", "complete"]]);
  });

  it("stops an answer mid-stream: the text so far is kept and marked as stopped", async () => {
    server.options.delayMs = 30;
    server.options.words = Array.from({ length: 200 }, (_, index) => ` word${index}`);
    const chat = session();
    chat.send("Go on and on", []);
    while (!posted.some((message) => message.type === "answerChunk")) await new Promise((resolve) => setTimeout(resolve, 10));
    chat.stop();
    await chat.whenIdle();
    const stopped = chat.current.messages.at(-1)!;
    assert.equal(stopped.status, "stopped");
    assert.match(stopped.text, /^ word0/);
    assert.ok(!stopped.text.includes("word199"));
    const stored = await store.load(chat.current.id);
    assert.equal(stored?.messages.at(-1)?.status, "stopped");
    assert.equal(stored?.messages.at(-1)?.text, stopped.text);
  });

  it("says which setting to change when no model is chosen, and keeps the question", async () => {
    model = "";
    const chat = session();
    chat.send("Hello?", []);
    await chat.whenIdle();
    const final = posted.filter((message) => message.type === "messageUpdated").at(-1);
    assert.ok(final?.type === "messageUpdated");
    assert.equal(final.message.status, "failed");
    assert.match(final.message.error?.message ?? "", /No chat model is selected/);
    assert.deepEqual(final.message.error?.actions.map((action) => action.argument ?? action.command), ["hearth.models.chat", "hearth.showLog"]);
    assert.equal(chat.current.messages[0].text, "Hello?");
  });

  it("edit-and-resend replaces the question and drops what followed it", async () => {
    const chat = session();
    chat.send("First question", []);
    await chat.whenIdle();
    chat.send("Second question", []);
    await chat.whenIdle();
    chat.editAndResend(chat.current.messages[2].id, "Second question, edited");
    await chat.whenIdle();
    assert.deepEqual(
      chat.current.messages.map((message) => message.role === "user" && message.text),
      ["First question", false, "Second question, edited", false],
    );
    assert.equal(chat.current.messages.length, 4);
  });

  it("opens a stored conversation, and starts a new one", async () => {
    const chat = session();
    chat.send("Remember me", []);
    await chat.whenIdle();
    const id = chat.current.id;
    await chat.newConversation();
    assert.equal(chat.current.messages.length, 0);
    assert.deepEqual((await store.list()).map((entry) => entry.id), [id]);
    assert.ok(await chat.open(id));
    assert.equal(chat.current.messages[0].text, "Remember me");
    assert.equal(posted.at(-1)?.type, "conversation");
  });

  it("answers again once a model is chosen after a first question failed for lack of one", async () => {
    model = "";
    const chat = session();
    chat.send("Hello?", []);
    await chat.whenIdle();
    assert.equal(chat.answering, false);
    model = "coder";
    assert.ok(chat.send("Hello again?", []));
    await chat.whenIdle();
    assert.deepEqual(chat.current.messages.map((message) => message.status), ["complete", "failed", "complete", "complete"]);
  });

  it("gives a question back (refuses it) while an answer is being written", async () => {
    server.options.delayMs = 20;
    const chat = session();
    assert.ok(chat.send("First", []));
    assert.equal(chat.send("Second", []), false);
    await chat.whenIdle();
    assert.equal(chat.current.messages.filter((message) => message.role === "user").length, 1);
  });

  it("after a reload, reopens this workspace's last conversation, an unfinished answer marked as interrupted with Retry", async () => {
    const chat = session();
    chat.send("Before the reload", []);
    await chat.whenIdle();
    const id = chat.current.id;
    // As the store holds it when VS Code closed in the middle of an answer.
    const saved = (await store.load(id))!;
    await store.save({ ...saved, messages: [...saved.messages, { id: "munfinished", role: "assistant", text: "Half an ans", status: "streaming", createdAt: 1 }] });

    const reloaded = session();
    await reloaded.restoreLast();
    assert.equal(reloaded.current.id, id);
    const interrupted = reloaded.current.messages.at(-1)!;
    assert.equal(interrupted.status, "failed");
    assert.equal(interrupted.text, "Half an ans");
    assert.match(interrupted.error ?? "", /Interrupted/);
    reloaded.regenerate();
    await reloaded.whenIdle();
    assert.equal(reloaded.current.messages.at(-1)?.status, "complete");

    remembered = undefined; // another workspace: starts empty, not in this one's conversation
    const elsewhere = session();
    await elsewhere.restoreLast();
    assert.equal(elsewhere.current.messages.length, 0);
  });

  it("with llama.cpp: counts with the model, and says when the answer was cut at hearth.chat.maxAnswerTokens", async function () {
    this.timeout(60_000);
    const client = new LlamaWorkerClient({ workerScript: path.join(repositoryRoot, "dist", "llamaWorker.js"), keepAliveMs: () => 60_000, log: () => undefined });
    const llama = new LlamaCppBackend(client, () => ({
      modelsDirectory: path.dirname(tinyFimModel),
      run: { gpuLayers: 0, contextSize: 512, parallelConversations: 2, threads: 1, batchSize: 0, flashAttention: "auto", chatFormat: "auto" },
    }));
    try {
      model = path.basename(tinyFimModel);
      const chat = session(llama, { chatModel: () => ({ model, label: model, backendLabel: "llama.cpp" }), maxAnswerTokens: () => 16 });
      // Long enough that the prompt might not fit by its length alone: the worker counts it.
      chat.send(`Summarise: ${"the quick brown fox jumps over the lazy dog ".repeat(25)}`, []);
      await chat.whenIdle();
      const answer = chat.current.messages.at(-1)!;
      assert.equal(answer.status, "complete", answer.error);
      assert.ok((answer.usage?.completionTokens ?? 0) <= 16);
      // The note is there exactly when the answer ran into the limit (this random model seldom ends sooner).
      assert.equal(/16-token limit of hearth\.chat\.maxAnswerTokens/.test(answer.note ?? ""), answer.usage?.completionTokens === 16);
      assert.ok((answer.usage?.promptTokens ?? 0) > 200, "the prompt was counted by the model's tokenizer");
    } finally {
      llama.dispose();
    }
  });
});
