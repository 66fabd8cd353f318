// Commands about the engine: switch backend or model (the status bar's click), load the chat
// model now, and keep an OpenAI-compatible server's API key in SecretStorage.
import * as vscode from "vscode";
import type { SettingsService } from "../config/settingsService";
import { BACKEND_KINDS, BACKEND_LABELS } from "../config/settings";
import { updateSetting } from "../config/settingWrites";
import { showBackendError } from "../config/showSettingError";
import type { Engine } from "../engine/engine";

export const OPENAI_API_KEY_SECRET = "hearth.openai.apiKey";

export function registerEngineCommands(engine: Engine, settings: SettingsService, secrets: vscode.SecretStorage): vscode.Disposable {
  return vscode.Disposable.from(
    vscode.commands.registerCommand("hearth.switchBackendOrModel", async (): Promise<unknown> => {
      const current = settings.current.backend;
      const choice = await vscode.window.showQuickPick(
        [
          { label: vscode.l10n.t("Select Model…"), description: settings.current.models.chat, action: "model" as const },
          ...BACKEND_KINDS.filter((kind) => kind !== current).map((kind) => ({
            label: vscode.l10n.t("Use {0}", BACKEND_LABELS[kind]),
            action: kind,
          })),
          { label: vscode.l10n.t("Show Log"), action: "log" as const },
        ],
        { title: vscode.l10n.t("Hearth: {0}", BACKEND_LABELS[current]) },
      );
      if (!choice) return undefined;
      if (choice.action === "model") return vscode.commands.executeCommand("hearth.selectModel");
      if (choice.action === "log") return vscode.commands.executeCommand("hearth.showLog");
      return updateSetting("backend", choice.action);
    }),
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
    vscode.commands.registerCommand("hearth.setOpenAiApiKey", async () => {
      const key = await vscode.window.showInputBox({
        title: vscode.l10n.t("API key for the OpenAI-compatible server"),
        prompt: vscode.l10n.t("Kept in VS Code's secret storage and sent only to hearth.openai.baseUrl. Leave empty to remove it."),
        password: true,
        ignoreFocusOut: true,
      });
      if (key === undefined) return;
      if (key) await secrets.store(OPENAI_API_KEY_SECRET, key);
      else await secrets.delete(OPENAI_API_KEY_SECRET);
    }),
  );
}

