// What the download manager tells its callers (the Models view, notifications, commands): its
// options, each download's status as events carry it, and how a download ended.
import type { ModelDownloadError } from "./downloadErrors";
import type { DownloadFileSystem } from "./downloadFileSystem";
import type { LockTiming } from "./downloadLock";
import type { ProxySettings } from "./proxyConnection";

export interface DownloadManagerOptions {
  readonly modelsDirectory: string;
  /** The hub's address (`hearth.huggingFace.endpoint`); huggingface.co when empty. */
  readonly endpoint?: string;
  /** Read when a download starts (SecretStorage); sent only to the hub's origin. */
  readonly token?: () => string | undefined | Promise<string | undefined>;
  readonly proxy?: ProxySettings;
  readonly concurrency?: number;
  /** No byte for this long ends the attempt as stalled (then it is retried). */
  readonly stallTimeoutMs?: number;
  /** Failures in a row, without a byte of progress, that are retried before giving up. */
  readonly retries?: number;
  readonly retryDelayMs?: number;
  /** At most one progress event per job this often (state changes are always sent). */
  readonly progressIntervalMs?: number;
  readonly fileSystem?: DownloadFileSystem;
  /** How often a running download's lock shows it is alive, and when a silent one is stale. */
  readonly lockTiming?: LockTiming;
}

export type DownloadState = "queued" | "downloading" | "retrying" | "installing" | "installed" | "cancelled" | "failed";

export interface DownloadStatus {
  readonly id: string;
  readonly name: string;
  readonly repo: string;
  readonly state: DownloadState;
  readonly receivedBytes: number;
  readonly totalBytes: number | undefined;
  readonly bytesPerSecond: number;
  readonly secondsLeft: number | undefined;
  readonly fileCount: number;
  /** Why it is retrying. */
  readonly detail?: string;
  readonly error?: ModelDownloadError;
}

export type DownloadOutcome =
  | { readonly state: "installed"; readonly paths: readonly string[]; readonly verified: boolean }
  | { readonly state: "cancelled" }
  | { readonly state: "failed"; readonly error: ModelDownloadError };

export interface DownloadTask {
  readonly id: string;
  /** Never rejects: a failure is an outcome, with its typed error. */
  readonly done: Promise<DownloadOutcome>;
}
