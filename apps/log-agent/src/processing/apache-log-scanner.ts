/**
 * LOGTOJSON COMBINEDAPACHELOG / COMMONAPACHELOG (no matchPattern, COMPACT) in one pass over a line's bytes, written
 * straight into the output buffer: no string, match array or substring per line. It is an accelerator, not a second
 * parser: it accepts only a strict subset of what the agent's pattern (log-patterns.ts) accepts — the everyday
 * form of an access line — and gives up (NOT_HANDLED) on anything else, which then goes through the regex converter
 * (log-to-json-converter.ts), the one authority on what matches and what is dropped. apache-log-scanner.spec.ts
 * checks, on generated lines, that every line it takes gives the regex converter's output byte for byte.
 *
 * Why the subset gives the same groups as the pattern: each group is followed by a delimiter it cannot contain
 * (host, ident, authuser by ' ' — their classes `[\w.-]`, `[a-zA-Z0-9._-]` have no space; datetime by `]`; the
 * quoted fields `[^"]+` by `"`; response, and bytes in the combined format, by ' '), so under the `^` anchor each
 * group is exactly the bytes up to its delimiter, whatever the pattern's backtracking. What is checked per group:
 * - host: IPORHOST is HOSTNAME (`[\w-]+(\.[\w-]+)*\.?`: the `\b` branch adds nothing, `\.?` may be empty) or IP
 *   (`[\d.]+`): taken when it is all digits and dots, or starts with no dot and has no two dots in a row;
 * - datetime: only `DD/Mon/YYYY:HH:MM:SS ±ZZZZ` with the pattern's ranges (day 01–31, hour 00–23, minutes and
 *   seconds 00–59, a year from 1000); other spellings the pattern allows (one-digit day, `60` seconds, fractions,
 *   tab, no sign) are left to the regex;
 * - response, bytes: `-` or `[+-]?\d+`; COMMON's bytes is followed by the trailing `.*`, so it is the longest
 *   `[+-]?\d+` there, or `-` when no digit follows (as INT is tried first and is greedy);
 * - the whole line printable ASCII (0x20–0x7E) without `\`: nothing to escape in JSON (the groups cannot hold `"`),
 *   and no `\r` or other byte the trailing `.*` (Java's `.`) refuses.
 * A field that is exactly `-` is null (ApacheLogParser).
 */
import { jsonString } from './json-printer';
import { BUILT_IN_LOG_FORMATS } from './log-patterns';
import type { ProcessingOption } from './processing-options';

/** The converter declined the line: convert it through the text path. */
export const NOT_HANDLED = -1;

/**
 * Writes the JSON record (with its `\n`) for the line buf[from, to) (without its `\n`) at buf[at...] and returns
 * the offset past it, or NOT_HANDLED (buf may then hold scratch bytes past `at`). The line and the output share one
 * buffer so that each field is one native copyWithin (~40 ns whatever its length, where a JavaScript byte loop
 * costs ~2.5 ns a byte, measured); the output must not overlap the line, and needs `maxOutputBytes(to - from)` bytes.
 */
export type ByteLineConverter = (buf: Uint8Array, from: number, to: number, at: number) => number;

export interface ApacheByteConverter {
  convert: ByteLineConverter;
  /** Room the output of a line of `lineBytes` bytes may need. */
  maxOutputBytes(lineBytes: number): number;
}

const SPACE = 0x20;
const QUOTE = 0x22;
const DOT = 0x2e;
const DASH = 0x2d;
const PLUS = 0x2b;
const SLASH = 0x2f;
const COLON = 0x3a;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const BACKSLASH = 0x5c;
const NULL_BYTES = [0x6e, 0x75, 0x6c, 0x6c]; // null

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** The three letters of a month packed as c0 << 16 | c1 << 8 | c2. */
const MONTH_CODES = new Set(MONTHS.map((m) => (m.charCodeAt(0) << 16) | (m.charCodeAt(1) << 8) | m.charCodeAt(2)));

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isAlnum = (c: number): boolean => isDigit(c) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
/** USER: [a-zA-Z0-9._-]; HOSTNAME adds nothing but `_`, which USER has too. */
const isUserChar = (c: number): boolean => isAlnum(c) || c === DOT || c === 0x5f || c === DASH;
/** Printable ASCII without `\`: no JSON escape, no byte Java's `.` refuses. */
const isPlain = (c: number): boolean => c >= SPACE && c <= 0x7e && c !== BACKSLASH;

