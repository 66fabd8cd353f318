// `npm run bench:chat [-- --json FILE]`: what the sidebar chat adds on top of the engine, measured
// in one run against the engine alone (these machines are noisy: compare within the run).
//   ttft_overhead_ms          median extra time to the first *rendered* token over the whole path
//                             (webview → host → worker → webview) vs the engine alone   (target ≤ 15)
//   render_p95_ms             p95 of the webview's work per streamed update (message handling and
//                             layout) while a 4,000-token answer with 20 code blocks streams in (≤ 8)
//   stream_tokens_per_s_ratio tokens/s as the webview receives them ÷ the engine's own (≥ 0.95)
// and, to say where the overhead goes: ttft_overhead_host_ms (the same less the harness's two
// bridge crossings, timed on the host), ttft_hearth_host_code_ms (Hearth's host code before the
// engine is called and after its first piece), and the worker's own first-token time for the
// view's request against the engine-alone one (the rest: the worker runs slower while the page
// and the host work beside it on two cores).
// The webview is the real bundle (dist/webview) with its real CSP in Chromium; the host is the real
// ChatSession, store and llama.cpp worker. Playwright's bridge stands in for VS Code's postMessage.
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { ChatSession } from "../src/chat/chatSession";
import { chatViewHtml } from "../src/chat/chatViewHtml";
import { ConversationStore } from "../src/chat/conversationStore";
import type { Backend, ChatMessage } from "../src/engine/backend";
import { LlamaCppBackend } from "../src/engine/llamaCpp/llamaCppBackend";
import { LlamaWorkerClient } from "../src/engine/llamaCpp/llamaWorkerClient";
import type { LlamaRunSettings } from "../src/engine/llamaCpp/workerProtocol";
import type { HostToWebview, WebviewToHost } from "../src/shared/chatProtocol";
import { launchBrowser } from "../test/support/browser";
import { repositoryRoot, tinyFimModel } from "../test/support/fixtures";
import { median, percentile, printTable, writeFigures } from "./report";
import { longAnswer, splitIntoTokens } from "./longAnswer";

const ROUNDS = 21;
const MAX_TOKENS = 256;
const ORIGIN = "https://webview.hearth.test";
const run: LlamaRunSettings = { gpuLayers: 0, contextSize: 4096, parallelConversations: 2, threads: 1, batchSize: 0, flashAttention: "auto", chatFormat: "auto" };

interface PageMarks {
  sentAt: number;
  firstChunkAt: number;
  lastChunkAt: number;
  ended: boolean;
}

declare global {
  interface Window {
    hostReceive(message: WebviewToHost): void;
    benchMarks: PageMarks;
  }
}


