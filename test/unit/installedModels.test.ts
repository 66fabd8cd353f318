// Split GGUF models are one installed model.
import * as assert from "node:assert/strict";
import { groupInstalledFiles } from "../../src/modelStore/installedModels";

const file = (name: string, sizeBytes = 10) => ({ name, path: `/models/${name}`, sizeBytes, modified: new Date(0) });

describe("installed models", () => {
  it("groups the parts of a split model under its first part, sized as all of them, in part order", () => {
    const models = groupInstalledFiles([file("big-00002-of-00002.gguf", 5), file("a.gguf"), file("big-00001-of-00002.gguf", 7)]);
    assert.deepEqual(
      models.map((model) => [model.file.name, model.parts.map((part) => part.name), model.sizeBytes]),
      [
        ["a.gguf", ["a.gguf"], 10],
        ["big-00001-of-00002.gguf", ["big-00001-of-00002.gguf", "big-00002-of-00002.gguf"], 12],
      ],
    );
  });

  it("lists parts without their first part one by one, so they can be seen and removed", () => {
    const models = groupInstalledFiles([file("orphan-00002-of-00003.gguf"), file("orphan-00003-of-00003.gguf")]);
    assert.deepEqual(models.map((model) => model.parts.length), [1, 1]);
  });
});