/**
 * The converter for the built-in Apache formats under `fields` (the agent's names or customFieldNames of the same
 * count, all distinct); `combined` for COMBINEDAPACHELOG.
 */
export function createApacheByteConverter(fields: readonly string[], combined: boolean): ApacheByteConverter {
  const n = combined ? 9 : 7;
  if (fields.length !== n || new Set(fields).size !== n) throw new RangeError(`createApacheByteConverter: ${n} distinct field names needed`);
  // `{"host":`, `,"ident":`, …: the keys as bytes, quoted once.
  const keys = fields.map((f, i) => Buffer.from((i === 0 ? '{' : ',') + jsonString(f) + ':', 'utf8'));
  const keyBytes = keys.reduce((sum, k) => sum + k.length, 0);
  // Start and end of each group in the line, reused (no array per line).
  const starts = new Int32Array(n);
  const ends = new Int32Array(n);
  const scan = combined ? scanCombined : scanCommon;
  return {
    // Per field at most the key, `"` value `"` or `null` for one `-` (+3), then `}` and `\n`.
    maxOutputBytes: (lineBytes) => lineBytes + keyBytes + 3 * n + 2,
    convert(buf, from, to, at) {
      if (!scan(buf, from, to, starts, ends)) return NOT_HANDLED;
      for (let f = 0; f < n; f++) {
        const key = keys[f];
        for (let k = 0; k < key.length; k++) buf[at++] = key[k];
        const s = starts[f];
        const e = ends[f];
        if (e - s === 1 && buf[s] === DASH) {
          for (let k = 0; k < 4; k++) buf[at++] = NULL_BYTES[k];
          continue;
        }
        buf[at++] = QUOTE;
        buf.copyWithin(at, s, e);
        at += e - s;
        buf[at++] = QUOTE;
      }
      buf[at++] = 0x7d; // }
      buf[at++] = 0x0a;
      return at;
    },
  };
}

/** Groups 1–7 (host … bytes): true when taken, group 7 ending at ends[6]; COMMON's trailing `.*` then follows. */
function scanCommonPrefix(src: Uint8Array, from: number, to: number, starts: Int32Array, ends: Int32Array, bytesEndsAtSpace: boolean): boolean {
  let p = scanHost(src, from, to);
  if (p < 0) return false;
  starts[0] = from;
  ends[0] = p;
  for (let g = 1; g <= 2; g++) {
    starts[g] = ++p; // past ' '
    while (p < to && isUserChar(src[p])) p++;
    if (p === starts[g] || p >= to || src[p] !== SPACE) return false;
    ends[g] = p;
  }
  if (src[++p] !== OPEN_BRACKET) return false;
  starts[3] = ++p;
  if (!isHttpDate(src, p, to)) return false;
  p += 26;
  ends[3] = p;
  if (p + 2 >= to || src[p + 1] !== SPACE || src[p + 2] !== QUOTE) return false;
  p = scanQuoted(src, p + 3, to, starts, ends, 4);
  if (p < 0 || p >= to || src[p] !== SPACE) return false;
  p = scanNumber(src, p + 1, to, starts, ends, 5, true);
  if (p < 0) return false;
  p = scanNumber(src, p + 1, to, starts, ends, 6, bytesEndsAtSpace);
  return p >= 0;
}

function scanCommon(src: Uint8Array, from: number, to: number, starts: Int32Array, ends: Int32Array): boolean {
  if (!scanCommonPrefix(src, from, to, starts, ends, false)) return false;
  return allPlain(src, ends[6], to);
}

function scanCombined(src: Uint8Array, from: number, to: number, starts: Int32Array, ends: Int32Array): boolean {
  if (!scanCommonPrefix(src, from, to, starts, ends, true)) return false;
  let p = ends[6];
  if (p + 1 >= to || src[p + 1] !== QUOTE) return false;
  p = scanQuoted(src, p + 2, to, starts, ends, 7);
  if (p < 0 || p + 1 >= to || src[p] !== SPACE || src[p + 1] !== QUOTE) return false;
  p = scanQuoted(src, p + 2, to, starts, ends, 8);
  return p >= 0 && allPlain(src, p, to);
}

