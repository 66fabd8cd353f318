// One file of a model, from the hub into `<file>.partial`, resumable and verified:
//  - resumes with `Range: bytes=<have>-` and keeps the bytes only if the server answers 206 from
//    that offset for the same content (the hub's X-Linked-ETag); otherwise starts again from 0;
//  - hashes while writing (and re-hashes what a partial file already holds before resuming), so the
//    SHA-256 is known the moment the last byte lands;
//  - retries a cut or stalled connection with backoff, from where it stopped; "a few times" counts
//    failures in a row without a byte of progress, so a flaky line that keeps moving is not given up;
//  - leaves the verified bytes under the partial name: putting them in place is the caller's step
//    (all parts of a split model appear together).
import { createHash, type Hash } from "node:crypto";
import { createReadStream, promises as fs } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import * as path from "node:path";
import { downloadFailures, ModelDownloadError } from "./downloadErrors";
import type { DownloadFileSystem } from "./downloadFileSystem";
import { BatchedWriter } from "./batchedWriter";
import { readDownloadAnswer, ServerBusyError } from "./downloadAnswer";
import { httpRequest, type BearerToken, type HttpResponse } from "./httpTransport";
import { errorCode } from "./modelFiles";
import { deletePartial, partialPath, partialSize, readPartialRecord, writePartialRecord, type DownloadPlan, type PlannedFile, type PartialRecord } from "./partialDownloads";
import { ProxyError, type ProxySettings } from "./proxyConnection";
import { delayUnlessAborted, StallError, StallWatch } from "./downloadTimers";

export interface FileDownloadOptions {
  readonly plan: DownloadPlan;
  readonly file: PlannedFile;
  readonly folder: string;
  /** The hub's `resolve` URL for the file. */
  readonly url: string;
  readonly auth?: BearerToken;
  readonly proxy?: ProxySettings;
  readonly signal: AbortSignal;
  readonly stallTimeoutMs: number;
  readonly retries: number;
  readonly retryDelayMs: number;
  readonly fileSystem: DownloadFileSystem;
  /** Bytes the model's later files still need, for the "free N GB" of a full disk. */
  readonly bytesAfterThisFile: number;
  /** Bytes of this file on disk; it can go down when the server makes us start over. */
  readonly onProgress: (fileBytes: number, fileSize: number | undefined) => void;
  readonly onRetry?: (failuresInRow: number, error: Error) => void;
}

export interface VerifiedFile {
  readonly destination: string;
  readonly size: number;
  readonly sha256: string;
  /** False when neither the listing nor the hub gave a SHA-256 to check against. */
  readonly verified: boolean;
  /** Body bytes received from the network by this call (not re-read from disk). */
  readonly transferredBytes: number;
}

const GGUF_MAGIC = Buffer.from("GGUF");
const MAX_BACKOFF_MS = 30_000;

export async function downloadFile(options: FileDownloadOptions): Promise<VerifiedFile> {
  const transfer = new FileTransfer(options);
  try {
    return await transfer.run();
  } catch (error) {
    // Not a model, or nothing received: there is nothing worth resuming, so leave no trace.
    await transfer.close();
    const destination = path.join(options.folder, options.file.fileName);
    const notGguf = error instanceof ModelDownloadError && error.reason === "notGguf";
    if (notGguf || (await partialSize(destination).catch(() => 0)) === 0) await deletePartial(destination).catch(() => undefined);
    throw error;
  } finally {
    await transfer.close();
  }
}

class FileTransfer {
  private readonly destination: string;
  private readonly host: string;
  private handle: FileHandle | undefined;
  private hasher: Hash = createHash("sha256");
  private have = 0;
  private head = Buffer.alloc(0);
  private transferred = 0;
  private record: PartialRecord;

  constructor(private readonly options: FileDownloadOptions) {
    this.destination = path.join(options.folder, options.file.fileName);
    this.host = new URL(options.url).host;
    const { plan, url, file } = options;
    this.record = { version: 1, plan, url, fileName: file.fileName, size: file.size, sha256: file.sha256 };
  }

