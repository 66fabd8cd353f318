// How one batch of a model's context is shared between sequences that evaluate at the same time:
// the highest evaluation priority first (a completion's prompt before a chat answer's, so typing
// never waits behind a long chat prompt), sequences of equal priority sharing what is left evenly.
// node-llama-cpp's default ("maximumParallelism") shares evenly first and looks at priority only
// for the remainder.

export interface BatchCandidate {
  readonly tokens: readonly unknown[];
  readonly evaluationPriority: number;
}

export function prioritizeBatch<T extends BatchCandidate>({ items, size }: { items: readonly T[]; size: number }): Array<{ item: T; processAmount: number }> {
  const plan: Array<{ item: T; processAmount: number }> = [];
  let left = size;
  const priorities = [...new Set(items.map((item) => item.evaluationPriority))].sort((a, b) => b - a);
  for (const priority of priorities) {
    if (left === 0) break;
    let group = items.filter((item) => item.evaluationPriority === priority).map((item) => ({ item, processAmount: 0 }));
    plan.push(...group);
    // Even shares, then the shares of items that needed less go round again.
    while (left > 0 && group.length > 0) {
      const share = Math.max(1, Math.floor(left / group.length));
      for (const entry of group) {
        const amount = Math.min(share, entry.item.tokens.length - entry.processAmount, left);
        entry.processAmount += amount;
        left -= amount;
      }
      group = group.filter((entry) => entry.processAmount < entry.item.tokens.length);
    }
  }
  return plan.filter((entry) => entry.processAmount > 0);
}
