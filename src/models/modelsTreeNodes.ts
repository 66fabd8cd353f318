// The kinds of item in the Models view, as one type, and the `contextValue` each carries. The
// context value is built from parts (`hearth.installed fim chat`) so package.json's menus can match
// a kind and a capability (`viewItem =~ /^hearth\.installed\b.*\bfim\b/`) without one string per
// combination.
import type { DownloadStatus, PartialDownload } from "../modelStore/downloadManager";
import type { GgufFacts } from "../modelStore/ggufFacts";
import type { MachineFit } from "../modelStore/machineFit";
import type { CatalogModel } from "../modelStore/modelCatalog";
import type { ModelFile } from "../modelStore/modelFiles";
import type { ModelRole } from "../modelStore/modelRoles";

export type ModelGroup = "installed" | "downloads" | "recommended" | "ollama";

export type ModelTreeNode =
  | { readonly kind: "group"; readonly group: ModelGroup }
  | {
      readonly kind: "modelFile";
      /** The file settings name (a split model's first part). */
      readonly file: ModelFile;
      /** Every file of the model: more than one for a split model. */
      readonly parts: readonly ModelFile[];
      readonly roles: readonly ModelRole[];
      /** Undefined when the header could not be read. */
      readonly facts: GgufFacts | undefined;
      readonly fit: MachineFit;
    }
  | { readonly kind: "download"; readonly status: DownloadStatus }
  | { readonly kind: "partial"; readonly partial: PartialDownload }
  | { readonly kind: "recommended"; readonly model: CatalogModel; readonly fit: MachineFit; readonly installed: boolean }
  | { readonly kind: "ollamaModel"; readonly name: string; readonly sizeBytes: number | undefined; readonly loaded: boolean; readonly roles: readonly ModelRole[] }
  | { readonly kind: "message"; readonly text: string; readonly command?: string };

/** `hearth.<kind>` then the item's capabilities and states, space-separated. */
export function contextValueOf(node: ModelTreeNode): string {
  const parts: string[] = [];
  switch (node.kind) {
    case "group":
      parts.push(`hearth.group.${node.group}`);
      break;
    case "modelFile":
      parts.push("hearth.installed");
      if (node.facts?.hasFimTokens) parts.push("fim");
      if (node.facts?.hasChatTemplate) parts.push("chatTemplate");
      parts.push(...node.roles);
      break;
    case "download":
      parts.push("hearth.download", node.status.state);
      break;
    case "partial":
      parts.push("hearth.partial");
      break;
    case "recommended":
      parts.push("hearth.recommended", node.installed ? "installed" : "available", node.fit);
      break;
    case "ollamaModel":
      parts.push("hearth.ollamaModel", node.loaded ? "loaded" : "unloaded", ...node.roles);
      break;
    case "message":
      parts.push("hearth.message");
      break;
  }
  return parts.join(" ");
}
