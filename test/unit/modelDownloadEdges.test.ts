import * as assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import type { DownloadStatus } from "../../src/modelStore/downloadManager";
import { planDownload } from "../../src/modelStore/downloadPlan";
import { resolveUrl } from "../../src/modelStore/hubUrls";
import { writePartialRecord } from "../../src/modelStore/partialDownloads";
import { TransferMeter } from "../../src/modelStore/transferMeter";
import { useDownloadSuite } from "../support/downloadSuite";
import { fakeRepo } from "../support/fakeHuggingFace";

const MiB = 1 << 20;

describe("download progress: speed and time left", () => {
  it("measures speed over the last 5 s, lets it fall when bytes stop, and starts again after a restart", () => {
    let now = 0;
    const meter = new TransferMeter(5_000, () => now);
    assert.equal(meter.bytesPerSecond(), 0);
    meter.record(0);
    now = 1_000;
    meter.record(MiB);
    assert.equal(meter.bytesPerSecond(), MiB);
    assert.equal(meter.secondsLeft(MiB, 3 * MiB), 2);
    assert.equal(meter.secondsLeft(MiB, undefined), undefined);
    now = 4_000; // nothing for 3 s
    assert.equal(meter.bytesPerSecond(), MiB / 4);
    now = 10_000;
    assert.equal(meter.bytesPerSecond(), 0, "nothing within the last 5 s");
    now = 20_000;
    meter.record(2 * MiB);
    now = 21_000;
    meter.record(3 * MiB);
    now = 26_000;
    meter.record(8 * MiB);
    assert.equal(meter.bytesPerSecond(), MiB, "5 MiB over the last 5 s; the stall before has left the window");
    meter.record(0); // the server made us start over
    assert.equal(meter.bytesPerSecond(), 0);
  });
});

describe("resuming from what is on disk", () => {
  const repo = fakeRepo("acme/Edge-GGUF", [["edge-Q8_0.gguf", 3 * MiB + 5]]);
  const file = repo.files[0];
  const bytes = () => file.content.read(0, file.content.size);
  const request = { repo: repo.name, files: [{ path: file.path, size: file.content.size, sha256: file.content.sha256 }] };
  const suite = useDownloadSuite([repo]);
  const { manager } = suite;

  /** A partial download as an earlier window would have left it. */
  async function leavePartial(content: Buffer, record: { size?: number; sha256?: string }): Promise<void> {
    await fs.mkdir(suite.models, { recursive: true });
    const target = path.join(suite.models, file.path);
    await fs.writeFile(`${target}.partial`, content);
    const plan = planDownload({ ...request, files: [{ path: file.path, ...record }] }, suite.models);
    await writePartialRecord(target, { version: 1, plan, url: resolveUrl(suite.hub.url, repo.name, "main", file.path), fileName: file.path, ...record });
  }

  it("ignores a partial-download record whose file name leads out of the models folder", async () => {
    await leavePartial(bytes().subarray(0, MiB), { size: file.content.size, sha256: file.content.sha256 });
    assert.equal((await manager().listPartialDownloads()).length, 1, "a genuine record is listed");
    const recordFile = path.join(suite.models, `${file.path}.partial.json`);
    const record = JSON.parse(await fs.readFile(recordFile, "utf8")) as { plan: { files: Array<{ fileName: string }> } };
    record.plan.files[0].fileName = "../outside.gguf";
    await fs.writeFile(recordFile, JSON.stringify(record));
    assert.deepEqual(await manager().listPartialDownloads(), [], "a crafted one is not offered to resume or delete");
  });

  it("reports bytes, speed and time left while a slow download runs", async () => {
    suite.hub.behaviour.throttleBytesPerSecond = 4 * MiB;
    const statuses: DownloadStatus[] = [];
    const downloads = manager();
    downloads.onDidChange((status) => statuses.push(status));
    assert.equal((await downloads.download(request).done).state, "installed");
    const moving = statuses.filter((status) => status.state === "downloading" && status.bytesPerSecond > 0);
    assert.ok(moving.length >= 3, `${moving.length} progress events with a speed`);
    const middle = moving[Math.floor(moving.length / 2)];
    assert.ok(middle.bytesPerSecond > MiB && middle.bytesPerSecond < 8 * MiB, `speed ${middle.bytesPerSecond}`);
    assert.ok(middle.secondsLeft !== undefined && middle.secondsLeft > 0 && middle.secondsLeft < 5, `time left ${middle.secondsLeft}`);
  });

  it("installs a partial file that already holds every byte, after re-hashing it, without asking the hub", async () => {
    await leavePartial(bytes(), { size: file.content.size, sha256: file.content.sha256 });
    const [partial] = await manager().listPartialDownloads();
    assert.equal(partial.receivedBytes, file.content.size);
    const outcome = await manager().resume(partial.plan).done;
    assert.equal(outcome.state, "installed");
    assert.equal(suite.hub.requests.length, 0);
    assert.ok((await fs.readFile(path.join(suite.models, file.path))).equals(bytes()));
  });

  it("learns that a partial file of unknown size is complete from a 416", async () => {
    await leavePartial(bytes(), {});
    const [partial] = await manager().listPartialDownloads();
    assert.equal(partial.totalBytes, undefined);
    const outcome = await manager().resume(partial.plan).done;
    assert.equal(outcome.state, "installed");
    const cdn = suite.hub.requests.filter((entry) => entry.server === "cdn");
    assert.deepEqual(
      cdn.map((entry) => [entry.headers.range, entry.status]),
      [[`bytes=${file.content.size}-`, 416]],
    );
  });

  it("re-hashes the bytes already on disk before resuming, so damage there is caught too", async () => {
    const damaged = Buffer.from(bytes().subarray(0, MiB));
    damaged[MiB / 2] ^= 0xff;
    await leavePartial(damaged, { size: file.content.size, sha256: file.content.sha256 });
    const [partial] = await manager().listPartialDownloads();
    const outcome = await manager().resume(partial.plan).done;
    assert.equal(outcome.state === "failed" && outcome.error.reason, "checksum");
    assert.equal(suite.hub.requests.find((entry) => entry.server === "cdn")?.headers.range, `bytes=${MiB}-`, "it did resume from the partial file");
    assert.deepEqual(await fs.readdir(suite.models), [], "the damaged download was deleted");
  });
});
