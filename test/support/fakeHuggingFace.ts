// A loopback server that answers as the Hugging Face hub does for the calls Hearth (through
// @huggingface/hub and its own downloader) really makes, written from the hub's behaviour that
// @huggingface/hub and huggingface_hub rely on:
//   GET /api/models?search=…&filter=gguf&sort=…&limit=…&expand=…     model search
//   GET /api/models/{repo}/tree/{rev}[/{path}]?recursive=…&expand=…  files, `lfs: {oid, size}`,
//       paginated by an absolute `Link: <…>; rel="next"`
//   GET|HEAD /{repo}/resolve/{rev}/{path}  302 to a CDN path (on a second port by default: another
//       origin), with X-Linked-ETag (the quoted sha256), X-Linked-Size, X-Repo-Commit
//   GET|HEAD /cdn/{sha256}   the bytes: Range/206/416, ETag, X-Linked-ETag, X-Linked-Size,
//       Content-Length, Accept-Ranges
//   401/403 `X-Error-Code: GatedRepo`, 401/404 `RepoNotFound`, 404 `EntryNotFound`/`RevisionNotFound`,
//   429 (rate limited) and 5xx from the hub or the CDN, with an optional Retry-After.
// Knobs (`behaviour`, changeable mid-test) cut, throttle, stall or corrupt what the CDN sends, or
// make the hub or the CDN answer a busy status.
import { createHash } from "node:crypto";
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import { generatedContent, type FakeContent } from "./fakeHubContent";
import { sendJson, startLoopbackServer, type LoopbackServer } from "./loopbackServer";

export { bufferContent, generatedContent, type FakeContent } from "./fakeHubContent";

export interface FakeRepoFile {
  readonly path: string;
  readonly content: FakeContent;
}

export interface FakeRepo {
  /** `owner/name`. */
  readonly name: string;
  readonly files: readonly FakeRepoFile[];
  readonly gated?: boolean;
  readonly private?: boolean;
  readonly downloads?: number;
  readonly tags?: readonly string[];
}

export interface FakeBehaviour {
  /** Drop the connection after `afterBytes` of a CDN body, for the next `times` bodies (Infinity: all). */
  cut?: { afterBytes: number; times: number };
  /** Stop sending after this many bytes of each CDN body, leaving the connection open. */
  stallAfterBytes?: number;
  throttleBytesPerSecond?: number;
  /** Serve bytes that differ from the listed sha256 (the magic stays, so it still looks like GGUF). */
  corrupt?: boolean;
  /** Answer 200 with the whole file even when asked for a range, as some mirrors do. */
  ignoreRange?: boolean;
  /** Entries per page of listings. */
  pageSize?: number;
  /** Answer `status` (429, 503…) to the next `times` resolve requests (`on: "hub"`), byte requests (`"cdn"`) or API calls (`"api"`: search, listings). */
  busy?: { status: number; times: number; on: "hub" | "cdn" | "api"; retryAfterSeconds?: number };
  /** Where resolve redirects: the CDN port (another origin, as cdn-lfs.hf.co is) or the hub's own. */
  redirect?: "otherOrigin" | "sameOrigin";
}

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly server: "hub" | "cdn";
  readonly headers: IncomingHttpHeaders;
  status: number;
  /** Body bytes handed to the socket. */
  bodyBytes: number;
}

export interface FakeHuggingFace {
  readonly url: string;
  readonly cdnUrl: string;
  readonly repos: FakeRepo[];
  readonly behaviour: FakeBehaviour;
  readonly requests: RecordedRequest[];
  /** Tokens that open gated and private repositories. */
  readonly tokens: Set<string>;
  close(): Promise<void>;
}

