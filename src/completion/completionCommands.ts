// Commands of inline completions: toggle, snooze, and the menu the status bar item opens
// (on/off, snooze, this language on/off, the completion model, the settings).
import * as vscode from "vscode";
import type { CompletionSwitch } from "./completionSwitch";

const SNOOZE_CHOICES = [5, 15, 60] as const;

export function registerCompletionCommands(completionSwitch: CompletionSwitch): vscode.Disposable {
  const snooze = async (minutes?: number): Promise<void> => {
    if (typeof minutes !== "number" || !(minutes > 0)) {
      const picked = await vscode.window.showQuickPick(
        SNOOZE_CHOICES.map((choice) => ({ label: vscode.l10n.t("{0} minutes", choice), minutes: choice })),
        { title: vscode.l10n.t("Snooze inline completions for") },
      );
      if (!picked) return;
      minutes = picked.minutes;
    }
    await completionSwitch.snooze(minutes);
  };

  const menu = async (): Promise<void> => {
    const state = completionSwitch.state;
    const languageId = vscode.window.activeTextEditor?.document.languageId;
    type Choice = vscode.QuickPickItem & { run: () => Thenable<unknown> | Promise<unknown> };
    const choices: Choice[] = [];
    if (state.kind === "snoozed") choices.push({ label: `$(play) ${vscode.l10n.t("Resume now")}`, run: () => completionSwitch.resume() });
    choices.push(
      state.kind === "off"
        ? { label: `$(check) ${vscode.l10n.t("Turn inline completions on")}`, run: () => completionSwitch.toggle() }
        : { label: `$(circle-slash) ${vscode.l10n.t("Turn inline completions off")}`, run: () => completionSwitch.toggle() },
    );
    if (state.kind !== "off") {
      choices.push(...SNOOZE_CHOICES.map((minutes) => ({ label: `$(clock) ${vscode.l10n.t("Snooze for {0} minutes", minutes)}`, run: () => completionSwitch.snooze(minutes) })));
    }
    if (languageId) {
      const on = completionSwitch.languageOn(languageId);
      choices.push({
        label: on ? `$(eye-closed) ${vscode.l10n.t("Turn off for {0} files", languageId)}` : `$(eye) ${vscode.l10n.t("Turn on for {0} files", languageId)}`,
        run: () => completionSwitch.setLanguage(languageId, !on),
      });
    }
    choices.push(
      { label: `$(symbol-misc) ${vscode.l10n.t("Choose the completion model…")}`, run: () => vscode.commands.executeCommand("hearth.selectModel") },
      { label: `$(gear) ${vscode.l10n.t("Completion settings")}`, run: () => vscode.commands.executeCommand("workbench.action.openSettings", "hearth.completion") },
    );
    const picked = await vscode.window.showQuickPick(choices, { title: vscode.l10n.t("Hearth inline completions") });
    await picked?.run();
  };

  return vscode.Disposable.from(
    vscode.commands.registerCommand("hearth.toggleCompletions", () => completionSwitch.toggle()),
    vscode.commands.registerCommand("hearth.snoozeCompletions", (minutes?: number) => snooze(minutes)),
    vscode.commands.registerCommand("hearth.completionMenu", menu),
  );
}
