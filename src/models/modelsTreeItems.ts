// How each kind of Models-view node looks: label, description (size, role badges, quantization,
// fit mark), icon, tooltip with what the GGUF header says. Pure presentation: the provider decides
// what nodes exist.
import * as path from "node:path";
import * as vscode from "vscode";
import type { MachineFit } from "../modelStore/machineFit";
import { parseQuantization } from "../modelStore/hubFileNames";
import { formatBytes } from "../modelStore/modelFiles";
import { describeProgress } from "./modelDownloads";
import { contextValueOf, type ModelGroup, type ModelTreeNode } from "./modelsTreeNodes";

const GROUP_LABELS: Record<ModelGroup, () => string> = {
  installed: () => vscode.l10n.t("Installed"),
  downloads: () => vscode.l10n.t("Downloads"),
  recommended: () => vscode.l10n.t("Recommended"),
  ollama: () => vscode.l10n.t("Ollama"),
};

export function fitLabel(fit: MachineFit): string {
  return fit === "fits" ? vscode.l10n.t("fits") : fit === "tight" ? vscode.l10n.t("tight") : vscode.l10n.t("too big");
}

function fitIcon(fit: MachineFit): vscode.ThemeIcon {
  if (fit === "fits") return new vscode.ThemeIcon("pass", new vscode.ThemeColor("testing.iconPassed"));
  if (fit === "tight") return new vscode.ThemeIcon("warning", new vscode.ThemeColor("list.warningForeground"));
  return new vscode.ThemeIcon("error", new vscode.ThemeColor("list.errorForeground"));
}

export function treeItemFor(node: ModelTreeNode): vscode.TreeItem {
  const item = build(node);
  item.contextValue = contextValueOf(node);
  return item;
}

function build(node: ModelTreeNode): vscode.TreeItem {
  switch (node.kind) {
    case "group": {
      const item = new vscode.TreeItem(GROUP_LABELS[node.group](), vscode.TreeItemCollapsibleState.Expanded);
      item.id = `group:${node.group}`;
      return item;
    }
    case "modelFile": {
      const { file, parts, roles, facts, fit } = node;
      const sizeBytes = parts.reduce((sum, part) => sum + part.sizeBytes, 0);
      const item = new vscode.TreeItem(file.name, vscode.TreeItemCollapsibleState.None);
      item.id = file.path;
      const quantization = parseQuantization(file.name) ?? facts?.fileType;
      item.description = [formatBytes(sizeBytes), ...roles, quantization, parts.length > 1 ? vscode.l10n.t("{0} parts", parts.length) : undefined, facts?.hasFimTokens ? "FIM" : undefined, fit === "fits" ? undefined : fitLabel(fit)]
        .filter(Boolean)
        .join(" · ");
      item.iconPath = new vscode.ThemeIcon(roles.length ? "pass-filled" : fit === "tooBig" ? "warning" : "file-binary");
      item.resourceUri = vscode.Uri.file(file.path);
      const yesNo = (value: boolean) => (value ? vscode.l10n.t("yes") : vscode.l10n.t("no"));
      item.tooltip = new vscode.MarkdownString(
        [
          `**${file.name}**`,
          "",
          `${formatBytes(sizeBytes)} · ${vscode.l10n.t("modified {0}", file.modified.toLocaleString())}`,
          "",
          facts
            ? [
                vscode.l10n.t("Architecture: {0}", facts.architecture ?? "?"),
                vscode.l10n.t("Context length: {0}", facts.contextLength ?? "?"),
                vscode.l10n.t("Chat template: {0}", yesNo(facts.hasChatTemplate)),
                vscode.l10n.t("Fill-in-the-middle tokens: {0}", yesNo(facts.hasFimTokens)),
              ].join("  \n")
            : vscode.l10n.t("The GGUF header could not be read."),
          "",
          vscode.l10n.t("Memory (estimate): {0}", fitLabel(fit)),
          "",
          `\`${file.path}\``,
          roles.length ? `\n\n${vscode.l10n.t("Selected for: {0}", roles.join(", "))}` : "",
        ].join("\n"),
      );
      return item;
    }
    case "download": {
      const { status } = node;
      const item = new vscode.TreeItem(status.name, vscode.TreeItemCollapsibleState.None);
      item.id = `download:${status.id}`;
      item.description = describeProgress(status);
      item.iconPath = new vscode.ThemeIcon(status.state === "queued" ? "clock" : "sync~spin");
      item.tooltip = status.fileCount === 1 ? status.repo : vscode.l10n.t("{0} · {1} files", status.repo, status.fileCount);
      return item;
    }
    case "partial": {
      const { partial } = node;
      const item = new vscode.TreeItem(partial.plan.name, vscode.TreeItemCollapsibleState.None);
      item.id = `partial:${partial.plan.id}`;
      const got = partial.totalBytes ? vscode.l10n.t("{0} of {1}", formatBytes(partial.receivedBytes), formatBytes(partial.totalBytes)) : formatBytes(partial.receivedBytes);
      item.description = vscode.l10n.t("{0} · paused", got);
      item.iconPath = new vscode.ThemeIcon("debug-pause");
      item.tooltip = vscode.l10n.t("{0}: a partial download. Resume continues from where it stopped.", partial.plan.repo);
      return item;
    }
    case "recommended": {
      const { model, fit, installed } = node;
      const item = new vscode.TreeItem(model.label, vscode.TreeItemCollapsibleState.None);
      item.id = `recommended:${model.id}`;
      item.description = [model.quantization, formatBytes(model.sizeBytes), model.roles.join(", "), installed ? vscode.l10n.t("installed") : fitLabel(fit)].join(" · ");
      item.iconPath = installed ? new vscode.ThemeIcon("pass-filled") : fitIcon(fit);
      item.tooltip = new vscode.MarkdownString(
        [
          `**${model.label}**`,
          "",
          `${model.repo} · \`${path.basename(model.file)}\``,
          "",
          vscode.l10n.t("Licence: {0}", model.licence),
          "",
          vscode.l10n.t("Needs at least {0} of memory; on this machine: {1} (an estimate).", formatBytes(model.minMemoryBytes), fitLabel(fit)),
        ].join("\n"),
      );
      return item;
    }
    case "ollamaModel": {
      const item = new vscode.TreeItem(node.name, vscode.TreeItemCollapsibleState.None);
      item.id = `ollama:${node.name}`;
      item.description = [node.sizeBytes === undefined ? undefined : formatBytes(node.sizeBytes), ...node.roles, node.loaded ? vscode.l10n.t("loaded") : undefined]
        .filter(Boolean)
        .join(" · ");
      item.iconPath = new vscode.ThemeIcon(node.roles.length ? "pass-filled" : node.loaded ? "circle-filled" : "circle-outline");
      return item;
    }
    case "message": {
      const item = new vscode.TreeItem(node.text, vscode.TreeItemCollapsibleState.None);
      if (node.command) item.command = { command: node.command, title: node.text };
      item.iconPath = new vscode.ThemeIcon("info");
      return item;
    }
  }
}
