import * as assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { lockDestination, lockPath, processStartTime, readLockHolder, type LockHolder } from "../../src/modelStore/downloadLock";
import { temporaryDirectory } from "../support/temporaryDirectory";

const BOOT_ID_FILE = "/proc/sys/kernel/random/boot_id";
const quick = { heartbeatMs: 40, staleMs: 1_000 };

describe("the lock of a partial download", () => {
  let folder: Awaited<ReturnType<typeof temporaryDirectory>>;
  let destination: string;
  const children: ChildProcess[] = [];

  beforeEach(async () => {
    folder = await temporaryDirectory();
    destination = path.join(folder.path, "model-Q4_0.gguf");
  });
  afterEach(async () => {
    for (const child of children.splice(0)) child.kill("SIGKILL");
    await folder.remove();
  });

  /** A lock file as another holder would have left it, its heartbeat `ageMs` old. */
  async function leaveLock(holder: Partial<LockHolder> | string, ageMs = 0): Promise<void> {
    await fs.writeFile(lockPath(destination), typeof holder === "string" ? holder : JSON.stringify({ id: "someone-else", ...holder }));
    const at = new Date(Date.now() - ageMs);
    await fs.utimes(lockPath(destination), at, at);
  }

  const here = async (): Promise<Omit<LockHolder, "id">> => ({
    host: os.hostname(),
    pid: process.pid,
    startTime: processStartTime(process.pid),
    bootId: existsSync(BOOT_ID_FILE) ? (await fs.readFile(BOOT_ID_FILE, "utf8")).trim() : undefined,
  });

  /** Another process (another VS Code window) that takes the lock with this module and keeps it. */
  async function lockInAnotherProcess(): Promise<ChildProcess> {
    const module = path.join(__dirname, "../../src/modelStore/downloadLock.js");
    const script = `require(${JSON.stringify(module)}).lockDestination(${JSON.stringify(destination)}, { heartbeatMs: 40, staleMs: 1000 }).then((release) => { console.log(release ? "locked" : "taken"); setInterval(() => {}, 1000); });`;
    const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "inherit"] });
    children.push(child);
    const said = await new Promise<string>((resolve) => child.stdout.once("data", (data: Buffer) => resolve(data.toString().trim())));
    assert.equal(said, "locked");
    return child;
  }

  it("is held by one taker at a time, and free again once released", async () => {
    const release = await lockDestination(destination, quick);
    assert.ok(release);
    assert.equal(await lockDestination(destination, quick), undefined, "a second taker (another manager here) sees it taken");
    await release();
    assert.equal(existsSync(lockPath(destination)), false);
    const again = await lockDestination(destination, quick);
    assert.ok(again);
    await again();
  });

  it("records host, pid, start time and boot id, and touches its mtime while held", async () => {
    const release = (await lockDestination(destination, quick))!;
    try {
      const holder = await readLockHolder(destination);
      const expected = await here();
      assert.deepEqual({ host: holder?.host, pid: holder?.pid, startTime: holder?.startTime, bootId: holder?.bootId }, expected);
      if (process.platform === "linux") assert.ok(expected.startTime && expected.bootId, "Linux tells both");
      const old = new Date(Date.now() - 60_000);
      await fs.utimes(lockPath(destination), old, old);
      await new Promise((resolve) => setTimeout(resolve, 150));
      const touched = (await fs.stat(lockPath(destination))).mtimeMs;
      assert.ok(Date.now() - touched < 1_000, `the heartbeat moved the mtime (${Date.now() - touched} ms ago)`);
      assert.equal(await lockDestination(destination, quick), undefined, "still taken: its heartbeat is fresh");
    } finally {
      await release();
    }
  });

  it("is taken while another process holds it, and taken over once that process is killed without releasing", async () => {
    const other = await lockInAnotherProcess();
    assert.equal(await lockDestination(destination, quick), undefined, "another window's live download is taken");
    const exited = new Promise((resolve) => other.once("exit", resolve));
    other.kill("SIGKILL");
    await exited;
    assert.ok(existsSync(lockPath(destination)), "the killed process left its lock");
    const release = await lockDestination(destination, quick);
    assert.ok(release, "a holder that is not running holds nothing");
    await release();
  });

  it("is stale when its heartbeat stopped, even though its pid is running", async () => {
    await leaveLock(await here(), 0);
    assert.equal(await lockDestination(destination, quick), undefined, "fresh heartbeat, live holder");
    await leaveLock(await here(), quick.staleMs + 500);
    const release = await lockDestination(destination, quick);
    assert.ok(release, "no heartbeat for longer than staleMs");
    await release();
  });

  it("is stale after a reboot: the same pid, running again, from another boot", async function () {
    const me = await here();
    if (!me.bootId) this.skip();
    await leaveLock({ ...me, bootId: "00000000-0000-0000-0000-000000000000" });
    const release = await lockDestination(destination, quick);
    assert.ok(release, "its pid is alive, but it is another process now");
    await release();
  });

  it("is stale when its pid now belongs to a process that started at another time", async function () {
    const me = await here();
    if (!me.startTime) this.skip();
    await leaveLock({ ...me, startTime: String(Number(me.startTime) + 1) });
    const release = await lockDestination(destination, quick);
    assert.ok(release);
    await release();
  });

  it("trusts another host's lock while its heartbeat is fresh (its processes can't be seen from here)", async () => {
    await leaveLock({ host: "another-machine.example", pid: 2 ** 22 + 7, bootId: "elsewhere" });
    assert.equal(await lockDestination(destination, quick), undefined);
    await leaveLock({ host: "another-machine.example", pid: 2 ** 22 + 7, bootId: "elsewhere" }, quick.staleMs + 500);
    const release = await lockDestination(destination, quick);
    assert.ok(release);
    await release();
  });

  it("reads the older pid-only lock: held by a running pid, stale for a gone one", async () => {
    await leaveLock(String(process.pid));
    assert.equal(await lockDestination(destination, quick), undefined);
    await leaveLock(String(2 ** 22 + 7)); // above Linux's pid_max: never running
    const release = await lockDestination(destination, quick);
    assert.ok(release);
    await release();
  });

  it("treats an unreadable lock with a fresh heartbeat as being written (taken), and a silent one as stale", async () => {
    await leaveLock("");
    assert.equal(await lockDestination(destination, quick), undefined);
    await leaveLock("", quick.staleMs + 500);
    const release = await lockDestination(destination, quick);
    assert.ok(release);
    await release();
  });

  it("never removes a lock that another holder took over meanwhile", async () => {
    const release = (await lockDestination(destination, quick))!;
    await leaveLock({ host: os.hostname(), pid: process.pid }); // taken over, as if ours had gone stale
    await release();
    assert.equal((await readLockHolder(destination))?.id, "someone-else");
  });
});
