// Hearth's settings, read live from VS Code: `current` is always the latest, and every change
// under `hearth.` fires `onDidChange`, so a new value applies without a reload. A value that
// breaks its setting's rules is replaced and the user is told once what Hearth used instead.
import * as vscode from "vscode";
import { readSettings, type HearthSettings, type SettingKey } from "./settings";

export class SettingsService implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<HearthSettings>();
  readonly onDidChange = this.changed.event;
  private readonly subscription: vscode.Disposable;
  private readonly reported = new Set<string>();
  private snapshot: HearthSettings;

  constructor(private readonly log: vscode.LogOutputChannel) {
    this.snapshot = this.read();
    this.subscription = vscode.workspace.onDidChangeConfiguration((event) => {
      if (!event.affectsConfiguration("hearth")) return;
      this.snapshot = this.read();
      this.changed.fire(this.snapshot);
    });
  }

  get current(): HearthSettings {
    return this.snapshot;
  }

  private read(): HearthSettings {
    const configuration = vscode.workspace.getConfiguration("hearth");
    const { settings, problems } = readSettings((key: SettingKey) => configuration.get(key));
    // A setting that is valid again may go wrong again later, and is then reported again.
    for (const id of this.reported) if (!problems.some((problem) => id.startsWith(`${problem.key}=`))) this.reported.delete(id);
    for (const problem of problems) {
      const id = `${problem.key}=${JSON.stringify(problem.given)}`;
      if (this.reported.has(id)) continue;
      this.reported.add(id);
      this.log.warn(problem.message);
      void vscode.window
        .showWarningMessage(problem.message, vscode.l10n.t("Open Setting"))
        .then((choice) => choice && vscode.commands.executeCommand("workbench.action.openSettings", `hearth.${problem.key}`));
    }
    return settings;
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
