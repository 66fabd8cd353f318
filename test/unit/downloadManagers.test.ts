import * as assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { DownloadManager, type DownloadStatus } from "../../src/modelStore/downloadManager";
import { DownloadManagers, type DownloadPlace } from "../../src/modelStore/downloadManagers";
import { useDownloadSuite } from "../support/downloadSuite";
import { fakeRepo, startFakeHuggingFace } from "../support/fakeHuggingFace";

const MiB = 1 << 20;

describe("downloads when the models folder or the hub's address changes", () => {
  const repo = fakeRepo("acme/Move-GGUF", [
    ["first-Q4_0.gguf", 2 * MiB + 1],
    ["second-Q4_0.gguf", MiB + 2],
  ]);
  const suite = useDownloadSuite([repo]);
  const request = (index: number) => ({ repo: repo.name, files: [{ path: repo.files[index].path }] });
  const managersWithEvents = () => {
    const events: Array<{ status: DownloadStatus; manager: DownloadManager }> = [];
    const created: DownloadPlace[] = [];
    const managers = new DownloadManagers(
      (place) => {
        created.push(place);
        return new DownloadManager({ ...place, retryDelayMs: 10, progressIntervalMs: 0 });
      },
      (status, manager) => events.push({ status, manager }),
    );
    return { managers, events, created };
  };

  it("starts new downloads in the new folder while a running one finishes in the folder it started in", async () => {
    suite.hub.behaviour.throttleBytesPerSecond = 4 * MiB;
    const { managers, events } = managersWithEvents();
    const oldFolder = suite.models;
    const newFolder = path.join(suite.folder, "moved");
    const before = managers.current({ modelsDirectory: oldFolder, endpoint: suite.hub.url });
    const running = before.download(request(0));
    await new Promise<void>((resolve) => before.onDidChange((status) => status.receivedBytes > 0 && resolve()));

    const after = managers.current({ modelsDirectory: newFolder, endpoint: suite.hub.url });
    assert.notEqual(after, before);
    assert.deepEqual(managers.statuses().map((status) => status.name), ["first-Q4_0.gguf"], "the running download is still listed");
    delete suite.hub.behaviour.throttleBytesPerSecond;
    const started = after.download(request(1));

    assert.deepEqual(await running.done, { state: "installed", paths: [path.join(oldFolder, "first-Q4_0.gguf")], verified: true });
    assert.deepEqual(await started.done, { state: "installed", paths: [path.join(newFolder, "second-Q4_0.gguf")], verified: true });
    assert.deepEqual(await fs.readdir(oldFolder), ["first-Q4_0.gguf"]);
    assert.deepEqual(await fs.readdir(newFolder), ["second-Q4_0.gguf"]);
    assert.ok(events.some((event) => event.manager === before && event.status.state === "installed"), "the old manager's events still arrive");
    assert.deepEqual(managers.all(), [after], "the old manager is let go once its download has ended");
    managers.dispose();
  });

  it("sends new downloads to a new hub address, and a cancel reaches a download started before the change", async () => {
    const mirror = await startFakeHuggingFace([repo]);
    try {
      suite.hub.behaviour.throttleBytesPerSecond = 2 * MiB;
      const { managers, created } = managersWithEvents();
      const hub = managers.current({ modelsDirectory: suite.models, endpoint: suite.hub.url });
      const slow = hub.download(request(0));
      const viaMirror = managers.current({ modelsDirectory: suite.models, endpoint: mirror.url });
      assert.deepEqual(created.map((place) => place.endpoint), [suite.hub.url, mirror.url]);
      assert.equal((await viaMirror.download(request(1)).done).state, "installed");
      assert.equal(mirror.requests.filter((entry) => entry.url.includes("second-Q4_0.gguf")).length, 1, "the new download asked the mirror");
      assert.equal(suite.hub.requests.filter((entry) => entry.url.includes("second-Q4_0.gguf")).length, 0);

      assert.equal(managers.cancel(slow.id), true);
      assert.deepEqual(await slow.done, { state: "cancelled" });
      assert.deepEqual(managers.all(), [viaMirror]);
      managers.dispose();
    } finally {
      await mirror.close();
    }
  });

  it("keeps using the same manager while the settings stay the same, and returns to a busy one when they change back", async () => {
    suite.hub.behaviour.throttleBytesPerSecond = 2 * MiB;
    const { managers, created } = managersWithEvents();
    const place = { modelsDirectory: suite.models, endpoint: suite.hub.url };
    const first = managers.current(place);
    assert.equal(managers.current({ ...place }), first);
    const running = first.download(request(0));
    managers.current({ ...place, modelsDirectory: path.join(suite.folder, "elsewhere") });
    assert.equal(managers.current(place), first, "back to the folder whose download still runs: the same manager, which knows it");
    assert.equal(created.length, 2);
    assert.equal(managers.cancel(running.id), true);
    await running.done;
    managers.dispose();
  });
});
