// How Hearth reaches the Hugging Face hub, from VS Code's settings and secrets: the endpoint
// (`hearth.huggingFace.endpoint`, for mirrors and tests), VS Code's own proxy settings (`http.proxy`,
// `http.noProxy`: the model store never uses a proxy for loopback), and the token kept in
// SecretStorage, read each time a download or search starts so a new token applies at once.
import * as vscode from "vscode";
import { DEFAULT_HUB_ENDPOINT } from "../modelStore/hubUrls";
import type { ProxySettings } from "../modelStore/proxyConnection";

export const HUGGING_FACE_TOKEN_SECRET = "hearth.huggingFace.token";

export class HuggingFaceAccess {
  constructor(private readonly secrets: vscode.SecretStorage) {}

  get endpoint(): string {
    return vscode.workspace.getConfiguration("hearth").get<string>("huggingFace.endpoint")?.trim() || DEFAULT_HUB_ENDPOINT;
  }

  get proxy(): ProxySettings | undefined {
    const http = vscode.workspace.getConfiguration("http");
    const url = http.get<string>("proxy")?.trim();
    return url ? { url, noProxy: http.get<string[]>("noProxy") ?? [] } : undefined;
  }

  async token(): Promise<string | undefined> {
    return (await this.secrets.get(HUGGING_FACE_TOKEN_SECRET)) || undefined;
  }

  /** "Hearth: Set Hugging Face Token": stored in SecretStorage, never in settings. Empty removes it. */
  async promptForToken(): Promise<boolean> {
    const value = await vscode.window.showInputBox({
      title: vscode.l10n.t("Hugging Face access token"),
      prompt: vscode.l10n.t("For gated or private models. Create one at huggingface.co/settings/tokens (read access is enough). Leave empty to remove the stored token."),
      password: true,
      ignoreFocusOut: true,
      placeHolder: "hf_…",
    });
    if (value === undefined) return false;
    if (value.trim()) {
      await this.secrets.store(HUGGING_FACE_TOKEN_SECRET, value.trim());
      void vscode.window.showInformationMessage(vscode.l10n.t("Hugging Face token saved. Downloads will use it."));
    } else {
      await this.secrets.delete(HUGGING_FACE_TOKEN_SECRET);
      void vscode.window.showInformationMessage(vscode.l10n.t("Hugging Face token removed."));
    }
    return true;
  }
}
