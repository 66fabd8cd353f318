// An error told to the user with a button to the setting that fixes it, when there is one.
// Shared by the features and the UI, so neither imports the other for it.
import * as vscode from "vscode";
import { BackendError } from "../engine/backendError";

export async function showBackendError(error: unknown): Promise<void> {
  const message = error instanceof Error ? error.message : String(error);
  const setting = error instanceof BackendError ? error.setting : undefined;
  const open = vscode.l10n.t("Open Setting");
  const choice = await vscode.window.showErrorMessage(message, ...(setting ? [open] : []));
  if (choice === open) await vscode.commands.executeCommand("workbench.action.openSettings", setting);
}
