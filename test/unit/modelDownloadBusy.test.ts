import * as assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import type { DownloadOutcome, DownloadStatus } from "../../src/modelStore/downloadManager";
import type { ModelDownloadError } from "../../src/modelStore/downloadErrors";
import { useDownloadSuite } from "../support/downloadSuite";
import { fakeRepo } from "../support/fakeHuggingFace";

const MiB = 1 << 20;

function failure(outcome: DownloadOutcome): ModelDownloadError {
  assert.equal(outcome.state, "failed");
  return (outcome as { error: ModelDownloadError }).error;
}

describe("a hub that answers 429 or 5xx during a download", () => {
  const repo = fakeRepo("acme/Busy-GGUF", [["busy-Q4_K_M.gguf", 4 * MiB + 321]]);
  const file = repo.files[0];
  const request = { repo: repo.name, files: [{ path: file.path, size: file.content.size, sha256: file.content.sha256 }] };
  const suite = useDownloadSuite([repo], { stallTimeoutMs: 5_000 });
  const { manager, cdnRequests } = suite;
  const target = () => path.join(suite.models, file.path);

  it("names a CDN that keeps answering 503 (not a dropped connection), keeps the partial file, and resumes it later", async () => {
    suite.hub.behaviour.cut = { afterBytes: MiB, times: 1 };
    const downloads = manager({ retries: 2 });
    downloads.onDidChange((status) => {
      if (status.state === "retrying" && !suite.hub.behaviour.busy) suite.hub.behaviour.busy = { status: 503, times: Infinity, on: "cdn" };
    });
    const error = failure(await downloads.download(request).done);
    assert.equal(error.reason, "serverBusy");
    assert.match(
      error.message,
      /^Hugging Face \(127\.0\.0\.1:\d+\) answered 503 Service Unavailable to the download of busy-Q4_K_M\.gguf, 3 times in a row: the server is down or overloaded\. Try again later; the download resumes from 1\.05 MB\.$/,
    );
    assert.doesNotMatch(error.message, /connection/);
    assert.equal(error.tokenHelps, false);
    assert.equal((await fs.stat(`${target()}.partial`)).size, MiB, "what arrived is kept");

    delete suite.hub.behaviour.busy;
    suite.hub.requests.splice(0);
    const [partial] = await downloads.listPartialDownloads();
    assert.equal((await downloads.resume(partial.plan).done).state, "installed");
    assert.equal(cdnRequests()[0].headers.range, `bytes=${MiB}-`);
  });

  it("names a 429 from the hub as a rate limit and, without a token, points at the token command", async () => {
    suite.hub.behaviour.busy = { status: 429, times: Infinity, on: "hub" };
    const error = failure(await manager({ retries: 1 }).download(request).done);
    assert.equal(error.reason, "rateLimited");
    assert.match(error.message, /^Hugging Face \(127\.0\.0\.1:\d+\) answered 429 Too Many Requests to the download of busy-Q4_K_M\.gguf: downloads without a token are rate limited\. Set a Hugging Face token with "Hearth: Set Hugging Face Token"/);
    assert.equal(error.tokenHelps, true, "the notification offers to set a token");
    assert.equal(cdnRequests().length, 0);
    assert.deepEqual(await fs.readdir(suite.models), [], "nothing received, nothing kept");

    const withToken = failure(await manager({ retries: 1, token: () => "hf_test_token" }).download(request).done);
    assert.equal(withToken.reason, "rateLimited");
    assert.match(withToken.message, /your token has reached its rate limit for now\. Wait a few minutes and download again\.$/);
    assert.equal(withToken.tokenHelps, false);
  });

  it("waits as long as Retry-After asks, says why it is retrying, and finishes once the hub answers", async () => {
    suite.hub.behaviour.busy = { status: 503, times: 1, on: "hub", retryAfterSeconds: 1 };
    const statuses: DownloadStatus[] = [];
    const downloads = manager();
    downloads.onDidChange((status) => statuses.push(status));
    const startedAt = Date.now();
    assert.equal((await downloads.download(request).done).state, "installed");
    assert.ok(Date.now() - startedAt >= 950, `retried after ${Date.now() - startedAt} ms, not the 10 ms of its own backoff`);
    const retrying = statuses.find((status) => status.state === "retrying");
    assert.match(retrying?.detail ?? "", /^127\.0\.0\.1:\d+ answered 503 Service Unavailable; retrying \(1 of 5\)$/);
  });
});
