// The downloads of a models folder: a queue with a limit on how many run at once, progress events
// (bytes, speed, time left) a view can show, cancel at once, and resume of what an earlier run or
// window left. One model is one job, however many files it is split into; progress is over them all.
import { promises as fs, constants as fsConstants } from "node:fs";
import { downloadFailures, ModelDownloadError } from "./downloadErrors";
import { nodeDownloadFileSystem, type DownloadFileSystem } from "./downloadFileSystem";
import { checkNotInstalled, destinations, installVerified, planDownload, type ModelDownloadRequest } from "./downloadPlan";
import type { BearerToken } from "./httpTransport";
import { hubEndpoint, resolveUrl } from "./hubUrls";
import { downloadFile } from "./modelDownload";
import { lockDestination } from "./downloadLock";
import { listPartialDownloads, partialSize, removePartialDownload, type DownloadPlan, type PartialDownload } from "./partialDownloads";
import type { DownloadManagerOptions, DownloadOutcome, DownloadStatus, DownloadTask } from "./downloadTypes";
import { TransferMeter } from "./transferMeter";

interface Job {
  /** Its local names may change once, to those of a partial download of the same files (see adoptPartialNames). */
  plan: DownloadPlan;
  readonly controller: AbortController;
  readonly meter: TransferMeter;
  readonly finish: (outcome: DownloadOutcome) => void;
  status: DownloadStatus;
  lastEmit: number;
}

export class DownloadManager {
  private readonly queue: Job[] = [];
  private readonly running = new Set<Job>();
  private readonly listeners = new Set<(status: DownloadStatus) => void>();
  private readonly fileSystem: DownloadFileSystem;

  constructor(private readonly options: DownloadManagerOptions) {
    this.fileSystem = options.fileSystem ?? nodeDownloadFileSystem;
  }

  /** Queues a model's download. Bad names, duplicates and every later failure arrive in `done`. */
  download(request: ModelDownloadRequest): DownloadTask {
    let plan: DownloadPlan;
    try {
      plan = planDownload(request, this.options.modelsDirectory);
    } catch (error) {
      return { id: `${request.repo}/${request.files[0]?.path ?? ""}`, done: Promise.resolve({ state: "failed", error: error as ModelDownloadError }) };
    }
    return this.enqueue(plan);
  }

  /** Continues a partial download (from `listPartialDownloads`, possibly left by another run). */
  resume(plan: DownloadPlan): DownloadTask {
    return this.enqueue(plan);
  }

  /** Stops a queued or running download at once; its partial files stay, to be resumed. */
  cancel(id: string): boolean {
    const job = this.jobs().find((candidate) => candidate.plan.id === id);
    if (!job) return false;
    job.controller.abort(downloadFailures.cancelled(job.plan.name));
    const queued = this.queue.indexOf(job);
    if (queued >= 0) {
      this.queue.splice(queued, 1);
      this.end(job, { state: "cancelled" });
    }
    return true;
  }

  statuses(): DownloadStatus[] {
    return this.jobs().map((job) => job.status);
  }

