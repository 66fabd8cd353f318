// The download side of the Models view, in VS Code terms: the download managers for the current
// models folder, endpoint and proxy (downloadManagers.ts: new downloads follow a settings change,
// running ones finish where they started), a change event for the tree, and each download shown in
// a cancellable progress notification whose failure is named (with a button to set a token when
// that is the fix).
import * as path from "node:path";
import * as vscode from "vscode";
import { DownloadManager, type DownloadOutcome, type DownloadPlan, type DownloadStatus, type DownloadTask, type ModelDownloadRequest, type PartialDownload } from "../modelStore/downloadManager";
import { DownloadManagers } from "../modelStore/downloadManagers";
import { formatBytes } from "../modelStore/modelFiles";
import type { HuggingFaceAccess } from "./huggingFaceAccess";
import type { ModelsFolder } from "./modelsFolder";

export class ModelDownloads implements vscode.Disposable {
  private readonly managers: DownloadManagers;
  /** "progress": only a running download's figures moved; "list": downloads started, ended or went. */
  private readonly changed = new vscode.EventEmitter<"progress" | "list">();
  /** Fires on any download's progress or state change, and when partial downloads may have changed. */
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly folder: ModelsFolder,
    private readonly access: HuggingFaceAccess,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.managers = new DownloadManagers(
      (place) => new DownloadManager({ ...place, token: () => this.access.token() }),
      (status) => this.statusChanged(status),
    );
  }

  /** The manager for the current settings: where new downloads, resumes and partial listings go. */
  private get manager(): DownloadManager {
    return this.managers.current({ modelsDirectory: this.folder.directory, endpoint: this.access.endpoint, proxy: this.access.proxy });
  }

  /** Every download running or queued, including those started before a settings change. */
  statuses(): DownloadStatus[] {
    return this.managers.statuses();
  }

  /** Partial downloads in the current folder that no manager is running (one started before an endpoint change may be). */
  async partials(): Promise<PartialDownload[]> {
    const running = new Set(this.statuses().map((status) => status.id));
    return (await this.manager.listPartialDownloads()).filter((partial) => !running.has(partial.plan.id));
  }

  /** Downloads with a progress notification; resolves with the outcome once it has been reported. */
  async download(request: ModelDownloadRequest): Promise<DownloadOutcome> {
    const manager = this.manager;
    return this.follow(manager, manager.download(request), request.name ?? path.basename(request.files[0]?.path ?? request.repo));
  }

  async resume(plan: DownloadPlan): Promise<DownloadOutcome> {
    const manager = this.manager;
    return this.follow(manager, manager.resume(plan), plan.name);
  }

  cancel(id: string): void {
    this.managers.cancel(id);
  }

  async removePartial(plan: DownloadPlan): Promise<void> {
    await this.manager.removePartialDownload(plan);
    this.changed.fire("list");
  }

  private follow(manager: DownloadManager, task: DownloadTask, name: string): Promise<DownloadOutcome> {
    return Promise.resolve(
      vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t("Downloading {0}", name), cancellable: true },
        async (progress, token) => {
          const cancel = token.onCancellationRequested(() => this.cancel(task.id));
          let reported = 0;
          let last: { status: DownloadStatus; at: number } | undefined;
          const show = (status: DownloadStatus, message = describeProgress(status)) => {
            const fraction = status.totalBytes ? status.receivedBytes / status.totalBytes : undefined;
            const increment = fraction === undefined ? undefined : Math.max(0, fraction * 100 - reported);
            if (increment !== undefined) reported += increment;
            progress.report({ message, increment });
          };
          const subscription = manager.onDidChange((status) => {
            if (status.id !== task.id) return;
            if (status.receivedBytes !== last?.status.receivedBytes || status.state !== last.status.state) last = { status, at: Date.now() };
            show(status);
          });
          // Where the download is now (its first events came before this subscription)…
          const current = manager.statuses().find((status) => status.id === task.id);
          if (current) {
            last = { status: current, at: Date.now() };
            show(current);
          }
          // …and, while no byte arrives, how long it has been: never a speed frozen on screen.
          const stallTicker = setInterval(() => {
            if (!last || last.status.state !== "downloading") return;
            const quiet = Math.round((Date.now() - last.at) / 1000);
            if (quiet >= STALL_NOTICE_SECONDS) show(last.status, vscode.l10n.t("{0} · no data for {1} s", describeProgress({ ...last.status, bytesPerSecond: 0, secondsLeft: undefined }), quiet));
          }, 1000);
          try {
            const outcome = await task.done;
            this.report(outcome, name);
            return outcome;
          } finally {
            clearInterval(stallTicker);
            cancel.dispose();
            subscription.dispose();
            this.changed.fire("list");
          }
        },
      ),
    );
  }

  private report(outcome: DownloadOutcome, name: string): void {
    if (outcome.state === "installed") {
      this.log.info(`Downloaded ${name} into ${outcome.paths.join(", ")}${outcome.verified ? " (SHA-256 verified)" : ""}`);
      const landedIn = path.dirname(outcome.paths[0]);
      if (path.resolve(landedIn) !== path.resolve(this.folder.directory)) {
        // Started before hearth.modelsDirectory changed: it finished where it started, so say where.
        void vscode.window.showInformationMessage(
          vscode.l10n.t(
            "{0} was downloaded into {1}, the models folder when its download started. The models folder is now {2}: move the file there to see it under Installed, or select it by its path.",
            name,
            landedIn,
            this.folder.directory,
          ),
        );
      }
      return;
    }
    if (outcome.state === "cancelled") {
      this.log.info(`Download of ${name} cancelled; its partial file is kept to resume.`);
      return;
    }
    const { error } = outcome;
    this.log.warn(`Download of ${name} failed (${error.reason}): ${error.message}`);
    const setToken = vscode.l10n.t("Set Hugging Face Token");
    const buttons = error.tokenHelps ? [setToken] : [];
    void vscode.window.showErrorMessage(error.message, ...buttons).then((choice) => {
      if (choice === setToken) void vscode.commands.executeCommand("hearth.setHuggingFaceToken");
    });
  }

  private statusChanged(status: DownloadStatus): void {
    this.changed.fire(status.state === "downloading" || status.state === "retrying" ? "progress" : "list");
    if (status.state === "installed") this.folder.notifyChanged();
  }

  dispose(): void {
    this.managers.dispose();
    this.changed.dispose();
  }
}

