/**
 * A record → the line `tail` prints. Pure, and the hot path of `tail` (the bench: 1,000,000 records), so lines
 * are written as bytes into a LineBuffer: the per-shard prefix is encoded once, a payload that is one line of
 * JSON is copied as it is (checked by a scanner, not parsed: json-validator.ts), UTF-8 is checked with Buffer's
 * native `isUtf8`, and arrival times are formatted once per distinct millisecond.
 *
 * JSON lines, one per user record (KPL sub-records each get their own):
 *   {"stream","shard","sequence","subSequence"?,"partitionKey","arrival","dataEncoding","data"}
 * `subSequence` only for records that came out of a KPL aggregate; `dataEncoding` says how to read `data`:
 *   json    data is the payload as JSON (it is one JSON value)
 *   text    data is the payload as a string (valid UTF-8, not JSON)
 *   base64  data is the payload in base64 (not valid UTF-8)
 */
import { isUtf8 } from 'node:buffer';
import { isJsonBytes, jsonHadLineBreak, jsonHadNonAscii } from './json-validator';
import type { LineBuffer } from './line-buffer';

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

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Whether the byte could start a JSON value ({ [ " - 0-9 t f n). */
function mayBeJson(code: number): boolean {
  return code === 123 || code === 91 || code === 34 || code === 45 || (code >= 48 && code <= 57) || code === 116 || code === 102 || code === 110;
}

function isWs(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

/** How a payload is shown, as values (for --where): JSON where it is, UTF-8 text where valid, base64 otherwise. */
export function decodeData(bytes: Uint8Array): DecodedData {
  if (bytes.byteLength === 0) return EMPTY;
  const buffer = toBuffer(bytes);
  if (!isUtf8(buffer)) return { encoding: 'base64', json: `"${buffer.toString('base64')}"`, value: undefined };
  const text = buffer.toString('utf8');
  if (mayBeJson(text.trimStart().charCodeAt(0))) {
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

/** Copied as bytes: latin1Write of the string was ~3% of `tail` in a profile (a native call per record). */
const JSON_DATA_LABEL = Buffer.from('"dataEncoding":"json","data":', 'latin1');

/** Writes `"dataEncoding":"…","data":…` for a payload, straight from its bytes. */
function appendData(out: LineBuffer, bytes: Uint8Array): void {
  let start = 0;
  let end = bytes.byteLength;
  while (start < end && isWs(bytes[start])) start++;
  while (end > start && isWs(bytes[end - 1])) end--;
  // isUtf8 takes any typed array: no Buffer view per record on this path; and only non-ASCII JSON needs it.
  if (start < end && mayBeJson(bytes[start]) && isJsonBytes(bytes, start, end) && (!jsonHadNonAscii() || isUtf8(bytes))) {
    out.bytes(JSON_DATA_LABEL);
    // Line breaks can only be whitespace between tokens here; a multi-line payload is re-serialised to one line.
    if (jsonHadLineBreak()) out.utf8(JSON.stringify(JSON.parse(toBuffer(bytes).toString('utf8'))));
    else out.bytes(bytes, start, end);
    return;
  }
  const decoded = decodeData(bytes);
  out.ascii(`"dataEncoding":"${decoded.encoding}","data":`);
  out.utf8(decoded.json);
}

/**
 * The partition key as a JSON string in ASCII only (non-ASCII as \u escapes, the same string to a JSON reader), so
 * that the line's middle can be written as latin1; plain printable ASCII (most keys) needs no JSON.stringify.
 */
function keyJson(key: string): string {
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) return asciiJson(key);
  }
  return `"${key}"`;
}

/** JSON.stringify with everything beyond ASCII as \u escapes. */
function asciiJson(text: string): string {
  return JSON.stringify(text).replace(/[\u007f-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const KEY_LABEL = Buffer.from('","partitionKey":"', 'latin1');
const ARRIVAL_LABEL = Buffer.from('","arrival":"', 'latin1');
const ARRIVAL_END = Buffer.from('",', 'latin1');
const LINE_END = Buffer.from('}\n', 'latin1');

/** Formats the records of one shard; one instance per shard (it keeps the encoded prefix and a time cache). */
export class RecordFormatter {
  /** `{"stream":…,"shard":…,"sequence":"`, in ASCII (non-ASCII as \u escapes) so it joins the line's ASCII part. */
  private readonly prefix: string;
  private readonly prefixBytes: Buffer;
  private lastArrivalMs = Number.NaN;
  private lastArrival = '';
  private lastArrivalBytes = Buffer.alloc(0);

  constructor(stream: string, shardId: string) {
    this.prefix = `{"stream":${asciiJson(stream)},"shard":${asciiJson(shardId)},"sequence":"`;
    this.prefixBytes = Buffer.from(this.prefix, 'latin1');
  }

  /**
   * The same line as append() for a plain (not aggregated) record, its sequence number and partition key copied
   * from where they are in the GetRecords body: [seqStart, seqEnd) and [keyStart, keyEnd) of `body`, both printable
   * ASCII without escapes (so those bytes are the text append() writes). No string per line: with a line's string
   * built and then encoded, the garbage alone was a good part of `tail`'s GC (bench:cli profile).
   */
  appendFromBody(out: LineBuffer, record: TailRecord, body: Uint8Array, seqStart: number, seqEnd: number, keyStart: number, keyEnd: number): void {
    this.arrival(record.approximateArrivalTimestamp);
    const arrival = this.lastArrivalBytes;
    const prefix = this.prefixBytes;
    out.reserve(prefix.length + seqEnd - seqStart + KEY_LABEL.length + keyEnd - keyStart + ARRIVAL_LABEL.length + arrival.length + ARRIVAL_END.length);
    out.copy(prefix, 0, prefix.length);
    out.copy(body, seqStart, seqEnd);
    out.copy(KEY_LABEL, 0, KEY_LABEL.length);
    out.copy(body, keyStart, keyEnd);
    out.copy(ARRIVAL_LABEL, 0, ARRIVAL_LABEL.length);
    out.copy(arrival, 0, arrival.length);
    out.copy(ARRIVAL_END, 0, ARRIVAL_END.length);
    appendData(out, record.data);
    out.bytes(LINE_END);
  }

  /** Appends the JSON line (with its newline) of a record; `data`, when given, is its decodeData result. */
  append(out: LineBuffer, record: TailRecord, data?: DecodedData): void {
    // Everything before the data as one ASCII string, one write (the write's call cost is per call).
    const sub = record.aggregated ? `","subSequence":${record.subSequenceNumber},"partitionKey":` : '","partitionKey":';
    out.ascii(`${this.prefix}${record.sequenceNumber}${sub}${keyJson(record.partitionKey)},"arrival":"${this.arrival(record.approximateArrivalTimestamp)}",`);
    if (data) {
      out.ascii(`"dataEncoding":"${data.encoding}","data":`);
      out.utf8(data.json);
    } else appendData(out, record.data);
    out.ascii('}\n');
  }

  private arrival(at: Date): string {
    const ms = at.getTime();
    if (ms !== this.lastArrivalMs) {
      this.lastArrivalMs = ms;
      this.lastArrival = Number.isNaN(ms) ? '' : at.toISOString();
      this.lastArrivalBytes = Buffer.from(this.lastArrival, 'latin1');
    }
    return this.lastArrival;
  }
}

/** `--format raw`: the payload bytes and a newline. */
export function appendRaw(out: LineBuffer, record: { data: Uint8Array }): void {
  out.bytes(record.data);
  out.byte(10);
}
