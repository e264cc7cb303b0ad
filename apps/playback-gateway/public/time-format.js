// The player's one time format: local time, 24-hour, `HH:MM:SS` for today and `YYYY-MM-DD HH:MM:SS` for another
// day, and the parser of what a viewer types into "Go to". Pure (no DOM): unit-tested by src/pages/time-format.spec.ts.

/** @param {number} n */
const two = (n) => String(n).padStart(2, '0');

/** `HH:MM:SS`, local. @param {number} ms */
export function formatClock(ms) {
  const d = new Date(ms);
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/** `HH:MM`, local (timeline ticks). @param {number} ms */
export function formatClockShort(ms) {
  const d = new Date(ms);
  return `${two(d.getHours())}:${two(d.getMinutes())}`;
}

/** `YYYY-MM-DD`, local. @param {number} ms */
export function formatDay(ms) {
  const d = new Date(ms);
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}`;
}

/**
 * `HH:MM:SS` when `ms` falls on the local day of `nowMs`, else `YYYY-MM-DD HH:MM:SS`.
 * @param {number} ms
 * @param {number} nowMs
 */
export function formatTime(ms, nowMs) {
  return formatDay(ms) === formatDay(nowMs) ? formatClock(ms) : `${formatDay(ms)} ${formatClock(ms)}`;
}

/**
 * A length of time in words: `850 ms`, `4.2 s`, `30 s`, `5 min`, `5 min 30 s`, `1 h 5 min`.
 * @param {number} ms
 */
export function formatDuration(ms) {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  if (s < 3600) return s % 60 === 0 ? `${s / 60} min` : `${Math.floor(s / 60)} min ${s % 60} s`;
  const m = Math.round(s / 60);
  return m % 60 === 0 ? `${m / 60} h` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

const CLOCK = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/;
const DAY_CLOCK = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?$/;

/**
 * What a viewer typed as a time, local: `10:02`, `10:02:30` (today; the day before when that is still to come) or
 * `2026-12-07 10:02:30`. Undefined when it is not a time.
 * @param {string} text
 * @param {number} nowMs
 * @returns {number | undefined}
 */
export function parseTime(text, nowMs) {
  const t = text.trim();
  const withDay = DAY_CLOCK.exec(t);
  if (withDay) {
    const [y, mo, d, h, mi, s] = withDay.slice(1).map((v) => Number(v || 0));
    return validClock(h, mi, s) && mo >= 1 && mo <= 12 && d >= 1 && d <= 31 ? new Date(y, mo - 1, d, h, mi, s).getTime() : undefined;
  }
  const clock = CLOCK.exec(t);
  if (!clock) return undefined;
  const [h, mi, s] = clock.slice(1).map((v) => Number(v || 0));
  if (!validClock(h, mi, s)) return undefined;
  const now = new Date(nowMs);
  const today = new Date(now.getFullYear(), now.getMonth(), now.getDate(), h, mi, s).getTime();
  return today > nowMs ? new Date(now.getFullYear(), now.getMonth(), now.getDate() - 1, h, mi, s).getTime() : today;
}

/**
 * @param {number} h
 * @param {number} mi
 * @param {number} s
 */
const validClock = (h, mi, s) => h < 24 && mi < 60 && s < 60;
