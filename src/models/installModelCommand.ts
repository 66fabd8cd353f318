// "Hearth: Install Model…": pick a model from the curated catalog, or search the Hugging Face hub
// for GGUF repositories and pick one of a repository's files; each marked against this machine's
// memory. The download runs with a cancellable progress notification (and shows in the view's
// Downloads group); once installed, the model is offered for the roles it can fill.
import * as path from "node:path";
import * as vscode from "vscode";
import type { SettingsService } from "../config/settingsService";
import { readGgufFacts } from "../modelStore/ggufFacts";
import { listGgufModels, searchGgufRepos, type HubAccess, type HubGgufModel } from "../modelStore/huggingFaceHub";
import { estimatedMemoryBytes, machineFit, thisMachine, type MachineFit } from "../modelStore/machineFit";
import { shippedCatalog, type CatalogModel } from "../modelStore/modelCatalog";
import { formatBytes, modelSettingValue } from "../modelStore/modelFiles";
import type { ModelRole } from "../modelStore/modelRoles";
import type { HuggingFaceAccess } from "./huggingFaceAccess";
import type { ModelCommands } from "./modelCommands";
import type { ModelDownloads } from "./modelDownloads";
import type { ModelsFolder } from "./modelsFolder";
import { fitLabel } from "./modelsTreeItems";

/** A hub search or listing that takes longer has failed (a dead mirror or proxy). */
const LOOK_UP_TIMEOUT_MS = 30_000;

const FIT_ICONS: Record<MachineFit, string> = { fits: "$(pass)", tight: "$(warning)", tooBig: "$(error)" };

export class InstallModelCommand {
  constructor(
    private readonly settings: SettingsService,
    private readonly folder: ModelsFolder,
    private readonly downloads: ModelDownloads,
    private readonly access: HuggingFaceAccess,
    private readonly models: ModelCommands,
  ) {}

  /** The command: returns the installed paths (empty when nothing was installed). */
  async run(): Promise<readonly string[]> {
    const memory = thisMachine();
    const search = { label: `$(search) ${vscode.l10n.t("Search Hugging Face…")}`, action: "search" as const };
    const items = shippedCatalog().models.map((model) => {
      const fit = machineFit(estimatedMemoryBytes(model.sizeBytes, undefined, model.minMemoryBytes), memory);
      return {
        label: `${FIT_ICONS[fit]} ${model.label}`,
        description: [model.quantization, formatBytes(model.sizeBytes), model.roles.join(", ")].join(" · "),
        detail: [fitLabel(fit), model.licence, model.repo].join(" · "),
        action: "catalog" as const,
        model,
      };
    });
    const picked = await vscode.window.showQuickPick<(typeof items)[number] | typeof search>([search, ...items], {
      title: vscode.l10n.t("Install a model"),
      placeHolder: vscode.l10n.t("Recommended models, marked against this machine's memory (an estimate)"),
      matchOnDescription: true,
      matchOnDetail: true,
    });
    if (!picked) return [];
    if (picked.action === "catalog") return this.install(picked.model);
    return this.searchAndInstall();
  }

  /** Downloads a catalog model (also the Recommended items' Download action). */
  async install(model: CatalogModel): Promise<readonly string[]> {
    this.noteBackend();
    // The repository's listing gives the exact size (for the free-space check) and the SHA-256,
    // and finds every part if the file has been split since the catalog was written.
    const access = await this.hubAccess();
    const listed = await this.lookUp(vscode.l10n.t("Looking up {0}", model.label), (signal) => listGgufModels(model.repo, { ...access, signal }));
    if (!listed) return [];
    const base = path.posix.basename(model.file);
    const found = listed.find((entry) => entry.files[0].path === model.file || entry.name === base);
    if (!found) {
      void vscode.window.showErrorMessage(vscode.l10n.t("{0} no longer has {1}. Search Hugging Face for another file of this model.", model.repo, model.file));
      return [];
    }
    const outcome = await this.downloads.download({ repo: found.repo, revision: found.revision, files: found.files, name: model.label });
    if (outcome.state !== "installed") return [];
    await this.offerRoles(outcome.paths[0], model.roles);
    return outcome.paths;
  }

