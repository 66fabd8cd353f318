// Whether inline completions are on: the setting, the per-language switches and a snooze.
// The snooze is a pause the user asked for, not a preference: it lives in global state (every
// window sees it, it survives a reload) and ends by itself.
import * as vscode from "vscode";
import { updateSetting } from "../config/settingWrites";
import type { SettingsService } from "../config/settingsService";

const SNOOZE_KEY = "hearth.completion.snoozedUntil";

export type SwitchState =
  | { readonly kind: "on" }
  | { readonly kind: "off" }
  | { readonly kind: "snoozed"; readonly until: number };

/** Whether `languageId` is switched on: its own entry, else "*", else on. */
export function languageEnabled(languages: Readonly<Record<string, boolean>>, languageId: string): boolean {
  return languages[languageId] ?? languages["*"] ?? true;
}

export class CompletionSwitch implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<SwitchState>();
  readonly onDidChange = this.changed.event;
  private wakeTimer: NodeJS.Timeout | undefined;
  private readonly subscription: vscode.Disposable;

  constructor(
    private readonly settings: SettingsService,
    private readonly globalState: vscode.Memento,
  ) {
    this.subscription = settings.onDidChange(() => this.changed.fire(this.state));
    this.scheduleWake();
  }

  get state(): SwitchState {
    if (!this.settings.current.completion.enabled) return { kind: "off" };
    const until = this.globalState.get<number>(SNOOZE_KEY, 0);
    return until > Date.now() ? { kind: "snoozed", until } : { kind: "on" };
  }

  /** Whether a completion may be shown in a document of this language now. */
  allows(languageId: string): boolean {
    return this.state.kind === "on" && this.languageOn(languageId);
  }

  languageOn(languageId: string): boolean {
    return languageEnabled(this.settings.current.completion.languages, languageId);
  }

  /** On → off; off or snoozed → on (a snooze ends). */
  async toggle(): Promise<void> {
    const state = this.state;
    if (state.kind === "snoozed") return this.resume();
    await updateSetting("completion.enabled", state.kind === "off");
  }

  async snooze(minutes: number): Promise<void> {
    await this.globalState.update(SNOOZE_KEY, Date.now() + minutes * 60_000);
    if (!this.settings.current.completion.enabled) await updateSetting("completion.enabled", true);
    this.scheduleWake();
    this.changed.fire(this.state);
  }

  async resume(): Promise<void> {
    await this.globalState.update(SNOOZE_KEY, undefined);
    this.scheduleWake();
    this.changed.fire(this.state);
  }

  /** Switches one language on or off in the setting, keeping the other entries. */
  async setLanguage(languageId: string, on: boolean): Promise<void> {
    await updateSetting("completion.languages", { ...this.settings.current.completion.languages, [languageId]: on });
  }

  /** Fires when a snooze ends, so the status bar and the provider see it without a keystroke. */
  private scheduleWake(): void {
    clearTimeout(this.wakeTimer);
    const state = this.state;
    if (state.kind !== "snoozed") return;
    this.wakeTimer = setTimeout(() => this.changed.fire(this.state), Math.min(state.until - Date.now() + 50, 2 ** 31 - 1));
  }

  dispose(): void {
    clearTimeout(this.wakeTimer);
    this.subscription.dispose();
    this.changed.dispose();
  }
}
