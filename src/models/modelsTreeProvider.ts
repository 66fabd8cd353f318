// The Models view: the GGUF files in the models folder, their sizes, and which role (chat,
// completion, embedding) each is selected for. The empty state is package.json's viewsWelcome.
import * as vscode from "vscode";
import type { SettingsService } from "../config/settingsService";
import { formatBytes, type ModelFile } from "../modelStore/modelFiles";
import type { ModelsFolder } from "./modelsFolder";
import { rolesUsingFile, type ModelRole } from "../modelStore/modelRoles";

export interface ModelTreeNode {
  readonly kind: "modelFile";
  readonly file: ModelFile;
  readonly roles: readonly ModelRole[];
}

export class ModelsTreeProvider implements vscode.TreeDataProvider<ModelTreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscriptions: vscode.Disposable[];
  /** The last listing error shown, so an unreadable folder is reported once, not on every refresh. */
  private lastError: string | undefined;

  constructor(
    private readonly folder: ModelsFolder,
    private readonly settings: SettingsService,
    private readonly log: vscode.LogOutputChannel,
  ) {
    // Settings changes can move the role marks (which model is used for chat, completion…).
    this.subscriptions = [folder.onDidChange(() => this.refresh()), settings.onDidChange(() => this.refresh())];
  }

  refresh(): void {
    this.changed.fire();
  }

  async getChildren(element?: ModelTreeNode): Promise<ModelTreeNode[]> {
    if (element) return [];
    const directory = this.folder.directory;
    try {
      const files = await this.folder.list();
      this.lastError = undefined;
      const models = this.settings.current.models;
      return files.map((file) => ({ kind: "modelFile", file, roles: rolesUsingFile(file.path, models, directory) }));
    } catch (error) {
      const message = vscode.l10n.t("Hearth could not list the models folder {0}: {1}", directory, (error as Error).message);
      if (message !== this.lastError) {
        this.lastError = message;
        this.log.error(message);
        void vscode.window.showErrorMessage(message);
      }
      return [];
    }
  }

  getTreeItem(node: ModelTreeNode): vscode.TreeItem {
    const { file, roles } = node;
    const item = new vscode.TreeItem(file.name, vscode.TreeItemCollapsibleState.None);
    item.id = file.path;
    item.description = [formatBytes(file.sizeBytes), ...roles].join(" · ");
    item.iconPath = new vscode.ThemeIcon(roles.length ? "pass-filled" : "file-binary");
    item.contextValue = "hearth.model.gguf";
    item.resourceUri = vscode.Uri.file(file.path);
    item.tooltip = new vscode.MarkdownString(
      [
        `**${file.name}**`,
        "",
        `${formatBytes(file.sizeBytes)} · modified ${file.modified.toLocaleString()}`,
        "",
        `\`${file.path}\``,
        roles.length ? `\n\nSelected for: ${roles.join(", ")}` : "",
      ].join("\n"),
    );
    return item;
  }

  dispose(): void {
    for (const subscription of this.subscriptions) subscription.dispose();
    this.changed.dispose();
  }
}
