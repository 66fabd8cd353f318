// What a failed completion means for the next keystrokes: said once (never once per keystroke),
// shown on the status bar until a completion works again, and for failures that will not fix
// themselves — a model that cannot fill in the middle, a worker that crashes on load again and
// again — completions pause until the settings change or the user asks for one explicitly.
import { BackendError } from "../engine/backendError";

export type ProblemKind = "noModel" | "noFim" | "failing";

export interface CompletionReporter {
  /** The status bar's problem, or none. */
  problem(problem: { readonly kind: ProblemKind; readonly message: string } | undefined): void;
  /** Said once to the user, with a button to the setting that fixes it. */
  notify(message: string, setting: string | undefined): void;
  log(message: string): void;
}

/** Crashes in a row after which completions stop starting the worker on every keystroke. */
const CRASHES_BEFORE_PAUSE = 2;

export class CompletionProblems {
  private told = new Set<string>();
  private crashes = 0;
  /** Why completions are paused; they resume on a settings change or an explicit request. */
  private pausedFor: string | undefined;

  constructor(private readonly reporter: CompletionReporter) {}

  /** Whether automatic completions are paused (an explicit one still runs, and may lift it). */
  get paused(): boolean {
    return this.pausedFor !== undefined;
  }

  noModel(): void {
    this.reporter.problem({ kind: "noModel", message: "No completion model is selected (hearth.models.completion). Choose one with \"Hearth: Select Model…\"." });
  }

  succeeded(): void {
    this.crashes = 0;
    this.pausedFor = undefined;
    this.told.clear();
    this.reporter.problem(undefined);
  }

  /** Settings changed: whatever failed may work now. */
  reset(): void {
    this.succeeded();
  }

  failed(error: unknown, model: string): void {
    const known = error instanceof BackendError ? error : undefined;
    if (known?.code === "cancelled") return;
    const message = known?.message ?? `Completion failed: ${(error as Error)?.message ?? String(error)}`;
    this.reporter.log(`Completion with ${model} failed: ${message}`);
    switch (known?.code) {
      case "infillUnsupported":
        this.pausedFor = message;
        this.reporter.problem({ kind: "noFim", message });
        this.tell(`${known.code}:${model}`, message, known.setting ?? "hearth.models.completion");
        return;
      case "workerCrashed": {
        if (++this.crashes < CRASHES_BEFORE_PAUSE) break;
        const paused =
          `The llama.cpp worker stopped ${this.crashes} times in a row while completing with ${model} (possibly out of memory), so completions are paused. ` +
          "Choose a smaller model for hearth.models.completion, lower hearth.llamaCpp.contextSize, or ask for a completion again (Alt+\\) to retry.";
        this.pausedFor = paused;
        this.reporter.problem({ kind: "failing", message: paused });
        this.tell(`crashLoop:${model}`, paused, "hearth.models.completion");
        return;
      }
      default:
        this.crashes = 0;
    }
    this.reporter.problem({ kind: "failing", message });
    // One message per kind of failure until a completion works again: a server that is down
    // is said once, not on every keystroke.
    this.tell(`${known?.code ?? "internal"}:${model}`, message, known?.setting);
  }

  private tell(key: string, message: string, setting: string | undefined): void {
    if (this.told.has(key)) return;
    this.told.add(key);
    this.reporter.notify(message, setting);
  }
}
