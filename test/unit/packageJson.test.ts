// package.json declares what VS Code shows and validates; these tests keep it and the code in step.
import Ajv from "ajv";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { CHAT_FORMATS, SETTING_DEFAULTS } from "../../src/config/settings";
import { CHAT_VIEW_COMMANDS } from "../../src/shared/chatProtocol";
import { repositoryRoot } from "../support/fixtures";

interface Manifest {
  activationEvents: string[];
  extensionKind: string[];
  main: string;
  contributes: {
    commands: Array<{ command: string; title: string; category?: string }>;
    configuration: { properties: Record<string, { default: unknown; description?: string; markdownDescription?: string } & object> };
    views: Record<string, Array<{ id: string; name: string; type?: string }>>;
    viewsContainers: { activitybar: Array<{ id: string; title: string; icon: string }> };
  };
}

const manifest = JSON.parse(fs.readFileSync(path.join(repositoryRoot, "package.json"), "utf8")) as Manifest;
const properties = manifest.contributes.configuration.properties;

describe("package.json", () => {
  it("declares every setting the code reads, with the code's default and a description", () => {
    assert.deepEqual(Object.keys(properties).sort(), Object.keys(SETTING_DEFAULTS).map((key) => `hearth.${key}`).sort());
    for (const [key, value] of Object.entries(SETTING_DEFAULTS)) {
      const declared = properties[`hearth.${key}`];
      assert.deepEqual(declared.default, value, `default of hearth.${key}`);
      assert.ok(declared.description ?? declared.markdownDescription, `description of hearth.${key}`);
    }
  });

  it('lets the settings schema accept gpuLayers "auto", "max" and whole numbers, and reject anything else', () => {
    const validate = new Ajv({ strict: false }).compile(properties["hearth.llamaCpp.gpuLayers"]);
    for (const good of ["auto", "max", 0, 1, 99]) assert.ok(validate(good), `accepts ${JSON.stringify(good)}`);
    for (const bad of ["bogus", "12", -1, 2.5, null, true, {}]) assert.ok(!validate(bad), `rejects ${JSON.stringify(bad)}`);
  });

  it("lets the settings schema reject an unknown backend and negative sizes", () => {
    const ajv = new Ajv({ strict: false });
    assert.ok(!ajv.validate(properties["hearth.backend"], "gpt4all"));
    assert.ok(ajv.validate(properties["hearth.backend"], "ollama"));
    assert.ok(!ajv.validate(properties["hearth.llamaCpp.threads"], -1));
    assert.ok(!ajv.validate(properties["hearth.llamaCpp.contextSize"], 1.5));
  });

  it("offers the chat formats the code accepts, each one node-llama-cpp knows", async () => {
    assert.deepEqual((properties["hearth.llamaCpp.chatFormat"] as { enum?: string[] }).enum, [...CHAT_FORMATS]);
    const { resolvableChatWrapperTypeNames } = await import("node-llama-cpp");
    for (const format of CHAT_FORMATS) assert.ok((resolvableChatWrapperTypeNames as readonly string[]).includes(format), format);
  });

  it("contributes the Hearth container with the Chat webview and the Models tree", () => {
    assert.deepEqual(manifest.contributes.viewsContainers.activitybar.map((c) => c.id), ["hearth"]);
    const views = manifest.contributes.views.hearth;
    assert.deepEqual(views.map((v) => [v.id, v.type ?? "tree"]), [["hearth.chat", "webview"], ["hearth.models", "tree"]]);
    assert.ok(fs.existsSync(path.join(repositoryRoot, manifest.contributes.viewsContainers.activitybar[0].icon)));
  });

  it("contributes the model commands, and every command the chat view may run", () => {
    const titles = new Map(manifest.contributes.commands.map((c) => [c.command, `${c.category}: ${c.title}`]));
    assert.equal(titles.get("hearth.openChat"), "Hearth: Open Chat");
    assert.equal(titles.get("hearth.installModel"), "Hearth: Install Model…");
    assert.equal(titles.get("hearth.removeModel"), "Hearth: Remove Model…");
    assert.equal(titles.get("hearth.selectModel"), "Hearth: Select Model…");
    for (const command of CHAT_VIEW_COMMANDS) assert.ok(titles.has(command), command);
  });

  it("activates once VS Code has started (completions need no click first), never with it, and runs where the workspace is", () => {
    assert.deepEqual(manifest.activationEvents, ["onStartupFinished"]);
    assert.deepEqual(manifest.extensionKind, ["workspace"]);
    assert.equal(manifest.main, "./dist/extension.js");
  });
});
