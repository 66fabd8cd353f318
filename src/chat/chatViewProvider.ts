// The Chat view: a conversation with the chat model, plus what Hearth needs before it can chat
// (no model, a missing file, a server that does not answer) and what to do about it. Hardened
// as VS Code's webview guidance says: a strict CSP with a nonce, local resources from
// dist/webview only, a ready handshake instead of timers, and every message from the page
// checked against the protocol. The conversation lives here on the host, not in the webview,
// so hiding the view, reloading it or a streaming answer in between loses nothing.
import { randomBytes } from "node:crypto";
import * as path from "node:path";
import * as vscode from "vscode";
import type { SettingsService } from "../config/settingsService";
import type { BackendState } from "../engine/backend";
import { describeReadiness } from "./chatReadiness";
import type { Engine } from "../engine/engine";
import { resolveModelPath } from "../modelStore/modelFiles";
import { parseWebviewMessage, type ChatStatus, type EngineActivity, type HostToWebview, type WebviewToHost } from "../shared/chatProtocol";
import { chatViewHtml } from "./chatViewHtml";
import type { ChatSession } from "./chatSession";
import { CodeBlockActions } from "./codeBlockActions";
import { ConversationActions } from "./conversationActions";
import type { ConversationStore } from "./conversationStore";
import { PendingContext, pickWorkspaceFiles } from "./pendingContext";

/** The models folder as the Chat view needs it (the Models feature's ModelsFolder is one; features do not import each other). */
export interface WatchedModelsFolder {
  readonly directory: string;
  /** Starts watching the folder, so a model file deleted by hand is noticed. */
  ensureWatching(): void;
  readonly onDidChange: vscode.Event<void>;
}

export class ChatViewProvider implements vscode.WebviewViewProvider, vscode.Disposable {
  static readonly viewId = "hearth.chat";
  private view: { webviewView: vscode.WebviewView; disposables: vscode.Disposable[] } | undefined;
  private readonly subscriptions: Array<{ dispose(): unknown }>;
  private lastStatus: Promise<ChatStatus> | undefined;
  /** Counts status checks, so a slow older check never overwrites a newer one. */
  private generation = 0;
  /** The loaded models the status last reflected. */
  private loadedShown = "";
  private activity: EngineActivity = { kind: "idle" };
  /** The chips the view shows, as last sent. */
  private chipsShown: string | undefined;
  readonly context = new PendingContext();
  private readonly codeActions = new CodeBlockActions();
  readonly conversations: ConversationActions;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly settings: SettingsService,
    private readonly folder: WatchedModelsFolder,
    private readonly engine: Engine,
    readonly session: ChatSession,
    store: ConversationStore,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.conversations = new ConversationActions(store, session, (message) => this.post(message), log);
    this.subscriptions = [
      settings.onDidChange(() => this.pushStatus()),
      folder.onDidChange(() => this.pushStatus()),
      this.context.onDidChange(() => this.postChips()),
      engine.onDidChangeState((state) => this.engineStateChanged(state)),
      this.context,
      this.codeActions,
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
      webview.onDidReceiveMessage((message: unknown) => void this.receive(message)),
      webviewView.onDidDispose(() => {
        for (const disposable of view.disposables) disposable.dispose();
        if (this.view === view) this.view = undefined;
      }),
    );
    this.view = view;
  }

  /** Opens the Chat view and asks `text`, which carries its own code (the editor commands use it). */
  async ask(text: string): Promise<void> {
    await vscode.commands.executeCommand(`${ChatViewProvider.viewId}.focus`);
    this.session.stop();
    await this.session.whenIdle();
    this.session.send(text, []);
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

  private engineStateChanged(state: BackendState): void {
    const activity: EngineActivity = state.kind === "loading" ? { kind: "loading", model: path.basename(state.model), ...(state.progress !== undefined ? { progress: state.progress } : {}) } : { kind: "idle" };
    if (activity.kind !== this.activity.kind || activity.kind === "loading") {
      this.activity = activity;
      this.post({ type: "engine", activity });
    }
    // Only a change in what is loaded changes the status ("Running on"); every finished request
    // also ends in "idle", and must not cost a file check or a server probe.
    if (state.kind !== "idle") return;
    const loaded = state.loaded.map((model) => `${model.name}:${model.gpuLayers}`).join("\n");
    if (loaded === this.loadedShown) return;
    this.loadedShown = loaded;
    this.pushStatus();
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

  /** Acts on a message from the webview once it is checked against the protocol (tests drive the view through it). */
  async receive(raw: unknown): Promise<void> {
    const message = parseWebviewMessage(raw);
    if (!message) {
      this.log.warn(`Ignored a message from the chat view that does not match its protocol: ${safeJson(raw)}`);
      return;
    }
    try {
      await this.handle(message);
    } catch (error) {
      this.log.error(`Chat view: ${message.type} failed: ${(error as Error).message}`);
      void vscode.window.showErrorMessage((error as Error).message);
    }
  }

  private async handle(message: WebviewToHost): Promise<void> {
    switch (message.type) {
      case "ready":
        if (!(await this.session.restoreLast())) this.post({ type: "conversation", conversation: this.session.view() });
        this.chipsShown = undefined; // a reloaded page has none
        this.postChips();
        this.post({ type: "engine", activity: this.activity });
        this.pushStatus();
        return;
      case "runCommand":
        await vscode.commands.executeCommand(message.command, ...(message.argument !== undefined ? [message.argument] : []));
        return;
      case "send":
        // Not taken while an answer is being written: the question goes back into the box.
        if (this.session.answering || !this.session.send(message.text, await this.context.take())) this.post({ type: "prefill", text: message.text });
        return;
      case "stop":
        return this.session.stop();
      case "regenerate":
        return this.session.regenerate();
      case "editAndResend":
        return this.session.editAndResend(message.messageId, message.text);
      case "newConversation":
        return this.session.newConversation();
      case "showHistory":
        return this.conversations.showHistory();
      case "openConversation":
        return this.conversations.open(message.id);
      case "renameConversation":
        return this.conversations.rename(message.id);
      case "deleteConversation":
        return this.conversations.delete(message.id);
      case "exportConversation":
        return this.conversations.export(message.format);
      case "importConversation":
        return this.conversations.import();
      case "removeContext":
        return this.context.remove(message.id);
      case "addFileContext":
        return this.context.add(await pickWorkspaceFiles());
      case "codeAction":
        return this.codeActions.run(message.action, message.code, message.language);
      case "openLink": {
        const uri = vscode.Uri.parse(message.href, true);
        if (uri.scheme === "http" || uri.scheme === "https") await vscode.env.openExternal(uri);
        else this.log.warn(`Ignored a link to ${uri.scheme}: from an answer.`);
        return;
      }
    }
  }

  /**
   * Sends the context chips to a visible view when they changed: the editor reports every cursor
   * move, and typing must not cost a message to the webview per pause.
   */
  private postChips(): void {
    if (!this.view?.webviewView.visible) return;
    const chips = this.context.chips();
    const shown = JSON.stringify(chips);
    if (shown === this.chipsShown) return;
    this.chipsShown = shown;
    this.post({ type: "context", chips });
  }

  /** Sends a message to the view when it exists; a view shown later asks for everything on "ready". */
  post(message: HostToWebview): void {
    void this.view?.webviewView.webview.postMessage(message);
  }

  dispose(): void {
    this.session.stop();
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

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value).slice(0, 300);
  } catch {
    return String(value).slice(0, 300);
  }
}
