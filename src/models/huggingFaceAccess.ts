// How Hearth reaches the Hugging Face hub, from VS Code's settings and secrets: the endpoint
// (`hearth.huggingFace.endpoint`, for mirrors and tests), VS Code's own proxy settings (`http.proxy`,
// `http.noProxy`: the model store never uses a proxy for loopback), and the token kept in
// SecretStorage, read each time a download or search starts so a new token applies at once.
// The token is kept with the origin of the hub it was saved for and sent only there (a mirror
// configured later never gets a huggingface.co token), and never over plain http off this machine.
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

  /** The token saved for the current endpoint's origin; none if reading secrets fails (public models still download). */
  async token(): Promise<string | undefined> {
    let stored: string | undefined;
    try {
      stored = await this.secrets.get(HUGGING_FACE_TOKEN_SECRET);
    } catch {
      return undefined; // no keyring on this machine: go on without a token
    }
    const saved = parseStoredToken(stored);
    const origin = originOf(this.endpoint);
    return saved && origin && saved.origin === origin && sendable(origin) ? saved.token : undefined;
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
      const origin = originOf(this.endpoint);
      if (!origin || !sendable(origin)) {
        void vscode.window.showErrorMessage(vscode.l10n.t("hearth.huggingFace.endpoint ({0}) is not an https address: Hearth does not send a token there.", this.endpoint));
        return false;
      }
      await this.secrets.store(HUGGING_FACE_TOKEN_SECRET, JSON.stringify({ origin, token: value.trim() }));
      void vscode.window.showInformationMessage(vscode.l10n.t("Hugging Face token saved for {0}. Downloads from there will use it.", origin));
    } else {
      await this.secrets.delete(HUGGING_FACE_TOKEN_SECRET);
      void vscode.window.showInformationMessage(vscode.l10n.t("Hugging Face token removed."));
    }
    return true;
  }
}

function originOf(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

/** https anywhere; plain http only to this machine (tests, a local mirror). */
function sendable(origin: string): boolean {
  const { protocol, hostname } = new URL(origin);
  return protocol === "https:" || ["127.0.0.1", "localhost", "[::1]"].includes(hostname);
}

function parseStoredToken(stored: string | undefined): { origin: string; token: string } | undefined {
  if (!stored) return undefined;
  try {
    const parsed = JSON.parse(stored) as { origin?: unknown; token?: unknown };
    return typeof parsed.origin === "string" && typeof parsed.token === "string" ? { origin: parsed.origin, token: parsed.token } : undefined;
  } catch {
    return undefined; // a token stored without its origin: ask for it again rather than guess where it belongs
  }
}
