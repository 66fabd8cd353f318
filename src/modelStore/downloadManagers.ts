// The download managers of a session as its settings change: one per place (models folder, hub
// endpoint, proxy). New downloads always go to the manager of the current settings. A download
// already running when they change finishes where it started, on the manager it started on: it was
// started on purpose and may be gigabytes in, and a change of endpoint or proxy (switching to a
// mirror for the next search) does not say "stop this one". Once such a manager has nothing left
// to run it is let go. Statuses and cancel cover every manager, so the view shows and stops them all.
import type { DownloadManager } from "./downloadManager";
import type { DownloadManagerOptions, DownloadStatus } from "./downloadTypes";

/** Where downloads go and come from: what a settings change can move. */
export type DownloadPlace = Pick<DownloadManagerOptions, "modelsDirectory" | "endpoint" | "proxy">;

interface Entry {
  readonly manager: DownloadManager;
  readonly subscription: { dispose(): void };
}

export class DownloadManagers {
  private readonly entries = new Map<string, Entry>();
  private currentKey: string | undefined;

  constructor(
    /** Makes the manager of a place (the caller adds the token, timings…). */
    private readonly create: (place: DownloadPlace) => DownloadManager,
    /** Every status event of every manager. */
    private readonly onStatus: (status: DownloadStatus, manager: DownloadManager) => void,
  ) {}

  /** The manager for `place`, made current: where new downloads, resumes and partial listings go. */
  current(place: DownloadPlace): DownloadManager {
    const key = JSON.stringify([place.modelsDirectory, place.endpoint ?? "", place.proxy ?? null]);
    let entry = this.entries.get(key);
    if (!entry) {
      const manager = this.create(place);
      const subscription = manager.onDidChange((status) => {
        this.onStatus(status, manager);
        this.letGoIfDone(key);
      });
      entry = { manager, subscription };
      this.entries.set(key, entry);
    }
    const previous = this.currentKey;
    this.currentKey = key;
    if (previous !== undefined && previous !== key) this.letGoIfDone(previous);
    return entry.manager;
  }

  /** Managers that are current or still have downloads to finish. */
  all(): DownloadManager[] {
    return [...this.entries.values()].map((entry) => entry.manager);
  }

  statuses(): DownloadStatus[] {
    return this.all().flatMap((manager) => manager.statuses());
  }

  /** The manager running (or queuing) download `id`. */
  private ownerOf(id: string): DownloadManager | undefined {
    return this.all().find((manager) => manager.statuses().some((status) => status.id === id));
  }

  cancel(id: string): boolean {
    return this.ownerOf(id)?.cancel(id) ?? false;
  }

  dispose(): void {
    for (const entry of this.entries.values()) {
      entry.subscription.dispose();
      entry.manager.dispose();
    }
    this.entries.clear();
    this.currentKey = undefined;
  }

  /** Drops a manager that is no longer current once its last download has ended. */
  private letGoIfDone(key: string): void {
    const entry = this.entries.get(key);
    if (!entry || key === this.currentKey || entry.manager.statuses().length > 0) return;
    entry.subscription.dispose();
    this.entries.delete(key);
  }
}
