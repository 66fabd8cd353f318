// A loopback HTTP server that answers as Ollama does, written from Ollama's API document
// (docs/api.md): NDJSON streaming for /api/chat, /api/generate and /api/pull, {"error": …}
// bodies with their status codes, and the non-streaming /api/tags, /api/ps, /api/show (with
// num_ctx in its parameters when a test sets one, the model's context length in model_info, and
// its capabilities), /api/embed and /api/delete. Tool calls as Ollama streams them: the text
// token by token, then each call whole in a message chunk (`tool_calls`, arguments as an object,
// no call id), then the final chunk with done_reason "stop". Tests choose the models it has, what
// they answer, and how a stream misbehaves.
import type { IncomingMessage, ServerResponse } from "node:http";
import { sendJson, startLoopbackServer, type LoopbackServer } from "./loopbackServer";

export interface FakeOllamaOptions {
  /** Model names it has pulled. */
  models: string[];
  /** Words each generation streams, one per NDJSON line. */
  words?: string[];
  /** How a streamed answer goes wrong after `after` lines. */
  failure?: { after: number; kind: "cut" | "errorLine" | "garbageLine" };
  /** Delay between streamed lines (for cancel tests). */
  lineDelayMs?: number;
  /** num_ctx in the models' Modelfile parameters (`show`); none when absent. */
  numCtx?: number;
  /** The models' trained context length in `show`'s model_info (32768 when absent). */
  contextLength?: number;
  /** Models (as listed) whose template has no suffix: a generate with one is refused, as Ollama does. */
  noInsert?: string[];
  /** Models (as listed) whose template has no tools: a chat offering tools is refused, as Ollama does. */
  noTools?: string[];
  /** Models (as listed) whose `show` has only the fields old servers send (no capabilities, model_info or details). */
  bareShow?: string[];
  /** What a chat offering tools answers: text (streamed first, token by token), then the calls; undefined: `words`. */
  toolAnswer?: (body: Record<string, unknown>) => FakeOllamaToolAnswer | undefined;
}

export interface FakeOllamaToolAnswer {
  readonly text?: string[];
  /** Ollama sends `arguments` as the object it parsed from the model's output. */
  readonly calls: ReadonlyArray<{ readonly name: string; readonly arguments: unknown }>;
  /** Each call in a chunk of its own (as Ollama does when it parses them apart), else all in one. */
  readonly separateChunks?: boolean;
}

export interface FakeOllama extends LoopbackServer {
  readonly options: FakeOllamaOptions;
  /** Request bodies by path, in arrival order. */
  readonly bodies: Array<{ path: string; body: Record<string, unknown> }>;
}

const now = () => new Date().toISOString();

export async function startFakeOllama(options: FakeOllamaOptions): Promise<FakeOllama> {
  const bodies: FakeOllama["bodies"] = [];
  const server = await startLoopbackServer((request, response) => {
    void readBody(request).then((body) => {
      const path = new URL(request.url ?? "/", "http://x").pathname;
      bodies.push({ path, body });
      return route(options, request.method ?? "GET", path, body, response);
    });
  });
  return Object.assign(server, { options, bodies });
}

