// The tiny fixture models that later tests build on: both load in node-llama-cpp, chat works on
// both, and the derived one supports fill-in-the-middle. Real inference, one thread (on these
// 2-core machines node-llama-cpp's default of 4 threads is many times slower).
import { gguf } from "@huggingface/gguf";
import * as assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import type * as NodeLlamaCpp from "node-llama-cpp" with { "resolution-mode": "import" };
import { buildFimModel, CHATML_TEMPLATE, FIM_TOKEN_IDS } from "../support/buildFimModel";
import { tinyFimModel, tinyModel } from "../support/fixtures";

describe("test models", function () {
  this.timeout(60_000);
  let nodeLlamaCpp: typeof NodeLlamaCpp;
  let llama: NodeLlamaCpp.Llama;

  before(async () => {
    nodeLlamaCpp = await import("node-llama-cpp");
    llama = await nodeLlamaCpp.getLlama({ gpu: false, build: "never", maxThreads: 1, logLevel: nodeLlamaCpp.LlamaLogLevel.error });
  });
  after(() => llama?.dispose());

  it("the committed FIM model is exactly what the fixture builder makes from the tiny model", async () => {
    const built = await buildFimModel(tinyModel);
    assert.ok(built.equals(await fs.readFile(tinyFimModel)), "run `npm run fixtures` and commit the result");
  });

  it("the FIM model has FIM and end-of-turn tokens and a chat template; the tiny model has neither", async () => {
    const fim = (await gguf(tinyFimModel, { allowLocalFile: true })).metadata as Record<string, unknown>;
    assert.equal(fim["tokenizer.ggml.fim_pre_token_id"], FIM_TOKEN_IDS.prefix);
    assert.equal(fim["tokenizer.ggml.fim_suf_token_id"], FIM_TOKEN_IDS.suffix);
    assert.equal(fim["tokenizer.ggml.fim_mid_token_id"], FIM_TOKEN_IDS.middle);
    assert.equal(fim["tokenizer.chat_template"], CHATML_TEMPLATE);
    const base = (await gguf(tinyModel, { allowLocalFile: true })).metadata as Record<string, unknown>;
    assert.equal(base["tokenizer.ggml.fim_pre_token_id"], undefined);
    assert.equal(base["tokenizer.chat_template"], undefined);
  });

  for (const [name, modelPath, wrapper] of [
    ["tiny", tinyModel, "GeneralChatWrapper"],
    ["tiny FIM", tinyFimModel, "ChatMLChatWrapper"],
  ] as const) {
    it(`node-llama-cpp loads the ${name} model and chats with it through ${wrapper}`, async () => {
      const model = await llama.loadModel({ modelPath, gpuLayers: 0 });
      try {
        assert.equal(model.gpuLayers, 0);
        const context = await model.createContext({ contextSize: 512, threads: 1 });
        const session = new nodeLlamaCpp.LlamaChatSession({ contextSequence: context.getSequence() });
        assert.equal(session.chatWrapper.constructor.name, wrapper);
        const chunks: string[] = [];
        const answer = await session.prompt("Write a haiku about a hearth.", {
          maxTokens: 12,
          onTextChunk: (chunk) => chunks.push(chunk),
        });
        assert.ok(answer.length > 0, "the model answered");
        assert.equal(chunks.join(""), answer, "the answer streamed in chunks");
        const history = session.getChatHistory();
        assert.deepEqual(history.slice(-2).map((item) => item.type), ["user", "model"], "the turn is in the history");
      } finally {
        await model.dispose();
      }
    });
  }

  it("fills in the middle with the FIM model, and the tiny model says it cannot", async () => {
    const fimModel = await llama.loadModel({ modelPath: tinyFimModel, gpuLayers: 0 });
    const baseModel = await llama.loadModel({ modelPath: tinyModel, gpuLayers: 0 });
    try {
      const fimCompletion = new nodeLlamaCpp.LlamaCompletion({
        contextSequence: (await fimModel.createContext({ contextSize: 512, threads: 1 })).getSequence(),
      });
      assert.equal(fimCompletion.infillSupported, true);
      const middle = await fimCompletion.generateInfillCompletion("function add(a, b) {\n  return ", ";\n}\n", { maxTokens: 8 });
      assert.equal(typeof middle, "string");
      assert.ok(middle.length > 0, "the model produced a middle");

      const baseCompletion = new nodeLlamaCpp.LlamaCompletion({
        contextSequence: (await baseModel.createContext({ contextSize: 512, threads: 1 })).getSequence(),
      });
      assert.equal(baseCompletion.infillSupported, false);
      await assert.rejects(baseCompletion.generateInfillCompletion("a", "b"), /Infill completions are not supported by this model/);
    } finally {
      await fimModel.dispose();
      await baseModel.dispose();
    }
  });
});
