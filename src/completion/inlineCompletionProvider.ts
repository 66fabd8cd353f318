// The thin adapter between VS Code and the completion controller: turns a document and a cursor
// into a request, and the controller's answer into an inline completion item. Everything that
// decides (cache, debounce, reuse, filters) is in the controller and the pipeline, tested without VS Code.
import * as path from "node:path";
import * as vscode from "vscode";
import type { CompletionController } from "./completionController";
import type { CompletionSwitch } from "./completionSwitch";

/** Documents that are no code the user edits: the output panel, debug console, diff views of git objects. */
const SKIPPED_SCHEMES = new Set(["output", "debug", "git", "vscode-scm", "comment"]);

export class HearthInlineCompletionProvider implements vscode.InlineCompletionItemProvider {
  constructor(
    private readonly controller: CompletionController,
    private readonly completionSwitch: CompletionSwitch,
  ) {}

  async provideInlineCompletionItems(
    document: vscode.TextDocument,
    position: vscode.Position,
    context: vscode.InlineCompletionContext,
    token: vscode.CancellationToken,
  ): Promise<vscode.InlineCompletionItem[] | undefined> {
    if (!this.completionSwitch.allows(document.languageId) || SKIPPED_SCHEMES.has(document.uri.scheme)) return undefined;
    // The suggest widget is open: its choice would have to prefix our text; leave the cursor to it.
    if (context.selectedCompletionInfo) return undefined;
    const editor = vscode.window.activeTextEditor;
    const selectionEmpty = editor?.document !== document || editor.selections.every((selection) => selection.isEmpty);
    const abort = new AbortController();
    const cancelled = token.onCancellationRequested(() => abort.abort());
    try {
      const result = await this.controller.complete(
        {
          document,
          path: workspacePath(document.uri),
          line: position.line,
          character: position.character,
          selectionEmpty,
          explicit: context.triggerKind === vscode.InlineCompletionTriggerKind.Invoke,
          ...(editor?.document === document ? { tabSize: Number(editor.options.tabSize) || 4, insertSpaces: editor.options.insertSpaces !== false } : {}),
        },
        abort.signal,
      );
      if (!result || token.isCancellationRequested) return undefined;
      const item = new vscode.InlineCompletionItem(result.text, new vscode.Range(position, position), { title: "", command: "hearth.completionAccepted" });
      return [item];
    } finally {
      cancelled.dispose();
    }
  }
}

/** The path a completion prompt names the file by: relative to its workspace folder, else its base name. */
export function workspacePath(uri: vscode.Uri): string | undefined {
  if (uri.scheme === "untitled") return undefined;
  const folder = vscode.workspace.getWorkspaceFolder(uri);
  return folder ? path.posix.relative(folder.uri.path, uri.path) : path.posix.basename(uri.path);
}
