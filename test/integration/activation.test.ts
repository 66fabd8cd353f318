import * as assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import * as vscode from "vscode";
import type { HearthApi } from "../../src/extension";

describe("activation", () => {
  it("activates after VS Code has started, never during its startup", () => {
    const extension = vscode.extensions.getExtension<HearthApi>("hearth.hearth");
    assert.ok(extension, "Hearth is installed");
    // onStartupFinished: completions work without a click on a Hearth view, and VS Code starts as fast as without Hearth.
    assert.deepEqual((extension.packageJSON as { activationEvents: string[] }).activationEvents, ["onStartupFinished"]);
  });

  it("runs this suite in test mode, the only mode in which activate() hands out Hearth's internals", async () => {
    const extension = vscode.extensions.getExtension<HearthApi | undefined>("hearth.hearth")!;
    // In any other mode (an installed VSIX is Production) activate() returns undefined: other
    // extensions must not reach the engine, and through it the API keys.
    const api = await extension.activate();
    assert.ok(api, "activate() returned the internals");
    assert.equal(api.extensionMode, vscode.ExtensionMode.Test);
    assert.equal(extension.exports, api);
  });

  it("activates quickly, and registers every command it contributes", async () => {
    const extension = vscode.extensions.getExtension<HearthApi>("hearth.hearth")!;
    // Measured inside activate(): it may have run already, after startup.
    const { activationMs } = await extension.activate();
    console.log(`      activation took ${activationMs.toFixed(1)} ms (${vscode.env.remoteName ?? "local"} extension host)`);
    if (process.env.HEARTH_METRICS_FILE) {
      await fs.mkdir(path.dirname(process.env.HEARTH_METRICS_FILE), { recursive: true });
      await fs.writeFile(process.env.HEARTH_METRICS_FILE, JSON.stringify({ activationMs }));
    }
    assert.ok(activationMs < 2_000, `activation took ${activationMs} ms`);

    const contributed = (extension.packageJSON as { contributes: { commands: Array<{ command: string }> } }).contributes.commands;
    const registered = new Set(await vscode.commands.getCommands(true));
    for (const { command } of contributed) assert.ok(registered.has(command), `${command} is registered`);
  });
});
