import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { nodeDownloadFileSystem, type DownloadFileSystem } from "../../src/modelStore/downloadFileSystem";
import type { DownloadOutcome } from "../../src/modelStore/downloadManager";
import type { ModelDownloadError } from "../../src/modelStore/downloadErrors";
import { useDownloadSuite } from "../support/downloadSuite";
import { fakeRepo } from "../support/fakeHuggingFace";

const MiB = 1 << 20;

function failure(outcome: DownloadOutcome): ModelDownloadError {
  assert.equal(outcome.state, "failed");
  return (outcome as { error: ModelDownloadError }).error;
}

/** Mounts a small tmpfs (root only, where mounting is allowed); undefined where it can't. */
function mountTmpfs(at: string, options: string): (() => void) | undefined {
  if (process.platform !== "linux" || process.getuid?.() !== 0) return undefined;
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", options, "tmpfs", at], { stdio: "ignore" });
    return () => execFileSync("umount", [at], { stdio: "ignore" });
  } catch {
    return undefined;
  }
}

describe("model downloads that fail", () => {
  const repo = fakeRepo("acme/Coder-GGUF", [["coder-Q4_K_M.gguf", 6 * MiB + 99]]);
  const file = repo.files[0];
  const request = { repo: repo.name, files: [{ path: file.path, size: file.content.size, sha256: file.content.sha256 }] };
  const suite = useDownloadSuite([repo]);
  const { manager } = suite;

  it("deletes a download whose sha256 does not match, says so, and leaves the installed file of that name alone", async () => {
    await fs.mkdir(suite.models);
    const installed = path.join(suite.models, "coder-Q4_K_M.gguf");
    await fs.writeFile(installed, "GGUF the good old model");
    suite.hub.behaviour.corrupt = true;
    const error = failure(await manager().download({ ...request, replace: true }).done);
    assert.equal(error.reason, "checksum");
    assert.match(error.message, /^coder-Q4_K_M\.gguf of coder-Q4_K_M\.gguf arrived damaged: its SHA-256 is [0-9a-f]{12}…, Hugging Face says [0-9a-f]{12}…\. The damaged download was deleted/);
    assert.deepEqual(await fs.readdir(suite.models), ["coder-Q4_K_M.gguf"]);
    assert.equal(await fs.readFile(installed, "utf8"), "GGUF the good old model");
  });

  it("names a full disk during the write (ENOSPC from the writer), with how much to free, and keeps what was written", async () => {
    let written = 0;
    const fullAfter3MiB: DownloadFileSystem = {
      ...nodeDownloadFileSystem,
      async append(handle, chunks) {
        // As a disk does: what fits is written, then the write fails.
        const bytes = Buffer.concat(chunks);
        const fits = Math.min(bytes.length, 3 * MiB - written);
        await nodeDownloadFileSystem.append(handle, [bytes.subarray(0, fits)]);
        written += fits;
        if (fits < bytes.length) throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
      },
    };
    const error = failure(await manager({ fileSystem: fullAfter3MiB }).download(request).done);
    assert.equal(error.reason, "diskFull");
    assert.match(error.message, new RegExp(`^The disk holding ${suite.models.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} is full; free 3\\.15 MB and download coder-Q4_K_M\\.gguf again \\(it resumes where it stopped\\)`));
    assert.equal((await fs.stat(path.join(suite.models, "coder-Q4_K_M.gguf.partial"))).size, 3 * MiB);
    await assert.rejects(fs.stat(path.join(suite.models, "coder-Q4_K_M.gguf")), { code: "ENOENT" });
  });

  it("checks free space before it starts", async () => {
    const little: DownloadFileSystem = { ...nodeDownloadFileSystem, freeBytes: () => Promise.resolve(2 * MiB) };
    const error = failure(await manager({ fileSystem: little }).download(request).done);
    assert.equal(error.reason, "diskFull");
    assert.match(error.message, /coder-Q4_K_M\.gguf needs 6\.29 MB more but the disk holding .* has 2\.1 MB free; free 4\.19 MB/);
    assert.equal(suite.hub.requests.length, 0, "nothing was asked of the hub");
  });

  it("names a real full disk (a 4 MiB tmpfs; root only, skipped elsewhere)", async function () {
    await fs.mkdir(suite.models);
    const unmount = mountTmpfs(suite.models, "size=4m");
    if (!unmount) this.skip();
    try {
      const statfsSaysPlenty: DownloadFileSystem = { ...nodeDownloadFileSystem, freeBytes: () => Promise.resolve(Number.MAX_SAFE_INTEGER) };
      const error = failure(await manager({ fileSystem: statfsSaysPlenty }).download(request).done);
      assert.equal(error.reason, "diskFull");
      assert.match(error.message, /is full; free \d/);
      const refused = failure(await manager().download(request).done);
      assert.equal(refused.reason, "diskFull", "with the real statfs, refused before writing");
    } finally {
      unmount?.();
    }
  });

  it("names a models folder that can't be created", async () => {
    await fs.writeFile(path.join(suite.folder, "a-file"), "");
    suite.models = path.join(suite.folder, "a-file", "models");
    const error = failure(await manager().download(request).done);
    assert.equal(error.reason, "notWritable");
    assert.match(error.message, /^Hearth can't write to the models folder .*a-file\/models \(ENOTDIR.*\), so coder-Q4_K_M\.gguf can't be downloaded\. Choose a folder you may write to in the setting hearth\.modelsDirectory\./);
  });

  it("names a models folder it may not write to (read-only mount as root, chmod otherwise)", async function () {
    await fs.mkdir(suite.models);
    let restore: (() => void) | undefined;
    if (process.getuid?.() === 0) restore = mountTmpfs(suite.models, "ro,size=1m");
    else {
      await fs.chmod(suite.models, 0o555);
      restore = () => void fs.chmod(suite.models, 0o755);
    }
    if (!restore) this.skip();
    try {
      const error = failure(await manager().download(request).done);
      assert.equal(error.reason, "notWritable");
      assert.match(error.message, /\((EROFS|EACCES)/);
      assert.equal(suite.hub.requests.length, 0);
    } finally {
      restore?.();
    }
  });
});
