// The VS Code side of what Hearth may send where: the question asked before code goes to a
// server a workspace's own settings chose (answers in workspaceState), and the commands to set
// an API key for one server address and to forget this workspace's answers.
import * as vscode from "vscode";
import type { ServerToApprove } from "../engine/approvedBackend";
import type { SettingsService } from "../config/settingsService";
import { type ApiKeyStore, serverOrigin } from "./apiKeys";
import { ServerPermissions, workspaceSettingsChoosing, type ServerSettingKey } from "./serverPermissions";

const PERMISSIONS_KEY = "hearth.serverPermissions";

export function createServerPermissions(workspaceState: vscode.Memento, answered: (server: ServerToApprove, allowed: boolean) => void): ServerPermissions {
  return new ServerPermissions({
    choosingSettings: (server) =>
      workspaceSettingsChoosing(server, (key: ServerSettingKey) => vscode.workspace.getConfiguration("hearth").inspect(key), process.env.OLLAMA_HOST),
    ask: async (server, settings) => {
      const allow = vscode.l10n.t("Allow");
      const refuse = vscode.l10n.t("Don't Allow");
      const choice = await vscode.window.showWarningMessage(
        vscode.l10n.t("This workspace's settings ({0}) point Hearth at {1}, a server that is not on this machine. Allow Hearth to send your code and questions there?", settings.join(", "), server.address),
        {
          modal: true,
          detail: vscode.l10n.t('Nothing is sent until you answer. Your answer is kept for this workspace; "Hearth: Reset Server Permissions for This Workspace" asks again.'),
        },
        allow,
        refuse,
      );
      return choice === allow ? true : choice === refuse ? false : undefined;
    },
    memory: {
      get: () => workspaceState.get<Record<string, boolean>>(PERMISSIONS_KEY) ?? {},
      set: (answers) => workspaceState.update(PERMISSIONS_KEY, Object.keys(answers).length ? answers : undefined),
    },
    answered,
  });
}

/** Asks for the key of the server at `url` and stores it for that origin; false when cancelled. */
export async function askForApiKey(apiKeys: ApiKeyStore, url: string, what = vscode.l10n.t("API key")): Promise<boolean> {
  const origin = serverOrigin(url);
  if (!origin) return false;
  const key = await vscode.window.showInputBox({
    title: vscode.l10n.t("{0} for {1}", what, origin),
    prompt: vscode.l10n.t("Kept in VS Code's secret storage and sent only to {0}. Leave empty to remove it.", origin),
    password: true,
    ignoreFocusOut: true,
  });
  if (key === undefined) return false;
  await apiKeys.setKey(origin, key.trim());
  void vscode.window.showInformationMessage(
    key.trim() ? vscode.l10n.t("Hearth will send this key to {0} only.", origin) : vscode.l10n.t("The key for {0} is removed.", origin),
  );
  return true;
}

export function registerTrustCommands(apiKeys: ApiKeyStore, permissions: ServerPermissions, settings: SettingsService): vscode.Disposable {
  return vscode.Disposable.from(
    vscode.commands.registerCommand("hearth.setOpenAiApiKey", async (url?: string): Promise<boolean> => {
      let address = typeof url === "string" ? url : settings.current.openai.baseUrl;
      if (!serverOrigin(address)) {
        const typed = await vscode.window.showInputBox({
          title: vscode.l10n.t("Which server is the key for?"),
          prompt: vscode.l10n.t("hearth.openai.baseUrl is not set: type the server's address. The key is sent only there."),
          value: "https://",
          validateInput: (value) => (serverOrigin(value) ? undefined : vscode.l10n.t("An http:// or https:// address, such as https://models.example.com/v1")),
          ignoreFocusOut: true,
        });
        if (!typed) return false;
        address = typed;
      }
      return askForApiKey(apiKeys, address);
    }),
    vscode.commands.registerCommand("hearth.resetServerPermissions", async () => {
      const count = await permissions.reset();
      void vscode.window.showInformationMessage(
        count
          ? vscode.l10n.t("Hearth will ask again before it sends anything to a server this workspace's settings choose.")
          : vscode.l10n.t("This workspace had no answers about servers to forget."),
      );
    }),
  );
}
