// Command-palette and Models-view commands that act on installed models: add a GGUF file from
// disk (copied into the models folder), select a model for a role (chat, completion, embedding),
// reveal it, and remove it.
import * as os from "node:os";
import * as path from "node:path";
import * as vscode from "vscode";
import type { SettingsService } from "../config/settingsService";
import { updateSetting } from "../config/settingWrites";
import type { ModelInfo } from "../engine/backend";
import type { Engine } from "../engine/engine";
import { showBackendError } from "../config/showSettingError";
import { formatBytes, modelSettingValue, type ModelFile } from "../modelStore/modelFiles";
import type { ModelRole } from "../modelStore/modelRoles";
import type { ModelsFolder } from "./modelsFolder";
import type { ModelTreeNode } from "./modelsTreeNodes";
import { installModelFile } from "./installModelFile";
import { modelFileInFolder, removeInstalledModel } from "./modelRemoval";
import { groupInstalledFiles, type InstalledModel } from "../modelStore/installedModels";

const ROLE_LABELS: Record<ModelRole, string> = { chat: "Chat", completion: "Inline completions", embedding: "Embeddings" };

/** What a command may be given: a view node, or (from tests and other commands) a file path or URI. */
type ModelArgument = ModelTreeNode | string | vscode.Uri | undefined;

export function registerModelCommands(commands: ModelCommands): vscode.Disposable {
  const useFor = (role: ModelRole) => (node?: ModelArgument) => commands.useFor(role, node);
  return vscode.Disposable.from(
    vscode.commands.registerCommand("hearth.addModelFromFile", () => commands.addFromFile()),
    vscode.commands.registerCommand("hearth.selectModel", (node?: ModelArgument) => commands.select(node)),
    vscode.commands.registerCommand("hearth.useForChat", useFor("chat")),
    vscode.commands.registerCommand("hearth.useForCompletion", useFor("completion")),
    vscode.commands.registerCommand("hearth.useForEmbeddings", useFor("embedding")),
    vscode.commands.registerCommand("hearth.revealModel", (node?: ModelArgument) => commands.reveal(node)),
    vscode.commands.registerCommand("hearth.removeModel", (node?: ModelArgument) => commands.remove(node)),
  );
}

