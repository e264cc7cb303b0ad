/**
 * `--key-path device.id`: the partition key taken from a field of each JSON line. The path is dot-separated
 * names, with `[n]` or a bare number for an array index (`readings[0].sensor`, `readings.0.sensor`), as jq's
 * simplest paths read. Parsed once at start (a bad path is a usage error before any line is read); each line's
 * lookup answers the key or why there is none, so the line can be reported by number. Pure.
 */

export type KeyPath = readonly (string | number)[];

export type KeyLookup = { ok: true; key: string } | { ok: false; reason: string };

/** Kinesis partition keys are 1 to 256 Unicode characters. */
export const MAX_PARTITION_KEY_CHARS = 256;

const SEGMENT = /^[^.[\]]+$/;

/** Parses `a.b[0].c`; undefined when the path is malformed (empty segment, unclosed bracket). */
export function parseKeyPath(expr: string): KeyPath | undefined {
  const text = expr.trim().replace(/^\./, '');
  if (text === '') return undefined;
  const out: (string | number)[] = [];
  for (const part of text.replace(/\[(\d+)\]/g, '.$1').split('.')) {
    if (!SEGMENT.test(part)) return undefined;
    out.push(/^\d+$/.test(part) ? Number(part) : part);
  }
  return out;
}

/** The value at `path` in the JSON `line`, as a partition key: strings as they are, numbers and booleans printed. */
export function keyAtPath(line: string, path: KeyPath): KeyLookup {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { ok: false, reason: 'the line is not JSON' };
  }
  for (const segment of path) {
    if (value === null || typeof value !== 'object') return { ok: false, reason: `no field ${describe(path)}` };
    value = (value as Record<string | number, unknown>)[segment];
  }
  if (typeof value === 'number' || typeof value === 'boolean') value = String(value);
  if (typeof value !== 'string') {
    return { ok: false, reason: value === undefined || value === null ? `no field ${describe(path)}` : `${describe(path)} is not a string or number` };
  }
  if (value.length === 0) return { ok: false, reason: `${describe(path)} is empty (a partition key needs 1 to 256 characters)` };
  if ([...value].length > MAX_PARTITION_KEY_CHARS) return { ok: false, reason: `${describe(path)} is longer than 256 characters` };
  return { ok: true, key: value };
}

export function describe(path: KeyPath): string {
  return path.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}
