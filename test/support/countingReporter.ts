// Mocha's spec reporter, plus a JSON file with the counts (HEARTH_RESULTS_FILE, when set) so
// the test runner can add the three layers up into one "N passed, N failed" line.
import Mocha from "mocha";
import * as fs from "node:fs";
import * as path from "node:path";

interface LayerResult {
  readonly passed: number;
  readonly failed: number;
  readonly pending: number;
  readonly durationMs: number;
}

class CountingReporter extends Mocha.reporters.Spec {
  constructor(runner: Mocha.Runner, options?: Mocha.MochaOptions) {
    super(runner, options);
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      const file = process.env.HEARTH_RESULTS_FILE;
      if (!file) return;
      const stats = runner.stats;
      const result: LayerResult = {
        passed: stats?.passes ?? 0,
        failed: stats?.failures ?? 0,
        pending: stats?.pending ?? 0,
        durationMs: stats?.duration ?? 0,
      };
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, JSON.stringify(result));
    });
  }
}

export = CountingReporter;
