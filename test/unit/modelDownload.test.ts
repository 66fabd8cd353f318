import * as assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import type { DownloadStatus } from "../../src/modelStore/downloadManager";
import { listGgufModels } from "../../src/modelStore/huggingFaceHub";
import { listModelFiles } from "../../src/modelStore/modelFiles";
import { useDownloadSuite } from "../support/downloadSuite";
import { bufferContent, fakeRepo } from "../support/fakeHuggingFace";

const MiB = 1 << 20;

describe("downloading a model from the hub", () => {
  const coder = fakeRepo("acme/Coder-GGUF", [
    ["Q4_K_M/coder-Q4_K_M.gguf", 3 * MiB + 12_345],
    ["coder-Q6_K-00001-of-00003.gguf", MiB + 1],
    ["coder-Q6_K-00002-of-00003.gguf", MiB + 2],
    ["coder-Q6_K-00003-of-00003.gguf", MiB + 3],
  ]);
  const gated = fakeRepo("meta/Gated-GGUF", [["gated-Q4_0.gguf", MiB]], { gated: true });
  const notGguf = { name: "acme/Text", files: [{ path: "notes.gguf", content: bufferContent(Buffer.from("just some text, not a model\n".repeat(100))) }] };
  const suite = useDownloadSuite([coder, gated, notGguf], { stallTimeoutMs: 5_000 });
  const { manager, cdnRequests } = suite;

  it("downloads a file into the models folder under its local name (its folder, then its base name), sha256 checked, with progress", async () => {
    const file = coder.files[0];
    const statuses: DownloadStatus[] = [];
    const downloads = manager();
    downloads.onDidChange((status) => statuses.push(status));
    const outcome = await downloads.download({ repo: coder.name, files: [{ path: file.path, size: file.content.size, sha256: file.content.sha256 }] }).done;
    assert.deepEqual(outcome, { state: "installed", paths: [path.join(suite.models, "Q4_K_M--coder-Q4_K_M.gguf")], verified: true });
    const bytes = await fs.readFile(path.join(suite.models, "Q4_K_M--coder-Q4_K_M.gguf"));
    assert.equal(createHash("sha256").update(bytes).digest("hex"), file.content.sha256);
    assert.deepEqual(await fs.readdir(suite.models), ["Q4_K_M--coder-Q4_K_M.gguf"], "no partial, record or lock left");
    const states = statuses.map((status) => status.state);
    assert.deepEqual([states[0], states[1], ...states.slice(-2)], ["queued", "downloading", "installing", "installed"]);
    const received = statuses.filter((status) => status.state === "downloading").map((status) => status.receivedBytes);
    assert.ok(received.length >= 3 && received.at(-1) === file.content.size, `progress while bytes flowed: ${received.join(", ")}`);
    assert.equal(statuses.at(-1)!.totalBytes, file.content.size);
    // The resolve request went to the hub and was redirected to the CDN, which got no Range.
    assert.deepEqual(
      suite.hub.requests.map((request) => [request.server, request.status, request.headers.range]),
      [
        ["hub", 302, undefined],
        ["cdn", 200, undefined],
      ],
    );
  });

  it("takes the size and sha256 from the hub (X-Linked-Size, X-Linked-ETag) when the caller gives none", async () => {
    const downloads = manager();
    const totals = new Set<number | undefined>();
    downloads.onDidChange((status) => totals.add(status.totalBytes));
    assert.equal((await downloads.download({ repo: coder.name, files: [{ path: coder.files[0].path }] }).done).state, "installed");
    assert.deepEqual([...totals], [undefined, coder.files[0].content.size], "the size, unknown at first, comes from the hub");
    suite.hub.behaviour.corrupt = true;
    const outcome = await manager().download({ repo: coder.name, files: [{ path: coder.files[0].path }], replace: true }).done;
    assert.equal(outcome.state === "failed" && outcome.error.reason, "checksum");
  });

  it("downloads the parts of a split model, as the hub listing gives it, as one: progress over the total, installed together", async () => {
    const parts = coder.files.slice(1);
    const total = parts.reduce((sum, part) => sum + part.content.size, 0);
    const statuses: DownloadStatus[] = [];
    const seenOnDisk: string[][] = [];
    const downloads = manager();
    downloads.onDidChange((status) => {
      statuses.push(status);
      if (status.state === "downloading") void listModelFiles(suite.models).then((files) => seenOnDisk.push(files.map((entry) => entry.name)));
    });
    const split = (await listGgufModels(coder.name, { endpoint: suite.hub.url })).find((model) => model.split)!;
    const outcome = await downloads.download(split).done;
    assert.equal(outcome.state, "installed");
    assert.deepEqual((await fs.readdir(suite.models)).sort(), parts.map((part) => part.path).sort());
    for (const part of parts) assert.deepEqual(await fs.readFile(path.join(suite.models, part.path)), part.content.read(0, part.content.size));
    assert.equal(statuses[0].name, "coder-Q6_K.gguf");
    assert.equal(statuses[0].fileCount, 3);
    assert.ok(statuses.every((status) => status.totalBytes === total));
    const received = statuses.map((status) => status.receivedBytes);
    assert.ok(received.every((value, index) => index === 0 || value >= received[index - 1]), "progress never goes back");
    assert.equal(received.at(-1), total);
    assert.ok(seenOnDisk.every((names) => names.length === 0), "no part shows as installed before all are verified");
  });

  it("names a missing repository and a missing file (404)", async () => {
    const missingRepo = await manager().download({ repo: "nobody/Nothing", files: [{ path: "m-Q4_0.gguf" }] }).done;
    assert.equal(missingRepo.state === "failed" && missingRepo.error.reason, "notFound");
    assert.match(missingRepo.state === "failed" ? missingRepo.error.message : "", /nobody\/Nothing does not exist, or is private/);
    const missingFile = await manager({ token: () => "hf_test_token" }).download({ repo: coder.name, files: [{ path: "gone-Q4_0.gguf" }] }).done;
    assert.equal(missingFile.state === "failed" && missingFile.error.reason, "notFound");
    assert.match(missingFile.state === "failed" ? missingFile.error.message : "", /acme\/Coder-GGUF has no file gone-Q4_0\.gguf \(404\)/);
    assert.deepEqual(await fs.readdir(suite.models), []);
  });

  it("asks for a token for a gated repository, and with one downloads it without sending it to the CDN", async () => {
    const request = { repo: gated.name, files: [{ path: "gated-Q4_0.gguf" }] };
    const refused = await manager().download(request).done;
    assert.equal(refused.state, "failed");
    if (refused.state !== "failed") return;
    assert.equal(refused.error.reason, "unauthorized");
    assert.match(refused.error.message, /gated-Q4_0\.gguf is in a gated or private repository \(meta\/Gated-GGUF, HTTP 401\).*"Hearth: Set Hugging Face Token"/);

    const wrongToken = await manager({ token: () => "hf_not_accepted" }).download(request).done;
    assert.equal(wrongToken.state === "failed" && wrongToken.error.reason, "unauthorized");
    assert.match(wrongToken.state === "failed" ? wrongToken.error.message : "", /refused your token .*HTTP 403/);

    suite.hub.requests.splice(0);
    const outcome = await manager({ token: () => Promise.resolve("hf_test_token") }).download(request).done;
    assert.equal(outcome.state, "installed");
    const [resolve, bytes] = suite.hub.requests;
    assert.equal(resolve.server, "hub");
    assert.equal(resolve.headers.authorization, "Bearer hf_test_token");
    assert.equal(bytes.server, "cdn");
    assert.equal(bytes.headers.authorization, undefined, "the token stays with the hub's origin");
  });

  it("sends the token to the CDN only when it is the hub's own origin", async () => {
    suite.hub.behaviour.redirect = "sameOrigin";
    const outcome = await manager({ token: () => "hf_test_token" }).download({ repo: gated.name, files: [{ path: "gated-Q4_0.gguf" }] }).done;
    assert.equal(outcome.state, "installed");
    assert.equal(cdnRequests()[0].headers.authorization, "Bearer hf_test_token");
  });

  it("refuses a file that is not GGUF, from its first bytes, and keeps nothing", async () => {
    const outcome = await manager().download({ repo: notGguf.name, files: [{ path: "notes.gguf" }] }).done;
    assert.equal(outcome.state === "failed" && outcome.error.reason, "notGguf");
    assert.match(outcome.state === "failed" ? outcome.error.message : "", /notes\.gguf in acme\/Text is not a GGUF model file/);
    assert.deepEqual(await fs.readdir(suite.models), []);
  });

  it("refuses hub file names that would leave the models folder, before any request", async () => {
    const outcome = await manager().download({ repo: coder.name, files: [{ path: "../../evil.gguf" }] }).done;
    assert.equal(outcome.state === "failed" && outcome.error.reason, "badName");
    assert.match(outcome.state === "failed" ? outcome.error.message : "", /won't download "\.\.\/\.\.\/evil\.gguf"/);
    assert.equal(suite.hub.requests.length, 0);
    await assert.rejects(fs.readdir(suite.models), { code: "ENOENT" });
  });

  it("does not download over an installed model unless asked to replace it", async () => {
    await fs.mkdir(suite.models, { recursive: true });
    await fs.writeFile(path.join(suite.models, "Q4_K_M--coder-Q4_K_M.gguf"), "GGUF older");
    const request = { repo: coder.name, files: [{ path: coder.files[0].path }] };
    const refused = await manager().download(request).done;
    assert.equal(refused.state === "failed" && refused.error.reason, "alreadyInstalled");
    assert.equal(suite.hub.requests.length, 0);
    const replaced = await manager().download({ ...request, replace: true }).done;
    assert.equal(replaced.state, "installed");
    assert.equal((await fs.stat(path.join(suite.models, "Q4_K_M--coder-Q4_K_M.gguf"))).size, coder.files[0].content.size);
  });

  it("runs no more downloads at once than its limit, and refuses the same model twice", async () => {
    suite.hub.behaviour.throttleBytesPerSecond = 8 * MiB;
    const downloads = manager({ concurrency: 1 });
    const started: string[] = [];
    downloads.onDidChange((status) => {
      if (status.state === "downloading" && !started.includes(status.name)) started.push(status.name);
      if (status.state === "downloading") assert.ok(downloads.statuses().filter((other) => other.state === "downloading").length <= 1);
    });
    const first = downloads.download({ repo: coder.name, name: "first", files: [{ path: coder.files[1].path }] });
    const twice = downloads.download({ repo: coder.name, name: "first again", files: [{ path: coder.files[1].path }] });
    const second = downloads.download({ repo: coder.name, name: "second", files: [{ path: coder.files[2].path }] });
    assert.equal(downloads.statuses().map((status) => status.state).join(), "downloading,queued");
    const duplicate = await twice.done;
    assert.equal(duplicate.state === "failed" && duplicate.error.reason, "alreadyDownloading");
    assert.equal((await first.done).state, "installed");
    assert.equal((await second.done).state, "installed");
    assert.deepEqual(started, ["first", "second"]);
  });
});
