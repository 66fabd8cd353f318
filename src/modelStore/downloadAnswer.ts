// What the hub's (or its CDN's) answer to a download request means for the bytes already on disk.
// Kept apart from the transfer so the rules read in one place:
//   206 from our offset, same content (X-Linked-ETag, else ETag)  → continue
//   200 to a Range request                                         → the whole file again: from 0
//   206 for other content or another offset                        → drop our bytes, ask again
//   416 whose total equals what we have                            → already complete
//   401/403, RepoNotFound, 404                                     → the typed error, no retry
//   429, 5xx                                                       → retry later (after Retry-After)
import { STATUS_CODES } from "node:http";
import { downloadFailures } from "./downloadErrors";
import { hubHeader, type HttpResponse } from "./httpTransport";

/** A 429 or 5xx: the server is busy, worth asking again after a pause; named as such if it stays busy. */
export class ServerBusyError extends Error {
  constructor(
    readonly status: number,
    /** The host that answered (the hub, or its CDN). */
    readonly host: string,
    /** How long the server asked us to wait (Retry-After), when it said. */
    readonly retryAfterMs: number | undefined,
  ) {
    super(`${host} answered ${status} ${STATUS_CODES[status] ?? ""}`.trimEnd());
  }
}

export type DownloadAnswer =
  | { readonly kind: "fail"; readonly error: Error }
  | { readonly kind: "complete"; readonly size: number }
  | { readonly kind: "askAgain" }
  | {
      readonly kind: "receive";
      /** The body starts at byte 0: drop what we have first. */
      readonly fromZero: boolean;
      readonly identity: string | undefined;
      readonly size: number | undefined;
      /** The SHA-256 the hub states (its LFS oid as X-Linked-ETag), when it states one. */
      readonly sha256: string | undefined;
    };

export interface AnswerContext {
  readonly model: string;
  readonly repo: string;
  readonly filePath: string;
  readonly hadToken: boolean;
  /** Bytes on disk; a Range request was sent when above 0. */
  readonly have: number;
  /** The identity recorded when the bytes on disk were received. */
  readonly knownIdentity: string | undefined;
}

export function readDownloadAnswer(response: HttpResponse, context: AnswerContext): DownloadAnswer {
  const { status } = response;
  const { model, repo, have } = context;
  const host = response.url.host;
  // The hub answers 401 RepoNotFound for a missing repository and a private one alike.
  if (hubHeader(response, "x-error-code") === "RepoNotFound") return fail(downloadFailures.repoNotFound(model, repo));
  if (status === 401 || status === 403) return fail(downloadFailures.unauthorized(model, repo, status, context.hadToken));
  if (status === 404) return fail(downloadFailures.fileNotFound(model, repo, context.filePath));
  if (status === 416) {
    const total = Number(/\/(\d+)$/.exec(response.headers["content-range"] ?? "")?.[1]);
    return total === have && have > 0 ? { kind: "complete", size: total } : { kind: "askAgain" };
  }
  if (status === 429 || status >= 500) return fail(new ServerBusyError(status, host, retryAfterMs(response.headers["retry-after"])));
  if (status !== 200 && status !== 206) return fail(downloadFailures.http(model, host, status));

  const identity = normalizeEtag(hubHeader(response, "x-linked-etag") ?? response.headers.etag);
  const range = /^bytes (\d+)-\d+\/(\d+)$/.exec(response.headers["content-range"] ?? "");
  const start = range ? Number(range[1]) : 0;
  const sameContent = context.knownIdentity === undefined || identity === undefined || identity === context.knownIdentity;
  if (status === 206 && (start !== have || !sameContent)) return { kind: "askAgain" };
  const fromZero = status === 200 && have > 0;
  const length = Number(response.headers["content-length"] ?? hubHeader(response, "x-linked-size"));
  const size = range ? Number(range[2]) : Number.isFinite(length) ? length : undefined;
  const sha256 = identity && /^[0-9a-f]{64}$/.test(identity) ? identity : undefined;
  return { kind: "receive", fromZero, identity, size, sha256 };
}

function fail(error: Error): DownloadAnswer {
  return { kind: "fail", error };
}

/** Retry-After as seconds or an HTTP date, in ms from now; undefined when absent or unreadable. */
function retryAfterMs(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function normalizeEtag(value: string | undefined): string | undefined {
  return value?.replace(/^W\//, "").replace(/^"|"$/g, "").toLowerCase() || undefined;
}
