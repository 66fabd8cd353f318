// The shipped catalog is valid, and the checks drop entries that could not be downloaded as given.
import * as assert from "node:assert/strict";
import { shippedCatalog, validateCatalog } from "../../src/modelStore/modelCatalog";

const good = {
  id: "tiny",
  label: "Tiny",
  repo: "owner/Tiny-GGUF",
  file: "tiny-q4_k_m.gguf",
  quantization: "Q4_K_M",
  sizeBytes: 1000,
  roles: ["chat"],
  minMemoryBytes: 2000,
  licence: "MIT",
};

describe("model catalog", () => {
  it("ships only valid entries, small code models first, with every role covered", () => {
    const { models, problems } = shippedCatalog();
    assert.deepEqual(problems, []);
    assert.ok(models.length >= 5);
    assert.match(models[0].label, /Coder 0\.5B/);
    for (const role of ["chat", "completion", "embedding"]) assert.ok(models.some((model) => model.roles.includes(role as never)), role);
  });

  it("keeps a good entry", () => {
    assert.deepEqual(validateCatalog({ models: [good] }), { models: [good], problems: [] });
  });

  it("drops entries with bad fields and says which and why", () => {
    const bad = [
      { ...good, id: "no-repo", repo: "not a repo" },
      { ...good, id: "escape", file: "../outside.gguf" },
      { ...good, id: "not-gguf", file: "model.bin" },
      { ...good, id: "role", roles: ["painting"] },
      { ...good, id: "size", sizeBytes: -1 },
      { ...good, id: "quant", quantization: "Q8_0" },
      { ...good, id: "licence", licence: "" },
      good,
      good,
    ];
    const { models, problems } = validateCatalog({ models: bad });
    assert.deepEqual(models, [good]);
    assert.equal(problems.length, 8);
    assert.match(problems[0], /no-repo: `repo` must be owner\/name/);
    assert.match(problems[1], /escape: `file` cannot be saved in the models folder/);
    assert.match(problems[2], /not-gguf: `file` must be a \.gguf file/);
    assert.match(problems[3], /role: `roles` must list/);
    assert.match(problems[4], /size: `sizeBytes` must be a positive number/);
    assert.match(problems[5], /quant: `quantization` says Q8_0, the file name says Q4_K_M/);
    assert.match(problems[6], /licence: `licence` must be a non-empty string/);
    assert.match(problems[7], /tiny: the id is used twice/);
  });

  it("refuses a document without a models list", () => {
    assert.deepEqual(validateCatalog({}).models, []);
    assert.deepEqual(validateCatalog(null).problems, ["The catalog has no `models` list."]);
  });
});
