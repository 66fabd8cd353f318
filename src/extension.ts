// Hearth's composition root: builds each part once and wires them together. Activation stays
// cheap: nothing here loads a model, reads the models folder or opens a socket; those happen
// when a view is shown, a command runs, a file is edited (completions), or, 3 s later, when VS
// Code's chat is told which models Hearth offers (languageModels/registerLanguageModels.ts).
import * as path from "node:path";
import * as vscode from "vscode";
import { registerChatCommands } from "./chat/chatCommands";
import { ChatSession } from "./chat/chatSession";
import { ChatViewProvider } from "./chat/chatViewProvider";
import { ConversationStore } from "./chat/conversationStore";
import { DEFAULT_SYSTEM_PROMPT } from "./chat/promptTemplates";
import { registerCompletions, type CompletionFeature } from "./completion/completionFeature";
import { BACKEND_LABELS } from "./config/settings";
import { SettingsService } from "./config/settingsService";
import { Engine, modelLabel } from "./engine/engine";
import { ApiKeyStore } from "./ui/apiKeys";
import { registerEngineCommands } from "./ui/engineCommands";
import { createServerPermissions, registerTrustCommands } from "./ui/serverTrust";
import { EngineStatusBar } from "./ui/engineStatusBar";
import { registerDownloadCommands } from "./models/downloadCommands";
import { HuggingFaceAccess } from "./models/huggingFaceAccess";
import { InstallModelCommand } from "./models/installModelCommand";
import { ModelCommands, registerModelCommands } from "./models/modelCommands";
import { ModelDownloads } from "./models/modelDownloads";
import { ModelsFolder } from "./models/modelsFolder";
import { ModelsTreeProvider } from "./models/modelsTreeProvider";
import { registerOllamaCommands } from "./models/ollamaCommands";
import { registerLanguageModels } from "./languageModels/registerLanguageModels";
import type { LanguageModelRequestTrace } from "./languageModels/requestTrace";

/** What activate() returns in test mode only: the parts integration tests look at. Other extensions get nothing. */
export interface HearthApi {
  readonly settings: SettingsService;
  readonly modelsFolder: ModelsFolder;
  readonly modelsView: ModelsTreeProvider;
  readonly modelDownloads: ModelDownloads;
  readonly chatView: ChatViewProvider;
  readonly conversations: ConversationStore;
  readonly engine: Engine;
  readonly statusBar: EngineStatusBar;
  readonly completions: CompletionFeature;
  /** Always ExtensionMode.Test: nothing is returned in any other mode (the integration suite checks it runs in this one). */
  readonly extensionMode: vscode.ExtensionMode;
  /** How long activate() took (the integration suite records it). */
  readonly activationMs: number;
  /** The vscode.lm requests Hearth's provider received and ended, and each answer's first-piece time. */
  readonly languageModelRequests: Readonly<LanguageModelRequestTrace>;
}

const LAST_CONVERSATION_KEY = "hearth.chat.lastConversation";
let stopChat: (() => Promise<void>) | undefined;

