// The Chat view: a webview that (for now) shows whether Hearth can chat and, if not, what is
// missing. Hardened as VS Code's webview guidance says: a CSP that allows only our bundled
// script (by nonce) and styles, local resources from dist/webview only, and a ready handshake
// instead of timers. The status is recomputed whenever settings or the models folder change.
import { randomBytes } from "node:crypto";
import * as vscode from "vscode";
import type { SettingsService } from "../config/settingsService";
import { describeReadiness } from "../engine/backendReadiness";
import type { ModelsFolder } from "../models/modelsFolder";
import { isWebviewToHost, type ChatStatus, type HostToWebview } from "../shared/chatProtocol";

export class ChatViewProvider implements vscode.WebviewViewProvider, vscode.Disposable {
  static readonly viewId = "hearth.chat";
  private view: vscode.WebviewView | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private lastStatus: Promise<ChatStatus> | undefined;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly settings: SettingsService,
    private readonly folder: ModelsFolder,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.disposables.push(
      settings.onDidChange(() => this.pushStatus()),
      folder.onDidChange(() => this.pushStatus()),
    );
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    const webviewRoot = vscode.Uri.joinPath(this.extensionUri, "dist", "webview");
    view.webview.options = { enableScripts: true, localResourceRoots: [webviewRoot] };
    view.webview.html = this.html(view.webview, webviewRoot);
    this.disposables.push(
      view.webview.onDidReceiveMessage((message: unknown) => this.receive(message)),
      view.onDidChangeVisibility(() => view.visible && this.pushStatus()),
      view.onDidDispose(() => (this.view = undefined)),
    );
  }

  /** The status the view shows (computed anew if settings or files changed since). */
  status(): Promise<ChatStatus> {
    this.lastStatus ??= describeReadiness(this.settings.current, {
      modelsDirectory: this.folder.directory,
      ollamaHostFromEnvironment: process.env.OLLAMA_HOST,
    });
    return this.lastStatus;
  }

  private pushStatus(): void {
    this.lastStatus = undefined;
    if (!this.view?.visible) return;
    void this.status().then(
      (status) => this.post({ type: "status", status }),
      (error) => this.log.error("Could not describe the backend's state:", error),
    );
  }

  private receive(message: unknown): void {
    if (!isWebviewToHost(message)) {
      this.log.warn("Ignored an unexpected message from the chat view:", message);
      return;
    }
    if (message.type === "ready") {
      this.pushStatus();
    } else if (message.command === "hearth.openSettings") {
      void vscode.commands.executeCommand("workbench.action.openSettings", message.argument ?? "hearth");
    } else {
      void vscode.commands.executeCommand(message.command);
    }
  }

  private post(message: HostToWebview): void {
    void this.view?.webview.postMessage(message);
  }

  private html(webview: vscode.Webview, root: vscode.Uri): string {
    const nonce = randomBytes(16).toString("base64");
    const script = webview.asWebviewUri(vscode.Uri.joinPath(root, "chat.js")).toString();
    const style = webview.asWebviewUri(vscode.Uri.joinPath(root, "chat.css")).toString();
    const csp = [
      "default-src 'none'",
      `style-src ${webview.cspSource}`,
      `font-src ${webview.cspSource}`,
      `img-src ${webview.cspSource} data:`,
      `script-src 'nonce-${nonce}'`,
    ].join("; ");
    return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <meta http-equiv="Content-Security-Policy" content="${csp}">
  <meta name="viewport" content="width=device-width, initial-scale=1.0">
  <link href="${style}" rel="stylesheet">
  <title>Hearth Chat</title>
</head>
<body>
  <main id="status" aria-live="polite"><p class="muted">Checking the model…</p></main>
  <script nonce="${nonce}" src="${script}"></script>
</body>
</html>`;
  }

  dispose(): void {
    for (const disposable of this.disposables) disposable.dispose();
  }
}
