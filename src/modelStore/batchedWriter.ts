// Writes a stream of chunks to disk in batches: by size (fewer system calls), or by time (so a slow
// line still shows progress). One batch is written while the next one arrives, so the disk and the
// network overlap; writes stay one at a time and in order, and a failed write is thrown at the next
// `add` or at `finish`.
export class BatchedWriter {
  private batch: Buffer[] = [];
  private batchBytes = 0;
  private flushedAt = Date.now();
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly write: (chunks: Buffer[], bytes: number) => Promise<void>,
    private readonly flushBytes = 1 << 20,
    private readonly flushMs = 200,
  ) {}

  async add(chunk: Buffer): Promise<void> {
    this.batch.push(chunk);
    this.batchBytes += chunk.length;
    if (this.batchBytes >= this.flushBytes || Date.now() - this.flushedAt >= this.flushMs) await this.flush();
  }

  /** Writes what is left and waits for every write. */
  async finish(): Promise<void> {
    await this.flush();
    await this.writing;
  }

  private async flush(): Promise<void> {
    await this.writing;
    if (this.batchBytes === 0) return;
    const [chunks, bytes] = [this.batch, this.batchBytes];
    [this.batch, this.batchBytes, this.flushedAt] = [[], 0, Date.now()];
    this.writing = this.write(chunks, bytes);
    this.writing.catch(() => undefined); // awaited at the next flush; this only marks it handled meanwhile
  }
}
