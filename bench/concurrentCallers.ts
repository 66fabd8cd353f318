// Part of `npm run bench:engine`: one model with many callers, as when the Chat view, VS Code's
// chat and inline completions use it at once. Two conversations take turns (the first with a
// conversation id, as the Chat view sends; the second without, as VS Code's language-model API
// sends) while completions are requested every 150 ms on the same model. Each follow-up turn's
// prompt should come from its own sequence's KV cache; the baseline is the same run with one chat
// sequence, where the conversations push each other out.
import * as path from "node:path";
import type { ChatMessage, Generation } from "../src/engine/backend";
import { LlamaCppBackend } from "../src/engine/llamaCpp/llamaCppBackend";
import { LlamaWorkerClient } from "../src/engine/llamaCpp/llamaWorkerClient";
import type { LlamaRunSettings } from "../src/engine/llamaCpp/workerProtocol";
import { repositoryRoot } from "../test/support/fixtures";
import { median } from "./report";

const TURNS = 4;
const COMPLETION_EVERY_MS = 150;

export interface ConcurrentFigures {
  /** Prompt tokens of follow-up turns served from the cache ÷ their prompt tokens. */
  readonly reusedShare: number;
  readonly followUpPromptTokens: number;
  readonly completions: number;
  readonly completionMedianMs: number;
}

export async function measureConcurrentCallers(modelPath: string, run: LlamaRunSettings, sources: readonly [string, string]): Promise<ConcurrentFigures> {
  const client = new LlamaWorkerClient({ workerScript: path.join(repositoryRoot, "dist", "llamaWorker.js"), keepAliveMs: () => 600_000, log: () => undefined });
  const backend = new LlamaCppBackend(client, () => ({ modelsDirectory: path.dirname(modelPath), run, roles: { chat: modelPath, completion: modelPath } }));
  const name = path.basename(modelPath);
  try {
    await backend.load(name);
    // Completions keep coming while the conversations talk, as while someone types.
    let typing = true;
    const completionTimes: number[] = [];
    const completions = (async () => {
      for (let key = 0; typing; key++) {
        const started = performance.now();
        const prefix = `${sources[0].slice(0, 600)}\nexport function step${key}(value: number) {\n  return `;
        const result = await backend.infill(name, { prefix, suffix: "\n}\n" }, { maxTokens: 8, temperature: 0 });
        if (result.stopReason !== "cancelled") completionTimes.push(performance.now() - started);
        await new Promise((resolve) => setTimeout(resolve, COMPLETION_EVERY_MS));
      }
    })();
    const conversations: Array<{ id?: string; history: ChatMessage[] }> = [
      { id: "chat-view-1", history: [{ role: "user", content: `Explain this code:\n${sources[0]}` }] },
      { history: [{ role: "user", content: `What does this file do?\n${sources[1]}` }] },
    ];
    let reused = 0;
    let prompt = 0;
    for (let turn = 0; turn < TURNS; turn++) {
      for (const conversation of conversations) {
        const answer: Generation = await backend.chat(name, conversation.history, { maxTokens: 16, temperature: 0, ...(conversation.id ? { conversation: conversation.id } : {}) });
        if (turn > 0) {
          reused += answer.usage.reusedPromptTokens;
          prompt += answer.usage.promptTokens;
        }
        conversation.history.push({ role: "assistant", content: answer.text }, { role: "user", content: `Thanks. And what about part ${turn + 2}?` });
      }
    }
    typing = false;
    await completions;
    return { reusedShare: reused / prompt, followUpPromptTokens: prompt, completions: completionTimes.length, completionMedianMs: completionTimes.length ? median(completionTimes) : 0 };
  } finally {
    backend.dispose();
  }
}
