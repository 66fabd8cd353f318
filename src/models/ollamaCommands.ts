// "Hearth: Pull Ollama Model…" and "Hearth: Delete Ollama Model…": `ollama pull` with a cancellable
// progress notification fed by Ollama's streamed statuses, and `ollama rm` after confirmation.
// Both act on the server the Ollama backend is configured for.
import * as vscode from "vscode";
import type { SettingsService } from "../config/settingsService";
import type { Engine } from "../engine/engine";
import { OllamaBackend } from "../engine/ollama/ollamaBackend";
import { formatBytes } from "../modelStore/modelFiles";
import { clearModelSettings } from "./modelRemoval";
import type { ModelTreeNode } from "./modelsTreeNodes";

export function registerOllamaCommands(engine: Engine, settings: SettingsService, refresh: () => void, log: vscode.LogOutputChannel): vscode.Disposable {
  const ollama = (): OllamaBackend | undefined => {
    const backend = settings.current.backend === "ollama" ? engine.backend : undefined;
    if (backend instanceof OllamaBackend) return backend;
    void vscode.window.showInformationMessage(vscode.l10n.t("These commands work with the Ollama backend. Set hearth.backend to ollama first."));
    return undefined;
  };

  const pull = async (name?: string): Promise<boolean> => {
    const backend = ollama();
    if (!backend) return false;
    const model = name ?? (await vscode.window.showInputBox({ title: vscode.l10n.t("Pull an Ollama model"), prompt: vscode.l10n.t("A model name such as qwen2.5-coder:1.5b"), ignoreFocusOut: true }))?.trim();
    if (!model) return false;
    const controller = new AbortController();
    try {
      await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t("Pulling {0}", model), cancellable: true },
        async (progress, token) => {
          const cancel = token.onCancellationRequested(() => controller.abort());
          let reported = 0;
          try {
            await backend.pull(
              model,
              (status) => {
                const fraction = status.total ? (status.completed ?? 0) / status.total : undefined;
                // Ollama reports each layer from 0 again: the bar shows the furthest any layer got, never going back.
                const increment = fraction === undefined ? undefined : Math.max(0, fraction * 100 - reported);
                if (increment !== undefined) reported += increment;
                const message = status.total
                  ? vscode.l10n.t("{0} · {1} of {2}", status.status, formatBytes(status.completed ?? 0), formatBytes(status.total))
                  : status.status;
                progress.report({ message, increment });
              },
              controller.signal,
            );
          } finally {
            cancel.dispose();
          }
        },
      );
      log.info(`Pulled ${model} into Ollama.`);
      refresh();
      return true;
    } catch (error) {
      refresh();
      if (controller.signal.aborted) return false; // cancelled by the user: nothing to explain
      void vscode.window.showErrorMessage(vscode.l10n.t("Pulling {0} failed: {1}", model, (error as Error).message));
      return false;
    }
  };

  const remove = async (node?: ModelTreeNode | string): Promise<boolean> => {
    const backend = ollama();
    if (!backend) return false;
    let model = typeof node === "string" ? node : node?.kind === "ollamaModel" ? node.name : undefined;
    if (!model) {
      const models = await backend.listModels().catch((error: Error) => {
        void vscode.window.showErrorMessage(error.message);
        return undefined;
      });
      if (!models) return false;
      model = (await vscode.window.showQuickPick(models.map((entry) => ({ label: entry.name, description: entry.sizeBytes === undefined ? "" : formatBytes(entry.sizeBytes) })), { title: vscode.l10n.t("Delete which Ollama model?") }))?.label;
    }
    if (!model) return false;
    const remove = vscode.l10n.t("Delete");
    if ((await vscode.window.showWarningMessage(vscode.l10n.t("Delete {0} from the Ollama server?", model), { modal: true }, remove)) !== remove) return false;
    try {
      await backend.delete(model);
    } catch (error) {
      void vscode.window.showErrorMessage(vscode.l10n.t("Deleting {0} failed: {1}", model, (error as Error).message));
      return false;
    }
    log.info(`Deleted ${model} from Ollama.`);
    await clearModelSettings((value) => value === model); // a model deleted from Ollama is named nowhere any more
    refresh();
    return true;
  };

  return vscode.Disposable.from(
    vscode.commands.registerCommand("hearth.pullOllamaModel", (name?: string) => pull(typeof name === "string" ? name : undefined)),
    vscode.commands.registerCommand("hearth.deleteOllamaModel", (node?: ModelTreeNode | string) => remove(node)),
  );
}
