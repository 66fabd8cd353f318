// The Models view: groups of models — Installed (GGUF files in the models folder, with what their
// headers say and which role each fills), Downloads (running and partial), Recommended (the
// curated catalog, marked against this machine's memory) and, with the Ollama backend, the models on
// the Ollama server. Nothing is read until the view asks: headers are read when Installed is shown,
// and cached by path and modification time.
import * as vscode from "vscode";
import type { SettingsService } from "../config/settingsService";
import type { Engine } from "../engine/engine";
import { OllamaBackend } from "../engine/ollama/ollamaBackend";
import { GgufFactsCache } from "../modelStore/ggufFacts";
import { estimatedMemoryBytes, loadedModelsBytes, machineFit, thisMachine, type MachineMemory } from "../modelStore/machineFit";
import { localFileName } from "../modelStore/hubFileNames";
import { groupInstalledFiles } from "../modelStore/installedModels";
import { shippedCatalog } from "../modelStore/modelCatalog";
import { rolesUsingFile, MODEL_ROLES } from "../modelStore/modelRoles";
import type { PartialDownload } from "../modelStore/partialDownloads";
import type { ModelDownloads } from "./modelDownloads";
import type { ModelsFolder } from "./modelsFolder";
import type { ModelGroup, ModelTreeNode } from "./modelsTreeNodes";
import { treeItemFor } from "./modelsTreeItems";

/** How often a running download's row is redrawn. */
const PROGRESS_REDRAW_MS = 1_000;

export type { ModelTreeNode } from "./modelsTreeNodes";

