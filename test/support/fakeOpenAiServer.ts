// A loopback server with the OpenAI API's shape as llama-server and LM Studio serve it:
// /v1/models, /v1/embeddings, /v1/chat/completions and /v1/completions streaming
// server-sent events ending in `data: [DONE]`, and (when asked) llama-server's /infill and /props.
// Tool calls stream as OpenAI's chat streaming does: each call's first `delta.tool_calls` piece
// has its index, id, type and name, its `arguments` follow in several events, and the answer ends
// with finish_reason "tool_calls"; a server that cannot call tools refuses `tools` with an error.
import type { ServerResponse } from "node:http";
import { sendJson, startLoopbackServer, type LoopbackServer } from "./loopbackServer";

export interface FakeOpenAiOptions {
  models: string[];
  words?: string[];
  /** The pieces of the answer to a chat request, from its last user message (instead of `words`). */
  reply?: (question: string) => string[];
  /** Waits this long before each streamed event, like a model generating at that pace. */
  delayMs?: number;
  /** Serve llama-server's /infill. */
  infill?: boolean;
  /** Require this bearer token. */
  apiKey?: string;
  /** Serve llama-server's GET /props with this context size per slot (n_ctx); 404 when absent. */
  nCtx?: number;
  /** Stop the stream after `after` events: drop the connection, or send an event that is not JSON. */
  failure?: { after: number; kind: "cut" | "garbage" };
  /** What a chat offering tools answers: text first, then the calls; undefined: the usual answer. */
  toolAnswer?: (body: Record<string, unknown>) => FakeToolAnswer | undefined;
  /** Refuse any request with `tools`, as llama-server without --jinja (500) or vLLM without tool parsing (400) do. */
  rejectTools?: { status: number; message: string };
}

export interface FakeToolAnswer {
  readonly text?: string[];
  /** `arguments` is the model's text, streamed in `argumentPieces` pieces (3 when absent). */
  readonly calls: ReadonlyArray<{ readonly name: string; readonly arguments: string; readonly id?: string }>;
  readonly argumentPieces?: number;
}

export interface FakeOpenAiServer extends LoopbackServer {
  readonly options: FakeOpenAiOptions;
  readonly bodies: Array<{ path: string; body: Record<string, unknown>; authorization?: string }>;
}

export async function startFakeOpenAiServer(options: FakeOpenAiOptions): Promise<FakeOpenAiServer> {
  const bodies: FakeOpenAiServer["bodies"] = [];
  const server = await startLoopbackServer((request, response) => {
    let text = "";
    request.on("data", (chunk: Buffer) => (text += chunk.toString()));
    request.on("end", () => {
      const path = new URL(request.url ?? "/", "http://x").pathname;
      const body = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
      bodies.push({ path, body, authorization: request.headers.authorization });
      if (options.apiKey && request.headers.authorization !== `Bearer ${options.apiKey}`) {
        return sendJson(response, 401, { error: { message: "Invalid API Key", type: "authentication_error" } });
      }
      void route(options, `${request.method} ${path}`, body, response);
    });
  });
  return Object.assign(server, { options, bodies });
}

