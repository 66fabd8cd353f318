// The prompt builder with a deterministic counter (one token per 4 characters, rounded up), and
// once with the tiny model's real tokenizer through node-llama-cpp.
import * as assert from "node:assert/strict";
import type { StoredContext, StoredMessage } from "../../src/chat/conversation";
import {
  buildPrompt,
  LEFT_OUT_NOTE,
  MESSAGE_OVERHEAD_TOKENS as PER_MESSAGE,
  PROMPT_OVERHEAD_TOKENS as PER_PROMPT,
  PromptTooLargeError,
  renderBlock,
  type BuildPromptInput,
} from "../../src/chat/promptBuilder";
import type { TokenCounter } from "../../src/chat/tokenCounting";
import { toChatHistory } from "../../src/engine/llamaCpp/workerGeneration";
import { tinyModel } from "../support/fixtures";
import { useModelInProcess } from "../support/modelInProcess";

const tokens = (text: string): number => Math.ceil(text.length / 4);

class FakeCounter implements TokenCounter {
  calls = 0;
  count(texts: readonly string[]): Promise<number[]> {
    this.calls++;
    return Promise.resolve(texts.map(tokens));
  }
}

let nextId = 0;
function user(text: string, context: StoredContext[] = []): StoredMessage {
  return { id: `m${nextId++}`, role: "user", text, status: "complete", createdAt: 0, ...(context.length ? { context } : {}) };
}
function assistant(text: string, status: StoredMessage["status"] = "complete"): StoredMessage {
  return { id: `m${nextId++}`, role: "assistant", text, status, createdAt: 0 };
}
function file(label: string, text: string, kind: StoredContext["kind"] = "file"): StoredContext {
  return { id: `c${nextId++}`, kind, label, language: "typescript", text };
}
/** `count` numbered lines of 40 characters each (10 tokens). */
function lines(count: number): string {
  return Array.from({ length: count }, (_, index) => `const line${String(index + 1).padStart(4, "0")} = ${"0".repeat(20)};\n`).join("");
}
const SYSTEM = "You are a test assistant.";

function build(messages: StoredMessage[], contextWindow: number, extra: Partial<BuildPromptInput> = {}) {
  return buildPrompt({ systemPrompt: SYSTEM, messages, contextWindow, reservedForAnswer: 0, counter: new FakeCounter(), ...extra });
}
/** What the built messages really cost with the fake counter, with the same template overhead. */
function cost(messages: ReadonlyArray<{ content: string }>): number {
  return PER_PROMPT + messages.reduce((sum, message) => sum + PER_MESSAGE + tokens(message.content), 0);
}

