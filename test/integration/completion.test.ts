// Inline completions inside a real VS Code: the provider asked through VS Code's own trigger
// command, answered by the real llama.cpp worker with the FIM fixture model, and accepted with
// VS Code's own commit command; the status bar item, the toggle and a chat-only model.
import * as assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as vscode from "vscode";
import type { CompletionEvent } from "../../src/completion/completionController";
import { tinyFimModel, tinyModel } from "../support/fixtures";
import { eventually, hearth, replaceWindowFunction, setSettings } from "./helpers";

describe("inline completions", function () {
  this.timeout(60_000);
  let scratch: string;

  before(async () => {
    scratch = await fs.mkdtemp(path.join(os.tmpdir(), "hearth-completion-"));
    await fs.copyFile(tinyFimModel, path.join(scratch, "tiny-fim.gguf"));
    await fs.copyFile(tinyModel, path.join(scratch, "tiny-chat.gguf"));
  });

  after(async () => {
    await vscode.commands.executeCommand("workbench.action.closeAllEditors");
    await fs.rm(scratch, { recursive: true, force: true });
  });

  /** An editor on a new TypeScript document, the cursor at the end of `text`. */
  async function editorWith(text: string): Promise<vscode.TextEditor> {
    const document = await vscode.workspace.openTextDocument({ language: "typescript", content: text });
    const editor = await vscode.window.showTextDocument(document);
    const end = document.lineAt(document.lineCount - 1).range.end;
    editor.selection = new vscode.Selection(end, end);
    return editor;
  }

  it("VS Code's trigger shows an item made by the real worker, and VS Code's commit inserts it", async () => {
    const api = await hearth();
    const restore = await setSettings({ backend: "llamaCpp", modelsDirectory: scratch, "models.completion": "tiny-fim.gguf", "llamaCpp.threads": 1, "completion.enabled": true });
    const events: CompletionEvent[] = [];
    const listen = api.completions.controller.onDidAnswer((event) => events.push(event));
    try {
      await eventually(() => api.settings.current.models.completion === "tiny-fim.gguf" && api.modelsFolder.directory === scratch, "settings");
      const editor = await editorWith("// Sums the numbers.\nexport function sum(values: number[]): number {\n  let total = 0;\n  for (const value of values) {\n    ");
      const before = editor.document.getText();
      await vscode.commands.executeCommand("editor.action.inlineSuggest.trigger");
      const shown = (await eventually(
        () => events.find((event) => event.outcome === "generated"),
        "a completion from the worker",
        30_000,
      ).catch((error: Error) => {
        throw new Error(`${error.message}; answers so far: ${JSON.stringify(events)}; status: ${api.completions.statusBar.item.text}`);
      })) as CompletionEvent;
      assert.ok(shown.generation && shown.generation.usage.promptTokens > 0, "the prompt went through the worker");
      assert.ok(shown.text, "the item has text");
      // The engine's status bar item is untouched by a completion: no "generating", no speed from it.
      assert.doesNotMatch(api.statusBar.item.text, /tok\/s|loading~spin/);
      await vscode.commands.executeCommand("editor.action.inlineSuggest.commit");
      await eventually(() => editor.document.getText() === before + shown.text, "the completion inserted at the cursor");
    } finally {
      listen.dispose();
      await vscode.commands.executeCommand("workbench.action.closeActiveEditor");
      await restore();
    }
  });

  it("the toggle turns completions off and on, and the status bar says so", async () => {
    const api = await hearth();
    const restore = await setSettings({ "completion.enabled": true });
    try {
      await vscode.commands.executeCommand("hearth.toggleCompletions");
      await eventually(() => api.completions.statusBar.item.text === "$(circle-slash) Hearth", "the off state");
      assert.equal(api.completions.completionSwitch.allows("typescript"), false);
      await vscode.commands.executeCommand("hearth.toggleCompletions");
      await eventually(() => api.completions.completionSwitch.allows("typescript"), "on again");
      await vscode.commands.executeCommand("hearth.snoozeCompletions", 5);
      await eventually(() => /^\$\(clock\) [45]m$/.test(api.completions.statusBar.item.text), "the snoozed state");
      assert.equal(api.completions.completionSwitch.allows("typescript"), false);
      await api.completions.completionSwitch.resume();
      assert.equal(api.completions.completionSwitch.allows("markdown"), false, "markdown is off by default");
    } finally {
      await restore();
    }
  });

  it("a chat-only model as the completion model: told once which model to choose, with the setting", async () => {
    const api = await hearth();
    const restore = await setSettings({ backend: "llamaCpp", modelsDirectory: scratch, "models.completion": "tiny-chat.gguf", "llamaCpp.threads": 1, "completion.enabled": true });
    const warnings = replaceWindowFunction("showWarningMessage", () => Promise.resolve(undefined));
    try {
      await eventually(() => api.settings.current.models.completion === "tiny-chat.gguf", "settings");
      await editorWith("const answer = ");
      for (let attempt = 0; attempt < 3; attempt++) {
        await vscode.commands.executeCommand("editor.action.inlineSuggest.trigger");
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
      await eventually(() => warnings.calls.length > 0, "a warning");
      await new Promise((resolve) => setTimeout(resolve, 500));
      const completionWarnings = warnings.calls.filter((call) => /complete code/.test(String(call[0])));
      assert.equal(completionWarnings.length, 1, JSON.stringify(warnings.calls));
      assert.match(String(completionWarnings[0][0]), /tiny-chat\.gguf/);
      assert.equal(completionWarnings[0][1], "Open Setting");
      assert.equal(api.completions.statusBar.item.text, "$(warning) Hearth");
    } finally {
      warnings.restore();
      await vscode.commands.executeCommand("workbench.action.closeActiveEditor");
      await restore();
    }
  });
});
