// The commands around downloads: Install Model…, the Recommended items' Download, the Downloads
// items' Resume / Cancel / Delete partial, and Set Hugging Face Token.
import * as vscode from "vscode";
import { formatBytes } from "../modelStore/modelFiles";
import type { HuggingFaceAccess } from "./huggingFaceAccess";
import type { InstallModelCommand } from "./installModelCommand";
import type { ModelDownloads } from "./modelDownloads";
import type { ModelTreeNode } from "./modelsTreeNodes";

export function registerDownloadCommands(install: InstallModelCommand, downloads: ModelDownloads, access: HuggingFaceAccess): vscode.Disposable {
  return vscode.Disposable.from(
    vscode.commands.registerCommand("hearth.installModel", () => install.run()),
    vscode.commands.registerCommand("hearth.downloadRecommendedModel", (node?: ModelTreeNode) => (node?.kind === "recommended" ? install.install(node.model) : install.run())),
    vscode.commands.registerCommand("hearth.resumeDownload", async (node?: ModelTreeNode) => {
      if (node?.kind === "partial") await downloads.resume(node.partial.plan);
    }),
    vscode.commands.registerCommand("hearth.cancelDownload", (node?: ModelTreeNode) => {
      if (node?.kind === "download") downloads.cancel(node.status.id);
    }),
    vscode.commands.registerCommand("hearth.deletePartialDownload", async (node?: ModelTreeNode) => {
      if (node?.kind !== "partial") return;
      const remove = vscode.l10n.t("Delete");
      const answer = await vscode.window.showWarningMessage(
        vscode.l10n.t("Delete the partial download of {0} ({1})? It cannot be resumed afterwards.", node.partial.plan.name, formatBytes(node.partial.receivedBytes)),
        { modal: true },
        remove,
      );
      if (answer !== remove) return;
      try {
        await downloads.removePartial(node.partial.plan);
      } catch (error) {
        void vscode.window.showErrorMessage((error as Error).message);
      }
    }),
    vscode.commands.registerCommand("hearth.setHuggingFaceToken", () => access.promptForToken()),
  );
}
