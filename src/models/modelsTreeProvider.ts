// The Models view: the GGUF files in the models folder, their sizes, and which role (chat,
// completion, embedding) each is selected for. The empty state is package.json's viewsWelcome.
import * as path from "node:path";
import * as vscode from "vscode";
import type { SettingsService } from "../config/settingsService";
import { formatBytes, resolveModelPath, type ModelFile } from "./modelFiles";
import type { ModelsFolder } from "./modelsFolder";

export type ModelRole = "chat" | "completion" | "embedding";
export const MODEL_ROLES: readonly ModelRole[] = ["chat", "completion", "embedding"];

export interface ModelTreeNode {
  readonly kind: "modelFile";
  readonly file: ModelFile;
  readonly roles: readonly ModelRole[];
}

export class ModelsTreeProvider implements vscode.TreeDataProvider<ModelTreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscription: vscode.Disposable;

  constructor(
    private readonly folder: ModelsFolder,
    private readonly settings: SettingsService,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.subscription = folder.onDidChange(() => this.refresh());
  }

  refresh(): void {
    this.changed.fire();
  }

  async getChildren(element?: ModelTreeNode): Promise<ModelTreeNode[]> {
    if (element) return [];
    const directory = this.folder.directory;
    try {
      const files = await this.folder.list();
      return files.map((file) => ({ kind: "modelFile", file, roles: this.rolesOf(file.path, directory) }));
    } catch (error) {
      this.log.error(`Could not list the models folder ${directory}:`, error);
      void vscode.window.showErrorMessage(
        vscode.l10n.t("Hearth could not list the models folder {0}: {1}", directory, (error as Error).message),
      );
      return [];
    }
  }

  getTreeItem(node: ModelTreeNode): vscode.TreeItem {
    const { file, roles } = node;
    const item = new vscode.TreeItem(file.name, vscode.TreeItemCollapsibleState.None);
    item.id = file.path;
    item.description = [formatBytes(file.sizeBytes), ...roles].join(" · ");
    item.iconPath = new vscode.ThemeIcon(roles.length ? "pass-filled" : "file-binary");
    item.contextValue = roles.length ? "hearth.model.gguf.selected" : "hearth.model.gguf";
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

  private rolesOf(filePath: string, directory: string): ModelRole[] {
    const models = this.settings.current.models;
    return MODEL_ROLES.filter((role) => {
      const selected = resolveModelPath(models[role], directory);
      return selected !== undefined && path.resolve(selected) === path.resolve(filePath);
    });
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
