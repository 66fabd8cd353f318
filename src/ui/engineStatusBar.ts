// The status bar item that says at a glance what Hearth's engine is doing: backend, model,
// state (idle, loading with progress, generating, error) and the last speed in tokens/s.
// Clicking it opens a quick pick to switch backend or model.
import * as vscode from "vscode";
import { BACKEND_LABELS } from "../config/settings";
import type { SettingsService } from "../config/settingsService";
import type { BackendState, Usage } from "../engine/backend";
import { modelLabel, type Engine } from "../engine/engine";
import { isLoopbackUrl, resolveOllamaHost } from "../engine/serverAddress";


export class EngineStatusBar implements vscode.Disposable {
  readonly item = vscode.window.createStatusBarItem("hearth.engine", vscode.StatusBarAlignment.Right, 100);
  private state: BackendState = { kind: "idle", loaded: [] };
  private lastUsage: Usage | undefined;
  private readonly subscriptions: Array<{ dispose(): unknown }>;

  constructor(
    engine: Engine,
    private readonly settings: SettingsService,
  ) {
    this.item.name = "Hearth";
    this.item.command = "hearth.switchBackendOrModel";
    this.subscriptions = [
      engine.onDidChangeState((state) => ((this.state = state), this.render())),
      engine.onDidFinishRequest((usage) => ((this.lastUsage = usage), this.render())),
      settings.onDidChange(() => this.render()),
    ];
    this.render();
    this.item.show();
  }

  private render(): void {
    const settings = this.settings.current;
    const backend = BACKEND_LABELS[settings.backend];
    const model = settings.models.chat ? modelLabel(settings.models.chat) : "no model";
    const speed = this.lastUsage && this.lastUsage.tokensPerSecond > 0 ? ` · ${this.lastUsage.tokensPerSecond.toFixed(0)} tok/s` : "";
    const tooltip = new vscode.MarkdownString(`**Hearth** — ${backend}, chat model ${model}\n\n`);
    this.item.backgroundColor = undefined;
    switch (this.state.kind) {
      case "idle": {
        // Where the loaded chat model runs, at a glance: "CPU" or "GPU 20/33" (layers offloaded).
        const chatModel = this.state.loaded.find((entry) => modelLabel(entry.name) === model);
        const placement =
          chatModel?.gpuLayers === undefined ? "" : chatModel.gpuLayers === 0 ? " · CPU" : ` · GPU ${chatModel.gpuLayers}/${chatModel.totalLayers ?? "?"}`;
        this.item.text = `$(flame) ${model}${placement}${speed}`;
        const loaded = this.state.loaded.map(
          (entry) =>
            `- ${modelLabel(entry.name)}${entry.gpuLayers !== undefined ? `: ${entry.gpuLayers} of ${entry.totalLayers ?? "?"} layers on the GPU` : ""}${entry.contextSize ? `, context ${entry.contextSize}` : ""}`,
        );
        tooltip.appendMarkdown(loaded.length ? `Loaded:\n${loaded.join("\n")}` : "Idle: no model in memory.");
        break;
      }
      case "loading":
        this.item.text = `$(loading~spin) Loading ${modelLabel(this.state.model)}${this.state.progress !== undefined ? ` ${Math.round(this.state.progress * 100)}%` : ""}`;
        tooltip.appendMarkdown("Loading the model into memory.");
        break;
      case "generating":
        this.item.text = `$(loading~spin) ${modelLabel(this.state.model)}${speed}`;
        tooltip.appendMarkdown("Generating.");
        break;
      case "error":
        this.item.text = `$(error) ${model}`;
        this.item.backgroundColor = new vscode.ThemeColor("statusBarItem.errorBackground");
        tooltip.appendText(this.state.message);
        break;
    }
    if (this.lastUsage) {
      const usage = this.lastUsage;
      tooltip.appendMarkdown(
        `\n\nLast request: ${usage.promptTokens} prompt tokens (${usage.reusedPromptTokens} from cache), ${usage.completionTokens} generated, first token after ${usage.timeToFirstTokenMs.toFixed(0)} ms, ${usage.tokensPerSecond.toFixed(1)} tokens/s.`,
      );
    }
    const remote = this.remoteServer();
    if (remote) {
      this.item.text = `$(globe) ${this.item.text}`;
      tooltip.appendMarkdown(`\n\n$(globe) ${remote} is not on this machine: the code you send to it leaves this computer.`);
      tooltip.supportThemeIcons = true;
    }
    tooltip.appendMarkdown("\n\nClick to switch backend or model.");
    this.item.tooltip = tooltip;
  }

  /** The server's address when the backend is a server off this machine. */
  private remoteServer(): string | undefined {
    const settings = this.settings.current;
    let url: string | undefined;
    try {
      if (settings.backend === "ollama") url = resolveOllamaHost(settings.ollama.host, process.env.OLLAMA_HOST);
      if (settings.backend === "openai") url = settings.openai.baseUrl || undefined;
    } catch {
      return undefined; // an invalid address is reported by the chat view
    }
    return url && !isLoopbackUrl(url) ? url : undefined;
  }

  dispose(): void {
    for (const subscription of this.subscriptions) subscription.dispose();
    this.item.dispose();
  }
}
