/**
 * Whether bytes are one JSON text (RFC 8259), without building it: `tail` shows a payload that is JSON as it is,
 * and JSON.parse only to validate cost as much as the rest of the line's formatting together (every object and
 * string it allocates is garbage at once). An iterative scanner over the bytes: no recursion depth limit, no
 * allocation beyond a small stack. Non-ASCII bytes are taken as string content; the caller checks UTF-8 first
 * (Buffer's isUtf8). Pure; checked against JSON.parse in its spec (fixed cases and random strings).
 */

const OBJECT = 1;
const ARRAY = 2;

const enum State {
  Value,
  Key,
  After,
}

function isWs(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** Whether the last isJsonBytes call skipped a line break (whitespace: valid JSON has no other raw ones). */
let sawLineBreak = false;
/** Whether the last isJsonBytes call met a byte ≥ 0x80 (only string contents may hold one in valid JSON). */
let sawNonAscii = false;

function skipWs(b: Uint8Array, i: number, end: number): number {
  while (i < end && isWs(b[i])) {
    if (b[i] === 0x0a || b[i] === 0x0d) sawLineBreak = true;
    i++;
  }
  return i;
}

/** After isJsonBytes said yes: whether the text spans lines (and must be re-serialised to fit on one). */
export function jsonHadLineBreak(): boolean {
  return sawLineBreak;
}

/** After isJsonBytes said yes: whether the text has non-ASCII bytes (only then is a UTF-8 check needed). */
export function jsonHadNonAscii(): boolean {
  return sawNonAscii;
}

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

/** `i` at the opening quote; the index after the closing quote, or -1. */
function scanString(b: Uint8Array, i: number, end: number): number {
  for (i++; i < end; i++) {
    const c = b[i];
    if (c === 0x22) return i + 1;
    if (c < 0x20) return -1;
    if (c >= 0x80) sawNonAscii = true;
    if (c === 0x5c) {
      const e = b[++i];
      if (e === 0x75) {
        if (i + 4 >= end || !isHex(b[i + 1]) || !isHex(b[i + 2]) || !isHex(b[i + 3]) || !isHex(b[i + 4])) return -1;
        i += 4;
      } else if (e !== 0x22 && e !== 0x5c && e !== 0x2f && e !== 0x62 && e !== 0x66 && e !== 0x6e && e !== 0x72 && e !== 0x74) {
        return -1;
      }
    }
  }
  return -1;
}

function digits(b: Uint8Array, i: number, end: number): number {
  while (i < end && b[i] >= 0x30 && b[i] <= 0x39) i++;
  return i;
}

/** `i` at '-' or a digit; the index after the number, or -1. */
function scanNumber(b: Uint8Array, i: number, end: number): number {
  if (b[i] === 0x2d) i++;
  if (i >= end) return -1;
  if (b[i] === 0x30) i++;
  else if (b[i] >= 0x31 && b[i] <= 0x39) i = digits(b, i + 1, end);
  else return -1;
  if (i < end && b[i] === 0x2e) {
    const after = digits(b, i + 1, end);
    if (after === i + 1) return -1;
    i = after;
  }
  if (i < end && (b[i] === 0x65 || b[i] === 0x45)) {
    i++;
    if (i < end && (b[i] === 0x2b || b[i] === 0x2d)) i++;
    const after = digits(b, i, end);
    if (after === i) return -1;
    i = after;
  }
  return i;
}

const TRUE = [0x74, 0x72, 0x75, 0x65];
const FALSE = [0x66, 0x61, 0x6c, 0x73, 0x65];
const NULL = [0x6e, 0x75, 0x6c, 0x6c];

function scanLiteral(b: Uint8Array, i: number, end: number, word: readonly number[]): number {
  if (i + word.length > end) return -1;
  for (let k = 0; k < word.length; k++) if (b[i + k] !== word[k]) return -1;
  return i + word.length;
}

/** A scalar or the start of a container at `i`; returns [next index, container pushed or 0] or -1. */
function scanValueStart(b: Uint8Array, i: number, end: number, stack: number[]): number {
  const c = b[i];
  if (c === 0x22) return scanString(b, i, end);
  if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return scanNumber(b, i, end);
  if (c === 0x74) return scanLiteral(b, i, end, TRUE);
  if (c === 0x66) return scanLiteral(b, i, end, FALSE);
  if (c === 0x6e) return scanLiteral(b, i, end, NULL);
  if (c === 0x7b) stack.push(OBJECT);
  else if (c === 0x5b) stack.push(ARRAY);
  else return -1;
  return i + 1;
}

export function isJsonBytes(b: Uint8Array, start = 0, end = b.length): boolean {
  sawLineBreak = false;
  sawNonAscii = false;
  const stack: number[] = [];
  let i = skipWs(b, start, end);
  let state = State.Value;
  for (;;) {
    if (i >= end) return state === State.After && stack.length === 0;
    if (state === State.Value) {
      const depth = stack.length;
      i = scanValueStart(b, i, end, stack);
      if (i < 0) return false;
      i = skipWs(b, i, end);
      if (stack.length > depth) {
        // An empty container closes at once; otherwise a key (object) or a value (array) follows.
        const close = stack[depth] === OBJECT ? 0x7d : 0x5d;
        if (i < end && b[i] === close) {
          stack.pop();
          i = skipWs(b, i + 1, end);
          state = State.After;
        } else state = stack[depth] === OBJECT ? State.Key : State.Value;
      } else state = State.After;
    } else if (state === State.Key) {
      if (b[i] !== 0x22) return false;
      i = scanString(b, i, end);
      if (i < 0) return false;
      i = skipWs(b, i, end);
      if (i >= end || b[i] !== 0x3a) return false;
      i = skipWs(b, i + 1, end);
      state = State.Value;
    } else {
      if (stack.length === 0) return false;
      const top = stack[stack.length - 1];
      const c = b[i];
      if (c === 0x2c) {
        i = skipWs(b, i + 1, end);
        state = top === OBJECT ? State.Key : State.Value;
      } else if ((top === OBJECT && c === 0x7d) || (top === ARRAY && c === 0x5d)) {
        stack.pop();
        i = skipWs(b, i + 1, end);
      } else return false;
    }
  }
}
