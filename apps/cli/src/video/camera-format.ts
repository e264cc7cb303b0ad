/**
 * What the camera commands print, as pure functions: times in local time for a person at a terminal (ISO UTC
 * goes to JSON), sizes and durations in short units, and plain aligned tables. No colours here: the command
 * colours the cells it wants (picocolors is a no-op in a pipe or with NO_COLOR), and widths ignore escapes.
 */

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** `2026-12-07 07:00:01.250` in the local zone (what `date` shows), milliseconds kept: fragments are ~1 s apart. */
export function formatLocalTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/** `532 B`, `12.3 KiB`, `4.0 MiB`, `1.20 GiB` (two decimals from GiB on). */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(unit >= 2 ? 2 : 1)} ${units[unit]}`;
}

/** `850 ms`, `4.0 s`, `2m05s`, `3h07m`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)}m${pad(s % 60)}s`;
  return `${Math.floor(s / 3600)}h${pad(Math.floor((s % 3600) / 60))}m`;
}

/** How long ago, for a person: `12 s ago`, `5m03s ago`. */
export function formatAge(ms: number, nowMs: number): string {
  return `${formatDuration(Math.max(0, nowMs - ms))} ago`;
}

// ANSI SGR sequences (colours) take no columns.
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;
const visibleWidth = (text: string): number => text.replace(ANSI, '').length;

/** Rows under a header, columns padded to their widest cell (the last column is not padded). */
export function renderTable(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((h, i) => Math.max(visibleWidth(h), ...rows.map((r) => visibleWidth(r[i] ?? ''))));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell + ' '.repeat(widths[i] - visibleWidth(cell))))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}
