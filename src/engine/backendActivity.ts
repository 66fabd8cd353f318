// What every backend reports about itself: its state (idle with the models in memory, loading,
// generating, error) and each finished request's usage. It counts the requests under way, so
// the first of two to finish does not call the backend idle while the other still generates.
import type { BackendState, Usage } from "./backend";
import { Emitter } from "./event";

export class BackendActivity {
  private current: BackendState = { kind: "idle", loaded: [] };
  private active = 0;
  private readonly stateEmitter = new Emitter<BackendState>();
  private readonly usageEmitter = new Emitter<Usage>();
  readonly onDidChangeState = this.stateEmitter.event;
  readonly onDidFinishRequest = this.usageEmitter.event;

  get state(): BackendState {
    return this.current;
  }

  set(state: BackendState): void {
    this.current = state;
    this.stateEmitter.fire(state);
  }

  finished(usage: Usage): void {
    this.usageEmitter.fire(usage);
  }

  /** Runs a request: "generating" while it runs; afterwards `idle()` if none is left, or the error it ended with. */
  async track<T>(model: string, idle: () => BackendState, work: () => Promise<T>): Promise<T> {
    this.active++;
    this.set({ kind: "generating", model });
    try {
      const result = await work();
      this.active--;
      if (this.active === 0) this.set(idle());
      return result;
    } catch (error) {
      this.active--;
      const code = (error as { code?: string }).code;
      if (code !== "cancelled" && !(error instanceof Error && error.name === "AbortError")) this.set({ kind: "error", message: (error as Error).message });
      else if (this.active === 0) this.set(idle());
      throw error;
    }
  }

  dispose(): void {
    this.stateEmitter.dispose();
    this.usageEmitter.dispose();
  }
}