/** The host group from `from`: the offset of the ' ' after it, or -1. */
function scanHost(src: Uint8Array, from: number, to: number): number {
  let p = from;
  let ipLike = true;
  let dots = false;
  for (; p < to; p++) {
    const c = src[p];
    if (c === DOT) {
      if (p === from || src[p - 1] === DOT) dots = true;
    } else if (isDigit(c)) {
      // digits fit both forms
    } else if (isUserChar(c)) ipLike = false;
    else break;
  }
  if (p === from || p >= to || src[p] !== SPACE) return -1;
  return ipLike || !dots ? p : -1;
}

/** `DD/Mon/YYYY:HH:MM:SS ±ZZZZ` followed by `]` at src[p...] (26 bytes, then the bracket). */
function isHttpDate(src: Uint8Array, p: number, to: number): boolean {
  if (p + 27 > to || src[p + 26] !== CLOSE_BRACKET) return false;
  const day = twoDigits(src, p);
  if (day < 1 || day > 31 || src[p + 2] !== SLASH || src[p + 6] !== SLASH) return false;
  if (!MONTH_CODES.has((src[p + 3] << 16) | (src[p + 4] << 8) | src[p + 5])) return false;
  if (src[p + 7] === 0x30 || twoDigits(src, p + 7) < 0 || twoDigits(src, p + 9) < 0) return false;
  if (src[p + 11] !== COLON || src[p + 14] !== COLON || src[p + 17] !== COLON || src[p + 20] !== SPACE) return false;
  const hour = twoDigits(src, p + 12);
  const minute = twoDigits(src, p + 15);
  const second = twoDigits(src, p + 18);
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return false;
  const sign = src[p + 21];
  return (sign === PLUS || sign === DASH) && twoDigits(src, p + 22) >= 0 && twoDigits(src, p + 24) >= 0;
}

/** Two decimal digits at src[p], or -1. */
function twoDigits(src: Uint8Array, p: number): number {
  const a = src[p] - 0x30;
  const b = src[p + 1] - 0x30;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/** `[^"]+` from p, plain bytes only, then `"`: group g, and the offset past the closing quote (-1: declined). */
function scanQuoted(src: Uint8Array, p: number, to: number, starts: Int32Array, ends: Int32Array, g: number): number {
  starts[g] = p;
  while (p < to && src[p] !== QUOTE) {
    if (!isPlain(src[p])) return -1;
    p++;
  }
  if (p === starts[g] || p >= to) return -1;
  ends[g] = p;
  return p + 1;
}

/**
 * `(INT|-)` from p as group g: the offset after it (a ' ' there when `endsAtSpace`), or -1. Not ended by a space
 * (COMMON's bytes), INT is the longest `[+-]?\d+` and `-` only when no digit follows it.
 */
function scanNumber(src: Uint8Array, p: number, to: number, starts: Int32Array, ends: Int32Array, g: number, endsAtSpace: boolean): number {
  starts[g] = p;
  if (p >= to) return -1;
  const c = src[p];
  if (c === PLUS || c === DASH) p++;
  const digitsFrom = p;
  while (p < to && isDigit(src[p])) p++;
  if (p === digitsFrom) {
    if (c !== DASH) return -1;
    p = starts[g] + 1; // the `-` alternative
  }
  ends[g] = p;
  if (endsAtSpace && (p >= to || src[p] !== SPACE)) return -1;
  return p;
}

/** Every byte of src[p, to) printable ASCII without `\`. */
function allPlain(src: Uint8Array, p: number, to: number): boolean {
  for (; p < to; p++) if (!isPlain(src[p])) return false;
  return true;
}

/**
 * The byte converter for a flow whose only option is LOGTOJSON COMMONAPACHELOG or COMBINEDAPACHELOG without
 * matchPattern, COMPACT, with distinct field names (the options are already validated by the text converter);
 * undefined otherwise.
 */
export function apacheByteConverterFor(options: readonly ProcessingOption[]): ApacheByteConverter | undefined {
  if (options.length !== 1) return undefined;
  const o = options[0];
  if (o.optionName !== 'LOGTOJSON' || o.matchPattern !== undefined || o.jsonFormat === 'PRETTYPRINT') return undefined;
  if (o.logFormat !== 'COMBINEDAPACHELOG' && o.logFormat !== 'COMMONAPACHELOG') return undefined;
  const fields = o.customFieldNames ?? BUILT_IN_LOG_FORMATS[o.logFormat].fields;
  if (fields.length !== BUILT_IN_LOG_FORMATS[o.logFormat].fields.length || new Set(fields).size !== fields.length) return undefined;
  return createApacheByteConverter(fields, o.logFormat === 'COMBINEDAPACHELOG');
}
