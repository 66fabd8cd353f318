// Hearth's models as VS Code's language-model API gives them to any extension (and to VS Code's
// own chat): listed under the vendor "hearth" with their context size, answering through the
// real llama.cpp worker, counting with the model's tokenizer, cancelled on request, and holding up
// under many callers at once (tool calls: languageModelsOllama.test.ts).
import * as assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as vscode from "vscode";
import { repositoryRoot, tinyFimModel, tinyModel } from "../support/fixtures";
import { eventually, hearth, setSettings } from "./helpers";
import { hearthModel, offeredIds, readAll } from "./languageModelHelpers";

const MODEL = "tiny-fim.gguf";
const CONTEXT_SIZE = 2048;
const MAX_ANSWER_TOKENS = 256;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

describe("language models (vscode.lm)", function () {
  this.timeout(120_000);
  let scratch: string;
  let restore: () => Promise<void>;

  before(async () => {
    const api = await hearth();
    scratch = await fs.mkdtemp(path.join(os.tmpdir(), "hearth-lm-"));
    await fs.copyFile(tinyFimModel, path.join(scratch, MODEL));
    restore = await setSettings({
      backend: "llamaCpp",
      modelsDirectory: scratch,
      "models.chat": MODEL,
      "llamaCpp.threads": 1,
      "llamaCpp.contextSize": CONTEXT_SIZE,
      "chat.maxAnswerTokens": MAX_ANSWER_TOKENS,
    });
    await eventually(() => api.modelsFolder.directory === scratch && api.settings.current.chat.maxAnswerTokens === MAX_ANSWER_TOKENS, "settings");
  });

  after(async () => {
    const api = await hearth();
    await api.engine.backend.unload();
    await restore();
    await fs.rm(scratch, { recursive: true, force: true });
  });

  it("offers the fixture model under the vendor hearth, with the context size the worker gives it", async () => {
    const api = await hearth();
    const model = await hearthModel(MODEL);
    assert.equal(model.vendor, "hearth");
    assert.equal(model.name, "tiny-fim");
    const window = await api.engine.backend.contextWindow!(MODEL);
    assert.equal(window, CONTEXT_SIZE - 1);
    // What is left of the context once an answer's room (a quarter, at most hearth.chat.maxAnswerTokens) is kept free.
    assert.equal(model.maxInputTokens, CONTEXT_SIZE - 1 - MAX_ANSWER_TOKENS);
  });

  it("streams an answer from the real llama.cpp worker", async () => {
    const api = await hearth();
    const model = await hearthModel(MODEL);
    const finished: number[] = [];
    const listening = api.engine.onDidFinishRequest((usage) => finished.push(usage.completionTokens));
    try {
      const response = await model.sendRequest([vscode.LanguageModelChatMessage.User("Write a haiku about the sea.")], { modelOptions: { maxTokens: 32 } });
      const { texts, text } = await readAll(response);
      assert.ok(text.length > 0, "an answer");
      assert.ok(texts.length > 1, `the answer came in pieces (${texts.length})`);
      await eventually(() => finished.length > 0, "the engine's usage for the request");
      assert.ok(finished[0] > 0 && finished[0] <= 32, `tokens generated within maxTokens (${finished[0]})`);
    } finally {
      listening.dispose();
    }
  });

  it("counts tokens with the model's own tokenizer", async () => {
    const api = await hearth();
    const model = await hearthModel(MODEL);
    const text = "function add(a: number, b: number): number { return a + b; } // 🙂";
    const [expected] = await api.engine.backend.countTokens!(MODEL, [text]);
    assert.equal(await model.countTokens(text), expected);
    assert.equal(await model.countTokens(vscode.LanguageModelChatMessage.User(text)), expected);
  });

  it("a request cancelled before the model has loaded ends at once, and the next one is answered", async () => {
    const api = await hearth();
    const model = await hearthModel(MODEL);
    await api.engine.backend.unload();
    const cancel = new vscode.CancellationTokenSource();
    try {
      const response = await model.sendRequest([vscode.LanguageModelChatMessage.User("Tell a story.")], { modelOptions: { maxTokens: 64 } }, cancel.token);
      cancel.cancel();
      const started = performance.now();
      const { text } = await readAll(response).catch((error: Error) => {
        assert.ok(error instanceof vscode.CancellationError || /cancel/i.test(error.message), `ended as cancelled, not ${error.message}`);
        return { text: "" };
      });
      assert.equal(text, "", "nothing was written after the cancel");
      assert.ok(performance.now() - started < 5_000, "the stream ended soon after the cancel");
    } finally {
      cancel.dispose();
    }
    const next = await readAll(await model.sendRequest([vscode.LanguageModelChatMessage.User("Hello")], { modelOptions: { maxTokens: 8 } }));
    assert.ok(next.text.length > 0, "the next request is answered");
  });

  it("answers a sidebar chat question and an API request at the same time", async () => {
    const api = await hearth();
    const model = await hearthModel(MODEL);
    const session = api.chatView.session;
    await session.newConversation();
    session.send("What does add() do?", []);
    const viaApi = model.sendRequest([vscode.LanguageModelChatMessage.User("Explain recursion.")], { modelOptions: { maxTokens: 24 } }).then(readAll);
    const [{ text }] = await Promise.all([viaApi, session.whenIdle()]);
    assert.ok(text.length > 0, "the API request was answered");
    const answer = session.current.messages.at(-1)!;
    assert.equal(answer.status, "complete", answer.error);
    assert.ok(answer.text.length > 0, "the sidebar question was answered");
    await session.newConversation();
  });

  it("answers a hundred requests sent at once (or refuses some clearly), and the worker stays up", async () => {
    const api = await hearth();
    const model = await hearthModel(MODEL);
    const trace = api.languageModelRequests;
    const receivedBefore = trace.received;
    const cancels = Array.from({ length: 100 }, () => new vscode.CancellationTokenSource());
    const outcomes: Array<{ ok: boolean; text: string } | undefined> = Array.from({ length: 100 }, () => undefined);
    const all = Promise.all(
      cancels.map((cancel, index) =>
        model.sendRequest([vscode.LanguageModelChatMessage.User(`Say ${index}.`)], { modelOptions: { maxTokens: 4 } }, cancel.token).then(
          async (response) => (outcomes[index] = { ok: true, text: (await readAll(response)).text }),
          (error: Error) => (outcomes[index] = { ok: false, text: error.message }),
        ),
      ),
    );
    try {
      // Hearth must end every request it is handed. VS Code numbers its requests with random ids
      // below 1e6 (Math.random() * 1e6 | 0, on both sides of its RPC) and keeps them in maps: with
      // a hundred in flight, two share an id about once in a hundred runs, and the first one's
      // stream is never ended by VS Code. So: once Hearth has ended all hundred, VS Code gets 10 s
      // to deliver; a stream still open after that is VS Code's, counted and cancelled.
      let waiting = true;
      const hearthEndedAll = (async () => {
        const deadline = performance.now() + 100_000;
        while (waiting && !(trace.received - receivedBefore >= 100 && trace.settled === trace.received)) {
          if (performance.now() > deadline) throw new Error(`Hearth's provider was handed ${trace.received - receivedBefore} of the hundred and has ${trace.received - trace.settled} still open`);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        const delivered = performance.now() + 10_000;
        while (waiting && performance.now() < delivered) await new Promise((resolve) => setTimeout(resolve, 50));
      })();
      hearthEndedAll.catch(() => undefined); // when every stream ended first, nobody waits for it
      await Promise.race([all, hearthEndedAll]).finally(() => (waiting = false));
      const lost = outcomes.filter((outcome) => outcome === undefined).length;
      if (lost > 0) console.log(`      VS Code lost ${lost} of the hundred responses after Hearth had ended them (request id collision)`);
      assert.ok(lost <= 2, `${lost} responses never reached the caller although Hearth ended every request`);
      const refused = outcomes.filter((outcome) => outcome && !outcome.ok);
      for (const refusal of refused) assert.match(refusal!.text, /Hearth is busy/);
      assert.ok(outcomes.filter((outcome) => outcome?.ok).length >= 50, `most were answered (${refused.length} refused)`);
    } finally {
      for (const cancel of cancels) {
        cancel.cancel();
        cancel.dispose();
      }
    }
    const after = await readAll(await model.sendRequest([vscode.LanguageModelChatMessage.User("Still there?")], { modelOptions: { maxTokens: 4 } }));
    assert.ok(after.text.length > 0, "the worker still answers");
  });

  it("lists a model file dropped into the folder, and drops it when it goes; a request for it meanwhile fails clearly", async () => {
    await hearthModel(MODEL);
    const extra = path.join(scratch, "tiny-extra.gguf");
    await fs.copyFile(tinyModel, extra);
    const added = await hearthModel("tiny-extra.gguf");
    await fs.rm(extra);
    // Sent before VS Code has heard the model is gone: the engine's answer reaches the caller.
    await assert.rejects(
      async () => readAll(await added.sendRequest([vscode.LanguageModelChatMessage.User("Hello")], { modelOptions: { maxTokens: 4 } })),
      (error: Error) => /tiny-extra\.gguf does not exist/.test(error.message) || assert.fail(`unclear error: ${error.message}`),
    );
    await eventually(async () => !(await offeredIds()).includes("tiny-extra.gguf"), "the removed model gone from the list");
    assert.deepEqual(await offeredIds(), [MODEL]);
  });

  it("measures the time to first token through vscode.lm against the engine's own", async () => {
    const api = await hearth();
    const model = await hearthModel(MODEL);
    const question = "Name a prime number.";
    const viaApi: number[] = [];
    const viaEngine: number[] = [];
    const inProvider: number[] = [];
    // Interleaved, after a warm-up of each, so the model is loaded and the KV cache treats both alike.
    for (let run = -1; run < 9; run++) {
      let started = performance.now();
      let first: number | undefined;
      await api.engine.backend.chat(MODEL, [{ role: "user", content: question }], { maxTokens: 8, onChunk: () => (first ??= performance.now()) });
      if (run >= 0 && first !== undefined) viaEngine.push(first - started);
      started = performance.now();
      first = undefined;
      const reportedBefore = api.languageModelRequests.firstPartMs.length;
      const response = await model.sendRequest([vscode.LanguageModelChatMessage.User(question)], { modelOptions: { maxTokens: 8 } });
      for await (const chunk of response.text) if (chunk) first ??= performance.now();
      if (run >= 0 && first !== undefined) viaApi.push(first - started);
      if (run >= 0 && api.languageModelRequests.firstPartMs.length > reportedBefore) inProvider.push(api.languageModelRequests.firstPartMs.at(-1)!);
    }
    assert.ok(viaApi.length >= 5 && viaEngine.length >= 5, "enough runs produced a token");
    assert.equal(inProvider.length, viaApi.length, "the provider reported its first piece on every run");
    const overhead = median(viaApi) - median(viaEngine);
    // The round trip alone (no streaming): a token count through vscode.lm against the engine's.
    const countViaApi: number[] = [];
    const countViaEngine: number[] = [];
    for (let run = 0; run < 9; run++) {
      let started = performance.now();
      await api.engine.backend.countTokens!(MODEL, [question]);
      countViaEngine.push(performance.now() - started);
      started = performance.now();
      await model.countTokens(question);
      countViaApi.push(performance.now() - started);
    }
    const results = process.env.HEARTH_METRICS_FILE ? path.dirname(process.env.HEARTH_METRICS_FILE) : path.join(repositoryRoot, "test-results");
    await fs.mkdir(results, { recursive: true });
    const figures = {
      lm_api_ttft_overhead_ms: Number(overhead.toFixed(2)),
      lm_api_ttft_median_ms: Number(median(viaApi).toFixed(2)),
      engine_ttft_median_ms: Number(median(viaEngine).toFixed(2)),
      lm_api_round_trip_overhead_ms: Number((median(countViaApi) - median(countViaEngine)).toFixed(2)),
      // Where the overhead goes: Hearth's provider (request to its first report, less the engine's own
      // time to first token) and VS Code (its first report to the caller's first piece; VS Code holds
      // each provider's pieces back until 30 ms pass without a new one).
      provider_share_ms: Number((median(inProvider) - median(viaEngine)).toFixed(2)),
      vscode_share_ms: Number((median(viaApi) - median(inProvider)).toFixed(2)),
      runs: viaApi.length,
    };
    await fs.writeFile(path.join(results, "lm-api.json"), JSON.stringify(figures, null, 2));
    console.log(
      `      lm_api_ttft_overhead_ms ${figures.lm_api_ttft_overhead_ms} (vscode.lm ${figures.lm_api_ttft_median_ms} ms, engine ${figures.engine_ttft_median_ms} ms, median of ${figures.runs}); ` +
        `a countTokens round trip adds ${figures.lm_api_round_trip_overhead_ms} ms; ` +
        `Hearth's provider ${figures.provider_share_ms} ms, VS Code ${figures.vscode_share_ms} ms`,
    );
  });
});
