// Who is asked what before code goes to a server: only servers off this machine that the
// workspace's own settings chose; once per address, remembered, with concurrent requests
// sharing the one question.
import * as assert from "node:assert/strict";
import { withoutAsking, withServerApproval } from "../../src/engine/approvedBackend";
import type { Backend } from "../../src/engine/backend";
import type { ServerToApprove } from "../../src/engine/approvedBackend";
import { ServerPermissions, workspaceSettingsChoosing, type InspectedSetting, type ServerSettingKey } from "../../src/ui/serverPermissions";

type Scopes = Partial<Record<ServerSettingKey, InspectedSetting>>;
const defaults: Record<ServerSettingKey, unknown> = { backend: "llamaCpp", "ollama.host": "", "openai.baseUrl": "" };
const inspect = (scopes: Scopes) => (key: ServerSettingKey): InspectedSetting => ({ defaultValue: defaults[key], ...scopes[key] });

const remoteOllama: ServerToApprove = { backend: "ollama", address: "http://192.0.2.7:11434" };
const remoteOpenAi: ServerToApprove = { backend: "openai", address: "https://models.example.com" };

describe("workspace settings that choose a server", () => {
  it("names the workspace's backend setting when it switches to a server the user configured for another purpose", () => {
    const scopes: Scopes = { backend: { workspaceValue: "ollama" }, "ollama.host": { globalValue: "http://192.0.2.7:11434" } };
    assert.deepEqual(workspaceSettingsChoosing(remoteOllama, inspect(scopes)), ["hearth.backend"]);
  });

  it("names workspace-folder values and address settings too", () => {
    const scopes: Scopes = { backend: { globalValue: "openai", workspaceFolderValue: "openai" }, "openai.baseUrl": { workspaceValue: "https://models.example.com/v1" } };
    assert.deepEqual(workspaceSettingsChoosing(remoteOpenAi, inspect(scopes)), ["hearth.backend", "hearth.openai.baseUrl"]);
  });

  it("is empty when the user's own settings lead to the same server, whatever the workspace repeats", () => {
    const scopes: Scopes = { backend: { globalValue: "openai", workspaceValue: "openai" }, "openai.baseUrl": { globalValue: "https://models.example.com/v1/" } };
    assert.deepEqual(workspaceSettingsChoosing(remoteOpenAi, inspect(scopes)), []);
    const env: Scopes = { backend: { globalValue: "ollama" } };
    assert.deepEqual(workspaceSettingsChoosing(remoteOllama, inspect(env), "192.0.2.7"), [], "OLLAMA_HOST is the user's too");
  });

  it("is empty when no workspace value is involved", () => {
    assert.deepEqual(workspaceSettingsChoosing(remoteOllama, inspect({ backend: { globalValue: "llamaCpp" } })), []);
  });
});

describe("server permissions", () => {
  let memory: Record<string, boolean>;
  let questions: ServerToApprove[];
  let answer: boolean | undefined;
  let chosenBy: string[];
  const permissions = () =>
    new ServerPermissions({
      choosingSettings: () => chosenBy,
      ask: async (server) => {
        questions.push(server);
        await new Promise((resolve) => setTimeout(resolve, 10));
        return answer;
      },
      memory: { get: () => memory, set: (answers) => Promise.resolve(void (memory = answers)) },
    });

  beforeEach(() => {
    memory = {};
    questions = [];
    answer = true;
    chosenBy = ["hearth.backend"];
  });

  it("never asks about this machine (127.0.0.0/8, ::1, localhost) or about the user's own choice", async () => {
    const gate = permissions();
    for (const address of ["http://127.0.0.1:11434", "http://127.8.9.10:8080", "http://[::1]:8080", "http://localhost:1234"]) {
      assert.deepEqual(await gate.approve({ backend: "openai", address }), { allowed: true });
    }
    chosenBy = [];
    assert.deepEqual(await gate.approve(remoteOpenAi), { allowed: true });
    assert.deepEqual(questions, []);
  });

  it("asks once for requests made at the same time, and remembers the answer per address", async () => {
    const gate = permissions();
    const verdicts = await Promise.all([gate.approve(remoteOllama), gate.approve(remoteOllama), gate.approve(remoteOllama)]);
    assert.ok(verdicts.every((verdict) => verdict.allowed));
    assert.equal(questions.length, 1);
    assert.deepEqual(memory, { "http://192.0.2.7:11434": true });
    answer = false;
    assert.deepEqual(await gate.approve(remoteOpenAi), { allowed: false, settings: ["hearth.backend"] });
    assert.deepEqual(await permissions().approve(remoteOpenAi), { allowed: false, settings: ["hearth.backend"] }, "kept after a restart");
    assert.equal(questions.length, 2);
  });

  it("never asks for background work (a model listing): refused until the user answers on a real request, then allowed for it too", async () => {
    const gate = permissions();
    assert.deepEqual(await gate.approve(remoteOllama, { ask: false }), { allowed: false, settings: ["hearth.backend"] });
    assert.deepEqual(questions, [], "no dialog for a listing nobody asked for");
    assert.equal((await gate.approve(remoteOllama)).allowed, true, "the first real request asks (it was not taken as dismissed)");
    assert.equal(questions.length, 1);
    assert.equal((await gate.approve(remoteOllama, { ask: false })).allowed, true, "the answer holds for background work");
  });

  it("asks nothing when VS Code lists the models of a server the workspace chose, through the engine's gate", async () => {
    let asked = 0;
    const gated = withServerApproval(
      { kind: "ollama", listModels: () => Promise.resolve([{ name: "qwen" }]) } as unknown as Backend,
      () => remoteOllama,
      (_server, options) => (options.ask ? (asked++, Promise.resolve({ allowed: true })) : Promise.resolve({ allowed: false, settings: ["hearth.backend"] })),
    );
    await assert.rejects(withoutAsking(() => gated.listModels()), /sent nothing to http:\/\/192\.0\.2\.7:11434/);
    assert.equal(asked, 0);
    assert.deepEqual(await gated.listModels(), [{ name: "qwen" }], "a request the user makes is asked about");
    assert.equal(asked, 1);
  });

  it("refuses a dismissed question without asking on every request, until reset", async () => {
    const gate = permissions();
    answer = undefined;
    assert.equal((await gate.approve(remoteOllama)).allowed, false);
    assert.equal((await gate.approve(remoteOllama)).allowed, false);
    assert.equal(questions.length, 1);
    assert.deepEqual(memory, {}, "a dismissal is not stored");
    await gate.reset();
    answer = true;
    assert.equal((await gate.approve(remoteOllama)).allowed, true);
    assert.equal(questions.length, 2);
  });

  it("forgets stored answers on reset", async () => {
    memory = { [remoteOllama.address]: false };
    const gate = permissions();
    assert.equal((await gate.approve(remoteOllama)).allowed, false);
    assert.equal(await gate.reset(), 1);
    assert.equal((await gate.approve(remoteOllama)).allowed, true);
    assert.equal(questions.length, 1);
  });
});
