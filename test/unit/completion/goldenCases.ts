// Reads the golden cases in test/fixtures/completion-golden (the format is in its README.md).
import * as fs from "node:fs";
import * as path from "node:path";
import type { FinishSettings } from "../../../src/completion/pipeline/finishCompletion";
import { fixturesDirectory } from "../../support/fixtures";

export const goldenDirectory = path.join(fixturesDirectory, "completion-golden");
export const CURSOR = "█";

export interface GoldenCase {
  readonly name: string;
  readonly title: string;
  readonly languageId: string;
  readonly prefix: string;
  readonly suffix: string;
  readonly modelOutput: string;
  readonly expected: string;
  readonly settings: FinishSettings;
  readonly shape: string | undefined;
  readonly cause: string | undefined;
}

export function readGoldenCases(directory = goldenDirectory): GoldenCase[] {
  return fs
    .readdirSync(directory)
    .filter((file) => file.endsWith(".md") && file !== "README.md")
    .sort()
    .map((file) => parseCase(path.basename(file, ".md"), fs.readFileSync(path.join(directory, file), "utf8")));
}

export function parseCase(name: string, source: string): GoldenCase {
  const lines = source.replace(/\r\n/g, "\n").split("\n");
  const title = lines.find((line) => line.startsWith("# "))?.slice(2) ?? name;
  const options = new Map<string, string>();
  const sections = new Map<string, string>();
  let section: string | undefined;
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index];
    const heading = /^## (.+)$/.exec(line);
    const option = /^- (\w+): (.*)$/.exec(line);
    const fence = /^(`{3,}|~{3,})[\w-]*$/.exec(line);
    if (heading) section = heading[1].trim();
    else if (option && section === undefined) options.set(option[1], option[2].trim());
    else if (fence && section !== undefined && !sections.has(section)) {
      const close = lines.indexOf(fence[1], index + 1);
      if (close < 0) throw new Error(`${name}: the block of "${section}" is not closed`);
      sections.set(section, lines.slice(index + 1, close).join("\n"));
      index = close;
    }
  }
  const block = (key: string): string => {
    const text = sections.get(key);
    if (text === undefined) throw new Error(`${name}: no "## ${key}" block`);
    return text;
  };
  const document = block("document");
  const cursor = document.indexOf(CURSOR);
  if (cursor < 0 || document.indexOf(CURSOR, cursor + 1) >= 0) throw new Error(`${name}: the document needs exactly one ${CURSOR}`);
  const languageId = options.get("language");
  if (!languageId) throw new Error(`${name}: no "- language:" option`);
  const number = (key: string) => (options.has(key) ? Number(options.get(key)) : undefined);
  return {
    name,
    title,
    languageId,
    prefix: document.slice(0, cursor),
    suffix: document.slice(cursor + CURSOR.length),
    modelOutput: block("model output"),
    expected: block("expected"),
    settings: {
      maxLines: number("maxLines"),
      tabSize: number("tabSize"),
      insertSpaces: options.has("insertSpaces") ? options.get("insertSpaces") === "true" : undefined,
    },
    shape: options.get("shape"),
    cause: options.get("cause"),
  };
}
