// What the fake hub serves: exact bytes, or deterministic pseudo-random bytes made on the fly so a
// benchmark can serve 512 MiB without a file in the repository. Each knows its size and sha256.
import { createHash } from "node:crypto";

const MiB = 1 << 20;

export interface FakeContent {
  readonly size: number;
  readonly sha256: string;
  read(offset: number, length: number): Buffer;
}

/** Exact bytes, e.g. a file that is not GGUF. */
export function bufferContent(bytes: Buffer): FakeContent {
  return { size: bytes.length, sha256: createHash("sha256").update(bytes).digest("hex"), read: (offset, length) => bytes.subarray(offset, offset + length) };
}

/**
 * `size` deterministic pseudo-random bytes starting with the GGUF magic, made on the fly (a 512 MiB
 * file costs 2 MiB of memory): each MiB is a rotation, chosen by its index, of a table that a
 * xorshift generator fills from `seed`. Its sha256 is computed once, here.
 */
export function generatedContent(size: number, seed = 1): FakeContent {
  const table = Buffer.alloc(MiB);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < MiB; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    table.writeUInt32LE(x >>> 0, i);
  }
  const doubled = Buffer.concat([table, table]);
  const magic = Buffer.from("GGUF\u0003\u0000\u0000\u0000", "latin1");
  const read = (offset: number, length: number): Buffer => {
    const pieces: Buffer[] = [];
    for (let at = offset; at < Math.min(offset + length, size); ) {
      const block = Math.floor(at / MiB);
      const within = at % MiB;
      const take = Math.min(MiB - within, offset + length - at, size - at);
      const rotation = (block * 7_919 * 61) % MiB;
      pieces.push(doubled.subarray(rotation + within, rotation + within + take));
      at += take;
    }
    const bytes = pieces.length === 1 ? pieces[0] : Buffer.concat(pieces);
    if (offset >= magic.length) return bytes;
    const patched = Buffer.from(bytes);
    magic.copy(patched, 0, offset, Math.min(magic.length, offset + patched.length));
    return patched;
  };
  const hash = createHash("sha256");
  for (let at = 0; at < size; at += 4 * MiB) hash.update(read(at, Math.min(4 * MiB, size - at)));
  return { size, sha256: hash.digest("hex"), read };
}