async function route(options: FakeOpenAiOptions, route: string, body: Record<string, unknown>, response: ServerResponse): Promise<void> {
  const messages = Array.isArray(body.messages) ? (body.messages as Array<{ role?: string; content?: unknown }>) : [];
  const last = messages.filter((message) => message.role === "user").at(-1)?.content;
  const question = typeof last === "string" ? last : "";
  const words = (route === "POST /v1/chat/completions" && options.reply?.(question)) || (options.words ?? ["Hi", " there", "!"]);
  const known = () => options.models.includes(String(body.model));
  switch (route) {
    case "GET /v1/models":
      return sendJson(response, 200, { object: "list", data: options.models.map((id) => ({ id, object: "model", owned_by: "llamacpp" })) });
    case "POST /v1/embeddings":
      return sendJson(response, 200, {
        object: "list",
        data: (body.input as string[]).map((text, index) => ({ object: "embedding", index, embedding: [text.length, 1] })).reverse(),
        usage: { prompt_tokens: 2, total_tokens: 2 },
      });
    case "POST /v1/chat/completions":
    case "POST /v1/completions": {
      if (!known()) return sendJson(response, 404, { error: { message: `The model \`${String(body.model)}\` does not exist.`, type: "invalid_request_error" } });
      const chat = route === "POST /v1/chat/completions";
      const toolsOffered = chat && Array.isArray(body.tools) && body.tools.length > 0;
      if (toolsOffered && options.rejectTools) {
        const { status, message } = options.rejectTools;
        return sendJson(response, status, { error: { code: status, message, type: status >= 500 ? "server_error" : "invalid_request_error" } });
      }
      const toolAnswer = toolsOffered ? options.toolAnswer?.(body) : undefined;
      if (toolAnswer) return streamEvents(response, options, toolAnswerEvents(toolAnswer), true);
      const events: object[] = words.map((word) => ({
        id: "cmpl-1",
        object: chat ? "chat.completion.chunk" : "text_completion",
        choices: [chat ? { index: 0, delta: { content: word }, finish_reason: null } : { index: 0, text: word, finish_reason: null }],
      }));
      events.push({ id: "cmpl-1", choices: [chat ? { index: 0, delta: {}, finish_reason: "stop" } : { index: 0, text: "", finish_reason: "stop" }] });
      events.push({
        id: "cmpl-1",
        choices: [],
        usage: { prompt_tokens: 9, completion_tokens: words.length, total_tokens: 9 + words.length, prompt_tokens_details: { cached_tokens: 6 } },
      });
      return streamEvents(response, options, events, true);
    }
    case "GET /props":
      if (options.nCtx === undefined) return sendJson(response, 404, { error: { code: 404, message: "File Not Found", type: "not_found_error" } });
      return sendJson(response, 200, { default_generation_settings: { n_ctx: options.nCtx, params: { n_predict: -1 } }, total_slots: 1, model_path: "/models/qwen2.5-coder.gguf" });
    case "POST /infill":
      if (!options.infill) return sendJson(response, 404, { error: { code: 404, message: "File Not Found", type: "not_found_error" } });
      return streamEvents(
        response,
        options,
        // llama-server: 35 prompt tokens, 5 of them evaluated, 30 from its cache.
        [
          ...words.map((content) => ({ content, stop: false })),
          { content: "", stop: true, stop_type: "eos", tokens_evaluated: 35, tokens_cached: 35 + words.length, timings: { prompt_n: 5, cache_n: 30, predicted_n: words.length } },
        ],
        false,
      );
    default:
      return sendJson(response, 404, { error: { message: "not found" } });
  }
}

/** A chat answer with tool calls, event by event as OpenAI streams it. */
function toolAnswerEvents(answer: FakeToolAnswer): object[] {
  const event = (delta: object, finishReason: string | null = null) => ({ id: "chatcmpl-7", object: "chat.completion.chunk", created: 1, model: "fake", choices: [{ index: 0, delta, finish_reason: finishReason }] });
  const text = answer.text ?? [];
  const events: object[] = [event({ role: "assistant", content: text.length ? text[0] : null })];
  events.push(...text.slice(1).map((word) => event({ content: word })));
  for (const [index, call] of answer.calls.entries()) {
    events.push(event({ tool_calls: [{ index, id: call.id ?? `call_${index}abc`, type: "function", function: { name: call.name, arguments: "" } }] }));
    events.push(...splitInto(call.arguments, answer.argumentPieces ?? 3).map((piece) => event({ tool_calls: [{ index, function: { arguments: piece } }] })));
  }
  events.push(event({}, "tool_calls"));
  const completionTokens = text.length + answer.calls.length * 10;
  events.push({ id: "chatcmpl-7", object: "chat.completion.chunk", choices: [], usage: { prompt_tokens: 30, completion_tokens: completionTokens, total_tokens: 30 + completionTokens } });
  return events;
}

/** `text` in `count` pieces of about the same length (fewer when it is shorter). */
function splitInto(text: string, count: number): string[] {
  const size = Math.max(1, Math.ceil(text.length / count));
  const pieces: string[] = [];
  for (let start = 0; start < text.length; start += size) pieces.push(text.slice(start, start + size));
  return pieces;
}

async function streamEvents(response: ServerResponse, options: FakeOpenAiOptions, events: object[], sendDone: boolean): Promise<void> {
  response.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-cache" });
  for (const [index, event] of events.entries()) {
    if (options.delayMs) {
      await new Promise((resolve) => setTimeout(resolve, options.delayMs));
      // The client went away (stopped): stop generating, as a server does.
      if (response.destroyed || response.socket?.destroyed) return;
    }
    if (options.failure && index === options.failure.after) {
      if (options.failure.kind === "cut") {
        await new Promise((resolve) => setTimeout(resolve, 50));
        response.socket?.destroy();
        return;
      }
      response.write("data: <html>502 Bad Gateway</html>\n\n");
    }
    response.write(`data: ${JSON.stringify(event)}\n\n`);
  }
  if (sendDone) response.write("data: [DONE]\n\n");
  response.end();
}
