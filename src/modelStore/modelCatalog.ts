// The curated models Hearth recommends (catalog.json, shipped in the bundle). The JSON is edited by
// hand, so it is checked on load: an entry with a bad field is dropped with a reason rather than
// offered as a download that cannot work (a hub path outside the models folder, a role Hearth does
// not know, a size that is not a number).
import rawCatalog from "./catalog.json";
import { localFileName, parseQuantization } from "./hubFileNames";
import { MODEL_ROLES, type ModelRole } from "./modelRoles";

export interface CatalogModel {
  readonly id: string;
  readonly label: string;
  /** `owner/name` on the hub. */
  readonly repo: string;
  /** Path of the .gguf file in the repository. */
  readonly file: string;
  readonly quantization: string;
  /** Approximate; the hub's listing gives the exact size when the download starts. */
  readonly sizeBytes: number;
  readonly roles: readonly ModelRole[];
  /** The least memory the model is worth trying with, as its publishers and our testing suggest. */
  readonly minMemoryBytes: number;
  readonly licence: string;
}

export interface CatalogCheck {
  readonly models: CatalogModel[];
  /** One line per dropped entry: which and why. */
  readonly problems: string[];
}

/** Checks each entry of a catalog document; keeps the good ones in order. */
export function validateCatalog(document: unknown): CatalogCheck {
  const entries = (document as { models?: unknown } | null)?.models;
  if (!Array.isArray(entries)) return { models: [], problems: ["The catalog has no `models` list."] };
  const models: CatalogModel[] = [];
  const problems: string[] = [];
  const ids = new Set<string>();
  entries.forEach((entry: unknown, index) => {
    const problem = entryProblem(entry);
    const id = (entry as { id?: unknown } | null)?.id;
    if (problem) problems.push(`Catalog entry ${typeof id === "string" ? id : `#${index + 1}`}: ${problem}`);
    else if (ids.has((entry as CatalogModel).id)) problems.push(`Catalog entry ${(entry as CatalogModel).id}: the id is used twice.`);
    else {
      ids.add((entry as CatalogModel).id);
      models.push(entry as CatalogModel);
    }
  });
  return { models, problems };
}

function entryProblem(entry: unknown): string | undefined {
  if (typeof entry !== "object" || entry === null) return "not an object.";
  const model = entry as Record<string, unknown>;
  for (const key of ["id", "label", "repo", "file", "quantization", "licence"]) {
    if (typeof model[key] !== "string" || !model[key].trim()) return `\`${key}\` must be a non-empty string.`;
  }
  for (const key of ["sizeBytes", "minMemoryBytes"]) {
    if (typeof model[key] !== "number" || !Number.isFinite(model[key]) || model[key] <= 0) return `\`${key}\` must be a positive number.`;
  }
  if (!/^[\w.-]+\/[\w.-]+$/.test(model.repo as string)) return "`repo` must be owner/name.";
  if (!/\.gguf$/i.test(model.file as string)) return "`file` must be a .gguf file.";
  const local = localFileName(model.file as string);
  if (!local.ok) return `\`file\` cannot be saved in the models folder: ${local.why}`;
  const stated = parseQuantization(model.file as string);
  if (stated && stated !== (model.quantization as string).toUpperCase()) return `\`quantization\` says ${String(model.quantization)}, the file name says ${stated}.`;
  const roles = model.roles;
  if (!Array.isArray(roles) || !roles.length || roles.some((role) => !MODEL_ROLES.includes(role as ModelRole))) {
    return `\`roles\` must list some of ${MODEL_ROLES.join(", ")}.`;
  }
  return undefined;
}

let shipped: CatalogCheck | undefined;

/** The catalog shipped with Hearth, checked once. */
export function shippedCatalog(): CatalogCheck {
  shipped ??= validateCatalog(rawCatalog);
  return shipped;
}
