// The installed models of a folder, as models rather than files: the parts of a split GGUF model
// (`name-00001-of-00003.gguf`, …) are one model, named and loaded by its first part, sized as all
// of them, and removed together. A part whose first part is missing is not a model anyone can load,
// so it is listed on its own (to be seen and removed) rather than hidden.
import { parseSplitPart } from "./hubFileNames";
import type { ModelFile } from "./modelFiles";

export interface InstalledModel {
  /** The file settings name and llama.cpp loads (the first part of a split model). */
  readonly file: ModelFile;
  /** Every file of the model, the first one first. */
  readonly parts: readonly ModelFile[];
  readonly sizeBytes: number;
}

export function groupInstalledFiles(files: readonly ModelFile[]): InstalledModel[] {
  const byStem = new Map<string, ModelFile[]>();
  const models: InstalledModel[] = [];
  for (const file of files) {
    const split = parseSplitPart(file.name);
    if (!split) models.push({ file, parts: [file], sizeBytes: file.sizeBytes });
    else byStem.set(`${split.stem}\u0000${split.parts}`, [...(byStem.get(`${split.stem}\u0000${split.parts}`) ?? []), file]);
  }
  for (const parts of byStem.values()) {
    parts.sort((a, b) => parseSplitPart(a.name)!.part - parseSplitPart(b.name)!.part);
    if (parseSplitPart(parts[0].name)!.part !== 1) {
      models.push(...parts.map((file) => ({ file, parts: [file], sizeBytes: file.sizeBytes })));
      continue;
    }
    models.push({ file: parts[0], parts, sizeBytes: parts.reduce((sum, part) => sum + part.sizeBytes, 0) });
  }
  return models.sort((a, b) => a.file.name.localeCompare(b.file.name));
}
