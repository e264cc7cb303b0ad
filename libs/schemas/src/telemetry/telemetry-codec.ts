/**
 * The wire form of a telemetry record: the parsed envelope as JSON in UTF-8, one record per Kinesis record (or
 * per KPL user record when aggregated). JSON keeps records readable with the AWS CLI and by any consumer; the
 * envelope's bounds keep one record to a few KiB.
 *
 * `decodeTelemetry` validates what it decodes: bytes read from a stream are as untrusted as bytes from a client.
 */
import { parseTelemetry, type TelemetryEnvelope } from './telemetry-envelope';
import type { ParseResult } from '../validation-issues';

const encoder = new TextEncoder();
// fatal: malformed UTF-8 is an error, not U+FFFD replacement characters silently stored as data.
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** Encodes a parsed envelope (from `parseTelemetry`) as JSON UTF-8 bytes. */
export function encodeTelemetry(value: TelemetryEnvelope): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

/** Decodes and validates one record; never throws. */
export function decodeTelemetry(bytes: Uint8Array): ParseResult<TelemetryEnvelope> {
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    return { ok: false, issues: [{ path: '', message: 'not valid UTF-8' }] };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { ok: false, issues: [{ path: '', message: `not valid JSON: ${(err as Error).message}` }] };
  }
  return parseTelemetry(json);
}
