import * as assert from "node:assert/strict";
import { readSettings, SETTING_DEFAULTS, type SettingKey } from "../../src/config/settings";

function settingsFrom(values: Partial<Record<SettingKey, unknown>>) {
  return readSettings((key) => values[key]);
}

describe("settings", () => {
  it("uses the defaults when nothing is set", () => {
    const { settings, problems } = settingsFrom({});
    assert.deepEqual(problems, []);
    assert.equal(settings.backend, "llamaCpp");
    assert.equal(settings.llamaCpp.gpuLayers, "auto");
    assert.equal(settings.llamaCpp.threads, 0);
    assert.equal(settings.completion.enabled, true);
  });

  for (const good of ["auto", "max", 0, 33] as const) {
    it(`accepts gpuLayers ${JSON.stringify(good)}`, () => {
      const { settings, problems } = settingsFrom({ "llamaCpp.gpuLayers": good });
      assert.equal(settings.llamaCpp.gpuLayers, good);
      assert.deepEqual(problems, []);
    });
  }

  it('takes gpuLayers written as a numeric string ("12") as that number', () => {
    assert.equal(settingsFrom({ "llamaCpp.gpuLayers": "12" }).settings.llamaCpp.gpuLayers, 12);
  });

  for (const bad of ["bogus", -3, 2.5, "", null, true, { min: 1 }]) {
    it(`replaces gpuLayers ${JSON.stringify(bad)} with "auto" and says so`, () => {
      const { settings, problems } = settingsFrom({ "llamaCpp.gpuLayers": bad });
      assert.equal(settings.llamaCpp.gpuLayers, "auto");
      assert.equal(problems.length, 1);
      assert.equal(problems[0].key, "llamaCpp.gpuLayers");
      assert.equal(problems[0].used, "auto");
      assert.match(problems[0].message, /hearth\.llamaCpp\.gpuLayers is .* Hearth is using "auto" instead\./);
      assert.ok(problems[0].message.includes(JSON.stringify(bad)), problems[0].message);
    });
  }

  it("replaces an unknown backend, a negative thread count and a non-boolean flag, naming each", () => {
    const { settings, problems } = settingsFrom({ backend: "gpt4all", "llamaCpp.threads": -1, "completion.enabled": "yes" });
    assert.equal(settings.backend, SETTING_DEFAULTS.backend);
    assert.equal(settings.llamaCpp.threads, 0);
    assert.equal(settings.completion.enabled, true);
    assert.deepEqual(
      problems.map((problem) => problem.key),
      ["backend", "llamaCpp.threads", "completion.enabled"],
    );
  });

  it("trims model names", () => {
    assert.equal(settingsFrom({ "models.chat": "  qwen2.5-coder:7b " }).settings.models.chat, "qwen2.5-coder:7b");
  });
});
