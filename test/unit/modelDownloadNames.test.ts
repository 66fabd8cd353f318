import * as assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { listGgufModels } from "../../src/modelStore/huggingFaceHub";
import { resolveUrl } from "../../src/modelStore/hubUrls";
import { writePartialRecord, type DownloadPlan } from "../../src/modelStore/partialDownloads";
import { useDownloadSuite } from "../support/downloadSuite";
import { fakeRepo } from "../support/fakeHuggingFace";

const MiB = 1 << 20;

describe("local names of files in a repository's folders", () => {
  const repo = fakeRepo("acme/Folders-GGUF", [
    ["coder-Q4_0.gguf", MiB + 10],
    ["Q4_0/coder-Q4_0.gguf", MiB + 20],
    ["v2/Q4_0/coder-Q4_0.gguf", 3 * MiB + 30],
  ]);
  const suite = useDownloadSuite([repo], { stallTimeoutMs: 5_000 });
  const { manager, cdnRequests } = suite;
  const bytesOf = (index: number) => repo.files[index].content.read(0, repo.files[index].content.size);

  it("downloads same-named files from different folders side by side, each with its own bytes", async () => {
    const models = await listGgufModels(repo.name, { endpoint: suite.hub.url });
    assert.equal(models.length, 3);
    const downloads = manager();
    const outcomes = await Promise.all(models.map((model) => downloads.download(model).done));
    const paths = outcomes.map((outcome) => (outcome.state === "installed" ? path.basename(outcome.paths[0]) : outcome.state));
    assert.deepEqual(paths.sort(), ["Q4_0--coder-Q4_0.gguf", "coder-Q4_0.gguf", "v2--Q4_0--coder-Q4_0.gguf"]);
    assert.ok((await fs.readFile(path.join(suite.models, "coder-Q4_0.gguf"))).equals(bytesOf(0)));
    assert.ok((await fs.readFile(path.join(suite.models, "Q4_0--coder-Q4_0.gguf"))).equals(bytesOf(1)));
    assert.ok((await fs.readFile(path.join(suite.models, "v2--Q4_0--coder-Q4_0.gguf"))).equals(bytesOf(2)));
  });

  it("resumes a partial download left under its base name (as earlier versions named it) instead of starting beside it", async () => {
    const file = repo.files[2];
    const oldName = "coder-Q4_0.gguf";
    const plan: DownloadPlan = {
      id: `${repo.name}@main/${file.path}`,
      name: "coder-Q4_0.gguf",
      repo: repo.name,
      revision: "main",
      files: [{ path: file.path, fileName: oldName, size: file.content.size, sha256: file.content.sha256 }],
    };
    await fs.mkdir(suite.models, { recursive: true });
    await fs.writeFile(path.join(suite.models, `${oldName}.partial`), bytesOf(2).subarray(0, MiB));
    const url = resolveUrl(suite.hub.url, repo.name, "main", file.path);
    await writePartialRecord(path.join(suite.models, oldName), { version: 1, plan, url, fileName: oldName, size: file.content.size, sha256: file.content.sha256 });

    const outcome = await manager().download({ repo: repo.name, files: [{ path: file.path, size: file.content.size, sha256: file.content.sha256 }] }).done;
    assert.deepEqual(outcome, { state: "installed", paths: [path.join(suite.models, oldName)], verified: true });
    assert.equal(cdnRequests()[0].headers.range, `bytes=${MiB}-`, "it went on from the partial file");
    assert.equal(cdnRequests()[0].bodyBytes, file.content.size - MiB);
    assert.deepEqual(await fs.readdir(suite.models), [oldName]);
    assert.ok((await fs.readFile(path.join(suite.models, oldName))).equals(bytesOf(2)));
  });
});