/** Seconds without a byte after which the notification says so (the manager gives up after its own stall timeout). */
const STALL_NOTICE_SECONDS = 3;

/** "1.2 GB of 4.7 GB · 35 MB/s · 2 min left", as the notification and the tree show it. */
export function describeProgress(status: Pick<DownloadStatus, "state" | "receivedBytes" | "totalBytes" | "bytesPerSecond" | "secondsLeft" | "detail">): string {
  const parts = [status.totalBytes ? vscode.l10n.t("{0} of {1}", formatBytes(status.receivedBytes), formatBytes(status.totalBytes)) : formatBytes(status.receivedBytes)];
  if (status.state === "queued") parts.push(vscode.l10n.t("queued"));
  if (status.state === "installing") parts.push(vscode.l10n.t("verifying and installing"));
  if (status.state === "retrying") parts.push(status.detail ?? vscode.l10n.t("retrying"));
  if (status.state === "downloading" && status.bytesPerSecond > 0) parts.push(`${formatBytes(status.bytesPerSecond)}/s`);
  if (status.state === "downloading" && status.secondsLeft !== undefined) parts.push(timeLeft(status.secondsLeft));
  return parts.join(" · ");
}

function timeLeft(seconds: number): string {
  if (seconds < 60) return vscode.l10n.t("{0} s left", Math.ceil(seconds));
  if (seconds < 3600) return vscode.l10n.t("{0} min left", Math.ceil(seconds / 60));
  return vscode.l10n.t("{0} h {1} min left", Math.floor(seconds / 3600), Math.ceil((seconds % 3600) / 60));
}
