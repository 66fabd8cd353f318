import * as assert from "node:assert/strict";
import * as vscode from "vscode";
import { SETTING_DEFAULTS } from "../../src/config/settings";
import { eventually, hearth, replaceWindowFunction, setSettings } from "./helpers";

describe("settings", () => {
  it("VS Code knows every Hearth setting, with the default the code uses", () => {
    const configuration = vscode.workspace.getConfiguration("hearth");
    for (const [key, value] of Object.entries(SETTING_DEFAULTS)) {
      assert.deepEqual(configuration.inspect(key)?.defaultValue, value, `hearth.${key}`);
    }
  });

  it("applies a change at once, without a reload", async () => {
    const api = await hearth();
    const restore = await setSettings({ "llamaCpp.gpuLayers": 12, "llamaCpp.threads": 2, backend: "ollama" });
    try {
      await eventually(() => api.settings.current.llamaCpp.gpuLayers === 12, "gpuLayers 12");
      assert.equal(api.settings.current.llamaCpp.threads, 2);
      assert.equal(api.settings.current.backend, "ollama");
    } finally {
      await restore();
    }
    await eventually(() => api.settings.current.llamaCpp.gpuLayers === "auto", "gpuLayers back to auto");
  });

  it("says which value it used when settings.json holds an invalid gpuLayers", async () => {
    const api = await hearth();
    const warnings = replaceWindowFunction("showWarningMessage", () => Promise.resolve(undefined));
    // configuration.update writes the value as a hand edit of settings.json would: VS Code does not validate it.
    const restore = await setSettings({ "llamaCpp.gpuLayers": "lots" });
    try {
      const warning = await eventually(() => warnings.calls.find((call) => String(call[0]).includes("gpuLayers")), "a warning about gpuLayers");
      assert.equal(
        warning?.[0],
        'hearth.llamaCpp.gpuLayers is "lots", which is not "auto", "max" or a whole number of layers (0 or more). Hearth is using "auto" instead.',
      );
      assert.equal(api.settings.current.llamaCpp.gpuLayers, "auto");
    } finally {
      warnings.restore();
      await restore();
    }
  });
});
