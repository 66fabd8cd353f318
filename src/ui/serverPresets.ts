// The usual model servers by name, at their default addresses, and a quick check of whether
// one answers there. No VS Code import: the probe is unit-tested against loopback servers.
// A probe sends no API key and no code: one GET of the server's model list (or version).
import type { BackendKind } from "../config/settings";

export interface ServerPreset {
  readonly id: string;
  readonly name: string;
  readonly backend: Exclude<BackendKind, "llamaCpp">;
  /** hearth.openai.baseUrl (with /v1) or hearth.ollama.host. */
  readonly address: string;
  /** On this machine: probed when the picker opens. */
  readonly local: boolean;
}

export const SERVER_PRESETS: readonly ServerPreset[] = [
  { id: "llamaServer", name: "llama-server", backend: "openai", address: "http://127.0.0.1:8080/v1", local: true },
  { id: "lmStudio", name: "LM Studio", backend: "openai", address: "http://127.0.0.1:1234/v1", local: true },
  { id: "gpt4all", name: "GPT4All", backend: "openai", address: "http://127.0.0.1:4891/v1", local: true },
  { id: "vllm", name: "vLLM", backend: "openai", address: "http://127.0.0.1:8000/v1", local: true },
  { id: "ollama", name: "Ollama", backend: "ollama", address: "http://127.0.0.1:11434", local: true },
  // Hugging Face's OpenAI-compatible router to its inference providers; needs an access token.
  { id: "huggingFace", name: "Hugging Face", backend: "openai", address: "https://router.huggingface.co/v1", local: false },
];

/**
 * "answering": the server's API answered (a 401 or 403 counts: it wants a key).
 * "other": something answers there, but not as this kind of server (another program on the port).
 * "notAnswering": nothing answered within the time.
 */
export type ProbeResult = "answering" | "other" | "notAnswering";

const PROBE_TIMEOUT_MS = 1000;

export async function probeServer(backend: ServerPreset["backend"], address: string, timeoutMs = PROBE_TIMEOUT_MS): Promise<ProbeResult> {
  const base = address.replace(/\/+$/, "");
  const url = backend === "ollama" ? `${base}/api/version` : `${base}/models`;
  try {
    const response = await fetch(url, { headers: { Accept: "application/json" }, signal: AbortSignal.timeout(timeoutMs), redirect: "manual" });
    if (response.status === 401 || response.status === 403) {
      await response.body?.cancel();
      return "answering";
    }
    if (!response.ok) {
      await response.body?.cancel();
      return "other";
    }
    const body = (await response.json().catch(() => undefined)) as { version?: unknown; data?: unknown } | undefined;
    const looksRight = backend === "ollama" ? typeof body?.version === "string" : Array.isArray(body?.data);
    return looksRight ? "answering" : "other";
  } catch {
    return "notAnswering";
  }
}

/** Probes every local preset at once; `done` is called as each answers, in whatever order. */
export function probePresets(presets: readonly ServerPreset[], done: (preset: ServerPreset, result: ProbeResult) => void, timeoutMs = PROBE_TIMEOUT_MS): Promise<void> {
  return Promise.all(
    presets.filter((preset) => preset.local).map(async (preset) => done(preset, await probeServer(preset.backend, preset.address, timeoutMs))),
  ).then(() => undefined);
}
