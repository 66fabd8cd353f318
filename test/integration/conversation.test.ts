// The sidebar chat inside a real VS Code: a question answered by the real llama.cpp worker and
// stored on disk, and Hearth: Explain on a selection in the editor.
import * as assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as vscode from "vscode";
import { tinyFimModel } from "../support/fixtures";
import { eventually, hearth, replaceWindowFunction, setSettings } from "./helpers";

describe("conversation", function () {
  this.timeout(90_000);
  let scratch: string;
  let restore: () => Promise<void>;

  before(async () => {
    const api = await hearth();
    scratch = await fs.mkdtemp(path.join(os.tmpdir(), "hearth-conversation-"));
    await fs.copyFile(tinyFimModel, path.join(scratch, "tiny-fim.gguf"));
    restore = await setSettings({
      backend: "llamaCpp",
      modelsDirectory: scratch,
      "models.chat": "tiny-fim.gguf",
      "llamaCpp.threads": 1,
      "llamaCpp.contextSize": 1024,
      "chat.maxAnswerTokens": 24,
    });
    await eventually(() => api.modelsFolder.directory === scratch && api.settings.current.chat.maxAnswerTokens === 24, "settings");
  });

  after(async () => {
    const api = await hearth();
    await api.chatView.session.newConversation();
    await api.engine.backend.unload();
    await restore();
    await fs.rm(scratch, { recursive: true, force: true });
  });

  it("answers a question through the real worker, says what it cost, and keeps the conversation on disk", async () => {
    const api = await hearth();
    const session = api.chatView.session;
    await session.newConversation();
    session.send("What does add() do?", []);
    await session.whenIdle();

    const [question, answer] = session.current.messages;
    assert.equal(question.text, "What does add() do?");
    assert.equal(answer.role, "assistant");
    assert.equal(answer.status, "complete", answer.error);
    assert.ok(answer.text.length > 0);
    assert.equal(answer.usage?.model, "tiny-fim.gguf");
    assert.equal(answer.usage?.backend, "llama.cpp");
    assert.ok((answer.usage?.promptTokens ?? 0) > 10, "the prompt was counted");
    assert.ok((answer.usage?.completionTokens ?? 0) > 0);

    // The store lists it, and reads it back from its file.
    const listed = await api.conversations.list();
    assert.equal(listed[0]?.id, session.current.id);
    const stored = await api.conversations.load(session.current.id);
    assert.deepEqual(stored?.messages.map((message) => message.text), [question.text, answer.text]);

    // A follow-up reuses the first turn's KV cache.
    session.send("And with negative numbers?", []);
    await session.whenIdle();
    const followUp = session.current.messages.at(-1)!;
    assert.equal(followUp.status, "complete", followUp.error);
    assert.ok((followUp.usage?.reusedPromptTokens ?? 0) > 0, "the first turn came from the KV cache");
  });

  it("Hearth: Explain asks about the selection, with the template filled in", async () => {
    const api = await hearth();
    const file = vscode.Uri.file(path.join(vscode.workspace.workspaceFolders![0].uri.fsPath, "example.ts"));
    const editor = await vscode.window.showTextDocument(file);
    editor.selection = new vscode.Selection(1, 0, 3, 1);
    const session = api.chatView.session;
    const before = session.current.messages.length;
    await vscode.commands.executeCommand("hearth.explain");
    // It joins the conversation shown, as a question and its answer.
    await eventually(() => session.current.messages.length === before + 2, "the question in the chat");
    await session.whenIdle();
    const [question, answer] = session.current.messages.slice(before);
    assert.match(question.text, /export function add\(a: number, b: number\): number \{\n {2}return a \+ b;\n\}/);
    assert.match(question.text, /example\.ts/);
    assert.match(question.text, /typescript/);
    assert.equal(answer.status, "complete", answer.error);
    await eventually(() => api.chatView.visible, "the Chat view on screen");
  });
});

describe("code from an answer, and files as context", function () {
  this.timeout(30_000);
  const example = () => vscode.Uri.file(path.join(vscode.workspace.workspaceFolders![0].uri.fsPath, "example.ts"));

  it("Apply to selection shows a diff and changes the file only when the user accepts", async () => {
    const api = await hearth();
    const editor = await vscode.window.showTextDocument(example());
    const original = editor.document.getText();
    const select = () => (editor.selection = new vscode.Selection(2, 0, 2, editor.document.lineAt(2).text.length));
    try {
      select();
      let prompts = replaceWindowFunction("showInformationMessage", () => Promise.resolve("Reject"));
      await api.chatView.receive({ type: "codeAction", action: "apply", code: "  return b + a;", language: "ts" });
      prompts.restore();
      assert.match(String(prompts.calls[0]?.[0]), /Apply Hearth's change to example\.ts\?/);
      assert.equal(editor.document.getText(), original, "rejected: nothing changed");

      select();
      prompts = replaceWindowFunction("showInformationMessage", () => Promise.resolve("Accept"));
      await api.chatView.receive({ type: "codeAction", action: "apply", code: "  return b + a;", language: "ts" });
      prompts.restore();
      assert.equal(editor.document.lineAt(2).text, "  return b + a;");
      // The proposed side of the diff is closed again.
      assert.ok(!vscode.window.tabGroups.all.some((group) => group.tabs.some((tab) => tab.input instanceof vscode.TabInputTextDiff)));
    } finally {
      await vscode.commands.executeCommand("workbench.action.files.revert");
    }
  });

  it("#file adds the files picked in the fuzzy picker as chips, sent with the next question", async () => {
    const api = await hearth();
    const picker = replaceWindowFunction("showQuickPick", (items: unknown) =>
      Promise.resolve((items as Array<{ label: string }>).filter((item) => item.label === "example.ts")),
    );
    try {
      await api.chatView.receive({ type: "addFileContext" });
    } finally {
      picker.restore();
    }
    assert.ok(api.chatView.context.chips().some((chip) => chip.kind === "file" && chip.label === "example.ts"));
    const taken = await api.chatView.context.take();
    const file = taken.find((context) => context.label === "example.ts" && context.id.startsWith("file-"));
    assert.match(file?.text ?? "", /export function add/);
    assert.ok(!api.chatView.context.chips().some((chip) => chip.id === file?.id), "a file added by hand goes with one question");
  });

  it("ignores a message that does not match the protocol, even a known command with a wrong argument", async () => {
    const api = await hearth();
    const before = api.chatView.session.current;
    await api.chatView.receive({ type: "runCommand", command: "hearth.openSettings", argument: { evil: true } });
    await api.chatView.receive({ type: "send", text: 42 });
    await api.chatView.receive({ type: "workbench.action.terminal.new" });
    assert.equal(api.chatView.session.current, before, "nothing was asked");
  });
});
