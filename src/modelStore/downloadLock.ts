// The lock that keeps two processes (two VS Code windows sharing a models folder) from writing the
// same partial file: `<file>.gguf.partial.lock`. It says who holds it — host name, pid, and, where
// the system tells (Linux), the process's start time and the boot id — and its mtime is a heartbeat
// the holder touches every few seconds. A pid alone is not enough: after a reboot (or a long time)
// the pid of a crashed window may belong to another process, and the lock would be held forever.
// A lock is stale, and taken over, when its heartbeat is older than `staleMs`, or when its holder,
// on this host, is not running: its pid is gone or is another process (another boot or start time).
import { randomUUID } from "node:crypto";
import { promises as fs, readFileSync } from "node:fs";
import * as os from "node:os";
import { isNoHardLinks } from "./linkInPlace";
import { errorCode } from "./modelFiles";

export interface LockTiming {
  /** How often the holder touches the lock's mtime. */
  readonly heartbeatMs: number;
  /** A lock not touched for this long is stale, whoever holds it. */
  readonly staleMs: number;
}

const DEFAULT_LOCK_TIMING: LockTiming = { heartbeatMs: 5_000, staleMs: 30_000 };

/** What a lock file holds (JSON). Locks from before this format hold only a pid. */
export interface LockHolder {
  readonly host: string;
  readonly pid: number;
  /** The process's start time as the system counts it (Linux: clock ticks since boot). */
  readonly startTime?: string;
  /** Linux's boot id: a pid from another boot is another process. */
  readonly bootId?: string;
  /** This holding, so a release never removes a lock that someone else took over. */
  readonly id: string;
}

export type ReleaseLock = () => Promise<void>;

export const lockPath = (destination: string) => `${destination}.partial.lock`;

/**
 * Takes the lock of a destination for this process, or returns undefined when a live holder has
 * it. While held, its heartbeat is kept; the returned function releases it.
 */
export async function lockDestination(destination: string, timing: LockTiming = DEFAULT_LOCK_TIMING): Promise<ReleaseLock | undefined> {
  const file = lockPath(destination);
  const holder: LockHolder = { ...thisProcess(), id: randomUUID() };
  for (let attempt = 0; attempt < 3; attempt++) {
    if (await createExclusively(file, JSON.stringify(holder))) return holdWithHeartbeat(file, holder.id, timing);
    const seen = await fs.stat(file).catch(() => undefined);
    if (!seen) continue; // released meanwhile: try again
    if (!(await isStale(file, seen.mtimeMs, timing))) return undefined;
    // Remove only the lock judged stale: if another process took it over meanwhile, its mtime moved.
    const now = await fs.stat(file).catch(() => undefined);
    if (now && now.ino === seen.ino && now.mtimeMs === seen.mtimeMs) await fs.rm(file, { force: true });
  }
  return undefined;
}

/** Who holds a destination's lock, as its file says; undefined when it says nothing readable. */
export function readLockHolder(destination: string): Promise<Partial<LockHolder> | undefined> {
  return readHolder(lockPath(destination));
}

async function readHolder(file: string): Promise<Partial<LockHolder> | undefined> {
  const text = await fs.readFile(file, "utf8").catch(() => "");
  if (/^\d+$/.test(text.trim())) return { pid: Number(text.trim()) }; // the older, pid-only lock
  try {
    const parsed = JSON.parse(text) as Partial<LockHolder>;
    return typeof parsed.pid === "number" && parsed.pid > 0 ? parsed : undefined;
  } catch {
    return undefined;
  }
}

async function isStale(file: string, mtimeMs: number, timing: LockTiming): Promise<boolean> {
  if (Date.now() - mtimeMs > timing.staleMs) return true;
  // An unreadable lock with a fresh heartbeat is being written by its taker: live.
  const holder = await readHolder(file);
  if (!holder?.pid) return false;
  const here = thisProcess();
  // Another machine's processes can't be seen from here (a network share): the heartbeat decides.
  if (holder.host !== undefined && holder.host !== here.host) return false;
  if (holder.bootId && here.bootId && holder.bootId !== here.bootId) return true;
  if (!processIsAlive(holder.pid)) return true;
  const startTime = holder.startTime ? processStartTime(holder.pid) : undefined;
  return startTime !== undefined && startTime !== holder.startTime;
}

/** Creates `file` with `content` only if it does not exist, never visible half-written. */
async function createExclusively(file: string, content: string): Promise<boolean> {
  const temporary = `${file}.${process.pid}.${randomUUID().slice(0, 8)}.tmp`;
  await fs.writeFile(temporary, content);
  try {
    await fs.link(temporary, file); // atomic, and refuses a name that exists
    return true;
  } catch (error) {
    if (errorCode(error) === "EEXIST") return false;
    if (!isNoHardLinks(error)) throw error;
    // exFAT and some network shares have no hard links: an exclusive create is the next best.
    try {
      await fs.writeFile(file, content, { flag: "wx" });
      return true;
    } catch (fallbackError) {
      if (errorCode(fallbackError) === "EEXIST") return false;
      throw fallbackError;
    }
  } finally {
    await fs.rm(temporary, { force: true });
  }
}

function holdWithHeartbeat(file: string, id: string, timing: LockTiming): ReleaseLock {
  const beat = setInterval(() => {
    const now = new Date();
    fs.utimes(file, now, now).catch(() => clearInterval(beat)); // gone: nothing left to keep alive
  }, timing.heartbeatMs);
  beat.unref();
  return async () => {
    clearInterval(beat);
    const holder = await readHolder(file);
    if (holder?.id === id) await fs.rm(file, { force: true });
  };
}

let cachedProcess: Omit<LockHolder, "id"> | undefined;

function thisProcess(): Omit<LockHolder, "id"> {
  cachedProcess ??= { host: os.hostname(), pid: process.pid, startTime: processStartTime(process.pid), bootId: bootId() };
  return cachedProcess;
}

/** Linux's id of this boot; undefined elsewhere or where it can't be read. */
function bootId(): string | undefined {
  try {
    return readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The process's start time (field 22 of /proc/<pid>/stat) on Linux; undefined elsewhere or if gone. */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces and parentheses: count fields after its last ")".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return fields[22 - 3];
  } catch {
    return undefined;
  }
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errorCode(error) === "EPERM"; // alive, owned by someone else
  }
}

