// The models folder as the rest of the extension sees it: its path (from settings, live) and
// one change event for "the files in it may have changed", fed by a file watcher that starts
// when a view first lists or shows the folder, so nothing watches the disk at activation.
import * as vscode from "vscode";
import type { SettingsService } from "../config/settingsService";
import { listModelFiles, resolveModelsDirectory, type ModelFile } from "../modelStore/modelFiles";

export class ModelsFolder implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private watcher: { directory: string; disposable: vscode.Disposable } | undefined;
  private readonly subscription: vscode.Disposable;

  constructor(
    private readonly settings: SettingsService,
    private readonly defaultDirectory: string,
  ) {
    let directory = this.directory;
    this.subscription = settings.onDidChange(() => {
      if (this.directory === directory) return;
      directory = this.directory;
      if (this.watcher) this.watch();
      this.changed.fire();
    });
  }

  get directory(): string {
    return resolveModelsDirectory(this.settings.current.modelsDirectory, this.defaultDirectory);
  }

  /** Lists the folder's models and, from then on, reports changes to them. */
  async list(): Promise<ModelFile[]> {
    this.ensureWatching();
    return listModelFiles(this.directory);
  }

  /** Starts reporting changes to the folder's GGUF files, if it does not already. */
  ensureWatching(): void {
    if (this.watcher?.directory !== this.directory) this.watch();
  }

  /** For changes Hearth makes itself (install, remove), so views update without waiting for the watcher. */
  notifyChanged(): void {
    this.changed.fire();
  }

  private watch(): void {
    this.watcher?.disposable.dispose();
    const directory = this.directory;
    const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(directory), "*.gguf"));
    const fire = () => this.changed.fire();
    this.watcher = {
      directory,
      disposable: vscode.Disposable.from(watcher, watcher.onDidCreate(fire), watcher.onDidDelete(fire), watcher.onDidChange(fire)),
    };
  }

  dispose(): void {
    this.watcher?.disposable.dispose();
    this.subscription.dispose();
    this.changed.dispose();
  }
}
