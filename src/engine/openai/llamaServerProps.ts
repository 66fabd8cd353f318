// llama-server's GET /props (at the server's root, beside /v1): its default generation settings,
// whose n_ctx is the context of one slot, i.e. of one request. Other servers answer 404.

/** How long to wait for /props: a server without it must not hold up a chat request. */
const PROPS_TIMEOUT_MS = 2000;

export interface PropsAnswer {
  /** Tokens one request may use, when the server said. */
  readonly contextWindow: number | undefined;
  /** Whether the answer holds for this server (a 404, or /props itself), or may differ next time (refused, down). */
  readonly lasting: boolean;
}

export async function askContextWindow(serverRoot: string, apiKey: string | undefined, signal: AbortSignal | undefined): Promise<PropsAnswer> {
  const timeout = AbortSignal.timeout(PROPS_TIMEOUT_MS);
  try {
    const response = await fetch(`${serverRoot}/props`, {
      redirect: "manual", // never elsewhere than the server the user set (a redirect is not an answer)
      headers: { Accept: "application/json", ...(apiKey ? { Authorization: `Bearer ${apiKey}` } : {}) },
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
    if (!response.ok) {
      await response.body?.cancel();
      return { contextWindow: undefined, lasting: response.status === 404 };
    }
    const body = (await response.json().catch(() => undefined)) as { default_generation_settings?: { n_ctx?: unknown } } | undefined;
    const nCtx = body?.default_generation_settings?.n_ctx;
    return { contextWindow: typeof nCtx === "number" && Number.isInteger(nCtx) && nCtx > 0 ? nCtx : undefined, lasting: true };
  } catch {
    return { contextWindow: undefined, lasting: false }; // unreachable, timed out or cancelled
  }
}