describe("prompt builder", () => {
  it("lays out attached code as fenced blocks before the question, then the answers", async () => {
    const selection = file("a.ts:3-4", "let a = 1;\nlet b = `x`;", "selection");
    const utils = file("utils.ts", "export const x = '```';\n");
    const counter = new FakeCounter();
    const built = await build([user("What is a?", [selection]), assistant("A number."), user("And utils?", [utils])], 4096, { counter });
    assert.deepEqual(built.messages, [
      { role: "system", content: SYSTEM },
      { role: "user", content: "Selected code from a.ts:3-4:\n```typescript\nlet a = 1;\nlet b = `x`;\n```\n\nWhat is a?" },
      { role: "assistant", content: "A number." },
      { role: "user", content: "File utils.ts:\n````typescript\nexport const x = '```';\n````\n\nAnd utils?" },
    ]);
    assert.equal(counter.calls, 1, "one count call for the whole prompt");
    assert.equal(built.leftOut, undefined);
    assert.equal(built.promptCharacters, built.messages.reduce((sum, message) => sum + message.content.length, 0));
    assert.ok(built.promptTokens >= cost(built.messages), "the count covers what is sent");
  });

  it("keeps partial answers, skips empty ones and keeps roles alternating", async () => {
    const built = await build(
      [assistant("Hello before any question."), user("One"), assistant("", "failed"), user("Two"), assistant("Half an ans", "stopped"), user("Three")],
      4096,
      { systemPrompt: "  " },
    );
    assert.deepEqual(built.messages, [
      { role: "user", content: "One\n\nTwo" },
      { role: "assistant", content: "Half an ans" },
      { role: "user", content: "Three" },
    ]);
  });

  it("skips a costly count when even one token per byte would fit, and counts once when it might not", async () => {
    const counter = Object.assign(new FakeCounter(), { roundTrip: true });
    const short = await build([user("What is a closure?")], 4096, { counter });
    assert.equal(counter.calls, 0, "no round trip for a prompt that surely fits");
    assert.equal(short.messages.at(-1)?.content, "What is a closure?");
    assert.ok(short.promptTokens >= cost(short.messages), "the figure is an upper bound");
    await build([user("Explain", [file("big.ts", lines(200))])], 4096, { counter });
    assert.equal(counter.calls, 1, "8 kB of code might not fit in 4,096 tokens: counted");
  });

  it("refuses a history that does not end with a question", async () => {
    await assert.rejects(build([user("One"), assistant("Answer")], 4096), /ends with the question/);
    await assert.rejects(build([], 4096), /ends with the question/);
  });

  describe("when the conversation does not fit", () => {
    // Earlier turns: 1 (with code), 2 (answer failed empty), 3 (with code); then the question with utils.ts.
    const code1 = file("old.ts", lines(100));
    const code3 = file("older.ts:1-100", lines(100), "selection");
    const utils = file("utils.ts", lines(300));
    const history = [
      user("First question ".repeat(10), [code1]),
      assistant("First answer ".repeat(20)),
      user("Second question ".repeat(10)),
      assistant("", "failed"),
      user("Third question ".repeat(10), [code3]),
      assistant("Third answer ".repeat(20)),
      user("What does utils.ts do?", [utils]),
    ];
    let full = 0;
    before(async () => {
      full = (await build(history, 100_000)).promptTokens;
    });
    const turnTokens = (index: number) => PER_MESSAGE + tokens(history[index].text);
    const note = tokens(LEFT_OUT_NOTE);

    it("(a) leaves out the code of earlier questions first, oldest first", async () => {
      const built = await build(history, full - 100);
      assert.equal(built.leftOut, "Left out to fit the model's " + (full - 100).toLocaleString("en-US") + "-token context: the code attached to an earlier question.");
      assert.equal(built.messages[1].content, `${LEFT_OUT_NOTE}\n\n${history[0].text}`);
      // The second question's answer was empty, so it shares a message with the third.
      assert.ok(built.messages[3].content.includes("\n\nSelected code from older.ts:1-100:"), "the later question keeps its code");
      const both = await build(history, full - 1500);
      assert.match(both.leftOut ?? "", /: the code attached to 2 earlier questions\.$/);
    });

    it("(b) then earlier turns, oldest first, counting the messages", async () => {
      const codeTokens = tokens(renderBlock(code1, code1.text)) + tokens(renderBlock(code3, code3.text)) - 2 * note;
      const firstTurn = turnTokens(0) + note + turnTokens(1);
      const built = await build(history, full - codeTokens - firstTurn - 1);
      assert.equal(
        built.leftOut,
        `Left out to fit the model's ${(full - codeTokens - firstTurn - 1).toLocaleString("en-US")}-token context: 3 earlier messages and the code attached to an earlier question.`,
      );
      assert.deepEqual(
        built.messages.map((message) => message.role),
        ["system", "user", "assistant", "user"],
      );
      assert.equal(built.messages[1].content, `${LEFT_OUT_NOTE}\n\n${history[4].text}`);
    });

    it("(c) then cuts the question's largest file at a line boundary, and says so", async () => {
      // Every earlier turn goes before the question's own files are touched.
      const kept = PER_PROMPT + PER_MESSAGE + tokens(SYSTEM) + turnTokens(6);
      const window = 4096;
      const reservedForAnswer = window - (kept + 1300); // room for about 120 of utils.ts's 300 lines
      const built = await build(history, window, { reservedForAnswer });
      assert.deepEqual(
        built.messages.map((message) => message.role),
        ["system", "user"],
      );
      const question = built.messages[1].content;
      const shown = 300 - Number(/\[… (\d+) more lines not shown\]/.exec(question)?.[1]);
      assert.ok(shown > 100 && shown < 130, `${shown} lines shown`);
      assert.ok(question.includes(`const line${String(shown).padStart(4, "0")}`) && !question.includes(`const line${String(shown + 1).padStart(4, "0")}`));
      assert.ok(question.endsWith(`;\n\`\`\`\n[… ${300 - shown} more lines not shown]\n\nWhat does utils.ts do?`), question.slice(-120));
      assert.equal(built.leftOut, `Left out to fit the model's 4,096-token context: 5 earlier messages and most of utils.ts (shown up to line ${shown}).`);
      assert.ok(built.promptTokens <= window - reservedForAnswer && cost(built.messages) <= built.promptTokens);
    });

    it("(c) drops files largest first but never the selection; (d) refuses what cannot fit", async () => {
      const big = file("big.ts", lines(200));
      const small = file("small.ts", lines(50));
      const selection = file("sel.ts:1-30", lines(30), "selection");
      const question = user("Compare them.", [small, selection, big]);
      const needed = PER_PROMPT + PER_MESSAGE + tokens(SYSTEM) + PER_MESSAGE + tokens("Compare them.") + tokens(renderBlock(selection, selection.text)) + note;
      const built = await build([question], needed + 400);
      assert.match(built.leftOut ?? "", /: the attached file big\.ts and the end of small\.ts \(shown up to line \d+\)\.$/);
      assert.ok(built.messages[1].content.includes("Selected code from sel.ts:1-30:"));
      assert.ok(built.messages[1].content.includes(LEFT_OUT_NOTE));
      assert.ok(!built.messages[1].content.includes("File big.ts"));

      const onlySelection = await build([question], needed);
      assert.equal(onlySelection.leftOut, `Left out to fit the model's ${needed.toLocaleString("en-US")}-token context: the attached files big.ts and small.ts.`);
      assert.equal(onlySelection.promptTokens, needed);

      const error = await build([question], 4096, { reservedForAnswer: 4096 - needed + 1 }).then(
        () => assert.fail("expected PromptTooLargeError"),
        (thrown: unknown) => thrown,
      );
      assert.ok(error instanceof PromptTooLargeError);
      assert.equal(error.neededTokens, needed);
      assert.equal(error.contextWindow, 4096);
      assert.match(error.message, new RegExp(`needs about ${needed} tokens, but the model's 4,096-token context has room for ${needed - 1} once`));
      assert.match(error.message, /even with its attached files left out.*Shorten the question or the selected code.*hearth\.llamaCpp\.contextSize/);
    });

    it("never cuts the system prompt or the question", async () => {
      const long = user("Why? ".repeat(2000));
      await assert.rejects(build([long], 2048), PromptTooLargeError);
      await assert.rejects(build([long], 100_000, { systemPrompt: "Be brief. ".repeat(40_000) }), PromptTooLargeError);
    });
  });

  it("builds a 50-turn conversation with 5 files in a few milliseconds", async () => {
    const history: StoredMessage[] = [];
    for (let turn = 0; turn < 50; turn++) history.push(user(`Question ${turn} `.repeat(20), [file(`f${turn}.ts`, lines(40))]), assistant(`Answer ${turn} `.repeat(60)));
    history.push(user("And now?", [1, 2, 3, 4, 5].map((index) => file(`now${index}.ts`, lines(200)))));
    await build(history, 8192); // warm up
    const started = performance.now();
    const built = await build(history, 8192, { reservedForAnswer: 1024 });
    const elapsed = performance.now() - started;
    assert.ok(built.leftOut, "this much does not fit in 8k");
    assert.ok(elapsed < 25, `${elapsed.toFixed(1)} ms`);
  });

  describe("with the tiny model's real tokenizer", function () {
    this.timeout(60_000);
    const inProcess = useModelInProcess(tinyModel);
    const model = () => inProcess.model;

    it("keeps the whole templated prompt within the window", async () => {
      let calls = 0;
      const counter: TokenCounter = {
        count: (texts) => {
          calls++;
          return Promise.resolve(texts.map((text) => model().tokenize(text).length));
        },
      };
      const source = lines(120).replace(/0{20}/g, "fetch(`/api/${id}`).then((r) => r.json())");
      const history = [
        user("Explain this module.", [file("api.ts", source)]),
        assistant("It fetches things. ".repeat(40)),
        user("What about errors? ".repeat(5), [file("errors.ts", source), file("api.ts:1-10", source.split("\n").slice(0, 10).join("\n"), "selection")]),
      ];
      for (const [contextWindow, reservedForAnswer] of [
        [1024, 256],
        [2048, 256],
      ]) {
        const built = await buildPrompt({ systemPrompt: SYSTEM, messages: history, contextWindow, reservedForAnswer, counter });
        assert.match(built.leftOut ?? "", /earlier messages and most of errors\.ts/);
        // The prompt as the llama.cpp worker lays it out with the model's own template (GeneralChatWrapper),
        // then the answer's opening. Not ChatML: this model has no <|im_start|> token, so each marker
        // would be spelled out in ~8 tokens, which no real ChatML model does.
        const chatHistory = toChatHistory(built.messages);
        const wrapper = inProcess.library.resolveChatWrapper(model());
        const real = wrapper.generateContextState({ chatHistory }).contextText.tokenize(model().tokenizer).length;
        assert.ok(real <= contextWindow - reservedForAnswer, `${contextWindow}: ${real} tokens`);
        assert.ok(real <= built.promptTokens, `${contextWindow}: counted ${built.promptTokens}, really ${real}`);
        assert.ok(real > built.promptTokens * 0.8, `${contextWindow}: counted ${built.promptTokens}, really ${real}: too cautious`);
      }
      assert.equal(calls, 2, "one count call per prompt");
    });
  });
});