  onDidChange(listener: (status: DownloadStatus) => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /** Partial downloads in the models folder that are not running here. */
  async listPartialDownloads(): Promise<PartialDownload[]> {
    const active = new Set(this.jobs().map((job) => job.plan.id));
    return (await listPartialDownloads(this.options.modelsDirectory)).filter((partial) => !active.has(partial.plan.id));
  }

  /** Deletes a partial download's files; refused while it runs (here or in another window). */
  async removePartialDownload(plan: DownloadPlan): Promise<void> {
    if (this.jobs().some((job) => job.plan.id === plan.id)) throw downloadFailures.alreadyDownloading(plan.name);
    const releases = await this.lockAll(plan);
    try {
      await removePartialDownload(this.options.modelsDirectory, plan);
    } finally {
      await Promise.all(releases.map((release) => release()));
    }
  }

  dispose(): void {
    for (const job of this.jobs()) this.cancel(job.plan.id);
    this.listeners.clear();
  }

  private jobs(): Job[] {
    return [...this.running, ...this.queue];
  }

  private enqueue(plan: DownloadPlan): DownloadTask {
    const names = new Set(plan.files.map((file) => file.fileName));
    if (this.jobs().some((job) => job.plan.id === plan.id || job.plan.files.some((file) => names.has(file.fileName)))) {
      return { id: plan.id, done: Promise.resolve({ state: "failed", error: downloadFailures.alreadyDownloading(plan.name) }) };
    }
    let finish!: (outcome: DownloadOutcome) => void;
    const done = new Promise<DownloadOutcome>((resolve) => (finish = resolve));
    const total = plan.files.every((file) => file.size !== undefined) ? plan.files.reduce((sum, file) => sum + file.size!, 0) : undefined;
    const job: Job = {
      plan,
      controller: new AbortController(),
      meter: new TransferMeter(),
      finish,
      lastEmit: 0,
      status: { id: plan.id, name: plan.name, repo: plan.repo, state: "queued", receivedBytes: 0, totalBytes: total, bytesPerSecond: 0, secondsLeft: undefined, fileCount: plan.files.length },
    };
    this.queue.push(job);
    this.update(job, {}, true);
    this.pump();
    return { id: plan.id, done };
  }

  private pump(): void {
    while (this.running.size < Math.max(1, this.options.concurrency ?? 2) && this.queue.length > 0) {
      const job = this.queue.shift()!;
      this.running.add(job);
      void this.run(job).then((outcome) => {
        this.running.delete(job);
        this.end(job, outcome);
        this.pump();
      });
    }
  }

  private async run(job: Job): Promise<DownloadOutcome> {
    const folder = this.options.modelsDirectory;
    this.update(job, { state: "downloading" }, true);
    let releases: Array<() => Promise<void>> = [];
    try {
      await this.checkFolder(job.plan);
      const plan = (job.plan = await adoptPartialNames(job.plan, folder));
      await checkNotInstalled(plan, folder);
      releases = await this.lockAll(plan);
      const sizes = await Promise.all(destinations(plan, folder).map(partialSize));
      await this.checkFreeSpace(job, sizes);
      const verified = await this.downloadFiles(job, sizes, await this.auth());
      this.update(job, { state: "installing", detail: undefined }, true);
      const paths = await installVerified(plan, folder);
      return { state: "installed", paths, verified };
    } catch (error) {
      if (job.controller.signal.aborted) return { state: "cancelled" };
      const typed = error instanceof ModelDownloadError ? error : downloadFailures.unexpected(job.plan.name, error);
      return typed.reason === "cancelled" ? { state: "cancelled" } : { state: "failed", error: typed };
    } finally {
      await Promise.all(releases.map((release) => release()));
    }
  }

  /** Downloads each file of the plan in turn; progress is over all of them. True when all were verified. */
  private async downloadFiles(job: Job, partialSizes: number[], auth: BearerToken | undefined): Promise<boolean> {
    const { plan } = job;
    const fileSizes = plan.files.map((file) => file.size); // filled in as the hub tells them
    const missingAfter = (index: number) => plan.files.reduce((sum, later, at) => sum + (at > index ? Math.max(0, (later.size ?? 0) - partialSizes[at]) : 0), 0);
    const heldAfter = (index: number) => partialSizes.reduce((sum, size, at) => sum + (at > index ? size : 0), 0);
    let before = 0;
    let verified = true;
    for (const [index, file] of plan.files.entries()) {
      const done = before;
      const result = await downloadFile({
        plan,
        file,
        folder: this.options.modelsDirectory,
        url: resolveUrl(this.options.endpoint, plan.repo, plan.revision, file.path),
        auth,
        proxy: this.options.proxy,
        signal: job.controller.signal,
        stallTimeoutMs: this.options.stallTimeoutMs ?? 30_000,
        retries: this.options.retries ?? 5,
        retryDelayMs: this.options.retryDelayMs ?? 1_000,
        fileSystem: this.fileSystem,
        bytesAfterThisFile: missingAfter(index),
        onProgress: (fileBytes, fileSize) => {
          fileSizes[index] = fileSize ?? fileSizes[index];
          const total = fileSizes.every((size) => size !== undefined) ? fileSizes.reduce<number>((sum, size) => sum + (size ?? 0), 0) : undefined;
          this.progress(job, done + fileBytes + heldAfter(index), total);
        },
        onRetry: (failures, error) => this.update(job, { state: "retrying", detail: `${error.message}; retrying (${failures} of ${this.options.retries ?? 5})` }, true),
      });
      before += result.size;
      verified &&= result.verified;
    }
    return verified;
  }

  private async checkFolder(plan: DownloadPlan): Promise<void> {
    const folder = this.options.modelsDirectory;
    try {
      await fs.mkdir(folder, { recursive: true });
      await fs.access(folder, fsConstants.W_OK);
    } catch (error) {
      throw downloadFailures.notWritable(plan.name, folder, error);
    }
  }

  private async lockAll(plan: DownloadPlan): Promise<Array<() => Promise<void>>> {
    const releases: Array<() => Promise<void>> = [];
    for (const target of destinations(plan, this.options.modelsDirectory)) {
      const release = await lockDestination(target, this.options.lockTiming).catch((error: unknown) => {
        throw downloadFailures.notWritable(plan.name, this.options.modelsDirectory, error);
      });
      if (!release) {
        await Promise.all(releases.map((taken) => taken()));
        throw downloadFailures.alreadyDownloading(plan.name);
      }
      releases.push(release);
    }
    return releases;
  }

  /** Free space for what is missing, less what the other running downloads still need. */
  private async checkFreeSpace(job: Job, partialSizes: number[]): Promise<void> {
    const missing = job.plan.files.reduce((sum, file, index) => sum + Math.max(0, (file.size ?? 0) - partialSizes[index]), 0);
    this.progress(job, partialSizes.reduce((a, b) => a + b, 0));
    if (missing === 0) return;
    const others = [...this.running]
      .filter((other) => other !== job && other.status.totalBytes !== undefined)
      .reduce((sum, other) => sum + other.status.totalBytes! - other.status.receivedBytes, 0);
    const free = (await this.fileSystem.freeBytes(this.options.modelsDirectory)) - others;
    if (free < missing) throw downloadFailures.notEnoughSpace(job.plan.name, this.options.modelsDirectory, missing, Math.max(0, free));
  }

  private async auth(): Promise<BearerToken | undefined> {
    const token = (await this.options.token?.())?.trim();
    return token ? { token, origin: new URL(hubEndpoint(this.options.endpoint)).origin } : undefined;
  }

  private progress(job: Job, receivedBytes: number, totalBytes = job.status.totalBytes): void {
    job.meter.record(receivedBytes);
    const state = job.status.state === "retrying" ? "downloading" : job.status.state;
    const force = state !== job.status.state;
    this.update(job, { state, receivedBytes, totalBytes, detail: force ? undefined : job.status.detail }, force);
  }

  private update(job: Job, change: Partial<DownloadStatus>, force: boolean): void {
    const received = change.receivedBytes ?? job.status.receivedBytes;
    const bytesPerSecond = job.meter.bytesPerSecond();
    job.status = { ...job.status, bytesPerSecond, secondsLeft: job.meter.secondsLeft(received, job.status.totalBytes), ...change };
    const now = Date.now();
    if (!force && now - job.lastEmit < (this.options.progressIntervalMs ?? 250)) return;
    job.lastEmit = now;
    for (const listener of this.listeners) {
      try {
        listener(job.status);
      } catch {
        // A view that fails to draw must not stop a download.
      }
    }
  }

  private end(job: Job, outcome: DownloadOutcome): void {
    const error = outcome.state === "failed" ? outcome.error : undefined;
    this.update(job, { state: outcome.state, error, detail: undefined, bytesPerSecond: 0, secondsLeft: undefined }, true);
    job.finish(outcome);
  }
}

/**
 * The plan with the local names of a partial download of the same hub files, if one is in the
 * folder under other names (left by a version of Hearth that named files otherwise), so it resumes
 * instead of starting again beside it.
 */
async function adoptPartialNames(plan: DownloadPlan, folder: string): Promise<DownloadPlan> {
  const samePaths = (other: DownloadPlan) => other.files.length === plan.files.length && other.files.every((file, index) => file.path === plan.files[index].path);
  const partial = (await listPartialDownloads(folder).catch(() => [])).find((candidate) => candidate.plan.id === plan.id && samePaths(candidate.plan));
  if (!partial || partial.plan.files.every((file, index) => file.fileName === plan.files[index].fileName)) return plan;
  return { ...plan, files: plan.files.map((file, index) => ({ ...file, fileName: partial.plan.files[index].fileName })) };
}

export type { DownloadManagerOptions, DownloadOutcome, DownloadState, DownloadStatus, DownloadTask } from "./downloadTypes";
export type { ModelDownloadRequest } from "./downloadPlan";
export type { DownloadPlan, PartialDownload } from "./partialDownloads";
