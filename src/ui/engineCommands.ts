// Commands about the engine: switch backend or model (the status bar's click, with the usual
// servers as presets) and load the chat model now.
import * as vscode from "vscode";
import type { SettingsService } from "../config/settingsService";
import { showBackendError } from "../config/showSettingError";
import type { Engine } from "../engine/engine";
import type { ApiKeyStore } from "./apiKeys";
import { switchBackendOrModel } from "./backendPicker";

export function registerEngineCommands(engine: Engine, settings: SettingsService, apiKeys: ApiKeyStore): vscode.Disposable {
  return vscode.Disposable.from(
    vscode.commands.registerCommand("hearth.switchBackendOrModel", () => switchBackendOrModel(settings, apiKeys)),
    vscode.commands.registerCommand("hearth.loadModel", async () => {
      const model = settings.current.models.chat;
      try {
        return await vscode.window.withProgress(
          { location: vscode.ProgressLocation.Window, title: vscode.l10n.t("Hearth: loading {0}", model) },
          () => engine.backend.load(model),
        );
      } catch (error) {
        void showBackendError(error);
        return undefined;
      }
    }),
  );
}
