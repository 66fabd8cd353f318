// Hearth's settings as plain data, and their validation. No VS Code here: the settings
// service reads values through VS Code and hands them to `readSettings`, so the rules can be
// unit-tested and the defaults checked against package.json.

export type BackendKind = "llamaCpp" | "ollama" | "openai";
export const BACKEND_KINDS: readonly BackendKind[] = ["llamaCpp", "ollama", "openai"];

/** How the UI names each backend. */
export const BACKEND_LABELS: Readonly<Record<BackendKind, string>> = {
  llamaCpp: "llama.cpp",
  ollama: "Ollama",
  openai: "OpenAI-compatible server",
};

export type FlashAttention = "auto" | "on" | "off";

/** Chat formats node-llama-cpp can be told to use instead of the model's own template. */
export const CHAT_FORMATS = [
  "auto", "chatML", "llama3.2-lightweight", "llama3.1", "llama3", "llama2Chat", "mistral", "gemma", "gemma4", "qwen",
  "deepSeek", "harmony", "falconChat", "alpacaChat", "functionary", "seed", "muse", "general",
] as const;

/** Fill-in-the-middle formats Hearth can write; "auto" picks one from the model's metadata or name. */
export const FIM_TEMPLATES = ["auto", "qwen2.5-coder", "deepseek-coder", "starcoder2", "codellama", "codestral", "codegemma"] as const;
export type FimTemplateName = (typeof FIM_TEMPLATES)[number];

/** How many model layers llama.cpp offloads to the GPU: as many as fit, all of them, or exactly n. */
export type GpuLayers = "auto" | "max" | number;

export interface HearthSettings {
  readonly backend: BackendKind;
  /** Folder of GGUF files; "" means Hearth's own storage folder. */
  readonly modelsDirectory: string;
  readonly models: { readonly chat: string; readonly completion: string; readonly embedding: string };
  readonly llamaCpp: {
    readonly gpuLayers: GpuLayers;
    readonly contextSize: number;
    /** Chat sequences (conversations kept in memory at once) a chat model's context gets. */
    readonly parallelConversations: number;
    readonly threads: number;
    readonly batchSize: number;
    readonly flashAttention: FlashAttention;
    readonly chatFormat: string;
    /** Seconds a model stays loaded after its last request; 0: until VS Code closes. */
    readonly keepAlive: number;
  };
  readonly ollama: { readonly host: string; readonly keepAlive: string };
  readonly openai: { readonly baseUrl: string };
  readonly completion: {
    readonly enabled: boolean;
    /** Per language id ("*" for the rest): whether completions show there. */
    readonly languages: Readonly<Record<string, boolean>>;
    readonly fimTemplate: FimTemplateName;
    /** Most lines one multi-line completion may have. */
    readonly maxLines: number;
  };
  readonly chat: {
    /** "" means Hearth's own system prompt. */
    readonly systemPrompt: string;
    /** Templates of Explain, Fix, Write Tests and Document; an empty one means Hearth's own. */
    readonly prompts: Readonly<Record<ChatPromptName, string>>;
    /** The user's own commands, checked when they are run (each needs a name and a prompt). */
    readonly customCommands: readonly unknown[];
    readonly maxAnswerTokens: number;
  };
}

export const CHAT_PROMPT_NAMES = ["explain", "fix", "tests", "document"] as const;
export type ChatPromptName = (typeof CHAT_PROMPT_NAMES)[number];

/** Defaults, keyed by setting name under `hearth.`; a unit test keeps them equal to package.json's. */
export const SETTING_DEFAULTS = {
  backend: "llamaCpp",
  modelsDirectory: "",
  "models.chat": "",
  "models.completion": "",
  "models.embedding": "",
  // Read by the Models view's downloads (src/models/huggingFaceAccess.ts), not part of HearthSettings.
  "huggingFace.endpoint": "https://huggingface.co",
  "llamaCpp.gpuLayers": "auto",
  "llamaCpp.contextSize": 4096,
  "llamaCpp.parallelConversations": 2,
  "llamaCpp.threads": 0,
  "llamaCpp.batchSize": 0,
  "llamaCpp.flashAttention": "auto",
  "llamaCpp.chatFormat": "auto",
  "llamaCpp.keepAlive": 300,
  "ollama.host": "",
  "ollama.keepAlive": "",
  "openai.baseUrl": "",
  "completion.enabled": true,
  "completion.languages": { "*": true, plaintext: false, markdown: false, scminput: false },
  "completion.fimTemplate": "auto",
  "completion.maxLines": 8,
  "chat.systemPrompt": "",
  "chat.prompts": {},
  "chat.customCommands": [],
  "chat.maxAnswerTokens": 2048,
} as const satisfies Record<string, unknown>;

export type SettingKey = keyof typeof SETTING_DEFAULTS;

/** A value that broke its setting's rules (settings.json edited by hand) and what Hearth used instead. */
export interface SettingProblem {
  readonly key: SettingKey;
  readonly given: unknown;
  readonly used: unknown;
  readonly message: string;
}

type Validator<T> = (value: unknown) => { ok: true; value: T } | { ok: false; rule: string };

const oneOf =
  <T extends string>(choices: readonly T[]): Validator<T> =>
  (value) =>
    choices.includes(value as T)
      ? { ok: true, value: value as T }
      : { ok: false, rule: `one of ${choices.map((c) => JSON.stringify(c)).join(", ")}` };

const text: Validator<string> = (value) =>
  typeof value === "string" ? { ok: true, value: value.trim() } : { ok: false, rule: "a string" };

const flag: Validator<boolean> = (value) =>
  typeof value === "boolean" ? { ok: true, value } : { ok: false, rule: "true or false" };

