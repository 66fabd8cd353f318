// The status bar item of inline completions, apart from the engine's: on, off, snoozed, working,
// or a problem that stops them (no completion model, a model that cannot fill in the middle,
// the backend down). "Working" shows only when a completion takes a while, so typing does not
// make the item blink; the engine's item never changes for a completion at all.
import * as vscode from "vscode";
import { modelLabel } from "../engine/engine";
import type { CompletionSwitch } from "./completionSwitch";

/** What stops completions now, as the controller found out (cleared by a success or a settings change). */
export interface CompletionProblem {
  readonly kind: "noModel" | "noFim" | "failing";
  readonly message: string;
}

/** Requests shorter than this never show "working". */
const WORKING_AFTER_MS = 400;

export class CompletionStatusBar implements vscode.Disposable {
  readonly item = vscode.window.createStatusBarItem("hearth.completion", vscode.StatusBarAlignment.Right, 99);
  private problem: CompletionProblem | undefined;
  private working = false;
  private workingTimer: NodeJS.Timeout | undefined;
  private inFlight = 0;
  private readonly subscriptions: vscode.Disposable[];

  constructor(
    private readonly completionSwitch: CompletionSwitch,
    private readonly model: () => string,
  ) {
    this.item.name = vscode.l10n.t("Hearth Inline Completions");
    this.item.command = "hearth.completionMenu";
    // A snooze's minutes left count down while it lasts.
    const countdown = setInterval(() => this.completionSwitch.state.kind === "snoozed" && this.render(), 30_000);
    this.subscriptions = [completionSwitch.onDidChange(() => this.render()), { dispose: () => clearInterval(countdown) }];
    this.render();
    this.item.show();
  }

  /** A completion request started; returns the function that says it ended. */
  started(): () => void {
    this.inFlight++;
    this.workingTimer ??= setTimeout(() => {
      this.workingTimer = undefined;
      if (this.inFlight > 0) this.setWorking(true);
    }, WORKING_AFTER_MS);
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      if (--this.inFlight > 0) return;
      clearTimeout(this.workingTimer);
      this.workingTimer = undefined;
      this.setWorking(false);
    };
  }

  setProblem(problem: CompletionProblem | undefined): void {
    if (problem?.message === this.problem?.message && problem?.kind === this.problem?.kind) return;
    this.problem = problem;
    this.render();
  }

  private setWorking(working: boolean): void {
    if (this.working === working) return;
    this.working = working;
    this.render();
  }

  private render(): void {
    const state = this.completionSwitch.state;
    const model = this.model() ? modelLabel(this.model()) : undefined;
    const tooltip = new vscode.MarkdownString("", true);
    this.item.backgroundColor = undefined;
    if (state.kind === "off") {
      this.item.text = "$(circle-slash) Hearth";
      tooltip.appendMarkdown(vscode.l10n.t("Inline completions are **off**."));
    } else if (state.kind === "snoozed") {
      const minutes = Math.max(1, Math.ceil((state.until - Date.now()) / 60_000));
      this.item.text = `$(clock) ${minutes}m`;
      tooltip.appendMarkdown(vscode.l10n.t("Inline completions are snoozed until {0}.", new Date(state.until).toLocaleTimeString()));
    } else if (this.problem) {
      this.item.text = "$(warning) Hearth";
      if (this.problem.kind === "failing") this.item.backgroundColor = new vscode.ThemeColor("statusBarItem.warningBackground");
      tooltip.appendText(this.problem.message);
    } else if (this.working) {
      this.item.text = "$(loading~spin) Hearth";
      tooltip.appendMarkdown(vscode.l10n.t("Completing with {0}…", model ?? "?"));
    } else {
      this.item.text = "$(sparkle) Hearth";
      tooltip.appendMarkdown(vscode.l10n.t("Inline completions are **on**, from {0}.", model ?? "?"));
    }
    tooltip.appendMarkdown(`\n\n${vscode.l10n.t("Click to switch them on or off, snooze them, or choose the completion model.")}`);
    this.item.tooltip = tooltip;
    this.item.accessibilityInformation = { label: `${vscode.l10n.t("Hearth inline completions")}: ${this.item.text.replace(/\$\([^)]*\)\s*/g, "")}` };
  }

  dispose(): void {
    clearTimeout(this.workingTimer);
    for (const subscription of this.subscriptions) subscription.dispose();
    this.item.dispose();
  }
}