export async function startFakeHuggingFace(repos: FakeRepo[], behaviour: FakeBehaviour = {}): Promise<FakeHuggingFace> {
  const requests: RecordedRequest[] = [];
  const tokens = new Set(["hf_test_token"]);
  const state = { hubUrl: "", cdnUrl: "" };
  const handler = (server: "hub" | "cdn") => (request: IncomingMessage, response: ServerResponse) => {
    const record: RecordedRequest = { method: request.method ?? "", url: request.url ?? "", server, headers: request.headers, status: 0, bodyBytes: 0 };
    requests.push(record);
    response.once("close", () => (record.status = response.statusCode));
    const context = { repos, behaviour, tokens, record, ...state };
    void route(context, server, request, response).catch(() => response.destroy());
  };
  const hub: LoopbackServer = await startLoopbackServer(handler("hub"));
  const cdn: LoopbackServer = await startLoopbackServer(handler("cdn"));
  state.hubUrl = hub.url;
  state.cdnUrl = cdn.url;
  return {
    url: hub.url,
    cdnUrl: cdn.url,
    repos,
    behaviour,
    requests,
    tokens,
    close: async () => {
      await Promise.all([hub.close(), cdn.close()]);
    },
  };
}

interface Context {
  readonly repos: FakeRepo[];
  readonly behaviour: FakeBehaviour;
  readonly tokens: Set<string>;
  readonly record: RecordedRequest;
  readonly hubUrl: string;
  readonly cdnUrl: string;
}

async function route(context: Context, server: "hub" | "cdn", request: IncomingMessage, response: ServerResponse): Promise<void> {
  const url = new URL(request.url ?? "/", context.hubUrl);
  const method = request.method ?? "GET";
  const cdn = /^\/cdn\/([0-9a-f]{64})$/.exec(url.pathname);
  const resolve = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname);
  if (answeredBusy(context.behaviour, cdn ? "cdn" : resolve ? "hub" : url.pathname.startsWith("/api/") ? "api" : undefined, response)) return;
  if (cdn && (server === "cdn" || context.behaviour.redirect === "sameOrigin")) return serveBytes(context, cdn[1], request, response);
  if (server === "cdn") return error(response, 404, "EntryNotFound", "Not found");
  if (method === "GET" && url.pathname === "/api/models") return searchModels(context, url, response);
  const tree = /^\/api\/models\/([^/]+\/[^/]+)\/tree\/([^/]+)(?:\/(.*))?$/.exec(url.pathname);
  if (method === "GET" && tree) return listTree(context, request, url, decodeURIComponent(tree[1]), decodeURIComponent(tree[2]), tree[3] ? decodeURIComponent(tree[3]) : "", response);
  if ((method === "GET" || method === "HEAD") && resolve) return resolveFile(context, request, decodeURIComponent(resolve[1]), decodeURIComponent(resolve[2]), decodeURIComponent(resolve[3]), response);
  return error(response, 404, undefined, "Not found");
}

/** Answers the busy status the knob asks for, if it applies to this kind of request. */
function answeredBusy(behaviour: FakeBehaviour, kind: "hub" | "cdn" | "api" | undefined, response: ServerResponse): boolean {
  const busy = behaviour.busy;
  if (!busy || busy.times <= 0 || kind !== busy.on) return false;
  busy.times--;
  if (busy.retryAfterSeconds !== undefined) response.setHeader("Retry-After", String(busy.retryAfterSeconds));
  const message = busy.status === 429 ? "You have exceeded our hourly quotas for action: resolve." : "Service temporarily unavailable";
  error(response, busy.status, undefined, message);
  return true;
}

function error(response: ServerResponse, status: number, code: string | undefined, message: string): void {
  if (code) response.setHeader("X-Error-Code", code);
  response.setHeader("X-Error-Message", message);
  sendJson(response, status, { error: message });
}

/** The repo a request may see: undefined after answering 401/404 as the hub does. */
function visibleRepo(context: Context, request: IncomingMessage, name: string, response: ServerResponse): FakeRepo | undefined {
  const repo = context.repos.find((candidate) => candidate.name === name);
  const token = /^Bearer (hf_\w+)$/.exec(request.headers.authorization ?? "")?.[1];
  const allowed = token !== undefined && context.tokens.has(token);
  if (!repo || (repo.private && !allowed)) {
    // Without a token the hub can't say whether a repo is missing or private: 401 for both.
    error(response, token ? 404 : 401, "RepoNotFound", "Repository not found");
    return undefined;
  }
  return repo;
}

