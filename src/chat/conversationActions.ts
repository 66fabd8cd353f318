// The history list's actions and export/import, with VS Code's dialogs: rename asks for a name,
// delete asks for confirmation, export saves a Markdown or JSON file, import reads a JSON file
// and refuses (with the reason) anything that is not a conversation this Hearth can read.
import * as vscode from "vscode";
import type { HostToWebview } from "../shared/chatProtocol";
import type { ChatSession } from "./chatSession";
import { newId } from "./conversation";
import { conversationToJson, conversationToMarkdown, importConversation } from "./conversationFile";
import type { ConversationStore } from "./conversationStore";

/** Import refuses files larger than this before reading them. */
const MAX_IMPORT_BYTES = 20 * 1024 * 1024;

export class ConversationActions {
  constructor(
    private readonly store: ConversationStore,
    private readonly session: ChatSession,
    private readonly post: (message: HostToWebview) => void,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  async showHistory(): Promise<void> {
    this.post({ type: "history", conversations: await this.store.list() });
    for (const report of this.store.takeSetAsideReports()) void vscode.window.showWarningMessage(report);
  }

  async open(id: string): Promise<void> {
    try {
      if (!(await this.session.open(id))) void vscode.window.showWarningMessage(vscode.l10n.t("That conversation no longer exists."));
    } catch (error) {
      // A corrupt file: the store set it aside; say so, and show the list without it.
      this.log.warn((error as Error).message);
      void vscode.window.showErrorMessage((error as Error).message);
      await this.showHistory();
    }
  }

  async rename(id: string): Promise<void> {
    const summary = (await this.store.list()).find((entry) => entry.id === id);
    if (!summary) return;
    const title = await vscode.window.showInputBox({
      title: vscode.l10n.t("Rename conversation"),
      value: summary.title,
      validateInput: (value) => (value.trim() ? undefined : vscode.l10n.t("A name cannot be empty.")),
    });
    if (!title?.trim()) return;
    const renamed = await this.store.rename(id, title.trim());
    if (renamed) this.session.retitle(id, renamed.title);
    await this.showHistory();
  }

  async delete(id: string): Promise<void> {
    const summary = (await this.store.list()).find((entry) => entry.id === id);
    if (!summary) return;
    const remove = vscode.l10n.t("Delete");
    const choice = await vscode.window.showWarningMessage(vscode.l10n.t('Delete the conversation "{0}"?', summary.title), { modal: true }, remove);
    if (choice !== remove) return;
    await this.session.forget(id);
    await this.store.delete(id);
    await this.showHistory();
  }

  async export(format: "markdown" | "json"): Promise<void> {
    // As it is now: an answer still being written is exported as unfinished.
    const conversation = this.session.current;
    if (!conversation.messages.length) {
      void vscode.window.showInformationMessage(vscode.l10n.t("This conversation is empty: ask something first."));
      return;
    }
    const extension = format === "markdown" ? "md" : "json";
    const name = `${conversation.title.replace(/[^\p{L}\p{N} _-]+/gu, "").trim().slice(0, 60) || "conversation"}.${extension}`;
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const target = await vscode.window.showSaveDialog({
      title: vscode.l10n.t("Export conversation"),
      ...(folder ? { defaultUri: vscode.Uri.joinPath(folder, name) } : {}),
      filters: format === "markdown" ? { Markdown: ["md"] } : { JSON: ["json"] },
    });
    if (!target) return;
    const text = format === "markdown" ? conversationToMarkdown(conversation) : conversationToJson(conversation);
    await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(text));
    void vscode.window.showInformationMessage(vscode.l10n.t("Exported to {0}.", vscode.workspace.asRelativePath(target, false)));
  }

  async import(): Promise<void> {
    const [file] =
      (await vscode.window.showOpenDialog({ title: vscode.l10n.t("Import conversation"), canSelectMany: false, filters: { "Hearth conversation": ["json"] } })) ?? [];
    if (!file) return;
    const { size } = await vscode.workspace.fs.stat(file);
    if (size > MAX_IMPORT_BYTES) {
      void vscode.window.showErrorMessage(vscode.l10n.t("{0} is too large to be a conversation ({1} MB).", file.fsPath, (size / 1e6).toFixed(0)));
      return;
    }
    const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(file));
    const imported = importConversation(text, newId("c"), Date.now());
    if (!imported.ok) {
      void vscode.window.showErrorMessage(vscode.l10n.t("{0} was not imported: {1}", vscode.workspace.asRelativePath(file, false), imported.message));
      return;
    }
    await this.store.save(imported.conversation);
    await this.session.show(imported.conversation);
  }
}
