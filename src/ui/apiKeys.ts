// API keys of OpenAI-compatible servers, one per server origin (scheme, host and port), in
// VS Code's secret storage. A key is given only for the origin it was stored for, so pointing
// hearth.openai.baseUrl somewhere else never takes the key along. No VS Code import: the
// secret storage is passed in, and the rule is unit-tested in plain Node.

/** The part of vscode.SecretStorage this store uses. */
export interface SecretStore {
  get(key: string): PromiseLike<string | undefined>;
  store(key: string, value: string): PromiseLike<void>;
  delete(key: string): PromiseLike<void>;
}

/** The one key Hearth kept before keys were per origin; moved to an origin once, then deleted. */
export const LEGACY_OPENAI_API_KEY_SECRET = "hearth.openai.apiKey";
const SECRET_PREFIX = "hearth.apiKey:";

/**
 * The origin a key belongs to: scheme, host and port, lower-case, default ports left out
 * (http://Host:80/v1/ → http://host). Undefined for anything but an http(s) URL.
 */
export function serverOrigin(url: string): string | undefined {
  if (!URL.canParse(url)) return undefined;
  const parsed = new URL(url);
  return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.origin : undefined;
}

export class ApiKeyStore {
  private migration: Promise<void> = Promise.resolve();

  constructor(
    private readonly secrets: SecretStore,
    private readonly log: (message: string) => void = () => undefined,
  ) {}

  /** The key stored for the origin of `url`, if any. Waits for the migration of the old key. */
  async keyFor(url: string): Promise<string | undefined> {
    await this.migration;
    const origin = serverOrigin(url);
    return origin ? (await this.secrets.get(SECRET_PREFIX + origin)) || undefined : undefined;
  }

  /** Stores `key` for the origin of `url` (an empty key removes it); returns that origin. */
  async setKey(url: string, key: string): Promise<string> {
    await this.migration;
    const origin = serverOrigin(url);
    if (!origin) throw new Error(`"${url}" is not an http or https address: a key is kept per server address.`);
    if (key) await this.secrets.store(SECRET_PREFIX + origin, key);
    else await this.secrets.delete(SECRET_PREFIX + origin);
    return origin;
  }

  /**
   * Moves the single key of older versions to the origin of `baseUrl` (the server it was being
   * sent to), unless that origin has a key already, then deletes it. With no valid base URL the
   * key waits for a later start: it was never sent anywhere else.
   */
  migrate(baseUrl: string): Promise<void> {
    this.migration = this.migration.then(async () => {
      const legacy = await this.secrets.get(LEGACY_OPENAI_API_KEY_SECRET);
      if (!legacy) return;
      const origin = serverOrigin(baseUrl);
      if (!origin) return;
      if (!(await this.secrets.get(SECRET_PREFIX + origin))) await this.secrets.store(SECRET_PREFIX + origin, legacy);
      await this.secrets.delete(LEGACY_OPENAI_API_KEY_SECRET);
      this.log(`The OpenAI-compatible server's API key is now kept for ${origin} only.`);
    }).catch((error: unknown) => this.log(`Moving the old API key failed: ${error instanceof Error ? error.message : String(error)}`));
    return this.migration;
  }
}
