// A long, realistic model answer for rendering benchmarks and tests: prose, lists and inline
// code between fenced code blocks in several languages, about `tokens` tokens long.

const PROSE = [
  "The function reads the settings once and caches them, so later calls are cheap.",
  "Each value is checked against its rule; a bad value is replaced by the default and reported.",
  "Note that `readSettings` never throws: problems come back as a list the caller shows.",
  "- validation happens in one place\n- defaults live next to the rules\n- the caller decides how to report",
  "This keeps the **extension host** free of surprises, and the tests _plain Node_.",
];

const CODE: ReadonlyArray<readonly [string, string]> = [
  ["ts", "export function clamp(value: number, min: number, max: number): number {\n  return Math.min(max, Math.max(min, value));\n}\n"],
  ["python", "def chunks(items, size):\n    for start in range(0, len(items), size):\n        yield items[start:start + size]\n"],
  ["rust", "fn main() {\n    let total: u64 = (1..=10).map(|n| n * n).sum();\n    println!(\"{total}\");\n}\n"],
  ["json", "{\n  \"hearth.llamaCpp.threads\": 2,\n  \"hearth.chat.maxAnswerTokens\": 1024\n}\n"],
  ["bash", "for file in src/**/*.ts; do\n  wc -l \"$file\"\ndone | sort -n | tail\n"],
];

/** About `tokens` tokens (4 characters each) of markdown with `codeBlocks` fenced blocks spread through it. */
export function longAnswer(tokens: number, codeBlocks: number): string {
  const targetCharacters = tokens * 4;
  const parts: string[] = [];
  let length = 0;
  let block = 0;
  let sentence = 0;
  const proseBetween = Math.max(1, Math.floor(targetCharacters / (codeBlocks + 1) / 90));
  while (length < targetCharacters || block < codeBlocks) {
    for (let i = 0; i < proseBetween && length < targetCharacters; i++) {
      const text = PROSE[sentence++ % PROSE.length];
      parts.push(text);
      length += text.length + 2;
    }
    if (block < codeBlocks) {
      const [language, code] = CODE[block++ % CODE.length];
      const text = `\`\`\`${language}\n${code}\`\`\``;
      parts.push(text);
      length += text.length + 2;
    } else if (length >= targetCharacters) break;
  }
  return `${parts.join("\n\n")}\n`;
}

/** Splits text into pieces of about one token each (4 characters), as a model streams them. */
export function splitIntoTokens(text: string): string[] {
  const pieces: string[] = [];
  for (let start = 0; start < text.length; start += 4) pieces.push(text.slice(start, start + 4));
  return pieces;
}
