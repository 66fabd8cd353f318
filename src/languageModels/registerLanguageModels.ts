// The language-model feature as a contribution: Hearth's models registered with VS Code under
// the vendor "hearth" (package.json's languageModelChatProviders), with what it owns disposed
// with it. Nothing is listed or loaded until VS Code asks.
import * as vscode from "vscode";
import type { HearthSettings } from "../config/settings";
import type { Backend } from "../engine/backend";
import { HearthLanguageModelProvider } from "./languageModelProvider";
import { OfferedModels } from "./offeredModels";
import { tracedProvider, type LanguageModelRequestTrace } from "./requestTrace";

export const LANGUAGE_MODEL_VENDOR = "hearth";

/** When, after activation, Hearth tells VS Code its models are there (see below). */
const ANNOUNCE_DELAY_MS = 3000;

export interface LanguageModelsDependencies {
  readonly engine: { readonly backend: Backend };
  readonly settings: { readonly current: HearthSettings; readonly onDidChange: vscode.Event<unknown> };
  /** Fired when models may have been installed, removed, pulled or deleted (the Models view's refreshes). */
  readonly modelsChanged: readonly vscode.Event<unknown>[];
  /** Starts watching the models folder for GGUF files added or removed by hand. */
  readonly watchModelsFolder: () => void;
  readonly log: vscode.LogOutputChannel;
  /** Counts and timings of the provider's requests, for Hearth's own tests (see LanguageModelRequestTrace). */
  readonly trace?: LanguageModelRequestTrace;
}

export function registerLanguageModels(dependencies: LanguageModelsDependencies): vscode.Disposable {
  const { engine, settings, log } = dependencies;
  // VS Code before 1.104 has no provider API: Hearth's own views work without it.
  if (typeof vscode.lm?.registerLanguageModelChatProvider !== "function") {
    log.info("This VS Code has no language-model provider API (1.104 or later): Hearth's models are not offered to its chat.");
    return new vscode.Disposable(() => undefined);
  }
  const models = new OfferedModels({
    backend: () => engine.backend,
    settings: () => settings.current,
    ollamaHostFromEnvironment: process.env.OLLAMA_HOST,
    modelsMayHaveChanged: dependencies.modelsChanged,
    settingsChanged: settings.onDidChange,
    watchModelsFolder: dependencies.watchModelsFolder,
    localize: (message, ...args) => vscode.l10n.t(message, ...args),
    log: (level, message) => log[level](message),
  });
  try {
    const provider = new HearthLanguageModelProvider(() => engine.backend, models, log);
    const registration = vscode.lm.registerLanguageModelChatProvider(LANGUAGE_MODEL_VENDOR, dependencies.trace ? tracedProvider(provider, dependencies.trace) : provider);
    // VS Code asks a vendor for its models only when a caller selects them or the vendor says they
    // changed: saying so once puts Hearth's models in the chat's model picker without the user
    // having to add them through Manage Models. Describing them may start the llama.cpp worker
    // (it reads the GGUF headers; holding no model, it stops 10 s later), so not where the user
    // switched VS Code's chat off; a server this workspace chose is listed only once allowed.
    // It waits a few seconds, out of the window's startup.
    const announcing = setTimeout(() => {
      if (!vscode.workspace.getConfiguration("chat").get<boolean>("disableAIFeatures", false)) models.announce();
    }, ANNOUNCE_DELAY_MS);
    return vscode.Disposable.from(registration, models, new vscode.Disposable(() => clearTimeout(announcing)));
  } catch (error) {
    // One feature failing to start leaves the others running.
    log.error(`Registering Hearth's models with VS Code's chat failed: ${(error as Error).message}`);
    models.dispose();
    return new vscode.Disposable(() => undefined);
  }
}