  private async searchAndInstall(): Promise<readonly string[]> {
    this.noteBackend();
    const query = await vscode.window.showInputBox({
      title: vscode.l10n.t("Search Hugging Face for GGUF models"),
      prompt: vscode.l10n.t("Part of a repository name, such as qwen2.5-coder"),
      ignoreFocusOut: true,
    });
    if (!query?.trim()) return [];
    const access = await this.hubAccess();
    const repos = await this.lookUp(vscode.l10n.t("Searching Hugging Face for {0}", query), (signal) => searchGgufRepos(query.trim(), { ...access, signal }));
    if (!repos) return [];
    if (!repos.length) {
      void vscode.window.showInformationMessage(vscode.l10n.t("No GGUF repositories on {0} match {1}.", this.access.endpoint, query));
      return [];
    }
    const repo = await vscode.window.showQuickPick(
      repos.map((entry) => ({
        label: entry.repo,
        description: [vscode.l10n.t("{0} downloads", entry.downloads), entry.gated ? vscode.l10n.t("gated: needs a token") : undefined].filter(Boolean).join(" · "),
        repo: entry.repo,
      })),
      { title: vscode.l10n.t("GGUF repositories matching {0}", query), matchOnDescription: true },
    );
    if (!repo) return [];
    const files = await this.lookUp(vscode.l10n.t("Listing {0}", repo.repo), (signal) => listGgufModels(repo.repo, { ...access, signal }));
    if (!files) return [];
    const memory = thisMachine();
    const choices = files
      .filter((file) => !file.projector)
      .map((file) => {
        const fit = machineFit(estimatedMemoryBytes(file.sizeBytes), memory);
        // Same-named files in different folders are different models: the folder tells them apart.
        const folder = path.posix.dirname(file.files[0].path);
        return {
          label: `${FIT_ICONS[fit]} ${folder === "." ? "" : `${folder}/`}${file.name}`,
          description: [file.quantization, formatBytes(file.sizeBytes), file.split ? vscode.l10n.t("{0} parts", file.files.length) : undefined, fitLabel(fit)].filter(Boolean).join(" · "),
          file,
        };
      });
    if (!choices.length) {
      void vscode.window.showInformationMessage(vscode.l10n.t("{0} has no GGUF model files.", repo.repo));
      return [];
    }
    const file = await vscode.window.showQuickPick(choices, { title: vscode.l10n.t("Files in {0}", repo.repo), matchOnDescription: true });
    if (!file) return [];
    return this.installHubModel(file.file);
  }

  private async installHubModel(model: HubGgufModel): Promise<readonly string[]> {
    const outcome = await this.downloads.download({ repo: model.repo, revision: model.revision, files: model.files, name: model.name });
    if (outcome.state !== "installed") return [];
    await this.offerRoles(outcome.paths[0], ["chat"]);
    return outcome.paths;
  }

  /** Offers the roles the model can fill: completion only with fill-in-the-middle tokens; only on llama.cpp (other backends name their own models). */
  private async offerRoles(modelPath: string, roles: readonly ModelRole[]): Promise<void> {
    if (this.settings.current.backend !== "llamaCpp") return;
    const facts = await readGgufFacts(modelPath).catch(() => undefined);
    const buttons = new Map<string, ModelRole>();
    if (roles.includes("chat") || facts?.hasChatTemplate) buttons.set(vscode.l10n.t("Use for Chat"), "chat");
    if (facts?.hasFimTokens) buttons.set(vscode.l10n.t("Use for Completion"), "completion");
    if (roles.includes("embedding")) buttons.set(vscode.l10n.t("Use for Embeddings"), "embedding");
    const choice = await vscode.window.showInformationMessage(vscode.l10n.t("Installed {0}.", path.basename(modelPath)), ...buttons.keys());
    const role = choice === undefined ? undefined : buttons.get(choice);
    if (role) await this.models.assign([role], modelSettingValue(modelPath, this.folder.directory));
  }

  /** Downloading stays allowed with another backend (the file is ready for a switch), but says so. */
  private noteBackend(): void {
    if (this.settings.current.backend === "llamaCpp") return;
    void vscode.window.showInformationMessage(
      vscode.l10n.t("Hearth downloads GGUF files for its llama.cpp backend; the selected backend is {0}. Switch backend to use them.", this.settings.current.backend),
    );
  }

  private async hubAccess(): Promise<HubAccess> {
    return { endpoint: this.access.endpoint, proxy: this.access.proxy, token: await this.access.token() };
  }

  /** A hub look-up with a progress notification; a failure is shown (with a token button) and gives undefined. */
  private async lookUp<T>(title: string, call: (signal: AbortSignal) => Promise<T>): Promise<T | undefined> {
    // Cancellable, and given up after LOOK_UP_TIMEOUT_MS: a dead mirror or proxy never leaves it spinning.
    const timeout = AbortSignal.timeout(LOOK_UP_TIMEOUT_MS);
    try {
      return await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (_progress, token) => {
        const controller = new AbortController();
        token.onCancellationRequested(() => controller.abort());
        return call(AbortSignal.any([controller.signal, timeout]));
      });
    } catch (error) {
      if ((error as { reason?: string }).reason === "cancelled") {
        if (!timeout.aborted) return undefined; // the user cancelled
        void vscode.window.showErrorMessage(
          vscode.l10n.t("{0} did not answer within {1} seconds. Check your connection, hearth.huggingFace.endpoint and http.proxy.", this.access.endpoint, LOOK_UP_TIMEOUT_MS / 1000),
        );
        return undefined;
      }
      const setToken = vscode.l10n.t("Set Hugging Face Token");
      const tokenHelps = (error as { tokenHelps?: boolean }).tokenHelps === true;
      const choice = await vscode.window.showErrorMessage((error as Error).message, ...(tokenHelps ? [setToken] : []));
      if (choice === setToken) await vscode.commands.executeCommand("hearth.setHuggingFaceToken");
      return undefined;
    }
  }
}
