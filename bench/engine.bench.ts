// `npm run bench:engine [-- --json FILE]`: what running llama.cpp in a worker process costs,
// measured against node-llama-cpp called directly in this process, with the same model,
// settings and prompts, interleaved in one run (these machines are noisy: compare ratios).
//   tokens_per_s_ratio   worker ÷ direct generation speed, the median of each round's ratio,
//                        the two taking turns going first           (target ≥ 0.95)
//   ttft_overhead_ms     median extra time to first token via IPC  (target ≤ 5)
//   reused_prompt_share  share of a second prompt, extending the first, served from the KV cache (target ≥ 0.95)
//   concurrent_reused_prompt_share  the same for two conversations taking turns while completions
//                        run on the same model (target ≥ 0.9; baseline: one chat sequence)
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import type * as NodeLlamaCpp from "node-llama-cpp" with { "resolution-mode": "import" };
import type { ChatMessage } from "../src/engine/backend";
import { LlamaCppBackend } from "../src/engine/llamaCpp/llamaCppBackend";
import { LlamaWorkerClient } from "../src/engine/llamaCpp/llamaWorkerClient";
import type { LlamaRunSettings } from "../src/engine/llamaCpp/workerProtocol";
import { repositoryRoot, tinyFimModel } from "../test/support/fixtures";
import { measureConcurrentCallers } from "./concurrentCallers";
import { median, printTable, writeFigures } from "./report";

const ROUNDS = 11;
const MAX_TOKENS = 256;
const run: LlamaRunSettings = { gpuLayers: 0, contextSize: 4096, parallelConversations: 2, threads: 1, batchSize: 0, flashAttention: "auto", chatFormat: "auto" };

interface Sample {
  readonly ttftMs: number;
  readonly tokensPerSecond: number;
  readonly tokens: number;
}


