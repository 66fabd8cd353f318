// Trimming text to a token budget at line boundaries: the code before the cursor loses lines at
// its start, the code after it and other files lose lines at their end. Lines are counted one by
// one from the side that is kept, so a huge text costs no more than its budget to trim.

export type CountTokens = (text: string) => number;

/** The lines of `text`, each with its "\n" (the last may have none). */
export function splitLines(text: string): string[] {
  const lines = text.split("\n").map((line) => `${line}\n`);
  lines[lines.length - 1] = lines[lines.length - 1].slice(0, -1);
  return lines[lines.length - 1] === "" ? lines.slice(0, -1) : lines;
}

/**
 * The end of `text` that costs at most `budget`, cut at a line start. A last line longer than the
 * whole budget (minified code) is cut inside, keeping its end: the text nearest the cursor.
 */
export function keepEnd(text: string, budget: number, count: CountTokens): string {
  const lines = splitLines(text);
  let cost = 0;
  let start = lines.length;
  while (start > 0) {
    const next = cost + count(lines[start - 1]);
    if (next > budget) break;
    cost = next;
    start--;
  }
  if (start === lines.length && lines.length > 0) return cutKeepingEnd(lines[lines.length - 1], budget, count);
  return exactlyWithin(lines.slice(start), budget, count, "dropFirst");
}

/** The start of `text` that costs at most `budget`, cut at a line end (inside the first line when that alone is too long). */
export function keepStart(text: string, budget: number, count: CountTokens): string {
  const lines = splitLines(text);
  let cost = 0;
  let end = 0;
  while (end < lines.length) {
    const next = cost + count(lines[end]);
    if (next > budget) break;
    cost = next;
    end++;
  }
  if (end === 0 && lines.length > 0) return cutKeepingStart(lines[0], budget, count);
  return exactlyWithin(lines.slice(0, end), budget, count, "dropLast");
}

/** Whether all of `text` costs at most `budget`, counting line by line from its end (stops once past the budget). */
export function fitsWithin(text: string, budget: number, count: CountTokens): boolean {
  const lines = splitLines(text);
  let cost = 0;
  for (let index = lines.length - 1; index >= 0; index--) {
    cost += count(lines[index]);
    if (cost > budget) return false;
  }
  return count(text) <= budget;
}

/** Line-by-line counts can differ from the whole text's by a token or two: drop lines until the whole fits. */
function exactlyWithin(lines: string[], budget: number, count: CountTokens, drop: "dropFirst" | "dropLast"): string {
  let kept = lines;
  while (kept.length > 0 && count(kept.join("")) > budget) kept = drop === "dropFirst" ? kept.slice(1) : kept.slice(0, -1);
  return kept.join("");
}

function cutKeepingEnd(line: string, budget: number, count: CountTokens): string {
  let low = 0;
  let high = line.length; // characters kept
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (count(line.slice(line.length - middle)) <= budget) low = middle;
    else high = middle - 1;
  }
  return line.slice(line.length - low);
}

function cutKeepingStart(line: string, budget: number, count: CountTokens): string {
  let low = 0;
  let high = line.length;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (count(line.slice(0, middle)) <= budget) low = middle;
    else high = middle - 1;
  }
  return line.slice(0, low);
}
