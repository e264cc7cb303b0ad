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

/**
 * Bytes as the dashboard shows sizes: "812 B", "1.9 MB" (powers of 1000, as disks and links are sold).
 * @param {number} n
 */
export function formatBytes(n) {
  if (n < 1000) return `${Math.round(n)} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = n / 1000;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

/**
 * A camera's local recording on its tile: "–" when it does not record, else the backlog not uploaded yet
 * ("none", or "121 · 1.9 MB · 3.0 h": fragments, bytes, capture age of the oldest), "stopped" first when capture
 * ended.
 * @param {{ recording?: 'recording' | 'stopped'; backlogFragments?: number; backlogBytes?: number; backlogAgeSeconds?: number }} p
 */
export function formatBacklog(p) {
  if (p.recording === undefined) return '–';
  const n = p.backlogFragments ?? 0;
  const backlog = n === 0 ? 'none' : `${n.toLocaleString('en')} · ${formatBytes(p.backlogBytes ?? 0)} · ${formatAge((p.backlogAgeSeconds ?? 0) * 1000)}`;
  return p.recording === 'stopped' ? `stopped · ${backlog}` : backlog;
}

/**
 * An upload rate in bytes/s as link speed: "240 kbit/s", "1.9 Mbit/s".
 * @param {number | null | undefined} bytesPerSecond
 */
export function formatUploadRate(bytesPerSecond) {
  if (bytesPerSecond === null || bytesPerSecond === undefined) return '–';
  const kbit = (bytesPerSecond * 8) / 1000;
  return kbit < 1000 ? `${Math.round(kbit)} kbit/s` : `${(kbit / 1000).toFixed(1)} Mbit/s`;
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
