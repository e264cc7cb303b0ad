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

/**
 * "1 stream", "2 streams", "0 streams": the count and the word that agrees with it (English: singular for 1 only).
 * @param {number} n
 * @param {string} one
 * @param {string} [many] default: `one` + "s"
 */
export function plural(n, one, many = `${one}s`) {
  return `${n.toLocaleString('en')} ${n === 1 ? one : many}`;
}

/**
 * A local wall-clock time for chart axes and legends: "08:41" (or "08:41:05" with seconds).
 * @param {number} ms epoch ms
 * @param {boolean} [seconds]
 */
export function formatClock(ms, seconds = false) {
  const d = new Date(ms);
  const two = (/** @type {number} */ v) => String(v).padStart(2, '0');
  return `${two(d.getHours())}:${two(d.getMinutes())}${seconds ? `:${two(d.getSeconds())}` : ''}`;
}
