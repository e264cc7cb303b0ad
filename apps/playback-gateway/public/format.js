// Number and duration formatting shared by the dashboard's modules (dashboard.js, data-streams.js).

/**
 * @param {number | null | undefined} n
 * @param {number} [digits]
 */
export const fmt = (n, digits = 1) => (n === null || n === undefined || Number.isNaN(n) ? '–' : Number(n).toFixed(digits));

/** @param {number | null | undefined} ms */
export function formatAge(ms) {
  if (ms === null || ms === undefined) return '–';
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

/** @param {number | null | undefined} ms */
export function formatLag(ms) {
  if (ms === null || ms === undefined) return '–';
  return ms < 10_000 ? `${Math.round(ms)} ms` : formatAge(ms);
}
