// How many CPU threads llama.cpp gets. More threads than cores makes generation many times
// slower (seen: 4 threads on 2 cores ran 300x slower than 1), so the default is the number of
// physical cores and no setting goes above the cores the machine has.
import { readFileSync } from "node:fs";
import * as os from "node:os";

let cachedPhysicalCores: number | undefined;

/** Physical cores from /proc/cpuinfo (Linux), else the logical CPU count. Read once. */
export function physicalCores(): number {
  cachedPhysicalCores ??= countPhysicalCores();
  return cachedPhysicalCores;
}

function countPhysicalCores(): number {
  const logical = os.availableParallelism();
  try {
    const cpuinfo = readFileSync("/proc/cpuinfo", "utf8");
    const cores = new Set<string>();
    for (const block of cpuinfo.split(/\n\s*\n/)) {
      const physicalId = /^physical id\s*:\s*(\d+)/m.exec(block)?.[1];
      const coreId = /^core id\s*:\s*(\d+)/m.exec(block)?.[1];
      if (physicalId !== undefined && coreId !== undefined) cores.add(`${physicalId}:${coreId}`);
    }
    return cores.size > 0 ? Math.min(cores.size, logical) : logical;
  } catch {
    return logical;
  }
}

/** The threads setting (0 = automatic) turned into a thread count between 1 and the core count. */
export function resolveThreads(setting: number, cores = physicalCores(), logical = os.availableParallelism()): number {
  if (setting <= 0) return Math.max(1, cores);
  return Math.max(1, Math.min(setting, logical));
}
