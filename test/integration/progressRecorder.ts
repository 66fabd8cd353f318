// A stand-in for vscode.window.withProgress in one test: it runs the task at once with a progress
// that records every report and a cancellation token the test can cancel, as the notification's
// Cancel button does.
import * as vscode from "vscode";

export interface RecordedReport {
  readonly title: string | undefined;
  readonly message?: string;
  readonly increment?: number;
}

export function recordProgress(onReport?: (report: RecordedReport, cancel: () => void) => void) {
  const window = vscode.window as unknown as Record<string, unknown>;
  const original = window.withProgress;
  const reports: RecordedReport[] = [];
  const titles: Array<string | undefined> = [];
  const cancellable: Array<boolean | undefined> = [];
  window.withProgress = (options: vscode.ProgressOptions, task: (progress: vscode.Progress<{ message?: string; increment?: number }>, token: vscode.CancellationToken) => Thenable<unknown>) => {
    titles.push(options.title);
    cancellable.push(options.cancellable);
    const source = new vscode.CancellationTokenSource();
    const progress = {
      report: (value: { message?: string; increment?: number }) => {
        const report = { title: options.title, ...value };
        reports.push(report);
        onReport?.(report, () => source.cancel());
      },
    };
    return Promise.resolve(task(progress, source.token)).finally(() => source.dispose());
  };
  return { reports, titles, cancellable, restore: () => void (window.withProgress = original) };
}
