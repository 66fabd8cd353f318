// What the buttons on a code block in an answer do: Copy, Insert at cursor, Apply to selection
// (through a diff the user accepts or rejects, never a silent edit) and New file.
import * as vscode from "vscode";
import type { CodeAction } from "../shared/chatProtocol";

const PROPOSED_SCHEME = "hearth-proposed";

/** Serves the proposed text of a file, for the left-right diff Apply shows. */
class ProposedContent implements vscode.TextDocumentContentProvider {
  private readonly texts = new Map<string, string>();
  private next = 0;

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? "";
  }

  add(original: vscode.Uri, text: string): vscode.Uri {
    const uri = vscode.Uri.from({ scheme: PROPOSED_SCHEME, path: original.path, query: String(this.next++) });
    this.texts.set(uri.toString(), text);
    return uri;
  }

  delete(uri: vscode.Uri): void {
    this.texts.delete(uri.toString());
  }
}

export class CodeBlockActions implements vscode.Disposable {
  private readonly proposed = new ProposedContent();
  private readonly registration = vscode.workspace.registerTextDocumentContentProvider(PROPOSED_SCHEME, this.proposed);

  async run(action: CodeAction, code: string, language: string | undefined): Promise<void> {
    switch (action) {
      case "copy":
        return vscode.env.clipboard.writeText(code);
      case "insert":
        return this.insert(code);
      case "apply":
        return this.apply(code);
      case "newFile": {
        const document = await vscode.workspace.openTextDocument({ content: code, ...(language ? { language: languageId(language) } : {}) });
        await vscode.window.showTextDocument(document);
        return;
      }
    }
  }

  /** The editor the code goes into: the active one, or the only one on screen; never a guess between several. */
  private editor(): vscode.TextEditor | undefined {
    const visible = vscode.window.visibleTextEditors;
    const editor = vscode.window.activeTextEditor ?? (visible.length === 1 ? visible[0] : undefined);
    if (!editor) void vscode.window.showInformationMessage(vscode.l10n.t("Click into the file where the code should go first: it goes where the cursor is."));
    return editor;
  }

  private async insert(code: string): Promise<void> {
    const editor = this.editor();
    if (!editor) return;
    const at = editor.selection.active;
    if (!(await editor.edit((edit) => edit.insert(at, code)))) {
      void vscode.window.showWarningMessage(vscode.l10n.t("The code could not be inserted into {0}: it may be read-only.", vscode.workspace.asRelativePath(editor.document.uri, false)));
      return;
    }
    await vscode.window.showTextDocument(editor.document, editor.viewColumn);
  }

  /** Shows the file with the selection replaced by `code` next to the file as it is; applies it only if accepted. */
  private async apply(code: string): Promise<void> {
    const editor = this.editor();
    if (!editor) return;
    const { document } = editor;
    // Nothing selected: the diff proposes the code at the cursor (never a whole file replaced by a snippet).
    const range: vscode.Range = editor.selection;
    const version = document.version;
    const proposedText = document.getText().slice(0, document.offsetAt(range.start)) + code + document.getText().slice(document.offsetAt(range.end));
    const proposed = this.proposed.add(document.uri, proposedText);
    const name = vscode.workspace.asRelativePath(document.uri, false);
    try {
      await vscode.commands.executeCommand("vscode.diff", document.uri, proposed, vscode.l10n.t("{0} ↔ Hearth's change", name), { preview: true });
      const accept = vscode.l10n.t("Accept");
      const choice = await vscode.window.showInformationMessage(vscode.l10n.t("Apply Hearth's change to {0}?", name), accept, vscode.l10n.t("Reject"));
      if (choice !== accept) return;
      if (document.version !== version) {
        void vscode.window.showWarningMessage(vscode.l10n.t("{0} changed while the diff was open, so the change was not applied. Apply it again.", name));
        return;
      }
      const edit = new vscode.WorkspaceEdit();
      edit.replace(document.uri, range, code);
      if (!(await vscode.workspace.applyEdit(edit))) void vscode.window.showWarningMessage(vscode.l10n.t("The change could not be applied to {0}: it may be read-only.", name));
    } finally {
      this.proposed.delete(proposed);
      await closeDiff(proposed);
      await vscode.window.showTextDocument(document, editor.viewColumn);
    }
  }

  dispose(): void {
    this.registration.dispose();
  }
}

async function closeDiff(proposed: vscode.Uri): Promise<void> {
  for (const group of vscode.window.tabGroups.all) {
    for (const tab of group.tabs) {
      if (tab.input instanceof vscode.TabInputTextDiff && tab.input.modified.toString() === proposed.toString()) await vscode.window.tabGroups.close(tab);
    }
  }
}

/** A markdown fence's language name as a VS Code language id ("ts" → "typescript"). */
export function languageId(fence: string): string {
  const aliases: Record<string, string> = { ts: "typescript", js: "javascript", py: "python", sh: "shellscript", bash: "shellscript", shell: "shellscript", rs: "rust", md: "markdown", yml: "yaml", "c++": "cpp", cs: "csharp", golang: "go" };
  const name = fence.trim().toLowerCase();
  return aliases[name] ?? name;
}
