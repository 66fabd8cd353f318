// What every backend reports about itself: its state (idle with the models in memory, loading,
// generating, error) and each finished request's usage.
import type { BackendState, Usage } from "./backend";
import { Emitter } from "./event";

export class BackendActivity {
  private current: BackendState = { kind: "idle", loaded: [] };
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

  dispose(): void {
    this.stateEmitter.dispose();
    this.usageEmitter.dispose();
  }
}
