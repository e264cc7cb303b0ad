/**
 * A request body → the records it holds, each validated by @tributary/schemas.
 *
 * - `application/json`: one record. A body that is not JSON fails as a whole (MALFORMED_BODY).
 * - `application/x-ndjson` (also `application/ndjson`, `application/jsonl`): one record per line
 *   (https://github.com/ndjson/ndjson-spec). Lines are decoded and parsed one by one, so a line that is not UTF-8
 *   or not JSON is reported at its line number and the others still count. Blank lines are skipped (a trailing
 *   newline is normal); `\r\n` endings are accepted.
 *
 * Only UTF-8 is accepted (RFC 8259 §8.1 for JSON, the NDJSON spec for NDJSON); a leading BOM is ignored.
 */
import { parseTelemetry, type TelemetryEnvelope, type ValidationIssue } from '@tributary/schemas';
import { IngestError } from './ingest-error';

export type BodyFormat = 'json' | 'ndjson';

export type ParsedItem =
  | { index: number; line?: number; ok: true; value: TelemetryEnvelope }
  | { index: number; line?: number; ok: false; errors: ValidationIssue[] };

const MEDIA_TYPES: Record<string, BodyFormat> = {
  'application/json': 'json',
  'application/x-ndjson': 'ndjson',
  'application/ndjson': 'ndjson',
  'application/jsonl': 'ndjson',
};

export const ACCEPTED_MEDIA_TYPES = Object.keys(MEDIA_TYPES);

/** The body format named by a `Content-Type` header; UNSUPPORTED_MEDIA_TYPE for anything else. */
export function bodyFormatOf(contentType: string | undefined): BodyFormat {
  const [essence = '', ...params] = (contentType ?? '').split(';').map((p) => p.trim());
  // Own keys only: the header is the client's, and `constructor` or `__proto__` are not media types.
  const format = Object.hasOwn(MEDIA_TYPES, essence.toLowerCase()) ? MEDIA_TYPES[essence.toLowerCase()] : undefined;
  const charset = params
    .map((p) => p.split('='))
    .find(([name]) => name?.trim().toLowerCase() === 'charset')?.[1]
    ?.trim()
    .replace(/^"(.*)"$/, '$1')
    .toLowerCase();
  if (format === undefined || (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8')) {
    const got = contentType === undefined || contentType === '' ? 'no Content-Type' : `Content-Type ${JSON.stringify(contentType)}`;
    throw new IngestError(
      'UNSUPPORTED_MEDIA_TYPE',
      `Send one record as application/json or a batch as application/x-ndjson, in UTF-8 (got ${got}).`,
      { extensions: { accepted: ACCEPTED_MEDIA_TYPES }, headers: { 'accept-post': ACCEPTED_MEDIA_TYPES.join(', ') } },
    );
  }
  return format;
}

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
const LF = 0x0a;
const CR = 0x0d;

export function parseTelemetryBody(body: Uint8Array, format: BodyFormat): ParsedItem[] {
  return format === 'json' ? [parseJsonBody(body)] : parseNdjsonBody(body);
}

function parseJsonBody(body: Uint8Array): ParsedItem {
  let text: string;
  try {
    text = decoder.decode(body);
  } catch {
    throw new IngestError('MALFORMED_BODY', 'The body is not valid UTF-8.');
  }
  if (text.trim() === '') throw new IngestError('MALFORMED_BODY', 'The body is empty: send one telemetry record as JSON.');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new IngestError('MALFORMED_BODY', `The body is not valid JSON: ${(err as Error).message}`);
  }
  if (Array.isArray(json)) {
    throw new IngestError('MALFORMED_BODY', 'An application/json body holds one record; send a batch as application/x-ndjson, one record per line.');
  }
  return item(0, undefined, json);
}

function parseNdjsonBody(body: Uint8Array): ParsedItem[] {
  const items: ParsedItem[] = [];
  let start = 0;
  let line = 0;
  while (start <= body.length) {
    let end = body.indexOf(LF, start);
    if (end < 0) end = body.length;
    line++;
    let stop = end;
    if (stop > start && body[stop - 1] === CR) stop--;
    const bytes = body.subarray(start, stop);
    start = end + 1;
    if (isBlank(bytes)) continue;
    let text: string;
    try {
      // ignoreBOM: false makes the decoder drop a leading BOM (of the body, or of any line).
      text = decoder.decode(bytes);
    } catch {
      items.push({ index: items.length, line, ok: false, errors: [{ path: '', message: 'not valid UTF-8' }] });
      continue;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      items.push({ index: items.length, line, ok: false, errors: [{ path: '', message: `not valid JSON: ${(err as Error).message}` }] });
      continue;
    }
    items.push(item(items.length, line, json));
  }
  if (items.length === 0) throw new IngestError('MALFORMED_BODY', 'The body holds no records: send one telemetry record per line.');
  return items;
}

function item(index: number, line: number | undefined, json: unknown): ParsedItem {
  const parsed = parseTelemetry(json);
  const where = line === undefined ? { index } : { index, line };
  return parsed.ok ? { ...where, ok: true, value: parsed.value } : { ...where, ok: false, errors: parsed.issues };
}

function isBlank(bytes: Uint8Array): boolean {
  for (const b of bytes) if (b !== 0x20 && b !== 0x09 && b !== CR) return false;
  return true;
}