async function main(): Promise<void> {
  const { values } = parseArgs({ options: { json: { type: "string" } } });
  const modelName = path.basename(tinyFimModel);
  const scratch = await fs.mkdtemp(path.join(os.tmpdir(), "hearth-bench-chat-"));
  const client = new LlamaWorkerClient({ workerScript: path.join(repositoryRoot, "dist", "llamaWorker.js"), keepAliveMs: () => 600_000, log: () => undefined });
  const backend = new LlamaCppBackend(client, () => ({ modelsDirectory: path.dirname(tinyFimModel), run }));
  await backend.load(modelName);

  // The session's backend records the messages it sends, so the engine alone gets the same prompts,
  // and when (host clock) the session called the engine and got its first piece.
  let lastPrompt: readonly ChatMessage[] = [];
  const host = { receivedAt: 0, chatCalledAt: 0, firstPieceAt: 0, firstPostAt: 0 };
  const recording = new Proxy(backend, {
    get(target, property) {
      if (property === "chat") {
        return (...[model, messages, options, signal]: Parameters<Backend["chat"]>) => {
          lastPrompt = messages;
          host.chatCalledAt = performance.now();
          const onChunk = options?.onChunk;
          return target.chat(model, messages, { ...options, onChunk: (text) => ((host.firstPieceAt ||= performance.now()), onChunk?.(text)) }, signal);
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });

  const browser = await launchBrowser();
  const page = await browser.newPage({ viewport: { width: 420, height: 900 } });
  const post = (message: HostToWebview) => {
    if (message.type === "answerChunk") host.firstPostAt ||= performance.now();
    void page.evaluate((data) => window.postMessage(data, "*"), message);
  };
  const session = new ChatSession({
    store: new ConversationStore(path.join(scratch, "conversations"), () => undefined),
    backend: () => recording,
    chatModel: () => ({ model: modelName, label: modelName, backendLabel: "llama.cpp" }),
    systemPrompt: () => "You are a helpful coding assistant.",
    maxAnswerTokens: () => MAX_TOKENS,
    post,
    log: () => undefined,
  });
  await page.exposeFunction("benchPing", () => 0);
  await page.exposeFunction("hostReceive", (message: WebviewToHost) => {
    if (message.type === "send") {
      host.receivedAt = performance.now();
      session.send(message.text, []);
    }
  });
  await page.addInitScript(() => {
    window.benchMarks = { sentAt: 0, firstChunkAt: 0, lastChunkAt: 0, ended: false };
    (window as unknown as { acquireVsCodeApi: () => unknown }).acquireVsCodeApi = () => ({
      postMessage: (message: WebviewToHost) => {
        if (message.type === "send") window.benchMarks.sentAt = performance.now();
        window.hostReceive(message);
      },
      getState: () => undefined,
      setState: () => undefined,
    });
  });
  const distWebview = path.join(repositoryRoot, "dist", "webview");
  await page.route(`${ORIGIN}/**`, async (route) => {
    const url = new URL(route.request().url());
    if (url.pathname === "/index.html") {
      const html = chatViewHtml({ cspSource: ORIGIN, scriptUri: `${ORIGIN}/chat.js`, styleUri: `${ORIGIN}/chat.css`, nonce: "YmVuY2gtbm9uY2U=" });
      return route.fulfill({ contentType: "text/html", body: html });
    }
    const file = path.join(distWebview, path.basename(url.pathname));
    return route.fulfill({ contentType: file.endsWith(".css") ? "text/css" : "text/javascript", body: await fs.readFile(file) });
  });
  await page.goto(`${ORIGIN}/index.html`);
  // Registered after the webview's own listener, so it runs once the webview has rendered the message.
  await page.evaluate(() =>
    window.addEventListener("message", (event: MessageEvent<HostToWebview>) => {
      const marks = window.benchMarks;
      if (event.data.type === "answerChunk") {
        marks.firstChunkAt ||= performance.now();
        marks.lastChunkAt = performance.now();
      } else if (event.data.type === "messageUpdated" && event.data.message.status !== "streaming") marks.ended = true;
    }),
  );
  post({ type: "status", status: { backend: "llama.cpp (on this machine)", model: modelName, details: [] } });

  const code = (await fs.readFile(path.join(repositoryRoot, "src", "config", "settings.ts"), "utf8")).slice(0, 1200);
  const question = (round: number, variant: string) => `Question ${round}${variant}. What does this code do?\n\n${code}`;
  const viaView: Array<{ ttftMs: number; hostMs: number; hearthHostMs: number; workerTtftMs: number; receivedTokensPerSecond: number; engineTokensPerSecond: number }> = [];
  const alone: Array<{ ttftMs: number; workerTtftMs: number }> = [];
  for (let round = -1; round < ROUNDS; round++) {
    await session.newConversation();
    await page.evaluate(() => (window.benchMarks = { sentAt: 0, firstChunkAt: 0, lastChunkAt: 0, ended: false }));
    Object.assign(host, { receivedAt: 0, chatCalledAt: 0, firstPieceAt: 0, firstPostAt: 0 });
    await page.fill("#question", question(round, "a"));
    await page.press("#question", "Enter");
    // Waiting in Node, not by polling the page every frame (which would load the CPU the model runs on).
    while (!session.answering) await new Promise((resolve) => setTimeout(resolve, 5));
    await session.whenIdle();
    await page.waitForFunction(() => window.benchMarks.ended, undefined, { timeout: 60_000 });
    const marks = await page.evaluate(() => window.benchMarks);
    const usage = session.current.messages.at(-1)?.usage;
    if (!usage || usage.completionTokens < 2) throw new Error(`The answer of round ${round} has no usage: ${JSON.stringify(session.current.messages.at(-1))}`);

    // The engine alone, with the prompt the session built (its question varied, so the cache helps both alike).
    const prompt = lastPrompt.map((message, index) => (index === lastPrompt.length - 1 ? { ...message, content: question(round, "b") } : message));
    const started = performance.now();
    let first = 0;
    const engineAlone = await backend.chat(modelName, prompt, { maxTokens: MAX_TOKENS, onChunk: () => (first ||= performance.now()) });
    if (round < 0) continue; // warm-up
    alone.push({ ttftMs: first - started, workerTtftMs: engineAlone.usage.timeToFirstTokenMs });
    viaView.push({
      ttftMs: marks.firstChunkAt - marks.sentAt,
      // The host's part: from the view's message arriving to the first piece posted back.
      hostMs: host.firstPostAt - host.receivedAt,
      // Of that, Hearth's own code: before the engine is called, and from its first piece to the post.
      hearthHostMs: host.chatCalledAt - host.receivedAt + (host.firstPostAt - host.firstPieceAt),
      workerTtftMs: usage.timeToFirstTokenMs,
      receivedTokensPerSecond: (usage.completionTokens - 1) / ((marks.lastChunkAt - marks.firstChunkAt) / 1000),
      engineTokensPerSecond: usage.tokensPerSecond,
    });
  }

  // Rendering alone: a long answer streamed one token per update, as a slow CPU model sends it.
  const chunks = splitIntoTokens(longAnswer(4000, 20));
  const renderTimes = await page.evaluate((pieces) => {
    const send = (data: unknown) => window.dispatchEvent(new MessageEvent("message", { data }));
    send({ type: "conversation", conversation: { id: "cbench", title: "Long answer", messages: [
      { id: "mq", role: "user", text: "Write a long answer", status: "complete" },
      { id: "ma", role: "assistant", text: "", status: "streaming" },
    ] } });
    const times: number[] = [];
    for (const text of pieces) {
      const started = performance.now();
      send({ type: "answerChunk", conversationId: "cbench", messageId: "ma", text });
      void document.body.offsetHeight; // the layout the update causes is part of its cost
      times.push(performance.now() - started);
    }
    send({ type: "messageUpdated", conversationId: "cbench", message: { id: "ma", role: "assistant", text: pieces.join(""), status: "complete" } });
    return times;
  }, chunks);
  const codeBlocksShown = await page.locator(".message.assistant pre code").count();
  // What the stand-in for VS Code's postMessage costs by itself: a page → Node → page round trip.
  const bridgeMs = await page.evaluate(async () => {
    const times: number[] = [];
    for (let i = 0; i < 21; i++) {
      const started = performance.now();
      await (window as unknown as { benchPing(): Promise<number> }).benchPing();
      times.push(performance.now() - started);
    }
    return times.sort((a, b) => a - b)[10];
  });

  await browser.close();
  backend.dispose();
  await fs.rm(scratch, { recursive: true, force: true });

  const figures = {
    ttft_overhead_ms: median(viaView.map((sample, index) => sample.ttftMs - alone[index].ttftMs)),
    // The same, less the harness's two bridge crossings (Playwright standing in for VS Code's postMessage).
    ttft_overhead_host_ms: median(viaView.map((sample, index) => sample.hostMs - alone[index].ttftMs)),
    ttft_hearth_host_code_ms: median(viaView.map((sample) => sample.hearthHostMs)),
    render_p95_ms: percentile(renderTimes, 95),
    stream_tokens_per_s_ratio: median(viaView.map((sample) => sample.receivedTokensPerSecond / sample.engineTokensPerSecond)),
  };
  const rows = [
    ["figure", "engine alone", "through the view", "result", "target"],
    ["time to first token, ms (median)", median(alone.map((s) => s.ttftMs)).toFixed(1), median(viaView.map((s) => s.ttftMs)).toFixed(1), `+${figures.ttft_overhead_ms.toFixed(1)} ms`, "≤ 15"],
    ["  of which the harness's two bridge crossings", "", median(viaView.map((s) => s.ttftMs - s.hostMs)).toFixed(1), "", "info"],
    ["  host: view message in → first piece out", "", median(viaView.map((s) => s.hostMs)).toFixed(1), `+${figures.ttft_overhead_host_ms.toFixed(1)} ms`, "info"],
    ["  Hearth's host code (before the engine, after it)", "", median(viaView.map((s) => s.hearthHostMs)).toFixed(2), "", "info"],
    ["  worker's own first token (its clock)", median(alone.map((s) => s.workerTtftMs)).toFixed(1), median(viaView.map((s) => s.workerTtftMs)).toFixed(1), "", "info"],
    ["tokens/s (median)", median(viaView.map((s) => s.engineTokensPerSecond)).toFixed(0), median(viaView.map((s) => s.receivedTokensPerSecond)).toFixed(0), `ratio ${figures.stream_tokens_per_s_ratio.toFixed(3)}`, "≥ 0.95"],
    [`render per update, ${chunks.length} updates`, "", `median ${median(renderTimes).toFixed(2)} ms`, `p95 ${figures.render_p95_ms.toFixed(2)} ms`, "≤ 8"],
    ["code blocks rendered", "", String(codeBlocksShown), "", "20"],
    ["harness bridge round trip (Playwright)", "", `${bridgeMs.toFixed(1)} ms`, "in the overhead above", "info"],
  ];
  printTable(`Chat benchmark: ${modelName}, ${run.threads} thread, ${ROUNDS} rounds of up to ${MAX_TOKENS} tokens; webview in Chromium`, rows);
  await writeFigures(values.json, figures);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