  async run(): Promise<VerifiedFile> {
    await this.open();
    let failuresInRow = 0;
    let lastError: Error | undefined;
    while (this.record.size === undefined || this.have < this.record.size) {
      if (failuresInRow > this.options.retries) throw this.givenUp(failuresInRow, lastError);
      if (failuresInRow > 0) await this.backoff(failuresInRow, lastError!);
      const before = this.have + this.transferred;
      try {
        if (await this.attempt()) break;
        failuresInRow = 0;
      } catch (error) {
        if (this.options.signal.aborted) throw downloadFailures.cancelled(this.options.plan.name);
        if (error instanceof ModelDownloadError) throw error;
        // A proxy that answers "no" (407, 403) will say it again: not worth retrying.
        if (error instanceof ProxyError && error.status !== undefined) throw downloadFailures.proxyRefused(this.options.plan.name, error.message);
        lastError = error as Error;
        failuresInRow = this.have + this.transferred > before ? 1 : failuresInRow + 1;
      }
    }
    return this.verify();
  }

  async close(): Promise<void> {
    await this.handle?.close();
    this.handle = undefined;
  }

  /** Opens the partial file, keeping (and re-hashing) its bytes if its record says they are ours. */
  private async open(): Promise<void> {
    try {
      await this.openPartial();
    } catch (error) {
      if (this.options.signal.aborted) throw downloadFailures.cancelled(this.options.plan.name);
      throw error instanceof ModelDownloadError ? error : await this.diskFailure(error, 0);
    }
  }

  private async openPartial(): Promise<void> {
    const previous = await readPartialRecord(this.destination);
    const keep = previous !== undefined && previous.url === this.options.url && previous.fileName === this.options.file.fileName;
    if (keep) this.record = { ...this.record, size: previous.size ?? this.record.size, sha256: previous.sha256 ?? this.record.sha256, etag: previous.etag };
    await writePartialRecord(this.destination, this.record);
    // Always append mode: after a truncate to 0 (a restart) the next write lands at 0, not at the
    // old position, which would leave a hole of zeros the hash would never see.
    this.handle = await fs.open(partialPath(this.destination), "a");
    if (!keep) {
      await this.handle.truncate(0);
      return;
    }
    // Re-hashing gigabytes takes seconds: the signal lets a cancel stop it at once too.
    const existing = createReadStream(partialPath(this.destination), { highWaterMark: 1 << 20, signal: this.options.signal });
    for await (const chunk of existing) this.take(chunk as Buffer);
    if (this.record.size !== undefined && this.have > this.record.size) await this.restart();
    this.options.onProgress(this.have, this.record.size);
  }

  /** One request. Resolves true when the file is complete, false to go round again (a restart). */
  private async attempt(): Promise<boolean> {
    const stall = new StallWatch(this.options.stallTimeoutMs);
    const signal = AbortSignal.any([this.options.signal, stall.signal]);
    try {
      const response = await httpRequest(this.options.url, {
        headers: this.have > 0 ? { range: `bytes=${this.have}-` } : {},
        auth: this.options.auth,
        proxy: this.options.proxy,
        signal,
      });
      stall.touch();
      const start = await this.accept(response);
      if (start === "complete") return true;
      if (start === "askAgain") return false;
      await this.receive(response, stall);
      if (this.record.size === undefined) {
        this.record = { ...this.record, size: this.have }; // no length given: the end is the end
        return true;
      }
      if (this.have < this.record.size) throw new Error(`${this.host} ended the answer at byte ${this.have} of ${this.record.size}`);
      return true;
    } catch (error) {
      throw stall.signal.aborted && !this.options.signal.aborted ? stall.signal.reason : error;
    } finally {
      stall.stop();
    }
  }

  /** Acts on what the answer means for the bytes we have (see downloadAnswer.ts). */
  private async accept(response: HttpResponse): Promise<"receive" | "askAgain" | "complete"> {
    const { plan, file, auth } = this.options;
    const answer = readDownloadAnswer(response, {
      model: plan.name,
      repo: plan.repo,
      filePath: file.path,
      hadToken: auth !== undefined,
      have: this.have,
      knownIdentity: this.record.etag,
    });
    if (answer.kind !== "receive") response.body.destroy();
    switch (answer.kind) {
      case "fail":
        throw answer.error;
      case "complete":
        this.record = { ...this.record, size: answer.size };
        return "complete";
      case "askAgain":
        await this.restart();
        return "askAgain";
    }
    if (answer.fromZero) await this.restart();
    const updated: PartialRecord = {
      ...this.record,
      etag: answer.identity ?? this.record.etag,
      size: answer.size ?? this.record.size,
      sha256: answer.sha256 ?? this.record.sha256,
    };
    if (JSON.stringify(updated) !== JSON.stringify(this.record)) {
      this.record = updated;
      await writePartialRecord(this.destination, this.record);
    }
    return "receive";
  }

