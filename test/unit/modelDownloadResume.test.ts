import * as assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import type { DownloadManager, DownloadStatus } from "../../src/modelStore/downloadManager";
import { useDownloadSuite } from "../support/downloadSuite";
import { fakeRepo, generatedContent } from "../support/fakeHuggingFace";

const MiB = 1 << 20;

describe("resuming model downloads", () => {
  const repo = fakeRepo("acme/Resume-GGUF", [["resume-Q4_K_M.gguf", 8 * MiB + 777]]);
  const file = repo.files[0];
  const size = file.content.size;
  const request = { repo: repo.name, files: [{ path: file.path, size, sha256: file.content.sha256 }] };
  const suite = useDownloadSuite([repo], { stallTimeoutMs: 5_000 });
  const { manager, cdnRequests } = suite;
  const target = () => path.join(suite.models, file.path);

  const untilReceived = (downloads: DownloadManager, bytes: number) =>
    new Promise<void>((resolve) => downloads.onDidChange((status) => status.receivedBytes >= bytes && resolve()));
  const assertInstalledRight = async () => assert.ok((await fs.readFile(target())).equals(file.content.read(0, size)), "the installed bytes are the hub's");

  it("resumes a connection cut mid-way by itself, asking only for the bytes it lacks", async () => {
    const cutAt = 3 * MiB;
    suite.hub.behaviour.cut = { afterBytes: cutAt, times: 1 };
    const statuses: DownloadStatus[] = [];
    const downloads = manager();
    downloads.onDidChange((status) => statuses.push(status));
    const outcome = await downloads.download(request).done;
    assert.equal(outcome.state, "installed");
    await assertInstalledRight();
    const [first, resumed] = cdnRequests();
    assert.equal(cdnRequests().length, 2);
    assert.equal(first.bodyBytes, cutAt);
    const have = Number(/^bytes=(\d+)-$/.exec(resumed.headers.range ?? "")?.[1]);
    assert.ok(have > 0 && have <= cutAt, `resumed from ${have}`);
    assert.equal(resumed.status, 206);
    assert.ok(resumed.bodyBytes < size - cutAt + MiB, `sent ${resumed.bodyBytes} bytes on resume for ${size - cutAt} missing`);
    const retrying = statuses.find((status) => status.state === "retrying");
    assert.match(retrying?.detail ?? "", /retrying \(1 of 5\)/);
  });

  it("keeps going on a line that drops again and again, as long as each try brings bytes", async () => {
    suite.hub.behaviour.cut = { afterBytes: 2 * MiB, times: Infinity };
    const outcome = await manager({ retries: 1 }).download(request).done;
    assert.equal(outcome.state, "installed");
    assert.ok(cdnRequests().length >= 5);
    await assertInstalledRight();
  });

  it("names a connection that keeps dropping without progress, keeps the partial file, and resumes it later", async () => {
    suite.hub.behaviour.cut = { afterBytes: MiB, times: 1 };
    const downloads = manager({ retries: 2 });
    downloads.onDidChange((status) => {
      if (status.state === "retrying") suite.hub.behaviour.cut = { afterBytes: 0, times: Infinity };
    });
    const outcome = await downloads.download(request).done;
    assert.equal(outcome.state, "failed");
    if (outcome.state !== "failed") return;
    assert.equal(outcome.error.reason, "connection");
    assert.match(outcome.error.message, /resume-Q4_K_M\.gguf failed: the connection to 127\.0\.0\.1:\d+ dropped 3 times in a row .*it resumes from 1\.05 MB/);
    await assert.rejects(fs.stat(target()), { code: "ENOENT" });
    const [partial] = await downloads.listPartialDownloads();
    assert.deepEqual([partial.plan.name, partial.receivedBytes, partial.totalBytes], ["resume-Q4_K_M.gguf", MiB, size]);

    delete suite.hub.behaviour.cut;
    suite.hub.requests.splice(0);
    assert.equal((await downloads.resume(partial.plan).done).state, "installed");
    assert.equal(cdnRequests()[0].headers.range, `bytes=${MiB}-`);
    await assertInstalledRight();
  });

  it("cancels at once on a slow server, and a new manager (a window reload) resumes from the partial file", async () => {
    suite.hub.behaviour.throttleBytesPerSecond = 2 * MiB;
    const first = manager();
    const task = first.download(request);
    await untilReceived(first, MiB / 2);
    const cancelledAt = Date.now();
    assert.equal(first.cancel(task.id), true);
    assert.deepEqual(await task.done, { state: "cancelled" });
    assert.ok(Date.now() - cancelledAt < 250, `cancel took ${Date.now() - cancelledAt} ms`);
    assert.deepEqual((await fs.readdir(suite.models)).sort(), ["resume-Q4_K_M.gguf.partial", "resume-Q4_K_M.gguf.partial.json"], "partial and its record kept, lock released, nothing installed");
    const have = (await fs.stat(`${target()}.partial`)).size;
    assert.ok(have >= MiB / 2 && have < size);

    delete suite.hub.behaviour.throttleBytesPerSecond;
    suite.hub.requests.splice(0);
    const reloaded = manager();
    const [partial] = await reloaded.listPartialDownloads();
    assert.equal(partial.receivedBytes, have);
    const outcome = await reloaded.resume(partial.plan).done;
    assert.equal(outcome.state, "installed");
    await assertInstalledRight();
    const [resumed] = cdnRequests();
    assert.equal(resumed.headers.range, `bytes=${have}-`);
    assert.equal(resumed.bodyBytes, size - have, "only the missing bytes were sent");
    assert.deepEqual(await fs.readdir(suite.models), ["resume-Q4_K_M.gguf"]);
  });

  it("starts over from 0 when the file changed on the hub since the partial download", async () => {
    suite.hub.behaviour.cut = { afterBytes: 2 * MiB, times: 1 };
    const first = await manager({ retries: 0 }).download(request).done;
    assert.equal(first.state, "failed");
    const changed = generatedContent(6 * MiB, 4242);
    suite.hub.repos.splice(0, 1, { ...repo, files: [{ path: file.path, content: changed }] });
    suite.hub.requests.splice(0);
    const downloads = manager();
    const [partial] = await downloads.listPartialDownloads();
    const outcome = await downloads.resume(partial.plan).done;
    assert.equal(outcome.state, "installed");
    assert.ok((await fs.readFile(target())).equals(changed.read(0, changed.size)));
    assert.deepEqual(
      cdnRequests().map((entry) => [entry.headers.range, entry.status]),
      [
        [`bytes=${2 * MiB}-`, 206],
        [undefined, 200],
      ],
      "the 206 for other content was dropped and the file fetched whole",
    );
  });

  it("starts over when the server ignores the range and sends the whole file (200)", async () => {
    suite.hub.behaviour.cut = { afterBytes: 2 * MiB, times: 1 };
    suite.hub.behaviour.ignoreRange = true;
    const outcome = await manager().download(request).done;
    assert.equal(outcome.state, "installed");
    await assertInstalledRight();
    assert.deepEqual(
      cdnRequests().map((entry) => entry.status),
      [200, 200],
    );
  });

  it("names a server that stops sending instead of sitting at the same percentage", async () => {
    suite.hub.behaviour.stallAfterBytes = MiB;
    const startedAt = Date.now();
    const downloads = manager({ stallTimeoutMs: 300, retries: 1 });
    downloads.onDidChange((status) => {
      if (status.state === "retrying") suite.hub.behaviour.stallAfterBytes = 0; // from now on, not a byte
    });
    const outcome = await downloads.download(request).done;
    assert.equal(outcome.state, "failed");
    if (outcome.state !== "failed") return;
    assert.equal(outcome.error.reason, "stalled");
    assert.match(outcome.error.message, /The server 127\.0\.0\.1:\d+ stopped sending resume-Q4_K_M\.gguf: no data for 0\.3 s/);
    assert.ok(Date.now() - startedAt < 3_000);
    assert.equal((await fs.stat(`${target()}.partial`)).size, MiB, "what arrived is kept for a resume");
  });

  it("lists partial downloads and cleans them up on request, but not one that is running", async () => {
    suite.hub.behaviour.throttleBytesPerSecond = 2 * MiB;
    const downloads = manager();
    const task = downloads.download(request);
    await untilReceived(downloads, MiB / 4);
    const plan = (await manager().listPartialDownloads())[0].plan;
    await assert.rejects(downloads.removePartialDownload(plan), { reason: "alreadyDownloading" });
    await assert.rejects(manager().removePartialDownload(plan), { reason: "alreadyDownloading" }, "another window's manager sees the lock");
    downloads.cancel(task.id);
    await task.done;
    assert.deepEqual(await downloads.listPartialDownloads().then((list) => list.map((entry) => entry.plan.id)), [plan.id]);
    await downloads.removePartialDownload(plan);
    assert.deepEqual(await fs.readdir(suite.models), []);
    assert.deepEqual(await downloads.listPartialDownloads(), []);
  });

  it("keeps its lock's heartbeat while it runs, so another window sees it as taken for as long as it takes", async () => {
    suite.hub.behaviour.throttleBytesPerSecond = 2 * MiB;
    const lockTiming = { heartbeatMs: 40, staleMs: 300 };
    const downloads = manager({ lockTiming });
    const task = downloads.download(request);
    await untilReceived(downloads, MiB / 4);
    await new Promise((resolve) => setTimeout(resolve, 3 * lockTiming.staleMs));
    const lock = await fs.stat(`${target()}.partial.lock`);
    assert.ok(Date.now() - lock.mtimeMs < lockTiming.staleMs, `heartbeat ${Date.now() - lock.mtimeMs} ms old`);
    const plan = (await manager().listPartialDownloads())[0].plan;
    await assert.rejects(manager({ lockTiming }).removePartialDownload(plan), { reason: "alreadyDownloading" }, "taken, though it started longer ago than staleMs");
    downloads.cancel(task.id);
    await task.done;
  });
});