export class ModelCommands {
  constructor(
    private readonly settings: SettingsService,
    private readonly folder: ModelsFolder,
    private readonly engine: Engine,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  /** "Add Model from File…": copies GGUF files the user already has into the models folder. */
  async addFromFile(): Promise<string[]> {
    const backend = this.settings.current.backend;
    if (backend !== "llamaCpp") {
      void vscode.window.showInformationMessage(
        backend === "ollama"
          ? vscode.l10n.t("Hearth installs GGUF files for its llama.cpp backend. To add a model to Ollama, run Hearth: Pull Ollama Model….")
          : vscode.l10n.t("Hearth installs GGUF files for its llama.cpp backend. Add models to your OpenAI-compatible server with its own tools."),
      );
      return [];
    }
    const picked = await vscode.window.showOpenDialog({
      title: vscode.l10n.t("Add GGUF models to Hearth's models folder"),
      canSelectMany: true,
      openLabel: vscode.l10n.t("Add"),
      filters: { [vscode.l10n.t("GGUF models")]: ["gguf"] },
      defaultUri: vscode.Uri.file(os.homedir()),
    });
    if (!picked?.length) return [];
    const directory = this.folder.directory;
    const installed: string[] = [];
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: vscode.l10n.t("Adding models") }, async (progress) => {
      for (const uri of picked) {
        progress.report({ message: path.basename(uri.fsPath) });
        try {
          installed.push(await installModelFile(uri.fsPath, directory));
          this.log.info(`Installed ${uri.fsPath} into ${directory}`);
        } catch (error) {
          this.log.warn(`Install of ${uri.fsPath} failed:`, error);
          void vscode.window.showErrorMessage((error as Error).message);
        }
      }
    });
    this.folder.notifyChanged();
    if (installed.length && !this.settings.current.models.chat) {
      const name = path.basename(installed[0]);
      const choice = await vscode.window.showInformationMessage(vscode.l10n.t("Installed {0}. No chat model is selected yet.", name), vscode.l10n.t("Use for Chat"));
      if (choice) await this.assign(["chat"], modelSettingValue(installed[0], directory));
    }
    return installed;
  }

  async select(node?: ModelArgument): Promise<void> {
    const value = node ? await this.settingValueOf(node) : await this.pickModelToSelect();
    if (value === undefined) return;
    const role = await vscode.window.showQuickPick(
      [
        { label: ROLE_LABELS.chat, roles: ["chat"] as ModelRole[] },
        { label: ROLE_LABELS.completion, roles: ["completion"] as ModelRole[] },
        { label: `${ROLE_LABELS.chat} and ${ROLE_LABELS.completion.toLowerCase()}`, roles: ["chat", "completion"] as ModelRole[] },
        { label: ROLE_LABELS.embedding, roles: ["embedding"] as ModelRole[] },
      ],
      { title: vscode.l10n.t("Use {0} for…", path.basename(value)) },
    );
    if (role) await this.assign(role.roles, value);
  }

  /** "Use for Chat / Completion / Embeddings" on a view item (or a file path). */
  async useFor(role: ModelRole, node?: ModelArgument): Promise<void> {
    const value = node ? await this.settingValueOf(node) : await this.pickModelToSelect();
    if (value !== undefined) await this.assign([role], value);
  }

  async reveal(node?: ModelArgument): Promise<void> {
    const file = await this.fileOf(node);
    if (file) await vscode.commands.executeCommand("revealFileInOS", vscode.Uri.file(file.path));
  }

  async remove(node?: ModelArgument): Promise<void> {
    const file = node ? await this.fileOf(node) : await this.pickModelFile(vscode.l10n.t("Remove which model?"));
    if (!file) return;
    const cleared = await removeInstalledModel(await this.modelOf(file, node), this.folder.directory, this.engine, this.log);
    if (!cleared) return;
    this.folder.notifyChanged();
    if (cleared.length) {
      void vscode.window.showInformationMessage(vscode.l10n.t("Removed {0}. It was selected for {1}; select another model.", file.name, cleared.join(", ")));
    }
  }

  /** The setting value for a node: a file name for GGUF files, the model's name for an Ollama model. */
  private async settingValueOf(node: Exclude<ModelArgument, undefined>): Promise<string | undefined> {
    if (typeof node === "object" && "kind" in node && node.kind === "ollamaModel") return node.name;
    if (this.settings.current.backend !== "llamaCpp") {
      void vscode.window.showInformationMessage(
        vscode.l10n.t("GGUF files are for the llama.cpp backend; the selected backend is {0}. Switch backend first.", this.settings.current.backend),
      );
      return undefined;
    }
    const file = await this.fileOf(node);
    return file && modelSettingValue(file.path, this.folder.directory);
  }

  /** The whole model a file belongs to: all parts of a split model. */
  private async modelOf(file: ModelFile, node: ModelArgument): Promise<InstalledModel> {
    if (typeof node === "object" && "kind" in node && node.kind === "modelFile") return { file, parts: node.parts, sizeBytes: node.parts.reduce((sum, part) => sum + part.sizeBytes, 0) };
    const listed = groupInstalledFiles(await this.folder.list().catch(() => [])).find((model) => model.file.path === file.path);
    return listed ?? { file, parts: [file], sizeBytes: file.sizeBytes };
  }

  /** The installed file a node or path stands for; a path outside the models folder is refused. */
  private async fileOf(node: ModelArgument): Promise<ModelFile | undefined> {
    if (node === undefined) return undefined;
    if (typeof node === "object" && "kind" in node) {
      if (node.kind === "modelFile") return node.file;
      return undefined;
    }
    const filePath = typeof node === "string" ? node : node.fsPath;
    const file = await modelFileInFolder(filePath, this.folder.directory);
    if (!file) void vscode.window.showErrorMessage(vscode.l10n.t("{0} is not a model in Hearth's models folder ({1}); Hearth leaves it alone.", filePath, this.folder.directory));
    return file;
  }

  private async pickModelFile(title: string): Promise<ModelFile | undefined> {
    const models = groupInstalledFiles(await this.folder.list());
    if (!models.length) {
      void vscode.window.showInformationMessage(vscode.l10n.t("There are no models in {0}.", this.folder.directory));
      return undefined;
    }
    const picked = await vscode.window.showQuickPick(
      models.map((model) => ({ label: model.file.name, description: formatBytes(model.sizeBytes), file: model.file })),
      { title },
    );
    return picked?.file;
  }

  /** The value to write into a model setting: a GGUF file name for llama.cpp, a model name for a server. */
  private async pickModelToSelect(): Promise<string | undefined> {
    const current = this.settings.current;
    if (current.backend === "llamaCpp") {
      const file = await this.pickModelFile(vscode.l10n.t("Select a model"));
      return file && modelSettingValue(file.path, this.folder.directory);
    }
    let models: ModelInfo[];
    try {
      models = await this.engine.backend.listModels();
    } catch (error) {
      void showBackendError(error);
      return undefined;
    }
    if (!models.length) {
      void vscode.window.showInformationMessage(vscode.l10n.t("The server has no models yet."));
      return undefined;
    }
    const picked = await vscode.window.showQuickPick(
      models.map((model) => ({
        label: model.name,
        description: [model.sizeBytes !== undefined ? formatBytes(model.sizeBytes) : "", model.details ?? ""].filter(Boolean).join(" · "),
      })),
      { title: vscode.l10n.t("Select a model") },
    );
    return picked?.label;
  }

  async assign(roles: readonly ModelRole[], value: string): Promise<void> {
    for (const role of roles) await updateSetting(`models.${role}`, value);
    this.log.info(`Selected ${value} for ${roles.join(", ")}`);
  }
}