  /** Streams the body into the file; what arrived before a cut is kept, so a retry resumes after it. */
  private async receive(response: HttpResponse, stall: StallWatch): Promise<void> {
    const writer = new BatchedWriter(async (chunks, bytes) => {
      await this.write(chunks, bytes);
      this.options.onProgress(this.have, this.record.size);
    });
    try {
      for await (const chunk of response.body) {
        stall.touch();
        const bytes = chunk as Buffer;
        this.transferred += bytes.length;
        this.take(bytes, true);
        await writer.add(bytes);
      }
    } finally {
      await writer.finish();
    }
  }

  /** Counts and hashes bytes in file order; checks the GGUF magic as soon as 4 bytes are known. */
  private take(bytes: Buffer, pending = false): void {
    if (this.head.length < GGUF_MAGIC.length) {
      this.head = Buffer.concat([this.head, bytes.subarray(0, GGUF_MAGIC.length - this.head.length)]);
      if (this.head.length === GGUF_MAGIC.length && !this.head.equals(GGUF_MAGIC)) {
        throw downloadFailures.notGguf(this.options.plan.name, this.options.plan.repo, this.options.file.path);
      }
    }
    this.hasher.update(bytes);
    if (!pending) this.have += bytes.length;
  }

  private async write(chunks: Buffer[], bytes: number): Promise<void> {
    try {
      await this.options.fileSystem.append(this.handle!, chunks);
      this.have += bytes;
    } catch (error) {
      throw await this.diskFailure(error, bytes);
    }
  }

  /** A file system error as the user should read it: a full disk (and how much to free), or a folder we may not write. */
  private async diskFailure(error: unknown, atLeast: number): Promise<ModelDownloadError> {
    const code = errorCode(error);
    const { name } = this.options.plan;
    if (code === "ENOSPC" || code === "EDQUOT") {
      const onDisk = (await this.handle?.stat().then((stats) => stats.size).catch(() => undefined)) ?? this.have; // a write may stop part-way
      const missing = (this.record.size ?? onDisk) - onDisk + this.options.bytesAfterThisFile;
      return downloadFailures.diskFull(name, this.options.folder, Math.max(missing, atLeast));
    }
    return downloadFailures.notWritable(name, this.options.folder, error);
  }

  private async restart(): Promise<void> {
    await this.handle!.truncate(0);
    this.hasher = createHash("sha256");
    this.have = 0;
    this.head = Buffer.alloc(0);
    this.options.onProgress(0, this.record.size);
  }

  private async verify(): Promise<VerifiedFile> {
    const sha256 = this.hasher.digest("hex");
    const expected = this.record.sha256;
    // The hash covers the bytes as received; the file must also hold exactly those, no more.
    const onDisk = (await this.handle!.stat()).size;
    const damage =
      onDisk !== this.have
        ? `${onDisk} bytes are on disk where ${this.have} arrived`
        : expected !== undefined && expected !== sha256
          ? `its SHA-256 is ${sha256.slice(0, 12)}…, Hugging Face says ${expected.slice(0, 12)}…`
          : undefined;
    if (damage) {
      await this.close();
      await deletePartial(this.destination);
      throw downloadFailures.checksum(this.options.plan.name, this.options.file.fileName, damage);
    }
    return { destination: this.destination, size: this.have, sha256, verified: expected !== undefined, transferredBytes: this.transferred };
  }

  private async backoff(failuresInRow: number, error: Error): Promise<void> {
    this.options.onRetry?.(failuresInRow, error);
    // A busy server's Retry-After is honoured, up to the longest pause we ever make.
    const asked = error instanceof ServerBusyError ? (error.retryAfterMs ?? 0) : 0;
    await delayUnlessAborted(Math.min(Math.max(this.options.retryDelayMs * 2 ** (failuresInRow - 1), asked), MAX_BACKOFF_MS), this.options.signal);
    if (this.options.signal.aborted) throw downloadFailures.cancelled(this.options.plan.name);
  }

  private givenUp(failures: number, error: Error | undefined): ModelDownloadError {
    const { name } = this.options.plan;
    if (error instanceof StallError) return downloadFailures.stalled(name, this.host, this.options.stallTimeoutMs / 1000, this.have);
    if (error instanceof ServerBusyError && error.status === 429) return downloadFailures.rateLimited(name, error.host, this.options.auth !== undefined, this.have);
    if (error instanceof ServerBusyError) return downloadFailures.serverBusy(name, error.host, error.status, failures, this.have);
    return downloadFailures.connection(name, this.host, failures, this.have, error);
  }
}
