// After an Ollama model is deleted, the model settings that named it would point at nothing: they
// are cleared wherever they were set (user, workspace), as for a removed GGUF file.
import * as vscode from "vscode";
import { MODEL_ROLES } from "../modelStore/modelRoles";

export async function clearOllamaSettingsNaming(model: string): Promise<void> {
  const configuration = vscode.workspace.getConfiguration("hearth");
  for (const role of MODEL_ROLES) {
    const inspected = configuration.inspect<string>(`models.${role}`);
    if (inspected?.workspaceValue === model) await configuration.update(`models.${role}`, undefined, vscode.ConfigurationTarget.Workspace);
    if (inspected?.globalValue === model) await configuration.update(`models.${role}`, undefined, vscode.ConfigurationTarget.Global);
  }
}
