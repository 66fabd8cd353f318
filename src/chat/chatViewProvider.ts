// The Chat view: a webview that (for now) shows whether Hearth can chat and, if not, what is
// missing. Hardened as VS Code's webview guidance says: a strict CSP with a nonce, local
// resources from dist/webview only, and a ready handshake instead of timers. The status is
// recomputed when settings, the models folder or the engine's state change.
import { randomBytes } from "node:crypto";
import * as path from "node:path";
import * as vscode from "vscode";
import type { SettingsService } from "../config/settingsService";
import type { BackendState } from "../engine/backend";
import { describeReadiness } from "../engine/backendReadiness";
import type { Engine } from "../engine/engine";
import { resolveModelPath } from "../models/modelFiles";
import type { ModelsFolder } from "../models/modelsFolder";
import { isWebviewToHost, type ChatStatus, type HostToWebview } from "../shared/chatProtocol";
import { chatViewHtml } from "./chatViewHtml";

export class ChatViewProvider implements vscode.WebviewViewProvider, vscode.Disposable {
  static readonly viewId = "hearth.chat";
  private view: { webviewView: vscode.WebviewView; disposables: vscode.Disposable[] } | undefined;
  private readonly subscriptions: Array<{ dispose(): unknown }>;
  private lastStatus: Promise<ChatStatus> | undefined;
  /** Counts status checks, so a slow older check never overwrites a newer one. */
  private generation = 0;
  /** The loaded models the status last reflected. */
  private loadedShown = "";

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly settings: SettingsService,
    private readonly folder: ModelsFolder,
    private readonly engine: Engine,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.subscriptions = [
      settings.onDidChange(() => this.pushStatus()),
      folder.onDidChange(() => this.pushStatus()),
      // Only a change in what is loaded changes the view ("Running on"); every finished request
      // also ends in "idle", and must not cost a file check or a server probe.
      engine.onDidChangeState((state) => {
        if (state.kind !== "idle") return;
        const loaded = state.loaded.map((model) => `${model.name}:${model.gpuLayers}`).join("\n");
        if (loaded === this.loadedShown) return;
        this.loadedShown = loaded;
        this.pushStatus();
      }),
    ];
  }

  /** Whether the view is on screen (tests use it to see that Open Chat showed it). */
  get visible(): boolean {
    return this.view?.webviewView.visible ?? false;
  }

  resolveWebviewView(webviewView: vscode.WebviewView): void {
    for (const disposable of this.view?.disposables ?? []) disposable.dispose();
    const webviewRoot = vscode.Uri.joinPath(this.extensionUri, "dist", "webview");
    const webview = webviewView.webview;
    webview.options = { enableScripts: true, localResourceRoots: [webviewRoot] };
    webview.html = chatViewHtml({
      cspSource: webview.cspSource,
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(webviewRoot, "chat.js")).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(webviewRoot, "chat.css")).toString(),
      nonce: randomBytes(16).toString("base64"),
    });
    // The model file is watched while the view exists, so a deleted model is noticed.
    this.folder.ensureWatching();
    const view = { webviewView, disposables: [] as vscode.Disposable[] };
    view.disposables.push(
      webview.onDidReceiveMessage((message: unknown) => this.receive(message)),
      webviewView.onDidDispose(() => {
        for (const disposable of view.disposables) disposable.dispose();
        if (this.view === view) this.view = undefined;
      }),
    );
    this.view = view;
  }

  /** The status the view shows (computed anew if settings, files or the engine changed since). */
  status(): Promise<ChatStatus> {
    this.lastStatus ??= this.describe();
    return this.lastStatus;
  }

  private async describe(): Promise<ChatStatus> {
    const settings = this.settings.current;
    const status = await describeReadiness(settings, {
      modelsDirectory: this.folder.directory,
      ollamaHostFromEnvironment: process.env.OLLAMA_HOST,
      listServerModels: (signal) => this.engine.backend.listModels(signal),
    });
    const running = settings.backend === "llamaCpp" ? whereLoaded(this.engine.state, resolveModelPath(settings.models.chat, this.folder.directory)) : undefined;
    return running ? { ...status, details: [...status.details, { label: "Running on", value: running }] } : status;
  }

  private pushStatus(): void {
    this.lastStatus = undefined;
    // Hidden webviews are reloaded when shown again, and then ask for the status themselves.
    if (!this.view?.webviewView.visible) return;
    const generation = ++this.generation;
    this.status().then(
      (status) => generation === this.generation && this.post({ type: "status", status }),
      (error: unknown) => this.log.error("Could not describe the backend's state:", error),
    );
  }

  private receive(message: unknown): void {
    if (!isWebviewToHost(message)) {
      this.log.warn("Ignored an unexpected message from the chat view:", message);
      return;
    }
    if (message.type === "ready") this.pushStatus();
    else void vscode.commands.executeCommand(message.command, ...(message.argument !== undefined ? [message.argument] : []));
  }

  private post(message: HostToWebview): void {
    void this.view?.webviewView.webview.postMessage(message);
  }

  dispose(): void {
    for (const disposable of this.view?.disposables ?? []) disposable.dispose();
    for (const subscription of this.subscriptions) subscription.dispose();
  }
}

/** "CPU (0 of 32 layers on the GPU)" when the chat model is loaded. */
function whereLoaded(state: BackendState, modelPath: string | undefined): string | undefined {
  if (state.kind !== "idle" || !modelPath) return undefined;
  const loaded = state.loaded.find((entry) => path.resolve(entry.name) === path.resolve(modelPath));
  if (loaded?.gpuLayers === undefined) return undefined;
  const layers = `${loaded.gpuLayers} of ${loaded.totalLayers ?? "?"} layers on the GPU`;
  return loaded.gpuLayers === 0 ? `CPU (${layers})` : `GPU (${layers})`;
}
