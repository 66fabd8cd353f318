// What every backend reports about itself: its state (idle with the models in memory, loading,
// generating, error) and each finished request's usage. It counts the requests under way, so
// the first of two to finish does not call the backend idle while the other still generates.
import type { BackendState, Usage } from "./backend";
import { Emitter } from "./event";

export class BackendActivity {
  private current: BackendState = { kind: "idle", loaded: [] };
  private active = 0;
  /** The failure of a request that ended while others still ran: shown once they are done. */
  private failure: string | undefined;
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

  /** Runs a request: "generating" while any runs; when the last ends, `idle()` or the error one of them ended with. */
  async track<T>(model: string, idle: () => BackendState, work: () => Promise<T>): Promise<T> {
    if (this.active++ === 0) this.failure = undefined;
    this.set({ kind: "generating", model });
    try {
      return await work();
    } catch (error) {
      const code = (error as { code?: string }).code;
      const cancelled = code === "cancelled" || (error instanceof Error && error.name === "AbortError");
      if (!cancelled) this.failure = (error as Error).message;
      throw error;
    } finally {
      if (--this.active === 0) this.set(this.failure !== undefined ? { kind: "error", message: this.failure } : idle());
    }
  }

  dispose(): void {
    this.stateEmitter.dispose();
    this.usageEmitter.dispose();
  }
}
