// Who is asked what before code goes to a server: only servers off this machine that the
// workspace's own settings chose; once per address, remembered, with concurrent requests
// sharing the one question.
import * as assert from "node:assert/strict";
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
