// How every benchmark reports: a table on stdout, and with --json FILE the figures an issue names.
import { promises as fs } from "node:fs";

export function printTable(title: string, rows: readonly (readonly string[])[]): void {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  console.log(title);
  for (const row of rows) console.log(row.map((cell, column) => cell.padEnd(widths[column])).join("  "));
}

export async function writeFigures(file: string | undefined, figures: Record<string, number>): Promise<void> {
  if (!file) return;
  await fs.writeFile(file, `${JSON.stringify(figures, null, 2)}\n`);
  console.log(`wrote ${file}`);
}

/** The value at percentile `p` (0–100) of `values`, nearest rank below; NaN for none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  return [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((values.length * p) / 100))];
}

/** The median of `values` (the upper one of an even count); NaN for none. */
export function median(values: readonly number[]): number {
  return percentile(values, 50);
}
