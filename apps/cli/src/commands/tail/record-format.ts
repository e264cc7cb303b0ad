/**
 * A record → the line `tail` prints. Pure, and the hot path of `tail` (≥ 200,000 records/s in the bench), so:
 * the per-shard prefix is escaped once, a JSON payload that is already one line is copied as it is (not parsed
 * and re-serialised), UTF-8 is checked with Buffer's native `isUtf8`, and arrival times are formatted once per
 * distinct millisecond.
 *
 * JSON lines, one per user record (KPL sub-records each get their own):
 *   {"stream","shard","sequence","subSequence"?,"partitionKey","arrival","dataEncoding","data"}
 * `subSequence` only for records that came out of a KPL aggregate; `dataEncoding` says how to read `data`:
 *   json    data is the payload as JSON (it parsed as a JSON value)
 *   text    data is the payload as a string (valid UTF-8, not JSON)
 *   base64  data is the payload in base64 (not valid UTF-8)
 */
import { isUtf8 } from 'node:buffer';

export type DataEncoding = 'json' | 'text' | 'base64';

export interface DecodedData {
  encoding: DataEncoding;
  /** The `data` field as JSON text. */
  json: string;
  /** The value `--where` sees: the parsed JSON, the text, or undefined for binary. */
  value: unknown;
}

/** The record fields formatting reads (ConsumerRecord of @tributary/kinesis-consumer has them all). */
export interface TailRecord {
  data: Uint8Array;
  partitionKey: string;
  sequenceNumber: string;
  subSequenceNumber: number;
  aggregated: boolean;
  approximateArrivalTimestamp: Date;
}

const EMPTY: DecodedData = { encoding: 'text', json: '""', value: '' };

/** Whether the first character could start a JSON value (so JSON.parse is worth trying). */
function mayBeJson(code: number): boolean {
  // { [ " - 0-9 t f n
  return code === 123 || code === 91 || code === 34 || code === 45 || (code >= 48 && code <= 57) || code === 116 || code === 102 || code === 110;
}

function firstNonSpace(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 10 && c !== 13) return c;
  }
  return -1;
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** How a payload is shown: JSON where it parses, UTF-8 text where it is valid, base64 otherwise. */
export function decodeData(bytes: Uint8Array): DecodedData {
  if (bytes.byteLength === 0) return EMPTY;
  const buffer = toBuffer(bytes);
  if (!isUtf8(buffer)) return { encoding: 'base64', json: `"${buffer.toString('base64')}"`, value: undefined };
  const text = buffer.toString('utf8');
  if (mayBeJson(firstNonSpace(text))) {
    let value: unknown;
    let parsed = true;
    try {
      value = JSON.parse(text);
    } catch {
      parsed = false;
    }
    if (parsed) {
      // Line breaks can only be whitespace between tokens in valid JSON; only then must it be re-serialised.
      const oneLine = text.indexOf('\n') === -1 && text.indexOf('\r') === -1;
      return { encoding: 'json', json: oneLine ? text.trim() : JSON.stringify(value), value };
    }
  }
  return { encoding: 'text', json: JSON.stringify(text), value: text };
}

/** Formats the records of one shard; one instance per shard (it keeps the escaped prefix and a time cache). */
export class RecordFormatter {
  private readonly prefix: string;
  private lastArrivalMs = Number.NaN;
  private lastArrival = '';

  constructor(stream: string, shardId: string) {
    this.prefix = `{"stream":${JSON.stringify(stream)},"shard":${JSON.stringify(shardId)},"sequence":"`;
  }

  /** The JSON line (with its newline) of a record whose data was decoded with decodeData. */
  line(record: TailRecord, data: DecodedData): string {
    const sub = record.aggregated ? `","subSequence":${record.subSequenceNumber},"partitionKey":` : '","partitionKey":';
    return `${this.prefix}${record.sequenceNumber}${sub}${JSON.stringify(record.partitionKey)},"arrival":"${this.arrival(record.approximateArrivalTimestamp)}","dataEncoding":"${data.encoding}","data":${data.json}}\n`;
  }

  private arrival(at: Date): string {
    const ms = at.getTime();
    if (ms !== this.lastArrivalMs) {
      this.lastArrivalMs = ms;
      this.lastArrival = Number.isNaN(ms) ? '' : at.toISOString();
    }
    return this.lastArrival;
  }
}

/** `--format raw`: the payload bytes and a newline. */
export function rawLine(record: TailRecord): Buffer[] {
  return [toBuffer(record.data), NEWLINE];
}

const NEWLINE = Buffer.from('\n');