function searchModels(context: Context, url: URL, response: ServerResponse): void {
  const query = (url.searchParams.get("search") ?? "").toLowerCase();
  const tags = url.searchParams.getAll("filter");
  const sort = url.searchParams.get("sort");
  const matches = context.repos
    .filter((repo) => !repo.private && repo.name.toLowerCase().includes(query) && tags.every((tag) => (repo.tags ?? ["gguf"]).includes(tag)))
    .sort((a, b) => (sort === "downloads" ? (b.downloads ?? 0) - (a.downloads ?? 0) : a.name.localeCompare(b.name)))
    .slice(0, Number(url.searchParams.get("limit") ?? 1000))
    .map((repo, index) => ({
      _id: `65${String(index).padStart(22, "0")}`,
      id: repo.name,
      likes: 3,
      downloads: repo.downloads ?? 0,
      private: false,
      gated: repo.gated ? "manual" : false,
      pipeline_tag: "text-generation",
      lastModified: "2026-10-01T12:00:00.000Z",
    }));
  page(context, url, matches, response);
}

function listTree(context: Context, request: IncomingMessage, url: URL, name: string, revision: string, folder: string, response: ServerResponse): void {
  const repo = visibleRepo(context, request, name, response);
  if (!repo) return;
  if (revision !== "main") return error(response, 404, "RevisionNotFound", `Invalid rev id: ${revision}`);
  const recursive = url.searchParams.get("recursive") === "true";
  const prefix = folder ? `${folder}/` : "";
  const entries = new Map<string, object>();
  for (const file of repo.files.filter((candidate) => candidate.path.startsWith(prefix))) {
    const rest = file.path.slice(prefix.length).split("/");
    for (let depth = 1; depth < rest.length && (recursive || depth === 1); depth++) {
      const directory = prefix + rest.slice(0, depth).join("/");
      entries.set(directory, { type: "directory", oid: sha1(directory), size: 0, path: directory });
    }
    if (recursive || rest.length === 1) {
      const { size, sha256 } = file.content;
      entries.set(file.path, { type: "file", oid: sha1(sha256), size, path: file.path, lfs: { oid: sha256, size, pointerSize: 135 } });
    }
  }
  page(context, url, [...entries.values()], response);
}

/** One page of `items`, with an absolute Link to the next, as the hub paginates. */
function page(context: Context, url: URL, items: readonly object[], response: ServerResponse): void {
  const size = context.behaviour.pageSize ?? 1000;
  const from = Number(Buffer.from(url.searchParams.get("cursor") ?? "", "base64url").toString() || 0);
  if (from + size < items.length) {
    const next = new URL(url.pathname + url.search, context.hubUrl);
    next.searchParams.set("cursor", Buffer.from(String(from + size)).toString("base64url"));
    response.setHeader("Link", `<${next.href}>; rel="next"`);
  }
  sendJson(response, 200, items.slice(from, from + size));
}

function resolveFile(context: Context, request: IncomingMessage, name: string, revision: string, filePath: string, response: ServerResponse): void {
  const repo = visibleRepo(context, request, name, response);
  if (!repo) return;
  if (repo.gated) {
    const token = /^Bearer (hf_\w+)$/.exec(request.headers.authorization ?? "")?.[1];
    if (!token) return error(response, 401, "GatedRepo", `Access to model ${name} is restricted. You must have access to it and be authenticated to access it. Please log in.`);
    if (!context.tokens.has(token)) return error(response, 403, "GatedRepo", `Access to model ${name} is restricted and you are not in the authorized list.`);
  }
  if (revision !== "main") return error(response, 404, "RevisionNotFound", `Invalid rev id: ${revision}`);
  const file = repo.files.find((candidate) => candidate.path === filePath);
  if (!file) return error(response, 404, "EntryNotFound", "Entry not found");
  const origin = context.behaviour.redirect === "sameOrigin" ? context.hubUrl : context.cdnUrl;
  response.writeHead(302, {
    Location: `${origin}/cdn/${file.content.sha256}`,
    "X-Linked-ETag": `"${file.content.sha256}"`,
    "X-Linked-Size": String(file.content.size),
    "X-Repo-Commit": sha1(repo.name),
    ETag: `"${sha1(file.content.sha256)}"`,
  });
  response.end();
}

