// Command-palette and Models-view commands that act on model files: install (copy a GGUF file
// into the models folder), select (for chat, completion or embedding) and remove.
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as vscode from "vscode";
import type { SettingsService } from "../config/settingsService";
import { updateSetting } from "../config/settingWrites";
import type { ModelInfo } from "../engine/backend";
import type { Engine } from "../engine/engine";
import { showBackendError } from "../ui/engineCommands";
import { formatBytes, modelSettingValue, type ModelFile } from "../modelStore/modelFiles";
import type { ModelsFolder } from "./modelsFolder";
import { rolesUsingFile, type ModelRole } from "../modelStore/modelRoles";
import type { ModelTreeNode } from "./modelsTreeProvider";
import { installModelFile } from "./installModelFile";

const ROLE_LABELS: Record<ModelRole, string> = { chat: "Chat", completion: "Inline completions", embedding: "Embeddings" };

export function registerModelCommands(
  settings: SettingsService,
  folder: ModelsFolder,
  engine: Engine,
  log: vscode.LogOutputChannel,
): vscode.Disposable {
  const commands = new ModelCommands(settings, folder, engine, log);
  return vscode.Disposable.from(
    vscode.commands.registerCommand("hearth.installModel", () => commands.install()),
    vscode.commands.registerCommand("hearth.selectModel", (node?: ModelTreeNode) => commands.select(node)),
    vscode.commands.registerCommand("hearth.removeModel", (node?: ModelTreeNode) => commands.remove(node)),
  );
}

class ModelCommands {
  constructor(
    private readonly settings: SettingsService,
    private readonly folder: ModelsFolder,
    private readonly engine: Engine,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  async install(): Promise<string[]> {
    const backend = this.settings.current.backend;
    if (backend !== "llamaCpp") {
      void vscode.window.showInformationMessage(
        backend === "ollama"
          ? vscode.l10n.t("Hearth installs GGUF files for its llama.cpp backend. To add a model to Ollama, run `ollama pull NAME`.")
          : vscode.l10n.t("Hearth installs GGUF files for its llama.cpp backend. Add models to your OpenAI-compatible server with its own tools."),
      );
      return [];
    }
    const picked = await vscode.window.showOpenDialog({
      title: vscode.l10n.t("Install GGUF models into Hearth's models folder"),
      canSelectMany: true,
      openLabel: vscode.l10n.t("Install"),
      filters: { [vscode.l10n.t("GGUF models")]: ["gguf"] },
      defaultUri: vscode.Uri.file(os.homedir()),
    });
    if (!picked?.length) return [];
    const directory = this.folder.directory;
    const installed: string[] = [];
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t("Installing models") },
      async (progress) => {
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
      },
    );
    this.folder.notifyChanged();
    if (installed.length && !this.settings.current.models.chat) {
      const name = path.basename(installed[0]);
      const choice = await vscode.window.showInformationMessage(
        vscode.l10n.t("Installed {0}. No chat model is selected yet.", name),
        vscode.l10n.t("Use for Chat"),
      );
      if (choice) await this.assign(["chat"], modelSettingValue(installed[0], directory));
    }
    return installed;
  }

  async select(node?: ModelTreeNode): Promise<void> {
    if (node && this.settings.current.backend !== "llamaCpp") {
      void vscode.window.showInformationMessage(
        vscode.l10n.t("GGUF files are for the llama.cpp backend; the selected backend is {0}. Switch backend first.", this.settings.current.backend),
      );
      return;
    }
    const value = node ? modelSettingValue(node.file.path, this.folder.directory) : await this.pickModelToSelect();
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

  async remove(node?: ModelTreeNode): Promise<void> {
    const file = node?.file ?? (await this.pickModelFile(vscode.l10n.t("Remove which model?")));
    if (!file) return;
    const remove = vscode.l10n.t("Remove");
    const answer = await vscode.window.showWarningMessage(
      vscode.l10n.t("Delete {0} ({1}) from disk?", file.name, formatBytes(file.sizeBytes)),
      { modal: true, detail: file.path },
      remove,
    );
    if (answer !== remove) return;
    try {
      await fs.rm(file.path);
    } catch (error) {
      void vscode.window.showErrorMessage(vscode.l10n.t("Could not delete {0}: {1}", file.path, (error as Error).message));
      return;
    }
    this.log.info(`Removed ${file.path}`);
    const directory = this.folder.directory;
    const rolesCleared = rolesUsingFile(file.path, this.settings.current.models, directory);
    for (const role of rolesCleared) await updateSetting(`models.${role}`, "");
    this.folder.notifyChanged();
    if (rolesCleared.length) {
      void vscode.window.showInformationMessage(
        vscode.l10n.t("Removed {0}. It was selected for {1}; select another model.", file.name, rolesCleared.join(", ")),
      );
    }
  }

  private async pickModelFile(title: string): Promise<ModelFile | undefined> {
    const files = await this.folder.list();
    if (!files.length) {
      void vscode.window.showInformationMessage(vscode.l10n.t("There are no models in {0}.", this.folder.directory));
      return undefined;
    }
    const picked = await vscode.window.showQuickPick(
      files.map((file) => ({ label: file.name, description: formatBytes(file.sizeBytes), file })),
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

  private async assign(roles: readonly ModelRole[], value: string): Promise<void> {
    for (const role of roles) await updateSetting(`models.${role}`, value);
    this.log.info(`Selected ${value} for ${roles.join(", ")}`);
  }
}