async function readBody(request: IncomingMessage): Promise<Record<string, unknown>> {
  let text = "";
  for await (const chunk of request) text += String(chunk);
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

function hasModel(options: FakeOllamaOptions, name: unknown): boolean {
  return listedName(options, name) !== undefined;
}

function listedName(options: FakeOllamaOptions, name: unknown): string | undefined {
  const wanted = String(name);
  return options.models.find((model) => model === wanted || model === `${wanted}:latest`);
}

/** Whether the model's template can place a suffix (server/images.go: CapabilityInsert). */
function canInsert(options: FakeOllamaOptions, name: unknown): boolean {
  const listed = listedName(options, name);
  return listed === undefined || !(options.noInsert ?? []).includes(listed);
}

/** Whether the model's template can call tools (server/images.go: CapabilityTools). */
function canCallTools(options: FakeOllamaOptions, name: unknown): boolean {
  const listed = listedName(options, name);
  return listed === undefined || !(options.noTools ?? []).includes(listed);
}

/** How Ollama names a model in its errors: the full name from its manifest path. */
function fullName(options: FakeOllamaOptions, name: unknown): string {
  const listed = listedName(options, name) ?? String(name);
  return listed.includes("/") ? listed : `registry.ollama.ai/library/${listed}`;
}

async function route(options: FakeOllamaOptions, method: string, path: string, body: Record<string, unknown>, response: ServerResponse): Promise<void> {
  const model = body.model ?? body.name;
  switch (`${method} ${path}`) {
    case "GET /api/version":
      return sendJson(response, 200, { version: "0.12.0" });
    case "GET /api/tags":
      return sendJson(response, 200, {
        models: options.models.map((name) => ({
          name,
          model: name,
          modified_at: now(),
          size: 986_000_000,
          digest: "0".repeat(64),
          details: { format: "gguf", family: "qwen2", parameter_size: "1.5B", quantization_level: "Q4_K_M" },
        })),
      });
    case "GET /api/ps":
      return sendJson(response, 200, { models: options.models.slice(0, 1).map((name) => ({ name, model: name, size: 1, size_vram: 0, expires_at: now() })) });
    case "POST /api/show": {
      if (!hasModel(options, model)) return sendJson(response, 404, { error: `model '${String(model)}' not found` });
      // As Ollama lays parameters out: a name, spaces, a value, one per line.
      const parameters = [options.numCtx !== undefined ? `num_ctx                        ${options.numCtx}` : "", 'stop                           "<|im_end|>"'].filter(Boolean).join("\n");
      if ((options.bareShow ?? []).includes(listedName(options, model) ?? "")) return sendJson(response, 200, { modelfile: "", parameters, template: "{{ .Prompt }}" });
      return sendJson(response, 200, {
        modelfile: "",
        parameters,
        template: "{{ .Prompt }}",
        details: { parent_model: "", format: "gguf", family: "qwen2", families: ["qwen2"], parameter_size: "1.5B", quantization_level: "Q4_K_M" },
        model_info: { "general.architecture": "qwen2", "qwen2.context_length": options.contextLength ?? 32768, "qwen2.embedding_length": 1536 },
        // Ollama's order: completion, tools, insert (server/images.go Capabilities).
        capabilities: ["completion", ...(canCallTools(options, model) ? ["tools"] : []), ...(canInsert(options, model) ? ["insert"] : [])],
      });
    }
    case "POST /api/embed":
      if (!hasModel(options, model)) return sendJson(response, 404, { error: `model "${String(model)}" not found, try pulling it first` });
      return sendJson(response, 200, {
        model,
        embeddings: (body.input as string[]).map((text) => [text.length, 0.5, -0.25]),
        total_duration: 1000,
        load_duration: 100,
        prompt_eval_count: 4,
      });
    case "DELETE /api/delete":
      if (!hasModel(options, model)) return sendJson(response, 404, { error: `model '${String(model)}' not found` });
      options.models = options.models.filter((name) => name !== model);
      response.writeHead(200).end();
      return;
    case "POST /api/pull":
      return streamLines(response, options, [
        { status: "pulling manifest" },
        { status: "pulling 8eeb52dfb3bb", digest: "sha256:8eeb52dfb3bb", total: 1000, completed: 0 },
        { status: "pulling 8eeb52dfb3bb", digest: "sha256:8eeb52dfb3bb", total: 1000, completed: 500 },
        { status: "pulling 8eeb52dfb3bb", digest: "sha256:8eeb52dfb3bb", total: 1000, completed: 1000 },
        { status: "verifying sha256 digest" },
        { status: "writing manifest" },
        { status: "success" },
      ], () => options.models.push(String(model)));
    case "POST /api/chat":
    case "POST /api/generate": {
      if (!hasModel(options, model)) return sendJson(response, 404, { error: `model "${String(model)}" not found, try pulling it first` });
      const chat = path === "/api/chat";
      // server/routes.go GenerateHandler: a suffix asks for the insert capability; scheduleRunner's error is a 400.
      if (!chat && body.suffix && !canInsert(options, model)) return sendJson(response, 400, { error: `${fullName(options, model)} does not support insert` });
      // server/routes.go ChatHandler: tools ask for the tools capability, likewise a 400.
      const toolsOffered = chat && Array.isArray(body.tools) && body.tools.length > 0;
      if (toolsOffered && !canCallTools(options, model)) return sendJson(response, 400, { error: `${fullName(options, model)} does not support tools` });
      const toolAnswer = toolsOffered ? options.toolAnswer?.(body) : undefined;
      if (toolAnswer) return streamLines(response, options, toolAnswerLines(model, toolAnswer));
      if (!chat && !body.prompt && body.stream === false) {
        return sendJson(response, 200, { model, created_at: now(), response: "", done: true, done_reason: "load" });
      }
      const words = options.words ?? ["Hello", " from", " Ollama", "."];
      const limit = (body.options as { num_predict?: number } | undefined)?.num_predict ?? words.length;
      const parts = words.slice(0, limit).map((word) =>
        chat ? { model, created_at: now(), message: { role: "assistant", content: word }, done: false } : { model, created_at: now(), response: word, done: false },
      );
      const final = {
        model,
        created_at: now(),
        ...(chat ? { message: { role: "assistant", content: "" } } : { response: "", context: [1, 2, 3] }),
        done: true,
        done_reason: limit < words.length ? "length" : "stop",
        total_duration: 5_000_000,
        load_duration: 1_000_000,
        prompt_eval_count: 12,
        prompt_eval_duration: 1_000_000,
        eval_count: parts.length,
        eval_duration: 2_000_000,
      };
      return streamLines(response, options, [...parts, final]);
    }
    default:
      return sendJson(response, 404, { error: "404 page not found" });
  }
}

/** A chat answer with tool calls, chunk by chunk as Ollama streams it. */
function toolAnswerLines(model: unknown, answer: FakeOllamaToolAnswer): object[] {
  const chunk = (message: object) => ({ model, created_at: now(), message: { role: "assistant", content: "", ...message }, done: false });
  const calls = answer.calls.map((call, index) => ({ function: { index, name: call.name, arguments: call.arguments } }));
  const text = answer.text ?? [];
  return [
    ...text.map((word) => chunk({ content: word })),
    ...(answer.separateChunks ? calls.map((call) => chunk({ tool_calls: [call] })) : [chunk({ tool_calls: calls })]),
    {
      model,
      created_at: now(),
      message: { role: "assistant", content: "" },
      done: true,
      done_reason: "stop",
      total_duration: 5_000_000,
      load_duration: 1_000_000,
      prompt_eval_count: 40,
      prompt_eval_duration: 1_000_000,
      eval_count: text.length + 10 * calls.length,
      eval_duration: 2_000_000,
    },
  ];
}

async function streamLines(response: ServerResponse, options: FakeOllamaOptions, lines: object[], onComplete?: () => void): Promise<void> {
  response.writeHead(200, { "Content-Type": "application/x-ndjson" });
  for (const [index, line] of lines.entries()) {
    if (options.failure && index === options.failure.after) {
      if (options.failure.kind === "cut") {
        // Let what was written reach the client, then drop the connection mid-answer.
        await new Promise((resolve) => setTimeout(resolve, 50));
        response.socket?.destroy();
        return;
      }
      if (options.failure.kind === "errorLine") {
        response.end(`${JSON.stringify({ error: "an error was encountered while running the model: CUDA error: out of memory" })}\n`);
        return;
      }
      response.write("<html>proxy error</html>\n");
    }
    response.write(`${JSON.stringify(line)}\n`);
    if (options.lineDelayMs) await new Promise((resolve) => setTimeout(resolve, options.lineDelayMs));
    if (response.destroyed) return;
  }
  onComplete?.();
  response.end();
}
