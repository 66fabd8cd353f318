// "Remove Model": deletes a GGUF file, safely. Only a file directly inside the models folder is
// deleted, with every part of a split model (a path from anywhere else, even one a setting names, is refused: Hearth did not put it
// there). A model the engine has loaded is unloaded first (an open, memory-mapped file cannot be
// deleted on Windows, and a loaded model would keep answering from a file that is gone). Every
// setting that named the file is cleared at every level it was set, not just the one that wins,
// so no settings.json goes on pointing at a missing file.
import { promises as fs } from "node:fs";
import * as path from "node:path";
import * as vscode from "vscode";
import type { Engine } from "../engine/engine";
import type { InstalledModel } from "../modelStore/installedModels";
import { formatBytes, resolveModelPath, type ModelFile } from "../modelStore/modelFiles";
import { MODEL_ROLES, type ModelRole } from "../modelStore/modelRoles";

/** The file at `filePath` if it is a GGUF file directly in `directory`; undefined for any other path. */
export async function modelFileInFolder(filePath: string, directory: string): Promise<ModelFile | undefined> {
  const resolved = path.resolve(filePath);
  if (path.dirname(resolved) !== path.resolve(directory) || !/\.gguf$/i.test(resolved)) return undefined;
  const stat = await fs.lstat(resolved).catch(() => undefined);
  if (!stat?.isFile()) return undefined;
  return { name: path.basename(resolved), path: resolved, sizeBytes: stat.size, modified: stat.mtime };
}

/** Deletes the model's files after confirmation; the roles whose settings were cleared, or undefined if nothing was removed. */
export async function removeInstalledModel(model: InstalledModel, directory: string, engine: Engine, log: vscode.LogOutputChannel): Promise<ModelRole[] | undefined> {
  const parts: ModelFile[] = [];
  for (const part of model.parts) {
    const inFolder = await modelFileInFolder(part.path, directory);
    if (!inFolder) {
      void vscode.window.showErrorMessage(vscode.l10n.t("Hearth removes only models in its models folder ({0}); {1} was left alone.", directory, part.path));
      return undefined;
    }
    parts.push(inFolder);
  }
  const first = parts[0];
  const size = formatBytes(parts.reduce((sum, part) => sum + part.sizeBytes, 0));
  const remove = vscode.l10n.t("Remove");
  const answer = await vscode.window.showWarningMessage(
    parts.length > 1 ? vscode.l10n.t("Delete {0} ({1}, {2} files) from disk?", first.name, size, parts.length) : vscode.l10n.t("Delete {0} ({1}) from disk?", first.name, size),
    { modal: true, detail: parts.map((part) => part.path).join("\n") },
    remove,
  );
  if (answer !== remove) return undefined;
  // Settings first: nothing may load the model again between the unload and the delete.
  const cleared = await clearSettingsNaming(first.path, directory);
  await unloadIfLoaded(first.path, engine, log);
  // The first part last: until it goes, the model is still listed, so a failure leaves it removable.
  for (const part of [...parts.slice(1), first]) {
    try {
      await fs.rm(part.path);
    } catch (error) {
      void vscode.window.showErrorMessage(vscode.l10n.t("Could not delete {0}: {1}", part.path, (error as Error).message));
      return undefined;
    }
  }
  log.info(`Removed ${parts.map((part) => part.path).join(", ")}`);
  return cleared;
}

async function unloadIfLoaded(filePath: string, engine: Engine, log: vscode.LogOutputChannel): Promise<void> {
  const state = engine.state;
  const names = state.kind === "idle" ? state.loaded.map((model) => model.name) : state.kind === "error" ? [] : [state.model];
  if (!names.some((name) => path.resolve(name) === filePath)) return;
  log.info(`Unloading ${filePath} before removing it.`);
  await engine.backend.unload().catch((error: Error) => log.warn(`Unloading before remove: ${error.message}`));
}

/** Clears `hearth.models.<role>` wherever (user, workspace, each folder) it names `filePath`. */
export function clearSettingsNaming(filePath: string, directory: string): Promise<ModelRole[]> {
  return clearModelSettings((value) => typeof value === "string" && path.resolve(resolveModelPath(value, directory) ?? "") === filePath);
}

/** Clears `hearth.models.<role>` wherever (user, workspace, each folder) its value `names` the model. */
export async function clearModelSettings(names: (value: unknown) => boolean): Promise<ModelRole[]> {
  const cleared = new Set<ModelRole>();
  const scopes: Array<{ configuration: vscode.WorkspaceConfiguration; folder: boolean }> = [
    { configuration: vscode.workspace.getConfiguration("hearth"), folder: false },
    ...(vscode.workspace.workspaceFolders ?? []).map((folder) => ({ configuration: vscode.workspace.getConfiguration("hearth", folder.uri), folder: true })),
  ];
  for (const role of MODEL_ROLES) {
    const key = `models.${role}`;
    for (const { configuration, folder } of scopes) {
      const inspected = configuration.inspect<string>(key);
      if (!inspected) continue;
      if (folder) {
        if (names(inspected.workspaceFolderValue)) {
          await configuration.update(key, undefined, vscode.ConfigurationTarget.WorkspaceFolder);
          cleared.add(role);
        }
        continue;
      }
      if (names(inspected.workspaceValue)) {
        await configuration.update(key, undefined, vscode.ConfigurationTarget.Workspace);
        cleared.add(role);
      }
      if (names(inspected.globalValue)) {
        await configuration.update(key, undefined, vscode.ConfigurationTarget.Global);
        cleared.add(role);
      }
    }
  }
  return MODEL_ROLES.filter((role) => cleared.has(role));
}