const list: Validator<readonly unknown[]> = (value) => (Array.isArray(value) ? { ok: true, value } : { ok: false, rule: "a list" });

/** An object naming some of Explain, Fix, Write Tests and Document, each with a template. */
const chatPrompts: Validator<Readonly<Record<ChatPromptName, string>>> = (value) => {
  const entries = typeof value === "object" && value !== null && !Array.isArray(value) ? Object.entries(value) : undefined;
  if (!entries || entries.some(([key, template]) => !(CHAT_PROMPT_NAMES as readonly string[]).includes(key) || typeof template !== "string")) {
    return { ok: false, rule: `an object whose keys are among ${CHAT_PROMPT_NAMES.join(", ")} and whose values are prompt templates` };
  }
  const prompts = Object.fromEntries(entries) as Partial<Record<ChatPromptName, string>>;
  return { ok: true, value: Object.fromEntries(CHAT_PROMPT_NAMES.map((name) => [name, prompts[name]?.trim() ?? ""])) as Record<ChatPromptName, string> };
};

/** Language ids (or "*") each mapped to true or false. */
const languageSwitches: Validator<Readonly<Record<string, boolean>>> = (value) =>
  typeof value === "object" && value !== null && !Array.isArray(value) && Object.values(value).every((on) => typeof on === "boolean")
    ? { ok: true, value: value as Record<string, boolean> }
    : { ok: false, rule: 'an object mapping language ids (or "*") to true or false' };

const conversationsInMemory: Validator<number> = (value) =>
  Number.isSafeInteger(value) && (value as number) >= 1 && (value as number) <= 8
    ? { ok: true, value: value as number }
    : { ok: false, rule: "a whole number from 1 to 8" };

const wholeNumber: Validator<number> = (value) =>
  Number.isSafeInteger(value) && (value as number) >= 0
    ? { ok: true, value: value as number }
    : { ok: false, rule: "a whole number, 0 or more" };

const atLeast =
  (minimum: number): Validator<number> =>
  (value) =>
    Number.isSafeInteger(value) && (value as number) >= minimum ? { ok: true, value: value as number } : { ok: false, rule: `a whole number, ${minimum} or more` };

/** "auto", "max" or a whole number of layers; a number written as a string ("12") is taken as that number. */
export const gpuLayersRule: Validator<GpuLayers> = (value) => {
  if (value === "auto" || value === "max") return { ok: true, value };
  if (typeof value === "string" && /^\s*\d+\s*$/.test(value)) return { ok: true, value: Number(value) };
  const number = wholeNumber(value);
  return number.ok ? number : { ok: false, rule: '"auto", "max" or a whole number of layers (0 or more)' };
};

/**
 * Reads every setting through `get` (VS Code's configuration, or a map in tests), applying
 * each setting's rule. A value that breaks its rule is replaced by the default and reported.
 */
export function readSettings(get: (key: SettingKey) => unknown): {
  settings: HearthSettings;
  problems: SettingProblem[];
} {
  const problems: SettingProblem[] = [];
  function read<T>(key: SettingKey, rule: Validator<T>): T {
    const given = get(key);
    // The default goes through the rule too, so it arrives in the same shape as a given value.
    const fallback = (): T => {
      const checked = rule(SETTING_DEFAULTS[key]);
      return checked.ok ? checked.value : (SETTING_DEFAULTS[key] as T);
    };
    if (given === undefined) return fallback();
    const checked = rule(given);
    if (checked.ok) return checked.value;
    const used = SETTING_DEFAULTS[key];
    problems.push({
      key,
      given,
      used,
      message:
        `hearth.${key} is ${JSON.stringify(given)}, which is not ${checked.rule}. ` +
        `Hearth is using ${JSON.stringify(used)} instead.`,
    });
    return fallback();
  }

  const settings: HearthSettings = {
    backend: read("backend", oneOf(BACKEND_KINDS)),
    modelsDirectory: read("modelsDirectory", text),
    models: {
      chat: read("models.chat", text),
      completion: read("models.completion", text),
      embedding: read("models.embedding", text),
    },
    llamaCpp: {
      gpuLayers: read("llamaCpp.gpuLayers", gpuLayersRule),
      contextSize: read("llamaCpp.contextSize", wholeNumber),
      parallelConversations: read("llamaCpp.parallelConversations", conversationsInMemory),
      threads: read("llamaCpp.threads", wholeNumber),
      batchSize: read("llamaCpp.batchSize", wholeNumber),
      flashAttention: read("llamaCpp.flashAttention", oneOf<FlashAttention>(["auto", "on", "off"])),
      chatFormat: read("llamaCpp.chatFormat", oneOf(CHAT_FORMATS)),
      keepAlive: read("llamaCpp.keepAlive", wholeNumber),
    },
    ollama: { host: read("ollama.host", text), keepAlive: read("ollama.keepAlive", text) },
    openai: { baseUrl: read("openai.baseUrl", text) },
    completion: {
      enabled: read("completion.enabled", flag),
      languages: read("completion.languages", languageSwitches),
      fimTemplate: read("completion.fimTemplate", oneOf(FIM_TEMPLATES)),
      maxLines: read("completion.maxLines", atLeast(1)),
    },
    chat: {
      systemPrompt: read("chat.systemPrompt", text),
      prompts: read("chat.prompts", chatPrompts),
      customCommands: read("chat.customCommands", list),
      maxAnswerTokens: read("chat.maxAnswerTokens", atLeast(16)),
    },
  };
  return { settings, problems };
}

export function describeGpuLayers(gpuLayers: GpuLayers): string {
  if (gpuLayers === "auto") return "auto (as many as fit in GPU memory)";
  if (gpuLayers === "max") return "all layers";
  return gpuLayers === 0 ? "none (CPU only)" : `${gpuLayers} layers`;
}
