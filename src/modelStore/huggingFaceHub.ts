// Finding GGUF models on the Hugging Face hub (or a mirror at another endpoint) with
// @huggingface/hub: repositories tagged `gguf` that match a search, and a repository's .gguf files
// as models (sizes, quantization, SHA-256, split parts grouped). Its HTTP goes through
// `hubFetch`, so the token reaches only the hub's origin and the caller's proxy is used.
import { HubApiError, listFiles, listModels } from "@huggingface/hub";
import { ModelDownloadError } from "./downloadErrors";
import { groupModelFiles, parseQuantization, parseSplitPart, type HubFileRef } from "./hubFileNames";
import { hubFetch } from "./httpTransport";
import { hubEndpoint } from "./hubUrls";
import type { ProxySettings } from "./proxyConnection";

export interface HubAccess {
  /** The hub's address (`hearth.huggingFace.endpoint`); huggingface.co when empty. */
  readonly endpoint?: string;
  readonly token?: string;
  readonly proxy?: ProxySettings;
  readonly signal?: AbortSignal;
}

export interface HubRepo {
  /** `owner/name`. */
  readonly repo: string;
  readonly downloads: number;
  readonly likes: number;
  /** `auto` or `manual` when a licence must be accepted (and a token given) before downloading. */
  readonly gated: false | "auto" | "manual";
  readonly private: boolean;
  readonly updatedAt: Date | undefined;
}

/** One downloadable model in a repository: a .gguf file, or all parts of a split one. */
export interface HubGgufModel {
  readonly repo: string;
  readonly revision: string;
  /** The file name, without the `-0000N-of-0000M` of a split model. */
  readonly name: string;
  readonly files: readonly HubFileRef[];
  readonly sizeBytes: number;
  readonly quantization: string | undefined;
  readonly split: boolean;
  /** A multimodal projector (`mmproj-…`): loaded next to a model, not a model alone. */
  readonly projector: boolean;
}

/** Repositories tagged `gguf` whose name matches `query`, most downloaded first. */
export async function searchGgufRepos(query: string, access: HubAccess & { readonly limit?: number } = {}): Promise<HubRepo[]> {
  const repos: HubRepo[] = [];
  await asHubError(query, access, async () => {
    for await (const model of listModels({
      search: { query, tags: ["gguf"] },
      sort: "downloads",
      limit: access.limit ?? 30,
      hubUrl: hubEndpoint(access.endpoint),
      fetch: fetchFor(access),
    })) {
      repos.push({
        repo: model.name,
        downloads: model.downloads ?? 0,
        likes: model.likes ?? 0,
        gated: model.gated ?? false,
        private: model.private ?? false,
        updatedAt: Number.isNaN(model.updatedAt?.getTime()) ? undefined : model.updatedAt,
      });
    }
  });
  return repos;
}

/** The models (.gguf files, split parts grouped) in a repository, smallest first. */
export async function listGgufModels(repo: string, access: HubAccess & { readonly revision?: string } = {}): Promise<HubGgufModel[]> {
  const revision = access.revision ?? "main";
  const files: HubFileRef[] = [];
  await asHubError(repo, access, async () => {
    for await (const entry of listFiles({ repo: { type: "model", name: repo }, revision, recursive: true, hubUrl: hubEndpoint(access.endpoint), fetch: fetchFor(access) })) {
      if (entry.type !== "file" || !/\.gguf$/i.test(entry.path)) continue;
      files.push({ path: entry.path, size: entry.lfs?.size ?? entry.size, sha256: entry.lfs?.oid });
    }
  });
  return groupModelFiles(files)
    .map((parts): HubGgufModel => {
      const first = parts[0].path;
      const base = first.slice(first.lastIndexOf("/") + 1);
      const split = parseSplitPart(first);
      return {
        repo,
        revision,
        name: split ? `${base.replace(/-\d{5}-of-\d{5}\.gguf$/i, "")}.gguf` : base,
        files: parts,
        sizeBytes: parts.reduce((sum, file) => sum + (file.size ?? 0), 0),
        quantization: parseQuantization(base),
        split: split !== undefined,
        projector: /(^|[-_.])mmproj([-_.]|$)/i.test(base),
      };
    })
    .sort((a, b) => a.sizeBytes - b.sizeBytes || a.name.localeCompare(b.name));
}

function fetchFor(access: HubAccess): typeof fetch {
  const auth = access.token ? { token: access.token, origin: new URL(hubEndpoint(access.endpoint)).origin } : undefined;
  return hubFetch({ auth, proxy: access.proxy, signal: access.signal });
}

/** Turns the library's and the network's errors into the same typed errors downloads use. */
async function asHubError(subject: string, access: HubAccess, call: () => Promise<void>): Promise<void> {
  const host = new URL(hubEndpoint(access.endpoint)).host;
  try {
    await call();
  } catch (error) {
    if (access.signal?.aborted) throw new ModelDownloadError("cancelled", subject, `Looking up ${subject} on ${host} was cancelled.`);
    if (error instanceof HubApiError) {
      const status = error.statusCode;
      if (status === 404) {
        throw new ModelDownloadError("notFound", subject, `${subject} was not found on ${host} (404). Check the name and try again.`, { cause: error });
      }
      if (status === 401 || status === 403) {
        // The hub answers 401 for a private repository and for one that does not exist alike.
        throw new ModelDownloadError(
          "unauthorized",
          subject,
          `${host} won't show ${subject} (HTTP ${status}): it does not exist, or it is private or gated. Check the name; if you have access, set a Hugging Face token with "Hearth: Set Hugging Face Token".`,
          { cause: error },
        );
      }
      if (status === 429) {
        const advice = access.token ? "Wait a few minutes and try again." : `Wait a few minutes, or set a Hugging Face token with "Hearth: Set Hugging Face Token" (signed-in requests get a higher limit).`;
        throw new ModelDownloadError("rateLimited", subject, `${host} answered 429 Too Many Requests while looking up ${subject}: rate limited. ${advice}`, { cause: error, tokenHelps: !access.token });
      }
      throw new ModelDownloadError("http", subject, `${host} answered HTTP ${status} for ${subject}. Try again later.`, { cause: error });
    }
    const code = (error as NodeJS.ErrnoException).code;
    throw new ModelDownloadError(
      "connection",
      subject,
      `Can't reach the Hugging Face hub at ${host} (${code ?? (error as Error).message}). Check your network, the proxy (http.proxy) or the setting hearth.huggingFace.endpoint.`,
      { cause: error },
    );
  }
}
