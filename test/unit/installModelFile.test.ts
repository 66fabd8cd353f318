import * as assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { installModelFile } from "../../src/models/installModelFile";
import { tinyModel } from "../support/fixtures";
import { temporaryDirectory } from "../support/temporaryDirectory";

describe("installing a model file", () => {
  let folder: Awaited<ReturnType<typeof temporaryDirectory>>;
  let models: string;
  beforeEach(async () => {
    folder = await temporaryDirectory();
    models = path.join(folder.path, "models");
  });
  afterEach(() => folder.remove());

  it("copies a GGUF file into the models folder, creating the folder", async () => {
    const installed = await installModelFile(tinyModel, models);
    assert.equal(installed, path.join(models, path.basename(tinyModel)));
    assert.deepEqual(await fs.readFile(installed), await fs.readFile(tinyModel));
    assert.deepEqual(await fs.readdir(models), [path.basename(tinyModel)]);
  });

  it("refuses a file that is not GGUF and copies nothing", async () => {
    const text = path.join(folder.path, "readme.gguf");
    await fs.writeFile(text, "just text");
    await assert.rejects(installModelFile(text, models), /is not a GGUF model/);
    await assert.rejects(fs.readdir(models), { code: "ENOENT" });
  });

  it("does not overwrite a model of the same name", async () => {
    await installModelFile(tinyModel, models);
    await assert.rejects(installModelFile(tinyModel, models), /already installed/);
  });

  it("leaves no half-written file when the disk fills up mid-copy, and says what to do", async () => {
    const fullDisk = async (from: string, to: string) => {
      const bytes = await fs.readFile(from);
      await fs.writeFile(to, bytes.subarray(0, bytes.length / 2));
      throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
    };
    await assert.rejects(installModelFile(tinyModel, models, fullDisk), (error: Error) => {
      assert.match(error.message, /not enough free disk space .* \(1\.75 MB\)\. Free some space and try again; nothing was changed\./);
      return true;
    });
    assert.deepEqual(await fs.readdir(models), []);
  });
});
