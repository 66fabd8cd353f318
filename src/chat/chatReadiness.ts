// Answers "can the user chat now, and if not, what is missing?" for the configured backend.
// It never loads a model: for llama.cpp it checks the model file; for a server it asks the
// backend for the server's model list (one short request to the address the user configured)
// and, when that fails, shows the backend's own explanation.
import * as path from "node:path";
import type { HearthSettings } from "../config/settings";
import { describeGpuLayers } from "../config/settings";
import type { ChatAction, ChatStatus } from "../shared/chatProtocol";
import { checkModelFile, formatBytes, resolveModelPath } from "../modelStore/modelFiles";
import type { ModelInfo } from "../engine/backend";
import { BackendError, isAbortError } from "../engine/backendError";
import { isLoopbackUrl, resolveOllamaHost } from "../engine/serverAddress";

export interface ReadinessContext {
  readonly modelsDirectory: string;
  /** OLLAMA_HOST from the environment, used when the setting is empty. */
  readonly ollamaHostFromEnvironment?: string;
  /** The configured server backend's listModels (Ollama or OpenAI-compatible). */
  readonly listServerModels: (signal: AbortSignal) => Promise<ModelInfo[]>;
  /** How long a server may take to answer the probe. */
  readonly probeTimeoutMs?: number;
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
  const listed = await probe(context, backend, "hearth.ollama.host");
  if (!listed.ok) return { backend, model, details: [], notice, problem: listed.problem };
  const details = [{ label: "Models pulled", value: String(listed.names.length) }];
  if (!model) {
    return { backend, details, notice, problem: { message: "No chat model is selected. Select one of the models Ollama has pulled.", actions: [selectModel] } };
  }
  if (!listed.names.includes(model) && !listed.names.includes(`${model}:latest`)) {
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
  const listed = await probe(context, backend, "hearth.openai.baseUrl");
  if (!listed.ok) return { backend, model, details: [], notice, problem: listed.problem };
  const details = [{ label: "Models offered", value: String(listed.names.length) }];
  if (!model) {
    return { backend, details, notice, problem: { message: "No chat model is selected. Select one of the server's models.", actions: [selectModel] } };
  }
  return { backend, model, details, notice };
}

/** Asks the server for its models; a failure becomes the problem to show, with the backend's own words. */
async function probe(
  context: ReadinessContext,
  server: string,
  addressSetting: string,
): Promise<{ ok: true; names: string[] } | { ok: false; problem: NonNullable<ChatStatus["problem"]> }> {
  const timeoutMs = context.probeTimeoutMs ?? 2000;
  try {
    return { ok: true, names: (await context.listServerModels(AbortSignal.timeout(timeoutMs))).map((entry) => entry.name) };
  } catch (error) {
    const message = isAbortError(error)
      ? `The ${server} did not answer within ${timeoutMs / 1000} s. Check that it is running, or correct ${addressSetting}.`
      : (error as Error).message;
    const setting = error instanceof BackendError && error.setting ? error.setting : addressSetting;
    return { ok: false, problem: { message, actions: [openSetting(setting)] } };
  }
}