export function activate(context: vscode.ExtensionContext): HearthApi | undefined {
  const activationStarted = performance.now();
  const languageModelRequests: LanguageModelRequestTrace = { received: 0, settled: 0, firstPartMs: [] };
  const log = vscode.window.createOutputChannel("Hearth", { log: true });
  const settings = new SettingsService(log);
  const modelsFolder = new ModelsFolder(settings, path.join(context.globalStorageUri.fsPath, "models"));
  const apiKeys = new ApiKeyStore(context.secrets, (message) => log.info(message));
  void apiKeys.migrate(settings.current.openai.baseUrl);
  // After an answer, views that probed the server while the question was open look again.
  const serverPermissions = createServerPermissions(context.workspaceState, () => modelsFolder.notifyChanged());
  const engine = new Engine({
    settings: () => settings.current,
    modelsDirectory: () => modelsFolder.directory,
    workerScript: vscode.Uri.joinPath(context.extensionUri, "dist", "llamaWorker.js").fsPath,
    // A key goes only to the origin it was stored for, wherever hearth.openai.baseUrl points now.
    apiKey: (origin) => apiKeys.keyFor(origin),
    // Servers a workspace's own settings chose, off this machine, need the user's yes first.
    approveServer: (server, options) => serverPermissions.approve(server, options),
    ollamaHostFromEnvironment: process.env.OLLAMA_HOST,
    log: (level, message) => log[level](message),
    notify: (message) => void vscode.window.showInformationMessage(message),
  });
  const statusBar = new EngineStatusBar(engine, settings);
  // Downloads build their manager on first use: no folder is read and no socket opened at activation.
  const huggingFace = new HuggingFaceAccess(context.secrets);
  const modelDownloads = new ModelDownloads(modelsFolder, huggingFace, log);
  const modelsView = new ModelsTreeProvider(modelsFolder, settings, modelDownloads, engine, log);
  const modelCommands = new ModelCommands(settings, modelsFolder, engine, log);
  const installModel = new InstallModelCommand(settings, modelsFolder, modelDownloads, huggingFace, modelCommands);
  // Conversations live in Hearth's storage folder, one file each; nothing is read until the Chat view asks.
  const conversations = new ConversationStore(path.join(context.globalStorageUri.fsPath, "conversations"), (level, message) => log[level](message));
  const chatSession = new ChatSession({
    store: conversations,
    backend: () => engine.backend,
    chatModel: () => ({
      model: settings.current.models.chat,
      label: modelLabel(settings.current.models.chat),
      backendLabel: BACKEND_LABELS[settings.current.backend],
    }),
    systemPrompt: () => settings.current.chat.systemPrompt || DEFAULT_SYSTEM_PROMPT,
    maxAnswerTokens: () => settings.current.chat.maxAnswerTokens,
    post: (message) => chatView.post(message),
    log: (level, message) => log[level](message),
    notify: (message) => void vscode.window.showWarningMessage(message),
    lastConversation: {
      get: () => context.workspaceState.get<string>(LAST_CONVERSATION_KEY),
      set: (id) => void context.workspaceState.update(LAST_CONVERSATION_KEY, id),
    },
  });
  stopChat = async () => {
    chatSession.stop();
    // The stopped answer is saved before the window goes; a stuck disk does not hold VS Code up.
    await Promise.race([chatSession.whenIdle(), new Promise((resolve) => setTimeout(resolve, 2000))]);
  };
  const chatView: ChatViewProvider = new ChatViewProvider(context.extensionUri, settings, modelsFolder, engine, chatSession, conversations, log);
  const completions = registerCompletions(settings, engine, context.globalState, log);
  const modelsTree = vscode.window.createTreeView("hearth.models", { treeDataProvider: modelsView, showCollapseAll: false });

  const describeModelsView = () => {
    modelsTree.message =
      settings.current.backend === "openai"
        ? vscode.l10n.t("These GGUF files are for the llama.cpp backend; the selected backend is {0}.", settings.current.backend)
        : undefined;
  };
  describeModelsView();

  context.subscriptions.push(
    log,
    settings,
    modelsFolder,
    modelDownloads,
    modelsView,
    modelsTree,
    chatView,
    engine,
    statusBar,
    completions,
    settings.onDidChange(describeModelsView),
    settings.onDidChange(() => engine.settingsChanged()),
    modelsFolder.onDidChange(() => engine.clearError()),
    registerEngineCommands(engine, settings, apiKeys),
    registerTrustCommands(apiKeys, serverPermissions, settings),
    vscode.window.registerWebviewViewProvider(ChatViewProvider.viewId, chatView),
    registerModelCommands(modelCommands),
    registerDownloadCommands(installModel, modelDownloads, huggingFace),
    registerOllamaCommands(engine, settings, () => modelsFolder.notifyChanged(), log),
    registerLanguageModels({
      engine,
      settings,
      // Installs, removals, hand-copied files, Ollama pulls and deletes (not the Models view's redraws).
      modelsChanged: [modelsFolder.onDidChange],
      watchModelsFolder: () => modelsFolder.ensureWatching(),
      log,
      // Measured only for Hearth's own tests (nothing is kept in normal use).
      trace: context.extensionMode === vscode.ExtensionMode.Test ? languageModelRequests : undefined,
    }),
    registerChatCommands(chatView, settings, log),
    vscode.commands.registerCommand("hearth.newConversation", async () => {
      await vscode.commands.executeCommand(`${ChatViewProvider.viewId}.focus`);
      await chatSession.newConversation();
    }),
    vscode.commands.registerCommand("hearth.exportConversation", async () => {
      const format = await vscode.window.showQuickPick(
        [
          { label: "Markdown", description: vscode.l10n.t("to read or share"), format: "markdown" as const },
          { label: "JSON", description: vscode.l10n.t("to import into Hearth again"), format: "json" as const },
        ],
        { title: vscode.l10n.t("Export conversation as") },
      );
      if (format) await chatView.conversations.export(format.format);
    }),
    vscode.commands.registerCommand("hearth.importConversation", () => chatView.conversations.import()),
    vscode.commands.registerCommand("hearth.showModelsView", () => vscode.commands.executeCommand("hearth.models.focus")),
    vscode.commands.registerCommand("hearth.openChat", () => vscode.commands.executeCommand(`${ChatViewProvider.viewId}.focus`)),
    vscode.commands.registerCommand("hearth.refreshModels", () => modelsFolder.notifyChanged()),
    vscode.commands.registerCommand("hearth.showLog", () => log.show()),
    vscode.commands.registerCommand("hearth.openSettings", (key?: string) =>
      vscode.commands.executeCommand("workbench.action.openSettings", key ?? "@ext:hearth.hearth"),
    ),
  );
  log.info(`Hearth ${(context.extension.packageJSON as { version: string }).version} activated (${vscode.env.remoteName ?? "local"} extension host).`);
  // The internals (the engine reaches API keys) are for Hearth's own integration tests, never for other extensions.
  if (context.extensionMode !== vscode.ExtensionMode.Test) return undefined;
  return {
    settings,
    modelsFolder,
    modelsView,
    modelDownloads,
    chatView,
    conversations,
    engine,
    statusBar,
    completions,
    extensionMode: context.extensionMode,
    activationMs: performance.now() - activationStarted,
    languageModelRequests,
  };
}

/** Stops an answer being written, so it is saved as stopped rather than left unfinished. */
export async function deactivate(): Promise<void> {
  await stopChat?.();
}
