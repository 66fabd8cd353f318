// Where a model server is, as a URL, and whether talking to it keeps code on this machine.

const OLLAMA_DEFAULT_PORT = "11434";

/**
 * Ollama's address: the setting, else OLLAMA_HOST (as the Ollama CLI reads it), else
 * 127.0.0.1:11434. Accepts the forms OLLAMA_HOST takes: "host", "host:port", with or without
 * a scheme; 0.0.0.0 (listen on all interfaces) is reached through 127.0.0.1.
 */
export function resolveOllamaHost(setting: string, environment: string | undefined): string {
  const raw = (setting || environment || "").trim() || `127.0.0.1:${OLLAMA_DEFAULT_PORT}`;
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`;
  const url = new URL(withScheme);
  if (!url.port && !/:\d+$/.test(url.host)) url.port = url.protocol === "https:" ? "443" : OLLAMA_DEFAULT_PORT;
  if (url.hostname === "0.0.0.0") url.hostname = "127.0.0.1";
  if (url.hostname === "[::]") url.hostname = "[::1]";
  return url.origin + url.pathname.replace(/\/+$/, "");
}

/** True when the URL names this machine (127.0.0.0/8, ::1, localhost), so nothing leaves it. */
export function isLoopbackUrl(url: string): boolean {
  let hostname: string;
  try {
    hostname = new URL(url).hostname.toLowerCase();
  } catch {
    return false;
  }
  return (
    hostname === "localhost" ||
    hostname.endsWith(".localhost") ||
    hostname === "[::1]" ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname)
  );
}
