// The one way Hearth changes a setting: where the user defined it now (folder, workspace or
// user settings), so the new value is the one that takes effect. Writing to user settings while
// a workspace value exists would change nothing the user can see.
import * as vscode from "vscode";
import type { SettingKey } from "./settings";

export async function updateSetting(key: SettingKey, value: unknown): Promise<void> {
  const configuration = vscode.workspace.getConfiguration("hearth");
  const inspected = configuration.inspect(key);
  const target =
    inspected?.workspaceFolderValue !== undefined
      ? vscode.ConfigurationTarget.WorkspaceFolder
      : inspected?.workspaceValue !== undefined
        ? vscode.ConfigurationTarget.Workspace
        : vscode.ConfigurationTarget.Global;
  await configuration.update(key, value, target);
}
