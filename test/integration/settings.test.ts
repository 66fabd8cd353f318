import * as assert from "node:assert/strict";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as vscode from "vscode";
import { SETTING_DEFAULTS } from "../../src/config/settings";
import type { BackendError } from "../../src/engine/backendError";
import { startFakeOpenAiServer } from "../support/fakeOpenAiServer";
import { eventually, hearth, replaceWindowFunction, setSettings } from "./helpers";

/** An Ollama stand-in on this machine's first address that is not loopback (so Hearth treats it as another machine), if it has one. */
async function ollamaOffLoopback(): Promise<{ url: string; requests: string[]; close(): Promise<void> } | undefined> {
  const address = Object.values(os.networkInterfaces()).flat().find((entry) => entry && entry.family === "IPv4" && !entry.internal)?.address;
  if (!address) return undefined;
  const requests: string[] = [];
  const server = http.createServer((request, response) => {
    requests.push(request.url ?? "");
    response.writeHead(200, { "Content-Type": "application/json" });
    response.end(JSON.stringify({ models: [{ name: "remote:latest", size: 1, details: {} }] }));
  });
  await new Promise<void>((resolve) => server.listen(0, address, resolve));
  return {
    url: `http://${address}:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Sets a value in the workspace's own settings (.vscode/settings.json); returns the undo. */
async function setWorkspaceSetting(key: string, value: unknown): Promise<() => Promise<void>> {
  await vscode.workspace.getConfiguration("hearth").update(key, value, vscode.ConfigurationTarget.Workspace);
  return () => Promise.resolve(vscode.workspace.getConfiguration("hearth").update(key, undefined, vscode.ConfigurationTarget.Workspace));
}

/** Answers Hearth's modal question about a server with the button at `index` (2 Allow, 3 Don't Allow); other warnings get no answer. */
function answerServerQuestion(index: 2 | 3) {
  return replaceWindowFunction("showWarningMessage", (...args: unknown[]) =>
    Promise.resolve((args[1] as { modal?: boolean } | undefined)?.modal ? args[index] : undefined),
  );
}

/** How many modal questions (Hearth's consent question) the replaced showWarningMessage was asked. */
function modalQuestions(question: ReturnType<typeof answerServerQuestion>): unknown[][] {
  return question.calls.filter((call) => (call[1] as { modal?: boolean } | undefined)?.modal);
}

type OffLoopbackServer = NonNullable<Awaited<ReturnType<typeof ollamaOffLoopback>>>;

/**
 * Runs `test` with Ollama off loopback chosen by this workspace's own settings (its address in the
 * user's), the consent question answered with button `answer`, and everything put back after.
 * False, with nothing run, on a machine with no address besides loopback.
 */
async function withServerTheWorkspaceChose(
  answer: 2 | 3,
  test: (setup: { server: OffLoopbackServer; question: ReturnType<typeof answerServerQuestion>; restoreWorkspace: () => Promise<void> }) => Promise<void>,
): Promise<boolean> {
  const server = await ollamaOffLoopback();
  if (!server) return false;
  const api = await hearth();
  const information = replaceWindowFunction("showInformationMessage", () => Promise.resolve(undefined));
  const question = answerServerQuestion(answer);
  const restoreUser = await setSettings({ "ollama.host": server.url, "models.chat": "" });
  const restoreWorkspace = await setWorkspaceSetting("backend", "ollama");
  try {
    await eventually(() => api.settings.current.backend === "ollama" && api.settings.current.ollama.host === server.url, "the workspace's backend");
    await test({ server, question, restoreWorkspace });
  } finally {
    question.restore();
    information.restore();
    await restoreWorkspace();
    await restoreUser();
    await server.close();
  }
  return true;
}

describe("settings", () => {
  it("VS Code knows every Hearth setting, with the default the code uses", () => {
    const configuration = vscode.workspace.getConfiguration("hearth");
    for (const [key, value] of Object.entries(SETTING_DEFAULTS)) {
      assert.deepEqual(configuration.inspect(key)?.defaultValue, value, `hearth.${key}`);
    }
  });

  it("applies a change at once, without a reload", async () => {
    const api = await hearth();
    const restore = await setSettings({ "llamaCpp.gpuLayers": 12, "llamaCpp.threads": 2, backend: "ollama" });
    try {
      await eventually(() => api.settings.current.llamaCpp.gpuLayers === 12, "gpuLayers 12");
      assert.equal(api.settings.current.llamaCpp.threads, 2);
      assert.equal(api.settings.current.backend, "ollama");
    } finally {
      await restore();
    }
    await eventually(() => api.settings.current.llamaCpp.gpuLayers === "auto", "gpuLayers back to auto");
  });

  it("says which value it used when settings.json holds an invalid gpuLayers", async () => {
    const api = await hearth();
    const warnings = replaceWindowFunction("showWarningMessage", () => Promise.resolve(undefined));
    // configuration.update writes the value as a hand edit of settings.json would: VS Code does not validate it.
    const restore = await setSettings({ "llamaCpp.gpuLayers": "lots" });
    try {
      const warning = await eventually(() => warnings.calls.find((call) => String(call[0]).includes("gpuLayers")), "a warning about gpuLayers");
      assert.equal(
        warning?.[0],
        'hearth.llamaCpp.gpuLayers is "lots", which is not "auto", "max" or a whole number of layers (0 or more). Hearth is using "auto" instead.',
      );
      assert.equal(api.settings.current.llamaCpp.gpuLayers, "auto");
    } finally {
      warnings.restore();
      await restore();
    }
  });

  describe("a server that the workspace's own settings choose", function () {
    this.timeout(30_000);
    afterEach(async () => {
      await vscode.commands.executeCommand("hearth.resetServerPermissions");
    });

    it("is asked about once, before anything is sent; refused, requests fail naming the setting and sending nothing", async function () {
      const api = await hearth();
      const ran = await withServerTheWorkspaceChose(3, async ({ server, question }) => {
        const error = (await api.engine.backend.listModels().then(() => undefined, (caught: unknown) => caught)) as BackendError | undefined;
        // The extension's bundle has its own BackendError class: checked by name, not instanceof.
        assert.equal(error?.name, "BackendError", String(error));
        assert.equal(error.code, "unauthorized");
        assert.equal(error.setting, "hearth.backend");
        assert.match(error.message, /this workspace's settings \(hearth\.backend\)/);
        assert.match(error.message, /Reset Server Permissions for This Workspace/);
        await assert.rejects(api.engine.backend.chat("remote", [{ role: "user", content: "my code" }]), /sent nothing/);
        const asked = modalQuestions(question);
        assert.equal(asked.length, 1, "asked once");
        assert.match(String(asked[0]?.[0]), new RegExp(server.url.replace(/[.]/g, "\\.")));
        assert.deepEqual(asked[0]?.slice(2), ["Allow", "Don't Allow"]);
        assert.deepEqual(server.requests, [], "the server received nothing");
      });
      if (!ran) this.skip(); // this machine has no address besides loopback
    });

    it("sends once allowed, remembering the answer; the user's own settings are never asked about", async function () {
      const api = await hearth();
      const ran = await withServerTheWorkspaceChose(2, async ({ server, question, restoreWorkspace }) => {
        assert.deepEqual((await api.engine.backend.listModels()).map((model) => model.name), ["remote:latest"]);
        assert.deepEqual((await api.engine.backend.listModels()).map((model) => model.name), ["remote:latest"]);
        assert.equal(modalQuestions(question).length, 1, "asked once, then remembered");
        assert.ok(server.requests.length >= 2);

        await restoreWorkspace();
        await vscode.commands.executeCommand("hearth.resetServerPermissions");
        const restoreBackend = await setSettings({ backend: "ollama" });
        try {
          await eventually(() => vscode.workspace.getConfiguration("hearth").inspect("backend")?.workspaceValue === undefined, "the workspace value gone");
          await api.engine.backend.listModels();
          assert.equal(modalQuestions(question).length, 1, "the user's own choice is not asked about");
        } finally {
          await restoreBackend();
        }
      });
      if (!ran) this.skip(); // this machine has no address besides loopback
    });
  });

  it("keeps an OpenAI-compatible server's API key for its origin, and says which one", async () => {
    const keyed = await startFakeOpenAiServer({ models: ["qwen"], apiKey: "sk-integration" });
    const other = await startFakeOpenAiServer({ models: ["qwen"] });
    const api = await hearth();
    const window = vscode.window as unknown as { showInputBox: (options: vscode.InputBoxOptions) => Thenable<string | undefined> };
    const originalInputBox = window.showInputBox;
    const titles: string[] = [];
    let typed = "sk-integration";
    window.showInputBox = (options) => {
      titles.push(options.title ?? "");
      return Promise.resolve(typed);
    };
    const information = replaceWindowFunction("showInformationMessage", () => Promise.resolve(undefined));
    const restore = await setSettings({ backend: "openai", "openai.baseUrl": `${keyed.url}/v1/`, "models.chat": "qwen" });
    try {
      await eventually(() => api.settings.current.openai.baseUrl === `${keyed.url}/v1/`, "the base URL");
      await vscode.commands.executeCommand("hearth.setOpenAiApiKey");
      assert.deepEqual(titles, [`API key for ${keyed.url}`]);
      assert.deepEqual(information.calls[0], [`Hearth will send this key to ${keyed.url} only.`]);
      await api.engine.backend.listModels();
      assert.equal(keyed.bodies.at(-1)?.authorization, "Bearer sk-integration");

      await vscode.workspace.getConfiguration("hearth").update("openai.baseUrl", `${other.url}/v1`, vscode.ConfigurationTarget.Global);
      await eventually(() => api.settings.current.openai.baseUrl === `${other.url}/v1`, "the other base URL");
      await api.engine.backend.listModels();
      assert.equal(other.bodies.at(-1)?.authorization, undefined, "the key stays with its origin");
    } finally {
      typed = "";
      await vscode.commands.executeCommand("hearth.setOpenAiApiKey", keyed.url);
      window.showInputBox = originalInputBox;
      information.restore();
      await restore();
      await keyed.close();
      await other.close();
    }
  });

  it("Switch Backend or Model… offers the usual servers at once, marks each answering or not, and a choice writes backend and address", async () => {
    // A GPT4All stand-in at its default port (4891), when that port is free here.
    const gpt4all = http.createServer((_request, response) => {
      response.writeHead(200, { "Content-Type": "application/json" });
      response.end(JSON.stringify({ object: "list", data: [{ id: "gpt4all-model" }] }));
    });
    const listening = await new Promise<boolean>((resolve) => {
      gpt4all.once("error", () => resolve(false));
      gpt4all.listen(4891, "127.0.0.1", () => resolve(true));
    });
    const window = vscode.window as unknown as { createQuickPick: () => vscode.QuickPick<vscode.QuickPickItem> };
    const originalCreate = window.createQuickPick;
    let picker: vscode.QuickPick<vscode.QuickPickItem> | undefined;
    window.createQuickPick = () => (picker = originalCreate.call(vscode.window));
    const restore = await setSettings({ backend: "llamaCpp", "openai.baseUrl": "" });
    try {
      const started = Date.now();
      const done = vscode.commands.executeCommand("hearth.switchBackendOrModel");
      const opened = (await eventually(() => (picker?.items.length ? picker : undefined), "the picker"))!;
      const description = (label: string) => opened.items.find((item) => item.label === label)?.description ?? "";
      assert.ok(Date.now() - started < 1000, "opens before the probes finish");
      for (const name of ["llama-server", "LM Studio", "GPT4All", "vLLM", "Ollama", "Hugging Face"]) assert.ok(description(name), `${name} is offered`);
      assert.match(description("llama-server"), /^http:\/\/127\.0\.0\.1:8080\/v1 · /);
      assert.match(description("Hugging Face"), /^https:\/\/router\.huggingface\.co\/v1 · not on this machine/);
      if (listening) await eventually(() => description("GPT4All").endsWith("· answering"), "GPT4All answering", 3000);
      await eventually(() => !opened.items.some((item) => item.description?.endsWith("checking…")), "every probe finished", 3000);
      console.log(`      ${opened.items.filter((item) => item.description).map((item) => `${item.label}: ${item.description}`).join("; ")}`);

      opened.activeItems = opened.items.filter((item) => item.label === "LM Studio");
      await new Promise((resolve) => setTimeout(resolve, 300)); // the workbench learns the active item asynchronously
      await vscode.commands.executeCommand("workbench.action.acceptSelectedQuickOpenItem");
      await done;
      const configuration = vscode.workspace.getConfiguration("hearth");
      assert.equal(configuration.inspect("backend")?.globalValue, "openai");
      assert.equal(configuration.inspect("openai.baseUrl")?.globalValue, "http://127.0.0.1:1234/v1");

      if (listening) {
        // A server that answers then offers its models (Select Model…, stood in for here).
        const selectModel = replaceWindowFunction("showQuickPick", () => Promise.resolve(undefined));
        try {
          picker = undefined;
          const again = vscode.commands.executeCommand("hearth.switchBackendOrModel");
          const reopened = (await eventually(() => (picker?.items.length ? picker : undefined), "the picker again"))!;
          await eventually(() => reopened.items.find((item) => item.label === "GPT4All")?.description?.endsWith("· answering"), "GPT4All answering", 3000);
          reopened.activeItems = reopened.items.filter((item) => item.label === "GPT4All");
          await new Promise((resolve) => setTimeout(resolve, 300));
          await vscode.commands.executeCommand("workbench.action.acceptSelectedQuickOpenItem");
          await again;
          assert.equal(vscode.workspace.getConfiguration("hearth").inspect("openai.baseUrl")?.globalValue, "http://127.0.0.1:4891/v1");
          assert.ok(selectModel.calls.length > 0, "Select Model… was offered");
        } finally {
          selectModel.restore();
        }
      }
    } finally {
      window.createQuickPick = originalCreate;
      picker?.hide();
      await restore();
      await new Promise<void>((resolve) => (listening ? gpt4all.close(() => resolve()) : resolve()));
    }
  });
});
