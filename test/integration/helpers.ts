// Shared steps of the integration tests: the activated extension's API, settings changes that
// are undone afterwards, and stand-ins for dialogs a test cannot click.
import * as vscode from "vscode";
import type { HearthApi } from "../../src/extension";

export async function hearth(): Promise<HearthApi> {
  const extension = vscode.extensions.getExtension<HearthApi>("hearth.hearth");
  if (!extension) throw new Error("Hearth is not installed in this VS Code");
  return extension.activate();
}

/** Sets user settings under `hearth.`; returns a function that puts the old values back. */
export async function setSettings(values: Record<string, unknown>): Promise<() => Promise<void>> {
  const configuration = vscode.workspace.getConfiguration("hearth");
  const previous = Object.fromEntries(Object.keys(values).map((key) => [key, configuration.inspect(key)?.globalValue]));
  for (const [key, value] of Object.entries(values)) {
    await configuration.update(key, value, vscode.ConfigurationTarget.Global);
  }
  return async () => {
    for (const [key, value] of Object.entries(previous)) {
      await vscode.workspace.getConfiguration("hearth").update(key, value, vscode.ConfigurationTarget.Global);
    }
  };
}

type WindowFunctionName = "showWarningMessage" | "showInformationMessage" | "showErrorMessage" | "showOpenDialog" | "showQuickPick";

/** Replaces a `vscode.window` function for one test, recording its calls; restore() puts it back. */
export function replaceWindowFunction(name: WindowFunctionName, implementation: (...args: unknown[]) => unknown) {
  const window = vscode.window as unknown as Record<string, unknown>;
  const original = window[name];
  const calls: unknown[][] = [];
  window[name] = (...args: unknown[]) => {
    calls.push(args);
    return implementation(...args);
  };
  return { calls, restore: () => void (window[name] = original) };
}

/** Waits until `condition` holds (the settings service and watchers work through events). */
export async function eventually<T>(condition: () => T | Promise<T>, what: string, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
