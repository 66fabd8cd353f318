import * as assert from "node:assert/strict";
import type { ChatMessageView, HostToWebview, WebviewToHost } from "../../src/shared/chatProtocol";
import { ChatApp } from "../../media/chat/chatApp";
import type { DraftState } from "../../media/chat/hostApi";
import { loadMarkdown } from "../../media/chat/markdownRender";
import { installDom, uninstallDom } from "./webviewDom";

const question: ChatMessageView = {
  id: "q1",
  role: "user",
  text: "What does loadSettings do?",
  status: "complete",
  context: [{ id: "c1", kind: "selection", label: "settings.ts:3-9", detail: "/work/settings.ts, lines 3-9" }],
};
const answer: ChatMessageView = {
  id: "a1",
  role: "assistant",
  text: "It reads the settings.\n\n```ts\nloadSettings();\n```\n",
  status: "complete",
  usage: {
    model: "qwen2.5-coder-7b",
    backend: "llama.cpp",
    promptTokens: 1234,
    reusedPromptTokens: 1000,
    completionTokens: 321,
    timeToFirstTokenMs: 240,
    tokensPerSecond: 28.46,
  },
};

describe("chat webview: the view", () => {
  let posted: WebviewToHost[];
  let saved: DraftState | undefined;
  let root: HTMLElement;
  let app: ChatApp;

  function start(draft?: DraftState): void {
    installDom();
    root = document.createElement("div");
    document.body.append(root);
    posted = [];
    saved = draft;
    app = new ChatApp(root, {
      post: (message) => posted.push(message),
      drafts: { load: () => saved, save: (state) => (saved = state) },
    });
  }
  const send = (message: HostToWebview): void => app.handle(message);
  const box = (): HTMLTextAreaElement => root.querySelector<HTMLTextAreaElement>("#question")!;
  const byLabel = <T extends HTMLElement = HTMLButtonElement>(label: string): T => {
    const node = root.querySelector<T>(`[aria-label="${label}"]`);
    assert.ok(node, `no control labelled ${label}`);
    return node;
  };
  const key = (target: HTMLElement, name: string, init: KeyboardEventInit = {}): void => {
    target.dispatchEvent(new window.KeyboardEvent("keydown", { key: name, bubbles: true, cancelable: true, ...init }));
  };
  const type = (text: string): void => {
    box().value += text;
    box().setSelectionRange(box().value.length, box().value.length);
    box().dispatchEvent(new window.Event("input", { bubbles: true }));
  };

  before(() => loadMarkdown());
  beforeEach(() => start());
  after(() => uninstallDom());

  it("ignores malformed messages and messages for another conversation", () => {
    send({ type: "conversation", conversation: { id: "c", title: "Settings", messages: [question, answer] } });
    const before = root.innerHTML;
    for (const bad of [
      null,
      42,
      "conversation",
      [],
      {},
      { type: "nonsense" },
      { type: "status" },
      { type: "status", status: { backend: 1, details: [] } },
      { type: "conversation", conversation: { id: "x", title: "t", messages: [{ id: "m", role: "system", text: "", status: "complete" }] } },
      { type: "answerChunk", conversationId: "c", messageId: "a1" },
      { type: "messageAdded", conversationId: "c", message: { id: "m2", role: "assistant", text: 5, status: "complete" } },
      { type: "messageAdded", conversationId: "c", message: { id: "m3", role: "assistant", text: "", status: "complete", note: { text: "cut" } } },
      { type: "prefill", text: 42 },
      { type: "history", conversations: [{ id: "x", title: "t", updatedAt: "yesterday", messageCount: 1 }] },
      { type: "engine", activity: { kind: "loading" } },
      { type: "messageAdded", conversationId: "other", message: { ...answer, id: "elsewhere" } },
      { type: "answerChunk", conversationId: "other", messageId: "a1", text: "injected" },
    ]) {
      assert.doesNotThrow(() => app.handle(bad));
    }
    assert.equal(root.innerHTML, before);
  });

  it("shows questions with their chips, answers with usage, and Regenerate only on the last answer", () => {
    send({ type: "conversation", conversation: { id: "c", title: "Settings", messages: [question, answer, { ...question, id: "q2" }, { ...answer, id: "a2" }] } });
    const user = root.querySelector<HTMLElement>('.message.user[data-id="q1"]')!;
    assert.equal(user.dataset.status, "complete");
    assert.equal(user.querySelector(".sent-chips .chip")?.getAttribute("title"), "/work/settings.ts, lines 3-9");
    const usage = root.querySelector<HTMLElement>('.message.assistant[data-id="a1"] .usage')!;
    assert.equal(usage.textContent, "qwen2.5-coder-7b · llama.cpp · 1,234 prompt tokens (1,000 from cache) · 321 generated · 240 ms to first token · 28.5 tok/s");
    assert.match(usage.title, /reused from the model's cache/);
    assert.equal(root.querySelectorAll('[aria-label="Regenerate"]').length, 1);
    assert.ok(root.querySelector('.message[data-id="a2"] [aria-label="Regenerate"]'));
    root.querySelector<HTMLButtonElement>('[aria-label="Regenerate"]')!.click();
    assert.deepEqual(posted.at(-1), { type: "regenerate" });
  });

  it("streams an answer, turns Send into Stop, and Escape stops it", () => {
    send({ type: "conversation", conversation: { id: "c", title: "", messages: [question] } });
    assert.ok(byLabel("Send"));
    send({ type: "messageAdded", conversationId: "c", message: { id: "a1", role: "assistant", text: "", status: "streaming" } });
    assert.ok(byLabel("Stop"));
    send({ type: "answerChunk", conversationId: "c", messageId: "a1", text: "Partial **answer**" });
    const message = root.querySelector<HTMLElement>('.message[data-id="a1"]')!;
    assert.equal(message.dataset.status, "streaming");
    assert.match(message.querySelector(".markdown")!.textContent, /Partial answer/);
    key(box(), "Escape");
    assert.deepEqual(posted.at(-1), { type: "stop" });
    send({ type: "messageUpdated", conversationId: "c", message: { id: "a1", role: "assistant", text: "Partial **answer**", status: "stopped" } });
    assert.equal(message.dataset.status, "stopped");
    assert.equal(message.querySelector(".answer-stopped")?.textContent, "Stopped");
    assert.ok(byLabel("Send"));
  });

  it("keeps a failed answer's text and offers its actions and Retry", () => {
    send({ type: "conversation", conversation: { id: "c", title: "", messages: [question] } });
    send({
      type: "messageAdded",
      conversationId: "c",
      message: {
        id: "a1",
        role: "assistant",
        text: "Half an answer",
        status: "failed",
        error: { message: "The model stopped responding.", actions: [{ label: "Show Log", command: "hearth.showLog" }] },
        leftOut: "Left out to fit the model's 4,096-token context: 2 earlier messages.",
      },
    });
    const message = root.querySelector<HTMLElement>('.message[data-id="a1"]')!;
    assert.equal(message.querySelector(".markdown")?.textContent?.trim(), "Half an answer");
    assert.match(message.querySelector(".answer-error")!.textContent, /stopped responding/);
    assert.match(root.querySelector("#announcer")!.textContent, /The answer failed\. The model stopped responding\./);
    assert.match(message.querySelector(".left-out")!.textContent, /^Left out to fit/);
    byLabel("Show Log").click();
    byLabel("Retry").click();
    assert.deepEqual(posted.slice(-2), [{ type: "runCommand", command: "hearth.showLog" }, { type: "regenerate" }]);
  });

  it("shows how an answer ended under it, keeps Regenerate on the last answer, and says it", () => {
    const note = "The answer reached the 2,048-token limit (hearth.chat.maxAnswerTokens) and was cut there.";
    send({ type: "conversation", conversation: { id: "c", title: "", messages: [question, { ...answer, note }, { ...question, id: "q2" }] } });
    const first = root.querySelector<HTMLElement>('.message[data-id="a1"]')!;
    assert.equal(first.querySelector(".answer-note")?.textContent, note);
    assert.equal(first.querySelector(".answer-note")?.getAttribute("role"), "note");
    assert.ok(first.querySelector('[aria-label="Regenerate"]'), "the last answer, with a note, offers Regenerate");
    send({ type: "messageAdded", conversationId: "c", message: { id: "a2", role: "assistant", text: "", status: "streaming" } });
    send({ type: "answerChunk", conversationId: "c", messageId: "a2", text: "```ts\nconst long = " });
    const second = root.querySelector<HTMLElement>('.message[data-id="a2"]')!;
    assert.equal(second.querySelector(".answer-note"), null);
    send({ type: "messageUpdated", conversationId: "c", message: { id: "a2", role: "assistant", text: "```ts\nconst long = 1;", status: "complete", usage: answer.usage, note } });
    assert.equal(second.querySelector(".answer-note")?.textContent, note);
    assert.ok(second.querySelector(".message-footer .answer-note + .usage"), "the note comes before the usage line");
    assert.equal(first.querySelector(".answer-note")?.textContent, note, "an older answer keeps its note");
    assert.equal(first.querySelector('[aria-label="Regenerate"]'), null);
    assert.equal(root.querySelectorAll('[aria-label="Regenerate"]').length, 1);
    second.querySelector<HTMLButtonElement>('[aria-label="Regenerate"]')!.click();
    assert.deepEqual(posted.at(-1), { type: "regenerate" });
    assert.match(root.querySelector("#announcer")!.textContent, /cut there\.\s*$/);
  });

  it("prefill puts a question back into the box and focuses it, even while an answer streams", () => {
    send({ type: "conversation", conversation: { id: "c", title: "", messages: [question] } });
    send({ type: "messageAdded", conversationId: "c", message: { id: "a1", role: "assistant", text: "", status: "streaming" } });
    send({ type: "answerChunk", conversationId: "c", messageId: "a1", text: "Thinking about it" });
    byLabel("Stop").focus();
    send({ type: "prefill", text: "And the tests?\nAll of them." });
    assert.equal(box().value, "And the tests?\nAll of them.");
    assert.equal(document.activeElement, box());
    assert.equal(box().selectionStart, box().value.length, "the caret at the end");
    assert.deepEqual(saved, { draft: "And the tests?\nAll of them." });
    assert.ok(byLabel("Stop"), "the answer still streams");
    key(box(), "Enter");
    assert.deepEqual(posted, [], "not sent while the answer streams");
    assert.equal(box().value, "And the tests?\nAll of them.");
    send({ type: "messageUpdated", conversationId: "c", message: { id: "a1", role: "assistant", text: "Thinking about it", status: "complete" } });
    assert.equal(box().value, "And the tests?\nAll of them.", "kept when the answer ends");
    assert.equal(byLabel("Send").disabled, false);
    key(box(), "Enter");
    assert.deepEqual(posted, [{ type: "send", text: "And the tests?\nAll of them." }]);
  });

  it("prefill leaves edit mode: the text given back is a new question", () => {
    send({ type: "conversation", conversation: { id: "c", title: "", messages: [question, answer] } });
    key(box(), "ArrowUp");
    assert.ok(root.querySelector(".composer.editing"));
    send({ type: "prefill", text: "Explain this" });
    assert.equal(root.querySelector(".composer.editing"), null);
    assert.deepEqual(saved, { draft: "Explain this" });
    key(box(), "Enter");
    assert.deepEqual(posted, [{ type: "send", text: "Explain this" }]);
  });

  it("sends with Enter, not Shift+Enter, and keeps the draft in the webview state", () => {
    type("Explain this");
    assert.deepEqual(saved, { draft: "Explain this" });
    key(box(), "Enter", { shiftKey: true });
    assert.equal(posted.length, 0);
    key(box(), "Enter");
    assert.deepEqual(posted, [{ type: "send", text: "Explain this" }]);
    assert.equal(box().value, "");
    assert.deepEqual(saved, { draft: "" });
  });

  it("restores the draft and edit mode after the view was hidden", () => {
    start({ draft: "half typed", editingMessageId: "q1" });
    assert.equal(box().value, "half typed");
    send({ type: "conversation", conversation: { id: "c", title: "", messages: [question, answer] } });
    assert.ok(root.querySelector(".composer.editing"));
    key(box(), "Enter");
    assert.deepEqual(posted, [{ type: "editAndResend", messageId: "q1", text: "half typed" }]);
  });

  it("↑ in an empty box edits the last question; Cancel edit leaves edit mode", () => {
    send({ type: "conversation", conversation: { id: "c", title: "", messages: [question, answer] } });
    key(box(), "ArrowUp");
    assert.equal(box().value, question.text);
    assert.ok(root.querySelector(".composer.editing"));
    byLabel("Cancel edit").click();
    assert.equal(box().value, "");
    assert.equal(root.querySelector(".composer.editing"), null);
    byLabel("Edit").click();
    type(" And why?");
    key(box(), "Enter");
    assert.deepEqual(posted, [{ type: "editAndResend", messageId: "q1", text: `${question.text} And why?` }]);
  });

  it("#file followed by a space asks for a file and leaves the rest of the question", () => {
    type("Compare with #file");
    assert.equal(posted.length, 0);
    type(" ");
    assert.deepEqual(posted, [{ type: "addFileContext" }]);
    assert.equal(box().value, "Compare with ");
    type("#file");
    key(box(), "Enter");
    assert.deepEqual(posted, [{ type: "addFileContext" }, { type: "addFileContext" }]);
    assert.equal(box().value, "Compare with ");
  });

  it("shows context chips that can be removed, and an Add file control", () => {
    send({ type: "context", chips: [{ id: "f1", kind: "file", label: "example.ts", detail: "/work/example.ts" }] });
    assert.equal(root.querySelector(".context-chips .chip")?.getAttribute("title"), "/work/example.ts");
    byLabel("Remove example.ts").click();
    byLabel("Add file to context").click();
    assert.deepEqual(posted, [{ type: "removeContext", id: "f1" }, { type: "addFileContext" }]);
  });

  it("lists history newest first, opens, renames and deletes, and closes when a conversation is shown", () => {
    byLabel("History").click();
    assert.deepEqual(posted, [{ type: "showHistory" }]);
    const now = Date.now();
    send({
      type: "history",
      conversations: [
        { id: "old", title: "Old talk", updatedAt: now - 3 * 24 * 3600_000, messageCount: 4 },
        { id: "new", title: "New talk", updatedAt: now - 5 * 60_000, messageCount: 1 },
      ],
    });
    const panel = root.querySelector<HTMLElement>("#history")!;
    assert.equal(panel.hidden, false);
    const rows = Array.from(panel.querySelectorAll<HTMLElement>(".history-item"));
    assert.deepEqual(rows.map((row) => row.dataset.id), ["new", "old"]);
    assert.match(rows[0].textContent, /5 minutes ago · 1 message/);
    rows[1].querySelector<HTMLButtonElement>(".history-open")!.click();
    byLabel("Rename Old talk").click();
    byLabel("Delete Old talk").click();
    assert.deepEqual(posted.slice(1), [
      { type: "openConversation", id: "old" },
      { type: "renameConversation", id: "old" },
      { type: "deleteConversation", id: "old" },
    ]);
    key(panel, "Escape");
    assert.equal(panel.hidden, true);
    send({ type: "history", conversations: [] });
    assert.equal(panel.hidden, true, "a list the user did not ask for does not open the panel");
    byLabel("History").click();
    send({ type: "history", conversations: [] });
    assert.equal(panel.hidden, false);
    assert.equal(panel.querySelector(".history-empty")?.hasAttribute("hidden"), false);
    send({ type: "conversation", conversation: { id: "old", title: "Old talk", messages: [] } });
    assert.equal(panel.hidden, true);
  });

  it("posts the toolbar's commands", () => {
    byLabel("New conversation").click();
    byLabel("Export as Markdown").click();
    byLabel("Export as JSON").click();
    byLabel("Import conversation").click();
    assert.deepEqual(posted, [
      { type: "newConversation" },
      { type: "exportConversation", format: "markdown" },
      { type: "exportConversation", format: "json" },
      { type: "importConversation" },
    ]);
  });

  it("shows the status, a problem with its actions and Open Models view, and a model loading", () => {
    send({ type: "status", status: { backend: "llama.cpp (on this machine)", details: [{ label: "GPU layers", value: "auto" }], problem: { message: "No chat model is selected.", actions: [{ label: "Select Model…", command: "hearth.selectModel" }] } } });
    assert.equal(root.querySelector("#status .model")?.textContent, "No model selected");
    assert.equal(root.querySelector("#status dt")?.textContent, "GPU layers");
    byLabel("Select Model…").click();
    byLabel("Open Models view").click();
    assert.deepEqual(posted, [
      { type: "runCommand", command: "hearth.selectModel" },
      { type: "runCommand", command: "hearth.showModelsView" },
    ]);
    send({ type: "engine", activity: { kind: "loading", model: "qwen.gguf", progress: 0.42 } });
    assert.equal(root.querySelector(".engine-label")?.textContent, "Loading qwen.gguf 42%");
    assert.equal(byLabel<HTMLProgressElement>("Loading qwen.gguf").value, 42);
    send({ type: "engine", activity: { kind: "idle" } });
    assert.equal(root.querySelector<HTMLElement>(".engine-activity")!.hidden, true);
  });
});
