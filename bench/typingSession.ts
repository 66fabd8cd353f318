// A scripted typing session for bench:completion: a real source file of over 1,000 lines (Hearth's
// own engine sources, concatenated) in which the "user" retypes lines that were cut out, key by
// key, at a typist's pace with pauses at line ends and now and then mid-line. Seeded, so every
// run replays the same keys with the same gaps.
import { promises as fs } from "node:fs";
import * as path from "node:path";

export interface TypingStep {
  /** Text the user types at this step: one character, or Enter with the next line's indentation. */
  readonly key: string;
  /** Time since the previous key. */
  readonly gapMs: number;
}

export interface TypingSession {
  /** The document when the session starts: the source with the lines to retype cut out. */
  readonly lines: string[];
  /** Where each retyped passage starts (line index at the time it is typed) and what is typed. */
  readonly passages: ReadonlyArray<{ readonly line: number; readonly steps: readonly TypingStep[] }>;
  /** Other files the user has open: context for the completions. */
  readonly openFiles: ReadonlyArray<{ readonly path: string; readonly text: string }>;
}

/** A small deterministic generator (mulberry32): the same numbers on every run. */
export function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function typingSession(root: string, options: { passages: number; linesPerPassage: number }): Promise<TypingSession> {
  const sources = ["engine/engine.ts", "engine/backend.ts", "engine/backendActivity.ts", "engine/llamaCpp/llamaWorkerClient.ts", "engine/llamaCpp/loadedModels.ts", "engine/ollama/ollamaBackend.ts", "engine/openai/openAiBackend.ts"];
  const text = (await Promise.all(sources.map((file) => fs.readFile(path.join(root, "src", file), "utf8")))).join("\n");
  const lines = text.split("\n");
  if (lines.length < 1000) throw new Error(`The benchmark wants a file of 1,000 lines or more; these sources have ${lines.length}.`);
  const next = seeded(20261122);
  const passages: Array<{ line: number; steps: TypingStep[] }> = [];
  // Passages spread over the file, top to bottom; each cuts non-blank code lines out.
  const spacing = Math.floor(lines.length / (options.passages + 1));
  let removed = 0; // lines the earlier passages took out, net
  for (let index = 0; index < options.passages; index++) {
    let start = spacing * (index + 1) - removed;
    while (start < lines.length && lines[start].trim().length < 8) start++;
    const cut = lines.splice(start, options.linesPerPassage);
    removed += cut.length - 1;
    const indentationOf = (line: string) => /^\s*/.exec(line)?.[0] ?? "";
    // The passage is typed on a new line that has the first line's indentation already.
    lines.splice(start, 0, indentationOf(cut[0]));
    const steps: TypingStep[] = [];
    cut.forEach((line, lineIndex) => {
      if (lineIndex > 0) {
        // Enter, with the editor's auto-indentation: one key. Before it the user read the ghost text.
        steps.push({ key: `\n${indentationOf(line)}`, gapMs: 600 + next() * 900 });
      }
      for (const char of line.slice(indentationOf(line).length)) {
        const pause = next() < 0.04 ? 500 + next() * 700 : 0; // stopping to think mid-line
        steps.push({ key: char, gapMs: 55 + next() * 110 + pause });
      }
    });
    passages.push({ line: start, steps });
  }
  const openFiles = await Promise.all(
    ["src/chat/chatSession.ts", "src/completion/completionController.ts"].map(async (file) => ({ path: file, text: await fs.readFile(path.join(root, file), "utf8") })),
  );
  return { lines, passages, openFiles };
}
