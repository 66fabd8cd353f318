// What the names of GGUF files on the hub say: the quantization (Q4_K_M…), which files are parts
// of one split model (`-00001-of-00003.gguf`), and the plain file name a hub path may be saved
// under in the models folder. Hub names come from strangers, so the last one refuses anything that
// could land outside the folder.
import { createHash } from "node:crypto";
import * as path from "node:path";

/** Quantization names as llama.cpp's quantize tool and the common GGUF uploaders write them. */
const QUANTIZATIONS = new Set([
  "F32", "F16", "BF16", "Q8_0", "Q6_K", "Q5_0", "Q5_1", "Q5_K", "Q5_K_S", "Q5_K_M", "Q4_0", "Q4_1", "Q4_K",
  "Q4_K_S", "Q4_K_M", "Q3_K", "Q3_K_S", "Q3_K_M", "Q3_K_L", "Q2_K", "Q2_K_S", "IQ4_NL", "IQ4_XS", "IQ3_XXS",
  "IQ3_XS", "IQ3_S", "IQ3_M", "IQ2_XXS", "IQ2_XS", "IQ2_S", "IQ2_M", "IQ1_S", "IQ1_M", "TQ1_0", "TQ2_0",
  "MXFP4", "MXFP4_MOE", "Q2_K_XL", "Q3_K_XL", "Q4_K_XL", "Q5_K_XL", "Q6_K_XL", "Q8_K_XL",
]);

/** The quantization a GGUF file name states, upper-case, or undefined when it states none. */
export function parseQuantization(fileName: string): string | undefined {
  const stem = path.posix.basename(fileName).replace(/(-\d{5}-of-\d{5})?\.gguf$/i, "");
  const tokens = stem.split(/[-.\s]/).reverse();
  for (const token of tokens) {
    const upper = token.toUpperCase();
    if (QUANTIZATIONS.has(upper)) return upper;
    // "model_q4_k_m": the name is glued on with underscores, so try each underscore suffix.
    const pieces = upper.split("_");
    for (let start = 1; start < pieces.length; start++) {
      const suffix = pieces.slice(start).join("_");
      if (QUANTIZATIONS.has(suffix)) return suffix;
    }
  }
  return undefined;
}

const SPLIT_PART = /^(.*)-(\d{5})-of-(\d{5})\.gguf$/i;

export interface SplitPart {
  /** The path with the part suffix removed, the same for every part of one model. */
  readonly stem: string;
  readonly part: number;
  readonly parts: number;
}

/** Which part of a split GGUF model a path is, or undefined for a single-file model. */
export function parseSplitPart(hubPath: string): SplitPart | undefined {
  const match = SPLIT_PART.exec(hubPath);
  if (!match) return undefined;
  const part = Number(match[2]);
  const parts = Number(match[3]);
  return part >= 1 && part <= parts ? { stem: match[1], part, parts } : undefined;
}

export interface HubFileRef {
  /** Path inside the repository, e.g. `Q4_K_M/model-Q4_K_M-00001-of-00002.gguf`. */
  readonly path: string;
  readonly size?: number;
  /** The LFS oid, which is the SHA-256 of the file's bytes. */
  readonly sha256?: string;
}

/**
 * The files of a repository as models: every single `.gguf` file is one, and the parts of a split
 * model are one, ordered by part. A split model with a part missing from the listing can't be
 * loaded, so it is left out.
 */
export function groupModelFiles<T extends HubFileRef>(files: readonly T[]): T[][] {
  const singles: T[][] = [];
  const splits = new Map<string, T[]>();
  for (const file of files) {
    if (!/\.gguf$/i.test(file.path)) continue;
    const split = parseSplitPart(file.path);
    if (!split) {
      singles.push([file]);
      continue;
    }
    const key = `${split.stem}\u0000${split.parts}`;
    splits.set(key, [...(splits.get(key) ?? []), file]);
  }
  const complete = [...splits.values()]
    .map((parts) => [...parts].sort((a, b) => parseSplitPart(a.path)!.part - parseSplitPart(b.path)!.part))
    .filter((parts) => {
      const expected = parseSplitPart(parts[0].path)!.parts;
      return parts.length === expected && parts.every((file, index) => parseSplitPart(file.path)!.part === index + 1);
    });
  return [...singles, ...complete];
}

export type LocalNameResult = { readonly ok: true; readonly fileName: string } | { readonly ok: false; readonly why: string };

/** Joins a hub path's folders to its base name in a local name: `Q4_K_M/model.gguf` → `Q4_K_M--model.gguf`. */
const FOLDER_SEPARATOR = "--";
const MAX_NAME_BYTES = 200;

/**
 * The file name a hub path is saved under, in the models folder itself: its base name for a file
 * at the repository's root; for one in folders, the folders joined before it (`Q4_K_M/model.gguf`
 * → `Q4_K_M--model.gguf`), so same-named files in different folders of one repository stay apart,
 * and the same path always gets the same name (a partial download is found again). Folders too
 * long for that are replaced by a short hash of them. Refused: `..` or `.` segments, absolute or
 * drive paths, backslashes, control or reserved characters, hidden names or folders, names that
 * are not `.gguf`, and base names too long for common file systems.
 */
export function localFileName(hubPath: string): LocalNameResult {
  if (hubPath.length === 0) return { ok: false, why: "the name is empty" };
  if ([...hubPath].some((char) => char.charCodeAt(0) < 0x20 || char.charCodeAt(0) === 0x7f)) return { ok: false, why: "the name contains control characters" };
  if (hubPath.includes("\\")) return { ok: false, why: "the name contains a backslash" };
  if (hubPath.startsWith("/") || /^[a-zA-Z]:/.test(hubPath)) return { ok: false, why: "the name is an absolute path" };
  const segments = hubPath.split("/");
  if (segments.some((segment) => segment === ".." || segment === "." || segment === "")) {
    return { ok: false, why: "the name has empty, '.' or '..' folder parts" };
  }
  if (segments.some((segment) => /[<>:"|?*]/.test(segment))) return { ok: false, why: "the name contains characters file systems reserve" };
  const base = segments[segments.length - 1];
  const folders = segments.slice(0, -1);
  if (base.startsWith(".")) return { ok: false, why: "the name is hidden (starts with a dot)" };
  if (folders.some((folder) => folder.startsWith("."))) return { ok: false, why: "the file is in a hidden folder" };
  if (!/\.gguf$/i.test(base)) return { ok: false, why: "the name does not end in .gguf" };
  if (Buffer.byteLength(base) > MAX_NAME_BYTES) return { ok: false, why: "the name is too long" };
  if (folders.length === 0) return { ok: true, fileName: base };
  const prefixed = [...folders, base].join(FOLDER_SEPARATOR);
  if (Buffer.byteLength(prefixed) <= MAX_NAME_BYTES) return { ok: true, fileName: prefixed };
  const hashed = `${createHash("sha256").update(folders.join("/")).digest("hex").slice(0, 10)}${FOLDER_SEPARATOR}${base}`;
  return Buffer.byteLength(hashed) <= MAX_NAME_BYTES ? { ok: true, fileName: hashed } : { ok: false, why: "the name is too long" };
}

/** The path a checked file name lands at, or undefined if it would not be directly in `folder`. */
export function pathInFolder(folder: string, fileName: string): string | undefined {
  const target = path.resolve(folder, fileName);
  return path.dirname(target) === path.resolve(folder) ? target : undefined;
}
