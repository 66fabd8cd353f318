// Remembers which model loads killed the worker. One crash may be bad luck (another program took
// the memory); the same load killing it twice in a row will do so again, and restarting a worker
// on every keystroke or message would only crash it over and over. So after the second, requests
// for that model with those settings fail at once with a message that says what to change, until
// the settings change, the file changes, or the user asks to try again.
import { BackendError } from "../backendError";

export class CrashLoopGuard {
  private readonly crashes = new Map<string, number>();

  constructor(private readonly limit = 2) {}

  /** The worker died while this load (model and settings) was under way. */
  crashedWhileLoading(load: string): void {
    this.crashes.set(load, (this.crashes.get(load) ?? 0) + 1);
  }

  loaded(load: string): void {
    this.crashes.delete(load);
  }

  /** Forgets every crash: something that may fix them changed (settings, files, a retry). */
  reset(): void {
    this.crashes.clear();
  }

  /** The error to answer with instead of starting a worker for `load`, when it crashed too often. */
  check(load: string, modelPath: string, setting: string | undefined): BackendError | undefined {
    const count = this.crashes.get(load) ?? 0;
    if (count < this.limit) return undefined;
    return new BackendError(
      "workerCrashLoop",
      `llama.cpp crashed ${count} times in a row while loading ${modelPath}, so Hearth stopped trying. It most often runs out of memory: lower hearth.llamaCpp.gpuLayers or hearth.llamaCpp.contextSize, or choose a smaller model${setting ? ` (${setting})` : ""}. Changing a setting tries again.`,
      "",
      "hearth.llamaCpp.gpuLayers",
    );
  }
}

/** What identifies a load: the file and the settings it is loaded with. */
export function loadKey(modelPath: string, settings: object): string {
  return JSON.stringify([modelPath, settings]);
}
