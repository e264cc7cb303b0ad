/**
 * "Did you mean …?" for a mistyped name: the known names closest to it by optimal-string-alignment distance
 * (Levenshtein plus the swap of two neighbours, the commonest typo), as commander and git suggest. A name closer than
 * 40 % of its length counts, and so does a known name the input is the start of (`--log` → `--log-level`).
 */
export function closestNames(input: string, known: readonly string[]): string[] {
  const typed = input.toLowerCase();
  if (typed === '') return [];
  const limit = Math.max(1, Math.floor(typed.length * 0.4));
  let best = Number.POSITIVE_INFINITY;
  let found: string[] = [];
  for (const name of known) {
    const d = name.toLowerCase().startsWith(typed) && typed.length >= 3 ? 0.5 : editDistance(typed, name.toLowerCase());
    if (d > limit || d > best) continue;
    if (d < best) [best, found] = [d, []];
    found.push(name);
  }
  return found;
}

/** Optimal string alignment distance: insertions, deletions, substitutions and adjacent transpositions cost 1. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const row = d[i] as number[];
      const up = d[i - 1] as number[];
      row[j] = Math.min((up[j] as number) + 1, (row[j - 1] as number) + 1, (up[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        row[j] = Math.min(row[j] as number, ((d[i - 2] as number[])[j - 2] as number) + 1);
      }
    }
  }
  return (d[rows - 1] as number[])[cols - 1] as number;
}