async function serveBytes(context: Context, sha256: string, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const content = context.repos.flatMap((repo) => repo.files).find((file) => file.content.sha256 === sha256)?.content;
  if (!content) return error(response, 404, "EntryNotFound", "Not found");
  const { size } = content;
  const headers: Record<string, string> = {
    "Accept-Ranges": "bytes",
    "Content-Type": "application/octet-stream",
    ETag: `"${sha256}"`,
    "X-Linked-ETag": `"${sha256}"`,
    "X-Linked-Size": String(size),
  };
  let start = 0;
  let end = size - 1;
  const range = context.behaviour.ignoreRange ? undefined : request.headers.range;
  if (range) {
    const match = /^bytes=(\d+)-(\d*)$/.exec(range);
    start = match ? Number(match[1]) : size;
    end = match?.[2] ? Math.min(Number(match[2]), size - 1) : size - 1;
    if (start >= size || start > end) {
      response.writeHead(416, { ...headers, "Content-Range": `bytes */${size}` });
      return void response.end();
    }
    headers["Content-Range"] = `bytes ${start}-${end}/${size}`;
  }
  response.writeHead(range ? 206 : 200, { ...headers, "Content-Length": String(end - start + 1) });
  if (request.method === "HEAD") return void response.end();

  const { behaviour } = context;
  const cut = behaviour.cut && behaviour.cut.times > 0 ? behaviour.cut : undefined;
  if (cut) cut.times--;
  const limit = Math.min(cut?.afterBytes ?? Infinity, behaviour.stallAfterBytes ?? Infinity);
  const throttle = behaviour.throttleBytesPerSecond;
  const chunkSize = throttle ? Math.max(1024, Math.min(64 * 1024, Math.floor(throttle / 20))) : 256 * 1024;
  let closed = false;
  response.once("close", () => (closed = true));
  let offset = start;
  let sent = 0;
  while (offset <= end && !closed) {
    const length = Math.min(chunkSize, end - offset + 1, limit - sent);
    if (length <= 0) break;
    let bytes = content.read(offset, length);
    if (behaviour.corrupt && offset + length > 4) {
      bytes = Buffer.from(bytes);
      bytes[length - 1] ^= 0xff;
    }
    context.record.bodyBytes += length;
    sent += length;
    offset += length;
    if (!response.write(bytes)) await drainedOrClosed(response);
    if (throttle) await new Promise((resolve) => setTimeout(resolve, (length / throttle) * 1000));
  }
  if (closed) return;
  const unfinished = offset <= end;
  if (unfinished && cut && sent >= cut.afterBytes) return void response.write(Buffer.alloc(0), () => response.socket?.destroy());
  if (unfinished) return; // stalled: silent until the client gives up
  response.end();
}

function drainedOrClosed(response: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      response.off("drain", done);
      response.off("close", done);
      resolve();
    };
    response.on("drain", done);
    response.on("close", done);
  });
}

function sha1(text: string): string {
  return createHash("sha1").update(text).digest("hex");
}

/** A repository of generated GGUF-looking files, `[path, size]` each; seeds differ per file. */
export function fakeRepo(name: string, files: ReadonlyArray<readonly [string, number]>, extra: Partial<FakeRepo> = {}): FakeRepo {
  let seed = 0;
  for (const char of name) seed = (seed * 31 + char.charCodeAt(0)) >>> 0;
  return { name, files: files.map(([path, size], index) => ({ path, content: generatedContent(size, seed + index + 1) })), ...extra };
}
