// The Models view's context values, and package.json's menus that match them: an action shows on
// exactly the items it applies to (Use for Completion only on models with FIM tokens).
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { contextValueOf, type ModelTreeNode } from "../../src/models/modelsTreeNodes";
import { repositoryRoot } from "../support/fixtures";

interface MenuEntry {
  command: string;
  when: string;
}
const manifest = JSON.parse(fs.readFileSync(path.join(repositoryRoot, "package.json"), "utf8")) as {
  contributes: { commands: Array<{ command: string }>; menus: Record<string, MenuEntry[]> };
};

const file = { name: "m.gguf", path: "/models/m.gguf", sizeBytes: 1, modified: new Date(0) };
const facts = (fim: boolean) => ({ architecture: "llama", name: undefined, contextLength: 4096, hasChatTemplate: true, hasFimTokens: fim, fileType: undefined, kvShape: undefined });
const nodes: Record<string, ModelTreeNode> = {
  installedFim: { kind: "modelFile", file, parts: [file], roles: ["chat"], facts: facts(true), fit: "fits" },
  installedPlain: { kind: "modelFile", file, parts: [file], roles: [], facts: facts(false), fit: "fits" },
  installedUnread: { kind: "modelFile", file, parts: [file], roles: [], facts: undefined, fit: "tight" },
  recommended: { kind: "recommended", model: {} as never, fit: "fits", installed: false },
  recommendedInstalled: { kind: "recommended", model: {} as never, fit: "fits", installed: true },
  partial: { kind: "partial", partial: {} as never },
  download: { kind: "download", status: { state: "downloading" } as never },
  ollama: { kind: "ollamaModel", name: "qwen", sizeBytes: 1, loaded: true, roles: [] },
};

/** The commands of the Models view's item menus whose `when` holds for an item (a small when-clause reader: `==`, `=~`, `&&`). */
function commandsFor(node: ModelTreeNode): Set<string> {
  const viewItem = contextValueOf(node);
  const holds = (clause: string) =>
    clause.split("&&").every((part) => {
      const term = part.trim();
      if (term === "view == hearth.models") return true;
      const match = /^viewItem =~ \/(.*)\/$/.exec(term);
      if (match) return new RegExp(match[1]).test(viewItem);
      throw new Error(`unexpected when clause part: ${term}`);
    });
  return new Set(manifest.contributes.menus["view/item/context"].filter((entry) => holds(entry.when)).map((entry) => entry.command));
}

describe("Models view items", () => {
  it("builds context values from kind and capabilities", () => {
    assert.equal(contextValueOf(nodes.installedFim), "hearth.installed fim chatTemplate chat");
    assert.equal(contextValueOf(nodes.installedPlain), "hearth.installed chatTemplate");
    assert.equal(contextValueOf(nodes.recommended), "hearth.recommended available fits");
    assert.equal(contextValueOf(nodes.ollama), "hearth.ollamaModel loaded");
  });

  it("offers Use for Completion only on installed models with FIM tokens", () => {
    assert.ok(commandsFor(nodes.installedFim).has("hearth.useForCompletion"));
    assert.ok(!commandsFor(nodes.installedPlain).has("hearth.useForCompletion"));
    assert.ok(!commandsFor(nodes.installedUnread).has("hearth.useForCompletion"));
    for (const name of ["installedFim", "installedPlain", "installedUnread"]) {
      for (const command of ["hearth.useForChat", "hearth.useForEmbeddings", "hearth.revealModel", "hearth.removeModel"]) assert.ok(commandsFor(nodes[name]).has(command), `${name} ${command}`);
    }
  });

  it("puts each action on its own kind of item only", () => {
    assert.deepEqual([...commandsFor(nodes.recommended)], ["hearth.downloadRecommendedModel"]);
    assert.deepEqual([...commandsFor(nodes.recommendedInstalled)], []);
    assert.deepEqual([...commandsFor(nodes.partial)].sort(), ["hearth.deletePartialDownload", "hearth.resumeDownload"]);
    assert.deepEqual([...commandsFor(nodes.download)], ["hearth.cancelDownload"]);
    assert.ok(commandsFor(nodes.ollama).has("hearth.deleteOllamaModel"));
    assert.ok(!commandsFor(nodes.ollama).has("hearth.removeModel"));
  });

  it("declares every command the menus use", () => {
    const declared = new Set(manifest.contributes.commands.map((command) => command.command));
    for (const entries of Object.values(manifest.contributes.menus)) {
      for (const entry of entries) if (entry.command) assert.ok(declared.has(entry.command), entry.command);
    }
  });
});
