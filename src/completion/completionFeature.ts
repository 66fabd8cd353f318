// Inline completions as one contribution: builds the switch, status bar item, controller and
// provider, and feeds them VS Code's events — keystrokes (for the debounce's rhythm), the code the
// user leaves or saves (extra context), an idle moment after switching files (to warm the engine's
// cache), an accepted completion (to ask for the next one at once), and settings changes.
import * as vscode from "vscode";
import type { SettingsService } from "../config/settingsService";
import type { Engine } from "../engine/engine";
import { registerCompletionCommands } from "./completionCommands";
import { CompletionController } from "./completionController";
import { CompletionStatusBar } from "./completionStatusBar";
import { CompletionSwitch } from "./completionSwitch";
import { HearthInlineCompletionProvider, workspacePath } from "./inlineCompletionProvider";
import { chunkWindow, RecentContext } from "./pipeline/contextChunks";
import { AdaptiveDebouncer } from "./pipeline/debounce";

export interface CompletionFeature extends vscode.Disposable {
  readonly controller: CompletionController;
  readonly statusBar: CompletionStatusBar;
  readonly completionSwitch: CompletionSwitch;
  readonly recent: RecentContext;
}

/** Files that usually hold secrets: never sent as context. */
const SECRET_FILE = /(^|\/)(\.env(\..*)?|\.npmrc|\.netrc|\.pypirc|id_[a-z0-9]+|.*\.(pem|key|p12|pfx|keystore)|credentials(\.\w+)?|secrets?(\.\w+)?)$/i;

/** Idle time after switching files before the engine is warmed with the new file's context. */
const WARM_AFTER_MS = 1_000;

export function registerCompletions(settings: SettingsService, engine: Engine, globalState: vscode.Memento, log: vscode.LogOutputChannel): CompletionFeature {
  const completionSwitch = new CompletionSwitch(settings, globalState);
  const statusBar = new CompletionStatusBar(completionSwitch, () => settings.current.models.completion);
  const recent = new RecentContext();
  const debouncer = new AdaptiveDebouncer();
  const controller = new CompletionController({
    backend: () => engine.backend,
    model: () => settings.current.models.completion,
    template: () => settings.current.completion.fimTemplate,
    maxLines: () => settings.current.completion.maxLines,
    engineBusy: () => engine.state.kind === "generating",
    recent,
    debouncer,
    reporter: {
      working: () => statusBar.started(),
      problem: (problem) => statusBar.setProblem(problem),
      notify: (message, setting) => {
        const actions = setting ? [vscode.l10n.t("Open Setting")] : [];
        void vscode.window.showWarningMessage(message, ...actions).then((choice) => choice && vscode.commands.executeCommand("workbench.action.openSettings", setting));
      },
      log: (message) => log.warn(message),
    },
  });
  const provider = new HearthInlineCompletionProvider(controller, completionSwitch);

  /**
   * Notes the lines around `line` of a document as extra context for completions in other files:
   * only workspace files in languages where completions are on, never settings, git objects or
   * files that usually hold secrets (they would be sent to the completion model's server).
   */
  const remember = (document: vscode.TextDocument, line: number) => {
    if (!["file", "vscode-remote"].includes(document.uri.scheme) || !vscode.workspace.getWorkspaceFolder(document.uri)) return;
    if (!completionSwitch.languageOn(document.languageId) || SECRET_FILE.test(document.uri.path)) return;
    const path = workspacePath(document.uri);
    if (!path) return;
    const { startLine, endLine } = chunkWindow(line, document.lineCount);
    recent.record(path, document.getText(new vscode.Range(startLine, 0, endLine, 0)), startLine);
  };

  let warmTimer: NodeJS.Timeout | undefined;
  let lastEditor = vscode.window.activeTextEditor;
  const onEditorChanged = (editor: vscode.TextEditor | undefined) => {
    // The file the user leaves becomes context for the next one.
    if (lastEditor && !lastEditor.document.isClosed) remember(lastEditor.document, lastEditor.selection.active.line);
    lastEditor = editor;
    clearTimeout(warmTimer);
    if (!editor) return;
    warmTimer = setTimeout(() => void warm(editor), WARM_AFTER_MS);
  };
  // While the user reads the new file, the engine evaluates its prompt, so the first completion
  // there only has the last keystroke to evaluate.
  const warm = async (editor: vscode.TextEditor) => {
    if (vscode.window.activeTextEditor !== editor || !completionSwitch.allows(editor.document.languageId) || engine.state.kind !== "idle") return;
    const position = editor.selection.active;
    await controller.warm({
      document: editor.document,
      path: workspacePath(editor.document.uri),
      line: position.line,
      character: position.character,
      selectionEmpty: editor.selection.isEmpty,
      explicit: false,
    });
  };

  // What completions depend on: a change may fix a failure, or make cached completions stale.
  const completionSettingsKey = () => {
    const { backend, models, modelsDirectory, completion, llamaCpp, ollama, openai } = settings.current;
    return JSON.stringify([backend, models.completion, modelsDirectory, completion.fimTemplate, completion.maxLines, llamaCpp, ollama, openai]);
  };
  let lastSettings = completionSettingsKey();

  const disposables = vscode.Disposable.from(
    controller,
    completionSwitch,
    statusBar,
    vscode.languages.registerInlineCompletionItemProvider({ pattern: "**" }, provider),
    registerCompletionCommands(completionSwitch),
    vscode.commands.registerCommand("hearth.completionAccepted", () => {
      // The next completion is asked for at once, from the end of the accepted one (not while a
      // chat answer is being written: that has the CPU).
      if (engine.state.kind === "generating") return;
      setTimeout(() => void vscode.commands.executeCommand("editor.action.inlineSuggest.trigger"), 0);
    }),
    // A chat answer starting gets the CPU: a completion still generating gives way.
    engine.onDidChangeState((state) => state.kind === "generating" && controller.cancel()),
    vscode.workspace.onDidChangeTextDocument((event) => {
      if (event.contentChanges.length && event.document === vscode.window.activeTextEditor?.document) debouncer.recordKeystroke();
    }),
    vscode.workspace.onDidSaveTextDocument((document) => {
      const editor = vscode.window.activeTextEditor;
      if (editor?.document === document) remember(document, editor.selection.active.line);
    }),
    vscode.window.onDidChangeActiveTextEditor(onEditorChanged),
    vscode.workspace.onDidDeleteFiles((event) => {
      for (const uri of event.files) {
        const path = workspacePath(uri);
        if (path) recent.forget(path);
      }
    }),
    settings.onDidChange(() => {
      const key = completionSettingsKey();
      if (key !== lastSettings) controller.reset();
      lastSettings = key;
    }),
    { dispose: () => clearTimeout(warmTimer) },
  );
  return { controller, statusBar, completionSwitch, recent, dispose: () => void disposables.dispose() };
}
