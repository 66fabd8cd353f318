// The two disk operations a download depends on for its failures, behind an interface so tests can
// make the disk fill up (ENOSPC) or report little free space without a real full disk.
import { promises as fs } from "node:fs";
import type { FileHandle } from "node:fs/promises";

export interface DownloadFileSystem {
  /** Appends `chunks`, in order, to a file opened for appending. */
  append(handle: FileHandle, chunks: readonly Buffer[]): Promise<void>;
  /** Bytes an unprivileged process may still write on the disk holding `folder`. */
  freeBytes(folder: string): Promise<number>;
}

export const nodeDownloadFileSystem: DownloadFileSystem = {
  async append(handle, chunks) {
    const total = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
    const { bytesWritten } = await handle.writev(chunks);
    // writev may stop short (a signal, a nearly full disk); write the rest, which reports ENOSPC.
    let rest = bytesWritten < total ? Buffer.concat(chunks).subarray(bytesWritten) : undefined;
    while (rest && rest.length > 0) {
      const { bytesWritten: more } = await handle.write(rest);
      rest = rest.subarray(more);
    }
  },
  async freeBytes(folder) {
    const stats = await fs.statfs(folder);
    return stats.bavail * stats.bsize;
  },
};