async function main(): Promise<void> {
  const { values } = parseArgs({ options: { json: { type: "string" } } });
  const code = await fs.readFile(path.join(repositoryRoot, "src", "config", "settings.ts"), "utf8");
  const prompt = (round: number): ChatMessage[] => [{ role: "user", content: `Round ${round}. Explain this code:\n${code.slice(0, 1200)}` }];

  // Direct: node-llama-cpp in this process.
  const lib: typeof NodeLlamaCpp = await import("node-llama-cpp");
  const llama = await lib.getLlama({ gpu: false, build: "never", maxThreads: run.threads, logLevel: lib.LlamaLogLevel.error });
  const model = await llama.loadModel({ modelPath: tinyFimModel, gpuLayers: 0 });
  const context = await model.createContext({ contextSize: run.contextSize, sequences: 2, threads: run.threads, flashAttention: "auto" });
  const sequence = context.getSequence();
  const direct = async (messages: ChatMessage[]): Promise<Sample> => {
    const chat = new lib.LlamaChat({ contextSequence: sequence });
    const history: NodeLlamaCpp.ChatHistoryItem[] = [...messages.map((m) => ({ type: "user" as const, text: m.content })), { type: "model", response: [] }];
    const started = performance.now();
    let first = 0;
    const meter = sequence.tokenMeter.getState();
    await chat.generateResponse(history, { maxTokens: MAX_TOKENS, temperature: 0, onTextChunk: () => (first ||= performance.now()) });
    const ended = performance.now();
    chat.dispose();
    const tokens = sequence.tokenMeter.diff(meter).usedOutputTokens;
    return { ttftMs: first - started, tokensPerSecond: (tokens - 1) / ((ended - first) / 1000), tokens };
  };

  // Through the worker process, as Hearth runs it.
  const client = new LlamaWorkerClient({
    workerScript: path.join(repositoryRoot, "dist", "llamaWorker.js"),
    keepAliveMs: () => 600_000,
    log: () => undefined,
  });
  const backend = new LlamaCppBackend(client, () => ({ modelsDirectory: path.dirname(tinyFimModel), run }));
  await backend.load(path.basename(tinyFimModel));
  const viaWorker = async (messages: ChatMessage[]): Promise<Sample> => {
    const started = performance.now();
    let first = 0;
    let last = 0;
    const answer = await backend.chat(path.basename(tinyFimModel), messages, {
      maxTokens: MAX_TOKENS,
      temperature: 0,
      onChunk: () => ((first ||= performance.now()), (last = performance.now())),
    });
    return { ttftMs: first - started, tokensPerSecond: (answer.usage.completionTokens - 1) / ((last - first) / 1000), tokens: answer.usage.completionTokens };
  };

  // Warm both up once, then interleave so drift in machine load hits both alike, each going first
  // every other round (the first of a pair may find the CPU in another state than the second).
  await direct(prompt(-1));
  await viaWorker(prompt(-1));
  const directSamples: Sample[] = [];
  const workerSamples: Sample[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    if (round % 2 === 0) {
      directSamples.push(await direct(prompt(round)));
      workerSamples.push(await viaWorker(prompt(round)));
    } else {
      workerSamples.push(await viaWorker(prompt(round)));
      directSamples.push(await direct(prompt(round)));
    }
  }

  // KV reuse: a second prompt that extends the first (the first prompt, a reply, a follow-up), with
  // a whole source file as the code in context, as a question about a file has.
  const name = path.basename(tinyFimModel);
  const turn1: ChatMessage[] = [{ role: "user", content: `Explain this code:\n${code}` }];
  await backend.chat(name, turn1, { maxTokens: 1, temperature: 0 });
  const second = await backend.chat(name, [...turn1, { role: "assistant", content: "It reads settings." }, { role: "user", content: "And then?" }], { maxTokens: 1, temperature: 0 });
  // For information: the next turn after a generated answer. This random-weight model's output often
  // does not re-tokenize to the tokens it generated, so the answer's part of the cache is lost.
  const turn1b = prompt(101);
  const answer = await backend.chat(name, turn1b, { maxTokens: 16, temperature: 0 });
  const afterAnswer = await backend.chat(name, [...turn1b, { role: "assistant", content: answer.text }, { role: "user", content: "And then?" }], { maxTokens: 1, temperature: 0 });

  backend.dispose();
  await model.dispose();
  await llama.dispose();

  // Many callers: the pool of chat sequences, against one sequence in the same run.
  const other = await fs.readFile(path.join(repositoryRoot, "src", "engine", "llamaCpp", "sequencePool.ts"), "utf8");
  const sources: [string, string] = [code.slice(0, 2400), other.slice(0, 2400)];
  const pooled = await measureConcurrentCallers(tinyFimModel, run, sources);
  const single = await measureConcurrentCallers(tinyFimModel, { ...run, parallelConversations: 1 }, sources);

  const directTps = median(directSamples.map((s) => s.tokensPerSecond));
  const workerTps = median(workerSamples.map((s) => s.tokensPerSecond));
  const directTtft = median(directSamples.map((s) => s.ttftMs));
  const workerTtft = median(workerSamples.map((s) => s.ttftMs));
  const figures = {
    // Paired by round: a round where the whole machine ran slow counts once, not against one side.
    tokens_per_s_ratio: median(workerSamples.map((s, index) => s.tokensPerSecond / directSamples[index].tokensPerSecond)),
    ttft_overhead_ms: median(workerSamples.map((s, index) => s.ttftMs - directSamples[index].ttftMs)),
    reused_prompt_share: second.usage.reusedPromptTokens / second.usage.promptTokens,
    concurrent_reused_prompt_share: pooled.reusedShare,
  };

  const rows = [
    ["figure", "direct", "worker", "result", "target"],
    ["tokens/s (median)", directTps.toFixed(0), workerTps.toFixed(0), `ratio ${figures.tokens_per_s_ratio.toFixed(3)}`, "≥ 0.95"],
    ["time to first token, ms", directTtft.toFixed(1), workerTtft.toFixed(1), `+${figures.ttft_overhead_ms.toFixed(1)} ms`, "≤ 5"],
    ["tokens per answer", String(median(directSamples.map((s) => s.tokens))), String(median(workerSamples.map((s) => s.tokens))), "", ""],
    ["prompt reused from cache", "", `${second.usage.reusedPromptTokens}/${second.usage.promptTokens}`, `share ${figures.reused_prompt_share.toFixed(3)}`, "≥ 0.95"],
    ["  (next turn after a generated answer)", "", `${afterAnswer.usage.reusedPromptTokens}/${afterAnswer.usage.promptTokens}`, `share ${(afterAnswer.usage.reusedPromptTokens / afterAnswer.usage.promptTokens).toFixed(3)}`, "info"],
    ["", "1 sequence", `${run.parallelConversations} sequences`, "", ""],
    ["2 conversations + completions: follow-ups from cache", single.reusedShare.toFixed(3), pooled.reusedShare.toFixed(3), `share ${pooled.reusedShare.toFixed(3)}`, "≥ 0.9"],
    ["  completions during them (median ms, count)", `${single.completionMedianMs.toFixed(0)} (${single.completions})`, `${pooled.completionMedianMs.toFixed(0)} (${pooled.completions})`, "", "info"],
  ];
  printTable(`Engine benchmark: ${path.basename(tinyFimModel)}, ${run.threads} thread, ${ROUNDS} interleaved rounds of ${MAX_TOKENS} tokens`, rows);
  await writeFigures(values.json, figures);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
