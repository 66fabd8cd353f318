// HTTP for the hub, on node:http(s) rather than fetch: downloads need the redirect hops' own headers
// (the hub puts the file's SHA-256 on its 302, not on the CDN's answer), a token that goes to the
// hub's origin and never to a CDN on another host, a proxy without an extra dependency, and a body
// that can be destroyed at once on cancel or stall. `hubFetch` adapts it to the `fetch` that
// @huggingface/hub takes, so searches and listings share the token rule and the proxy.
import * as http from "node:http";
import * as https from "node:https";
import { proxyFor, tunnelThrough, type ProxySettings } from "./proxyConnection";

/** A token and the one origin it may be sent to. */
export interface BearerToken {
  readonly token: string;
  readonly origin: string;
}

export interface HttpRequestOptions {
  readonly method?: "GET" | "HEAD";
  readonly headers?: Readonly<Record<string, string>>;
  readonly auth?: BearerToken;
  readonly proxy?: ProxySettings;
  /** Aborting destroys the request and the response body with the signal's reason. */
  readonly signal?: AbortSignal;
  readonly maxRedirects?: number;
}

export interface HttpHop {
  readonly url: URL;
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
}

export interface HttpResponse extends HttpHop {
  /** The redirects followed to get here, first first. */
  readonly redirects: readonly HttpHop[];
  readonly body: http.IncomingMessage;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export async function httpRequest(url: string | URL, options: HttpRequestOptions = {}): Promise<HttpResponse> {
  const redirects: HttpHop[] = [];
  let current = new URL(url);
  for (;;) {
    const body = await requestOnce(current, options);
    const status = body.statusCode ?? 0;
    const location = body.headers.location;
    if (!REDIRECTS.has(status) || !location) return { url: current, status, headers: body.headers, redirects, body };
    body.resume(); // a redirect's body is not wanted; reading it frees the socket for reuse
    redirects.push({ url: current, status, headers: body.headers });
    if (redirects.length > (options.maxRedirects ?? 10)) {
      throw new Error(`Too many redirects from ${new URL(url).host}.`);
    }
    current = new URL(location, current);
  }
}

/** A header as the hub set it: the first redirect that carries it (the hub's own), else the last answer. */
export function hubHeader(response: HttpResponse, name: string): string | undefined {
  for (const hop of [...response.redirects, response]) {
    const value = hop.headers[name.toLowerCase()];
    if (typeof value === "string") return value;
  }
  return undefined;
}

function requestOnce(url: URL, options: HttpRequestOptions): Promise<http.IncomingMessage> {
  const { signal } = options;
  if (signal?.aborted) return Promise.reject(signal.reason as Error);
  const headers: Record<string, string> = { "user-agent": "hearth-vscode", ...options.headers };
  for (const name of Object.keys(headers)) if (name.toLowerCase() === "authorization") delete headers[name];
  // The token goes to the hub's origin only: a redirect to a CDN on another host gets none.
  if (options.auth && url.origin === options.auth.origin) headers.authorization = `Bearer ${options.auth.token}`;
  const proxy = proxyFor(url, options.proxy);
  const client = url.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const request = client.request(url, {
      method: options.method ?? "GET",
      headers,
      ...(proxy ? { createConnection: tunnelThrough(proxy, url, signal) } : {}),
    });
    let response: http.IncomingMessage | undefined;
    const onAbort = () => {
      const reason = signal?.reason as Error;
      request.destroy(reason);
      response?.destroy(reason);
      reject(reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    const forget = () => signal?.removeEventListener("abort", onAbort);
    request.on("error", (error) => {
      forget();
      reject(error);
    });
    request.once("response", (message) => {
      response = message;
      message.once("close", forget);
      resolve(message);
    });
    request.end();
  });
}

/**
 * A `fetch` for @huggingface/hub's calls (JSON listings), made with `httpRequest`: the caller's
 * token by origin, its proxy and its cancel signal. Bodies are small and read whole.
 */
export function hubFetch(defaults: Pick<HttpRequestOptions, "auth" | "proxy" | "signal">): typeof fetch {
  return async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = typeof input === "string" || input instanceof URL ? input.toString() : input.url;
    const method = (init?.method ?? "GET").toUpperCase();
    if (method !== "GET" && method !== "HEAD") throw new Error(`hubFetch sends only GET and HEAD, not ${method}.`);
    const headers: Record<string, string> = {};
    new Headers(init?.headers).forEach((value, name) => (headers[name] = value));
    const response = await httpRequest(url, { ...defaults, method, headers, signal: init?.signal ?? defaults.signal });
    const chunks: Buffer[] = [];
    for await (const chunk of response.body) chunks.push(chunk as Buffer);
    const answer = new Headers();
    for (const [name, value] of Object.entries(response.headers)) {
      for (const item of Array.isArray(value) ? value : value === undefined ? [] : [value]) answer.append(name, item);
    }
    const empty = method === "HEAD" || response.status === 204 || response.status === 304;
    return new Response(empty ? null : Buffer.concat(chunks), { status: response.status, headers: answer });
  };
}