export class ModelsTreeProvider implements vscode.TreeDataProvider<ModelTreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<ModelTreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscriptions: vscode.Disposable[];
  /** The last listing error shown, so an unreadable folder is reported once, not on every refresh. */
  private lastError: string | undefined;
  private readonly facts = new GgufFactsCache();
  private readonly groupNodes = new Map<ModelGroup, ModelTreeNode>();
  private progressTimer: NodeJS.Timeout | undefined;
  private partialList: Promise<PartialDownload[]> | undefined;
  private loadedList: Promise<Map<string, number>> | undefined;

  constructor(
    private readonly folder: ModelsFolder,
    private readonly settings: SettingsService,
    private readonly downloads: ModelDownloads,
    private readonly engine: Engine,
    private readonly log: vscode.LogOutputChannel,
  ) {
    // Settings changes can move the role marks (which model is used for chat, completion…).
    let loadedKey = "";
    this.subscriptions = [
      folder.onDidChange(() => this.refresh()),
      // The fit marks count the memory of loaded models: redraw when that set changes, not on every request.
      engine.onDidChangeState((state) => {
        if (state.kind !== "idle") return;
        const key = state.loaded.map((model) => model.name).join("\n");
        if (key === loadedKey) return;
        loadedKey = key;
        this.refresh();
      }),
      settings.onDidChange(() => this.refresh()),
      // Progress redraws the Downloads group only (a few times a second), not the folder listing or Ollama.
      // …and at most once a second, so its rows (and their Cancel buttons) hold still long enough to click.
      downloads.onDidChange((change) => {
        const group = this.groupNodes.get("downloads");
        if (change !== "progress" || !group) return this.refresh();
        this.progressTimer ??= setTimeout(() => {
          this.progressTimer = undefined;
          this.changed.fire(group);
        }, PROGRESS_REDRAW_MS);
      }),
    ];
  }

  refresh(): void {
    clearTimeout(this.progressTimer);
    this.progressTimer = undefined;
    this.partialList = undefined;
    this.loadedList = undefined;
    this.changed.fire(undefined);
  }

  /**
   * The partial downloads on disk, listed once per refresh: a progress redraw (once a second
   * while downloading) reuses the list instead of reading the folder and every record again.
   */
  private listedPartials(): Promise<PartialDownload[]> {
    return (this.partialList ??= this.downloads.partials());
  }

  async getChildren(element?: ModelTreeNode): Promise<ModelTreeNode[]> {
    if (!element) return this.groups();
    if (element.kind !== "group") return [];
    switch (element.group) {
      case "installed":
        return this.installed();
      case "downloads":
        return this.downloadNodes();
      case "recommended":
        return this.recommended();
      case "ollama":
        return this.ollama();
    }
  }

  getTreeItem(node: ModelTreeNode): vscode.TreeItem {
    return treeItemFor(node);
  }

  /** The installed GGUF files (the nodes commands such as Select and Remove act on). */
  async installed(): Promise<ModelTreeNode[]> {
    const directory = this.folder.directory;
    try {
      const models = groupInstalledFiles(await this.folder.list());
      this.lastError = undefined;
      const selected = this.settings.current.models;
      const loaded = await this.loadedModels();
      const nodes = await Promise.all(
        models.map(async ({ file, parts, sizeBytes }): Promise<ModelTreeNode> => {
          const facts = await this.facts.get(file.path, file.modified.getTime());
          // A loaded model is judged beside the others, not beside itself.
          const fit = machineFit(estimatedMemoryBytes(sizeBytes, facts?.kvShape), this.memoryBeside(loaded, file.path));
          return { kind: "modelFile", file, parts, roles: rolesUsingFile(file.path, selected, directory), facts, fit };
        }),
      );
      return nodes.length ? nodes : [{ kind: "message", text: vscode.l10n.t("No models yet: Install Model…"), command: "hearth.installModel" }];
    } catch (error) {
      const message = vscode.l10n.t("Hearth could not list the models folder {0}: {1}", directory, (error as Error).message);
      if (message !== this.lastError) {
        this.lastError = message;
        this.log.error(message);
        void vscode.window.showErrorMessage(message);
      }
      return [];
    }
  }

  private async groups(): Promise<ModelTreeNode[]> {
    const groups: ModelGroup[] = [];
    if (this.settings.current.backend === "ollama") groups.push("ollama");
    groups.push("installed");
    if (this.downloads.statuses().length || (await this.listedPartials().catch(() => [])).length) groups.push("downloads");
    groups.push("recommended");
    // The same node objects each time, so one group can be redrawn alone.
    return groups.map((group) => {
      let node = this.groupNodes.get(group);
      if (!node) this.groupNodes.set(group, (node = { kind: "group", group }));
      return node;
    });
  }

  private async downloadNodes(): Promise<ModelTreeNode[]> {
    const running: ModelTreeNode[] = this.downloads.statuses().map((status) => ({ kind: "download", status }));
    const partials = await this.listedPartials().catch((error: Error) => {
      this.log.warn(`Listing partial downloads: ${error.message}`);
      return [];
    });
    return [...running, ...partials.map((partial): ModelTreeNode => ({ kind: "partial", partial }))];
  }

  private async recommended(): Promise<ModelTreeNode[]> {
    const installedNames = new Set(await this.folder.list().then((files) => files.map((file) => file.name), () => []));
    const memory = this.memoryBeside(await this.loadedModels());
    return shippedCatalog().models.map((model) => ({
      kind: "recommended",
      model,
      fit: machineFit(estimatedMemoryBytes(model.sizeBytes, undefined, model.minMemoryBytes), memory),
      installed: installedNames.has(localNameOf(model.file)),
    }));
  }

  /**
   * The estimated memory of each model file the engine has loaded (or is loading), by path; read
   * once per refresh for both groups that mark fit (the set changing refreshes the view).
   */
  private loadedModels(): Promise<Map<string, number>> {
    this.loadedList ??= (() => {
      const state = this.engine.state;
      const paths = state.kind === "idle" ? state.loaded.map((model) => model.name) : state.kind === "error" ? [] : [state.model];
      return loadedModelsBytes(paths, async (modelPath, modifiedMs) => (await this.facts.get(modelPath, modifiedMs))?.kvShape).catch(() => new Map<string, number>());
    })();
    return this.loadedList;
  }

  /**
   * This machine's memory, less what the loaded models (but `except`) hold, and the GPU's as
   * llama.cpp last reported it (known once a model has loaded on a machine with a GPU).
   */
  private memoryBeside(loaded: ReadonlyMap<string, number>, except?: string): MachineMemory {
    const loadedModelBytes = [...loaded].reduce((sum, [modelPath, bytes]) => (modelPath === except ? sum : sum + bytes), 0);
    const gpu = this.engine.gpuMemory;
    return thisMachine({ loadedModelBytes, gpu: gpu && { totalBytes: gpu.totalBytes, freeBytes: gpu.freeBytes } });
  }

  private async ollama(): Promise<ModelTreeNode[]> {
    const backend = this.engine.backend;
    if (!(backend instanceof OllamaBackend)) return [];
    try {
      const [models, running] = await Promise.all([backend.listModels(), backend.runningModels().catch(() => [])]);
      const loaded = new Set(running.map((model) => model.name));
      const selected = this.settings.current.models;
      if (!models.length) return [{ kind: "message", text: vscode.l10n.t("No models on the server yet: Pull Ollama Model…"), command: "hearth.pullOllamaModel" }];
      return models.map((model) => ({
        kind: "ollamaModel",
        name: model.name,
        sizeBytes: model.sizeBytes,
        loaded: loaded.has(model.name),
        roles: MODEL_ROLES.filter((role) => selected[role] === model.name),
      }));
    } catch (error) {
      return [{ kind: "message", text: vscode.l10n.t("Ollama: {0}", (error as Error).message) }];
    }
  }

  dispose(): void {
    clearTimeout(this.progressTimer);
    for (const subscription of this.subscriptions) subscription.dispose();
    this.changed.dispose();
  }
}

/** The name a catalog file is saved under (the catalog's names are checked when it loads). */
function localNameOf(hubPath: string): string {
  const local = localFileName(hubPath);
  return local.ok ? local.fileName : hubPath;
}
