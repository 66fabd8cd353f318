// Whether Hearth may send code to a server that a workspace's own settings chose. The user's own
// settings are their choice and never asked about; a server on this machine is never asked about.
// Otherwise the user is asked once per workspace and address, and the answer is remembered.
// No VS Code import: settings, the question and the memory are passed in (unit-tested in Node).
import type { ServerToApprove, ServerVerdict } from "../engine/approvedBackend";
import { isLoopbackUrl, resolveOllamaHost } from "../engine/serverAddress";
import { serverOrigin } from "./apiKeys";

/** The parts of VS Code's `inspect()` result that say who set a value. */
export interface InspectedSetting {
  readonly defaultValue?: unknown;
  readonly globalValue?: unknown;
  readonly workspaceValue?: unknown;
  readonly workspaceFolderValue?: unknown;
}

export type ServerSettingKey = "backend" | "ollama.host" | "openai.baseUrl";
const ADDRESS_KEY = { ollama: "ollama.host", openai: "openai.baseUrl" } as const;

/**
 * The workspace's own settings that make Hearth use `server`: empty when the user's own
 * settings (user or machine values, else defaults) lead to the same server, or when no
 * workspace value is involved.
 */
export function workspaceSettingsChoosing(server: ServerToApprove, inspect: (key: ServerSettingKey) => InspectedSetting | undefined, ollamaHostFromEnvironment?: string): string[] {
  const own = (key: ServerSettingKey) => {
    const inspected = inspect(key);
    return inspected?.globalValue ?? inspected?.defaultValue;
  };
  if (own("backend") === server.backend && userAddress(server.backend, own(ADDRESS_KEY[server.backend]), ollamaHostFromEnvironment) === server.address) return [];
  const bySetting = (key: ServerSettingKey) => inspect(key)?.workspaceFolderValue !== undefined || inspect(key)?.workspaceValue !== undefined;
  return (["backend", ADDRESS_KEY[server.backend]] as const).filter(bySetting).map((key) => `hearth.${key}`);
}

function userAddress(backend: ServerToApprove["backend"], value: unknown, ollamaHostFromEnvironment: string | undefined): string | undefined {
  const setting = typeof value === "string" ? value : "";
  try {
    return serverOrigin(backend === "ollama" ? resolveOllamaHost(setting, ollamaHostFromEnvironment) : setting);
  } catch {
    return undefined;
  }
}

/** Answers by address, kept in the workspace's state. */
export interface PermissionMemory {
  get(): Readonly<Record<string, boolean>>;
  set(answers: Record<string, boolean>): PromiseLike<void>;
}

export interface ServerPermissionsOptions {
  /** The workspace settings that chose this server (see workspaceSettingsChoosing). */
  readonly choosingSettings: (server: ServerToApprove) => string[];
  /** Asks the user: true "Allow", false "Don't Allow", undefined dismissed. */
  readonly ask: (server: ServerToApprove, settings: readonly string[]) => PromiseLike<boolean | undefined>;
  readonly memory: PermissionMemory;
  /** Told after each answer (views that probed the server meanwhile ask again). */
  readonly answered?: (server: ServerToApprove, allowed: boolean) => void;
}

export class ServerPermissions {
  /** One question per address at a time: requests made while it is open wait for its answer. */
  private readonly asking = new Map<string, Promise<boolean>>();
  /** Dismissed questions: refused until VS Code restarts or permissions are reset, not asked again on every keystroke. */
  private readonly dismissed = new Set<string>();

  constructor(private readonly options: ServerPermissionsOptions) {}

  /** `ask: false` (background work): what the user answered before, else refused without a question. */
  async approve(server: ServerToApprove, options: { readonly ask: boolean } = { ask: true }): Promise<ServerVerdict> {
    if (isLoopbackUrl(server.address)) return { allowed: true };
    const settings = this.options.choosingSettings(server);
    if (settings.length === 0) return { allowed: true };
    const verdict = (allowed: boolean): ServerVerdict => (allowed ? { allowed } : { allowed, settings });
    const remembered = this.options.memory.get()[server.address];
    if (remembered !== undefined) return verdict(remembered);
    if (this.dismissed.has(server.address) || !options.ask) return verdict(false);
    let question = this.asking.get(server.address);
    if (!question) {
      question = this.ask(server, settings).finally(() => this.asking.delete(server.address));
      this.asking.set(server.address, question);
    }
    return verdict(await question);
  }

  /** Forgets every answer given in this workspace: the next request asks again. */
  async reset(): Promise<number> {
    const count = Object.keys(this.options.memory.get()).length + this.dismissed.size;
    this.dismissed.clear();
    await this.options.memory.set({});
    return count;
  }

  private async ask(server: ServerToApprove, settings: readonly string[]): Promise<boolean> {
    const answer = await this.options.ask(server, settings);
    if (answer === undefined) this.dismissed.add(server.address);
    else await this.options.memory.set({ ...this.options.memory.get(), [server.address]: answer });
    this.options.answered?.(server, answer === true);
    return answer === true;
  }
}
