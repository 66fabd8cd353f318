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

  /** Whether a tracked request (a generation or a load) is under way. */
  get busy(): boolean {
    return this.active > 0;
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
      if (!isCancellation(error)) this.failure = (error as Error).message;
      throw error;
    } finally {
      if (--this.active === 0) this.set(this.failure !== undefined ? { kind: "error", message: this.failure } : idle());
    }
  }

  /**
   * Runs a request that is no generation (counting tokens, asking the context size): the state
   * does not say "generating" for it. A model it loads shows as loading (the backend sets that);
   * once it succeeds, nothing else running, the backend is idle; its failure shows as an error.
   */
  async quiet<T>(idle: () => BackendState, work: () => Promise<T>): Promise<T> {
    try {
      const result = await work();
      if (!this.busy && this.current.kind !== "idle") this.set(idle());
      return result;
    } catch (error) {
      // Cancelled: a load it started goes on in the worker, and its end sets the state.
      if (!isCancellation(error)) {
        if (this.busy) this.failure = (error as Error).message;
        else this.set({ kind: "error", message: (error as Error).message });
      }
      throw error;
    }
  }

  /**
   * Runs a background request (an inline completion, one per keystroke or so): the state never
   * says "generating" for it, its usage is not announced (the status bar keeps the chat's
   * figures), and its failure is not the backend's error (its feature reports its own). A model
   * load it starts shows as "loading" (the backend sets that); when the load ends (or fails)
   * with nothing else running, the state goes back to idle.
   */
  async background<T>(idle: () => BackendState, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } finally {
      if (!this.busy && this.current.kind === "loading") this.set(idle());
    }
  }

  /**
   * Forgets the failure shown (or waiting to be shown): its cause may be gone (settings changed,
   * the server answered). The state becomes `idle` only when no request runs; a running one sets
   * the state itself when it ends.
   */
  clearError(idle: BackendState): void {
    this.failure = undefined;
    if (!this.busy && this.current.kind === "error") this.set(idle);
  }

  dispose(): void {
    this.stateEmitter.dispose();
    this.usageEmitter.dispose();
  }
}

/** A request the user cancelled ended; that is no failure to show. */
function isCancellation(error: unknown): boolean {
  const code = (error as { code?: string } | undefined)?.code;
  return code === "cancelled" || (error instanceof Error && error.name === "AbortError");
}
