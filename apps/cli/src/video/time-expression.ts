/**
 * The time grammar of the camera commands (`--from`, `--to`, `--at`). Small on purpose, so that a script can
 * rely on it and a mistyped value is refused rather than guessed:
 *
 *   now                          the current time
 *   -90s  -5m  -2h  -1d          that long before now (units s, m, h, d; a combination such as -1h30m)
 *   90s ago  5m ago  1h30m ago   the same, written out
 *   2026-12-07T06:00:00Z         ISO 8601 with a zone (Z or ±hh:mm), seconds and fraction optional
 *   2026-12-07T07:00:00          ISO 8601 without a zone: local time (as `date` prints it)
 *   2026-12-07                   midnight local time
 *
 * Pure: `now` is passed in. Answers a value or a message that says what is accepted.
 */

export type TimeParse = { ok: true; value: Date } | { ok: false; message: string };
export type TimeRangeParse = { ok: true; from: Date; to: Date } | { ok: false; message: string };

export const TIME_GRAMMAR_HELP = 'a time is `now`, a duration before now (`-5m`, `-1h30m`, `90s ago`; units s m h d), or ISO 8601 (`2026-12-07T06:00:00Z`; no zone means local time)';

const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION = /^(?:\d+(?:\.\d+)?[smhd])+$/;
const DURATION_PART = /(\d+(?:\.\d+)?)([smhd])/g;
// Date only, or date and time with optional seconds, fraction and zone. Anything else (RFC 2822, "yesterday") is refused.
const ISO = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;

/** Milliseconds of a duration such as `5m` or `1h30m`; undefined when `text` is not one. */
export function parseDuration(text: string): number | undefined {
  if (!DURATION.test(text)) return undefined;
  let ms = 0;
  for (const [, n, unit] of text.matchAll(DURATION_PART)) ms += Number(n) * UNIT_MS[unit];
  return ms;
}

/** Whether the text's YYYY-MM-DD exists: Date.parse rolls 2026-02-30 over into March instead of refusing it. */
function isCalendarDate(iso: string): boolean {
  const [y, m, d] = [Number(iso.slice(0, 4)), Number(iso.slice(5, 7)), Number(iso.slice(8, 10))];
  return m >= 1 && m <= 12 && d >= 1 && d <= new Date(Date.UTC(y, m, 0)).getUTCDate();
}

/** Parses one time expression of the grammar above, relative to `now`. */
export function parseTimeExpression(input: string, now: Date): TimeParse {
  const text = input.trim().toLowerCase();
  if (text === '') return { ok: false, message: `an empty time: ${TIME_GRAMMAR_HELP}` };
  if (text === 'now') return { ok: true, value: new Date(now.getTime()) };
  const relative = text.startsWith('-') ? text.slice(1) : text.endsWith(' ago') ? text.slice(0, -4).replace(/\s+/g, '') : undefined;
  if (relative !== undefined) {
    const ms = parseDuration(relative);
    if (ms !== undefined) return { ok: true, value: new Date(now.getTime() - ms) };
    return { ok: false, message: `"${input}" is not a duration: ${TIME_GRAMMAR_HELP}` };
  }
  if (ISO.test(input.trim())) {
    const iso = input.trim().replace(' ', 'T');
    if (!isCalendarDate(iso)) return { ok: false, message: `"${input}" is not a valid date or time` };
    // A date alone is UTC to Date.parse; a user typing a day means their own midnight.
    const ms = iso.length === 10 ? Date.parse(`${iso}T00:00:00`) : Date.parse(iso);
    if (Number.isFinite(ms)) return { ok: true, value: new Date(ms) };
    return { ok: false, message: `"${input}" is not a valid date or time` };
  }
  return { ok: false, message: `cannot read "${input}" as a time: ${TIME_GRAMMAR_HELP}` };
}

/**
 * `--from` and `--to` together: each parsed, and `from` strictly before `to`. `to` defaults to now; `from` to
 * `defaultSpanMs` before `to` when the command has a default span, else it is required.
 */
export function parseTimeRange(from: string | undefined, to: string | undefined, now: Date, defaultSpanMs?: number): TimeRangeParse {
  const end = to === undefined ? { ok: true as const, value: new Date(now.getTime()) } : parseTimeExpression(to, now);
  if (!end.ok) return { ok: false, message: `--to: ${end.message}` };
  if (from === undefined && defaultSpanMs === undefined) return { ok: false, message: '--from is required' };
  const start = from === undefined ? { ok: true as const, value: new Date(end.value.getTime() - (defaultSpanMs ?? 0)) } : parseTimeExpression(from, now);
  if (!start.ok) return { ok: false, message: `--from: ${start.message}` };
  if (start.value.getTime() >= end.value.getTime()) {
    return { ok: false, message: `--from (${start.value.toISOString()}) must be before --to (${end.value.toISOString()})` };
  }
  return { ok: true, from: start.value, to: end.value };
}
