// Answers "can the user chat now, and if not, what is missing?" for the configured backend.
// It never loads a model: for llama.cpp it checks the model file; for a server it asks the
// server for its model list (one short request to the address the user configured).
import { Ollama } from "ollama";
import * as path from "node:path";
import type { HearthSettings } from "../config/settings";
import { describeGpuLayers } from "../config/settings";
import type { ChatAction, ChatStatus } from "../shared/chatProtocol";
import { checkModelFile, formatBytes, resolveModelPath } from "../models/modelFiles";
import { describeNetworkError } from "./networkErrors";
import { isLoopbackUrl, resolveOllamaHost } from "./serverAddress";

export interface ReadinessContext {
  readonly modelsDirectory: string;
  /** OLLAMA_HOST from the environment, used when the setting is empty. */
  readonly ollamaHostFromEnvironment?: string;
  /** How long a server may take to answer the probe. */
  readonly probeTimeoutMs?: number;
  /** The HTTP client (tests pass one that never reaches the network). */
  readonly fetch?: typeof fetch;
}

const selectModel: ChatAction = { label: "Select Model…", command: "hearth.selectModel" };
const installModel: ChatAction = { label: "Install Model…", command: "hearth.installModel" };
const openSetting = (key: string): ChatAction => ({ label: "Open Setting", command: "hearth.openSettings", argument: key });

export async function describeReadiness(settings: HearthSettings, context: ReadinessContext): Promise<ChatStatus> {
  switch (settings.backend) {
    case "llamaCpp":
      return describeLlamaCpp(settings, context);
    case "ollama":
      return describeOllama(settings, context);
    case "openai":
      return describeOpenAi(settings, context);
  }
}

async function describeLlamaCpp(settings: HearthSettings, context: ReadinessContext): Promise<ChatStatus> {
  const backend = "llama.cpp (on this machine)";
  const details = [
    { label: "GPU layers", value: describeGpuLayers(settings.llamaCpp.gpuLayers) },
    { label: "Context", value: settings.llamaCpp.contextSize ? `${settings.llamaCpp.contextSize} tokens` : "automatic" },
    { label: "Models folder", value: context.modelsDirectory },
  ];
  const modelPath = resolveModelPath(settings.models.chat, context.modelsDirectory);
  if (!modelPath) {
    return {
      backend,
      details,
      problem: { message: "No chat model is selected. Select a GGUF model, or install one into the models folder.", actions: [selectModel, installModel] },
    };
  }
  const model = path.basename(modelPath);
  const check = await checkModelFile(modelPath);
  if (!check.ok) {
    return { backend, model, details, problem: { message: check.message, actions: [selectModel, installModel] } };
  }
  return { backend, model, details: [{ label: "Size", value: formatBytes(check.sizeBytes) }, ...details] };
}

async function describeOllama(settings: HearthSettings, context: ReadinessContext): Promise<ChatStatus> {
  let host: string;
  try {
    host = resolveOllamaHost(settings.ollama.host, context.ollamaHostFromEnvironment);
  } catch {
    return {
      backend: "Ollama",
      details: [],
      problem: { message: `hearth.ollama.host "${settings.ollama.host}" is not a valid address.`, actions: [openSetting("hearth.ollama.host")] },
    };
  }
  const backend = `Ollama at ${host}`;
  const notice = isLoopbackUrl(host) ? undefined : `Ollama is on another machine (${host}): the code you send to it leaves this computer.`;
  const model = settings.models.chat || undefined;
  let names: string[];
  try {
    names = await ollamaModelNames(host, context);
  } catch (error) {
    return {
      backend,
      model,
      details: [],
      notice,
      problem: {
        message: `Ollama isn't running at ${host} (${describeNetworkError(error)}). Start it with \`ollama serve\`, or set hearth.ollama.host to where it runs.`,
        actions: [openSetting("hearth.ollama.host")],
      },
    };
  }
  const details = [{ label: "Models pulled", value: String(names.length) }];
  if (!model) {
    return { backend, details, notice, problem: { message: "No chat model is selected. Select one of the models Ollama has pulled.", actions: [selectModel] } };
  }
  if (!names.includes(model) && !names.includes(`${model}:latest`)) {
    return {
      backend,
      model,
      details,
      notice,
      problem: { message: `Ollama has no model named ${model}. Pull it with \`ollama pull ${model}\`, or select another.`, actions: [selectModel] },
    };
  }
  return { backend, model, details, notice };
}

async function describeOpenAi(settings: HearthSettings, context: ReadinessContext): Promise<ChatStatus> {
  const baseUrl = settings.openai.baseUrl.replace(/\/+$/, "");
  if (!baseUrl) {
    return {
      backend: "OpenAI-compatible server",
      details: [],
      problem: {
        message: "Set hearth.openai.baseUrl to your server's address, for example http://127.0.0.1:8080/v1 for llama-server.",
        actions: [openSetting("hearth.openai.baseUrl")],
      },
    };
  }
  const backend = `OpenAI-compatible server at ${baseUrl}`;
  const notice = isLoopbackUrl(baseUrl) ? undefined : `${baseUrl} is not on this machine: the code you send to it leaves this computer.`;
  const model = settings.models.chat || undefined;
  let names: string[];
  try {
    names = await openAiModelNames(baseUrl, context);
  } catch (error) {
    return {
      backend,
      model,
      details: [],
      notice,
      problem: {
        message: `No OpenAI-compatible server answered at ${baseUrl} (${describeNetworkError(error)}). Start the server, or correct hearth.openai.baseUrl.`,
        actions: [openSetting("hearth.openai.baseUrl")],
      },
    };
  }
  const details = [{ label: "Models offered", value: String(names.length) }];
  if (!model) {
    return { backend, details, notice, problem: { message: "No chat model is selected. Select one of the server's models.", actions: [selectModel] } };
  }
  return { backend, model, details, notice };
}

/** Model names the configured server offers, for the model picker. llama.cpp uses the models folder instead. */
export async function listServerModels(settings: HearthSettings, context: ReadinessContext): Promise<string[]> {
  if (settings.backend === "ollama") {
    return ollamaModelNames(resolveOllamaHost(settings.ollama.host, context.ollamaHostFromEnvironment), context);
  }
  if (settings.backend === "openai" && settings.openai.baseUrl) {
    return openAiModelNames(settings.openai.baseUrl.replace(/\/+$/, ""), context);
  }
  return [];
}

async function ollamaModelNames(host: string, context: ReadinessContext): Promise<string[]> {
  const client = new Ollama({ host, fetch: fetchWithTimeout(context) });
  return (await client.list()).models.map((entry) => entry.name);
}

async function openAiModelNames(baseUrl: string, context: ReadinessContext): Promise<string[]> {
  const response = await fetchWithTimeout(context)(`${baseUrl}/models`);
  if (!response.ok) throw new Error(`it answered ${response.status} ${response.statusText}`);
  const body = (await response.json()) as { data?: Array<{ id?: unknown }> };
  return (body.data ?? []).map((entry) => String(entry.id));
}

function fetchWithTimeout({ fetch: send = fetch, probeTimeoutMs = 2000 }: ReadinessContext): typeof fetch {
  return (input, init) => send(input, { ...init, signal: AbortSignal.timeout(probeTimeoutMs) });
}
