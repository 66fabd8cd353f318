// The context that goes with the next question, shown as removable chips: the selection in the
// active editor (or, with nothing selected, the active file) follows the editor on its own;
// files the user adds with `#file` stay until the question is sent. Texts are read at send time.
import * as path from "node:path";
import * as vscode from "vscode";
import type { ContextChip } from "../shared/chatProtocol";
import type { StoredContext } from "./conversation";

/** A file larger than this is attached only up to here (the prompt builder trims further by tokens). */
const MAX_FILE_CHARACTERS = 200_000;
const SCHEMES = new Set(["file", "untitled", "vscode-remote", "vscode-userdata"]);

interface AddedFile {
  readonly chip: ContextChip;
  readonly uri: vscode.Uri;
}

export class PendingContext implements vscode.Disposable {
  private added: AddedFile[] = [];
  /** Automatic chips the user removed, by what they showed; they come back when the editor moves on. */
  private readonly dismissed = new Set<string>();
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly subscriptions: vscode.Disposable[];
  private timer: NodeJS.Timeout | undefined;

  constructor() {
    const soon = () => {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.changed.fire(), 150);
    };
    this.subscriptions = [vscode.window.onDidChangeActiveTextEditor(soon), vscode.window.onDidChangeTextEditorSelection(soon)];
  }

  chips(): ContextChip[] {
    const automatic = this.automatic();
    return [...(automatic ? [automatic.chip] : []), ...this.added.map((file) => file.chip)];
  }

  remove(id: string): void {
    const automatic = this.automatic();
    if (automatic?.chip.id === id) this.dismissed.add(automatic.key);
    this.added = this.added.filter((file) => file.chip.id !== id);
    this.changed.fire();
  }

  add(uris: readonly vscode.Uri[]): void {
    for (const uri of uris) {
      if (this.added.some((file) => file.uri.toString() === uri.toString())) continue;
      const label = vscode.workspace.asRelativePath(uri, false);
      this.added.push({ uri, chip: { id: `file-${this.added.length}-${Date.now().toString(36)}`, kind: "file", label, detail: uri.fsPath } });
    }
    this.changed.fire();
  }

  /** Reads what the chips stand for; files added by hand are then cleared (the automatic chip stays). */
  async take(): Promise<StoredContext[]> {
    const context: StoredContext[] = [];
    const automatic = this.automatic();
    if (automatic) context.push(automatic.read());
    for (const file of this.added) {
      const read = await readFile(file.uri, file.chip);
      if (read) context.push(read);
    }
    this.added = [];
    this.changed.fire();
    return context;
  }

  /** The active editor's selection, else its file, unless the user removed that chip. */
  private automatic(): { chip: ContextChip; key: string; read: () => StoredContext } | undefined {
    const editor = vscode.window.activeTextEditor;
    if (!editor || !SCHEMES.has(editor.document.uri.scheme)) return undefined;
    const { document, selection } = editor;
    const name = vscode.workspace.asRelativePath(document.uri, false);
    const source = document.uri.scheme === "file" ? document.uri.fsPath : document.uri.toString();
    if (!selection.isEmpty) {
      const lines = `${selection.start.line + 1}-${selection.end.line + 1 - (selection.end.character === 0 ? 1 : 0)}`;
      const label = `${path.basename(name)}:${lines}`;
      const key = `${document.uri.toString()}#${lines}`;
      if (this.dismissed.has(key)) return undefined;
      const chip: ContextChip = { id: "selection", kind: "selection", label, detail: `Selected lines ${lines} of ${source}` };
      return { chip, key, read: () => ({ ...chip, source, language: document.languageId, text: document.getText(selection) }) };
    }
    const key = document.uri.toString();
    if (this.dismissed.has(key)) return undefined;
    const chip: ContextChip = { id: "active-file", kind: "file", label: path.basename(name), detail: source };
    return { chip, key, read: () => ({ ...chip, label: name, source, language: document.languageId, text: capped(document.getText()) }) };
  }

  dispose(): void {
    clearTimeout(this.timer);
    for (const subscription of this.subscriptions) subscription.dispose();
    this.changed.dispose();
  }
}

/** A file's text (from its open editor when it has one, so unsaved edits count); undefined for binary files. */
async function readFile(uri: vscode.Uri, chip: ContextChip): Promise<StoredContext | undefined> {
  const open = vscode.workspace.textDocuments.find((document) => document.uri.toString() === uri.toString());
  let text: string;
  let language: string | undefined = open?.languageId;
  if (open) text = open.getText();
  else {
    const bytes = await vscode.workspace.fs.readFile(uri);
    if (bytes.subarray(0, 8000).includes(0)) {
      void vscode.window.showWarningMessage(vscode.l10n.t("{0} looks like a binary file, so it was not attached.", chip.label));
      return undefined;
    }
    text = new TextDecoder().decode(bytes.subarray(0, MAX_FILE_CHARACTERS * 4));
    language = path.extname(uri.path).slice(1) || undefined;
  }
  return { ...chip, source: uri.scheme === "file" ? uri.fsPath : uri.toString(), ...(language ? { language } : {}), text: capped(text) };
}

/** A file's text up to the cap, cut at a line and marked, so neither the model nor the user is misled. */
function capped(text: string): string {
  if (text.length <= MAX_FILE_CHARACTERS) return text;
  const cut = text.lastIndexOf("\n", MAX_FILE_CHARACTERS);
  const kept = text.slice(0, cut > 0 ? cut : MAX_FILE_CHARACTERS);
  return `${kept}\n[… the rest of this file (${(text.length - kept.length).toLocaleString("en-US")} characters) was not attached]`;
}

/** The `#file` picker: the workspace's files, fuzzy-matched as the user types, several at once. */
export async function pickWorkspaceFiles(): Promise<vscode.Uri[]> {
  const files = await vscode.workspace.findFiles("**/*", "{**/node_modules/**,**/.git/**,**/dist/**,**/out/**}", 5000);
  const items = files
    .map((uri) => ({ uri, label: path.basename(uri.path), description: path.dirname(vscode.workspace.asRelativePath(uri, false)).replace(/^\.$/, "") }))
    .sort((a, b) => a.label.localeCompare(b.label));
  const picked = await vscode.window.showQuickPick(items, {
    title: vscode.l10n.t("Add files to the question"),
    placeHolder: vscode.l10n.t("Type to search the workspace's files"),
    canPickMany: true,
    matchOnDescription: true,
  });
  return picked?.map((item) => item.uri) ?? [];
}
