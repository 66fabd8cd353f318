// The proxy the caller hands us (VS Code's `http.proxy`), for plain node:http requests: which
// hosts go through it (never loopback, nor hosts in the no-proxy list) and the socket to use,
// an HTTP CONNECT tunnel, as undici's ProxyAgent does for every target. A tunnel carries TLS end to
// end, so a proxy never sees the token sent to the hub over https.
import * as http from "node:http";
import * as https from "node:https";
import * as net from "node:net";
import type { Duplex } from "node:stream";
import * as tls from "node:tls";

export interface ProxySettings {
  /** `http://[user:password@]host:port` (an `https://` proxy is reached over TLS). */
  readonly url: string;
  /** Host names (or `.suffix`es, or `*`) that are reached directly, as VS Code's `http.noProxy`. */
  readonly noProxy?: readonly string[];
}

export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (host === "localhost" || host.endsWith(".localhost")) return true;
  if (net.isIPv4(host)) return host.startsWith("127.");
  if (net.isIPv6(host)) return host === "::1" || host.startsWith("::ffff:127.");
  return false;
}

/** The proxy to reach `target` through, or undefined to connect directly. */
export function proxyFor(target: URL, proxy: ProxySettings | undefined): URL | undefined {
  if (!proxy?.url.trim()) return undefined;
  if (isLoopbackHost(target.hostname)) return undefined;
  const host = target.hostname.toLowerCase();
  const bypass = (proxy.noProxy ?? []).some((rule) => {
    const name = rule.trim().toLowerCase().replace(/:\d+$/, "");
    if (name === "*") return true;
    const suffix = name.startsWith(".") ? name.slice(1) : name;
    return suffix !== "" && (host === suffix || host.endsWith(`.${suffix}`));
  });
  if (bypass) return undefined;
  const url = proxy.url.trim();
  return new URL(/^[a-z]+:\/\//i.test(url) ? url : `http://${url}`);
}

export class ProxyError extends Error {
  constructor(
    message: string,
    /** The proxy's answer to CONNECT when it refused; undefined when it could not be reached. */
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

type CreateConnection = NonNullable<http.ClientRequestArgs["createConnection"]>;

/**
 * A `createConnection` for node:http(s) that opens a CONNECT tunnel to `target` through `proxy`.
 * `signal` ends the CONNECT at once (a cancel, a stall): a proxy that never answers must not keep
 * a connection, or the download, waiting.
 */
export function tunnelThrough(proxy: URL, target: URL, signal?: AbortSignal): CreateConnection {
  return (_options, callback) => {
    let settled = false;
    const done = (error: Error | null, stream: Duplex) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener("abort", onAbort);
      callback(error, stream);
    };
    const port = target.port || (target.protocol === "https:" ? "443" : "80");
    const authority = `${target.hostname}:${port}`;
    const headers: Record<string, string> = { host: authority };
    if (proxy.username) {
      const credentials = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
      headers["proxy-authorization"] = `Basic ${Buffer.from(credentials).toString("base64")}`;
    }
    const connect = (proxy.protocol === "https:" ? https : http).request({
      host: unbracket(proxy.hostname),
      port: proxy.port || (proxy.protocol === "https:" ? 443 : 80),
      method: "CONNECT",
      path: authority,
      headers,
      agent: false,
    });
    function onAbort() {
      const reason = signal?.reason instanceof Error ? signal.reason : new Error(`The connection through the proxy ${proxy.host} was cancelled`);
      connect.destroy(reason);
      done(reason, socketless);
    }
    if (signal?.aborted) {
      onAbort();
      return undefined;
    }
    signal?.addEventListener("abort", onAbort, { once: true });
    connect.once("connect", (response, socket, head) => {
      if (settled) return void socket.destroy();
      if (response.statusCode !== 200) {
        socket.destroy();
        done(new ProxyError(`The proxy ${proxy.host} refused to connect to ${authority} (HTTP ${response.statusCode})`, response.statusCode), socket);
        return;
      }
      if (head.length > 0) socket.unshift(head);
      const stream: Duplex =
        target.protocol === "https:"
          ? tls.connect({ socket, servername: net.isIP(unbracket(target.hostname)) ? undefined : target.hostname })
          : socket;
      done(null, stream);
    });
    connect.once("error", (error) => done(new ProxyError(`Can't reach the proxy ${proxy.host}: ${error.message}`, undefined, { cause: error }), socketless));
    connect.end();
    return undefined;
  };
}

/** Node's callback wants a socket even with an error; there is none when the proxy can't be reached. */
const socketless = undefined as unknown as Duplex;

function unbracket(hostname: string): string {
  return hostname.replace(/^\[|\]$/g, "");
}
