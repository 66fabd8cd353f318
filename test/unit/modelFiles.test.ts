import * as assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  checkModelFile,
  formatBytes,
  listModelFiles,
  modelSettingValue,
  resolveModelPath,
  resolveModelsDirectory,
} from "../../src/modelStore/modelFiles";
import { tinyModel } from "../support/fixtures";
import { temporaryDirectory } from "../support/temporaryDirectory";

describe("model files", () => {
  let folder: Awaited<ReturnType<typeof temporaryDirectory>>;
  beforeEach(async () => (folder = await temporaryDirectory()));
  afterEach(() => folder.remove());

  it("lists only the .gguf files of the folder, by name, with their sizes", async () => {
    await fs.copyFile(tinyModel, path.join(folder.path, "b-model.gguf"));
    await fs.writeFile(path.join(folder.path, "A-small.GGUF"), "GGUF1234");
    await fs.writeFile(path.join(folder.path, "notes.txt"), "not a model");
    await fs.writeFile(path.join(folder.path, "c.gguf.1a2b.partial"), "half a copy");
    await fs.mkdir(path.join(folder.path, "nested.gguf"));
    const files = await listModelFiles(folder.path);
    assert.deepEqual(
      files.map((file) => [file.name, file.sizeBytes]),
      [["A-small.GGUF", 8], ["b-model.gguf", 1_750_560]],
    );
    assert.equal(files[1].path, path.join(folder.path, "b-model.gguf"));
  });

  it("lists nothing, without failing, when the folder does not exist yet", async () => {
    assert.deepEqual(await listModelFiles(path.join(folder.path, "not-yet")), []);
  });

  it("accepts a real GGUF file", async () => {
    assert.deepEqual(await checkModelFile(tinyModel), { ok: true, sizeBytes: 1_750_560 });
  });

  it("names the path of a missing model file", async () => {
    const missing = path.join(folder.path, "gone.gguf");
    const check = await checkModelFile(missing);
    assert.ok(!check.ok);
    assert.equal(check.reason, "missing");
    assert.equal(check.message, `The model file ${missing} does not exist.`);
  });

  it("says a file that is not GGUF is not a GGUF model, naming it", async () => {
    const notModel = path.join(folder.path, "model.gguf");
    await fs.writeFile(notModel, "<html>404 Not Found</html>");
    const check = await checkModelFile(notModel);
    assert.ok(!check.ok);
    assert.equal(check.reason, "notGguf");
    assert.ok(check.message.includes(notModel));
  });

  it("says an empty file is not a GGUF model", async () => {
    const empty = path.join(folder.path, "empty.gguf");
    await fs.writeFile(empty, "");
    const check = await checkModelFile(empty);
    assert.ok(!check.ok && check.reason === "notGguf");
  });

  it("says a folder where a model should be cannot be read, naming it", async () => {
    const check = await checkModelFile(folder.path);
    assert.ok(!check.ok);
    assert.equal(check.reason, "unreadable");
    assert.ok(check.message.includes(folder.path));
  });

  it("resolves model settings: a file name in the models folder, an absolute path, ~, or nothing", () => {
    assert.equal(resolveModelPath("m.gguf", "/models"), path.join("/models", "m.gguf"));
    assert.equal(resolveModelPath("/elsewhere/m.gguf", "/models"), "/elsewhere/m.gguf");
    assert.equal(resolveModelPath("~/m.gguf", "/models"), path.join(os.homedir(), "m.gguf"));
    assert.equal(resolveModelPath("", "/models"), undefined);
    assert.equal(modelSettingValue("/models/m.gguf", "/models/"), "m.gguf");
    assert.equal(modelSettingValue("/elsewhere/m.gguf", "/models"), "/elsewhere/m.gguf");
  });

  it("uses Hearth's storage folder unless the setting names another", () => {
    assert.equal(resolveModelsDirectory("", "/storage/models"), "/storage/models");
    assert.equal(resolveModelsDirectory("~/gguf", "/storage/models"), path.join(os.homedir(), "gguf"));
  });

  it("formats sizes as model hubs do", () => {
    assert.equal(formatBytes(0), "0 B");
    assert.equal(formatBytes(999), "999 B");
    assert.equal(formatBytes(1_750_560), "1.75 MB");
    assert.equal(formatBytes(4_683_087_000), "4.68 GB");
    assert.equal(formatBytes(12_300_000), "12.3 MB");
    assert.equal(formatBytes(123_400_000_000), "123 GB");
  });
});
