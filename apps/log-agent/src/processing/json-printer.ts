/**
 * JSON text the way the Kinesis Agent writes it: Jackson's `new ObjectMapper().writeValueAsString(map)`
 * (processing/utils/SimpleJSONPrinter.java) or its default pretty printer (PrettyJSONPrinter.java). Hand-written
 * rather than JSON.stringify for two reasons: Jackson escapes control characters with upper-case hex (`\u001B`,
 * JSON.stringify writes `\u001b`), and LOGTOJSON is the hot path, where one string concatenation per field with a
 * regex test for the rare characters that need escaping beats building an object for JSON.stringify.
 *
 * Jackson's escapes (com.fasterxml.jackson.core.io.CharTypes): `"` and `\`, the short forms \b \t \n \f \r, every
 * other character below 0x20 as \u00XX; nothing else (not `/`, not non-ASCII). converter-chain.spec.ts compares
 * both printers with output computed by Jackson 2.17.2.
 */

// eslint-disable-next-line no-control-regex
const NEEDS_ESCAPE = /["\\\u0000-\u001f]/;
const HEX = '0123456789ABCDEF';
const SHORT: Record<number, string> = { 0x08: '\\b', 0x09: '\\t', 0x0a: '\\n', 0x0c: '\\f', 0x0d: '\\r', 0x22: '\\"', 0x5c: '\\\\' };

/** A JSON string literal (with its quotes), escaped as Jackson escapes it. */
export function jsonString(value: string): string {
  if (!NEEDS_ESCAPE.test(value)) return '"' + value + '"';
  let out = '"';
  let from = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 0x20 && c !== 0x22 && c !== 0x5c) continue;
    out += value.slice(from, i) + (SHORT[c] ?? '\\u00' + HEX[c >> 4] + HEX[c & 15]);
    from = i + 1;
  }
  return out + value.slice(from) + '"';
}

/** Any JSON value (strings, numbers, booleans, null, arrays, plain objects), compact, Jackson's escapes. */
export function compactJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return jsonString(value);
  if (typeof value === 'number' || typeof value === 'boolean') return JSON.stringify(value);
  if (Array.isArray(value)) return '[' + value.map(compactJson).join(',') + ']';
  if (typeof value === 'object') {
    const parts: string[] = [];
    for (const [k, v] of Object.entries(value)) parts.push(jsonString(k) + ':' + compactJson(v));
    return '{' + parts.join(',') + '}';
  }
  return 'null';
}

/**
 * Jackson's DefaultPrettyPrinter: objects one field per line indented by two spaces, `"key" : value`, an empty
 * object as `{ }`; arrays on one line as `[ a, b ]`, an empty one as `[ ]`; lines end in `\n` (Jackson's
 * DefaultIndenter uses the platform line separator, `\n` on the Linux hosts the agent runs on).
 */
export function prettyJson(value: unknown, depth = 0): string {
  if (Array.isArray(value)) {
    return value.length === 0 ? '[ ]' : '[ ' + value.map((v) => prettyJson(v, depth)).join(', ') + ' ]';
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value);
    if (entries.length === 0) return '{ }';
    const inner = '  '.repeat(depth + 1);
    const fields = entries.map(([k, v]) => '\n' + inner + jsonString(k) + ' : ' + prettyJson(v, depth + 1));
    return '{' + fields.join(',') + '\n' + '  '.repeat(depth) + '}';
  }
  return compactJson(value);
}
