/**
 * GetRecords' JSON answer written straight into one Buffer, byte for byte what JSON.stringify gives for the
 * answer's object (get-records-json.spec.ts compares the two): building a `Record` object per record, then
 * JSON.stringify of up to 10,000 of them, then the UTF-8 encoding of that string was more than half of the
 * emulator's CPU per record read (`npm run bench:cli`). Here one buffer is sized for the most each piece can take,
 * then every piece is written once: sequence numbers as digits by the shard's sequencer, constants copied, the
 * partition key as is (JSON.stringify'd, as UTF-8, only when it needs escapes or is not ASCII), the data
 * base64-encoded in place.
 *
 * The answer's object form stays what CBOR callers and SubscribeToShard get (record-operations.ts recordView);
 * this is only the JSON rendering of it. Pure: no I/O.
 */
import type { StoredRecord } from '../storage/shard-log';

/** A result object that can write its own JSON body (read by kds-http.ts). Not enumerable: not a member. */
export const JSON_BODY = Symbol('tributary.emulator.jsonBody');

export interface JsonBodyWriter {
  [JSON_BODY]?: () => Buffer;
}

/** Node's own writers: no argument normalisation per call. */
type FastBuffer = Buffer & { latin1Write(text: string, offset: number): number; utf8Write(text: string, offset: number): number };

const ALPHABET = Buffer.from('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/', 'latin1');
const PAD = 0x3d;
/** Below this many bytes the JS loop beats a base64 string and its copy; above, Node's encoder wins. */
const NATIVE_BASE64_FROM = 1024;

/** Standard padded base64 (RFC 4648 §4) of `data` written at `pos`; the new position. */
function writeBase64(data: Uint8Array, out: FastBuffer, pos: number): number {
  const n = data.byteLength;
  if (n >= NATIVE_BASE64_FROM) {
    const view = Buffer.from(data.buffer, data.byteOffset, n);
    return pos + out.latin1Write(view.toString('base64'), pos);
  }
  let i = 0;
  for (; i + 3 <= n; i += 3) {
    const v = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
    out[pos++] = ALPHABET[v >> 18];
    out[pos++] = ALPHABET[(v >> 12) & 63];
    out[pos++] = ALPHABET[(v >> 6) & 63];
    out[pos++] = ALPHABET[v & 63];
  }
  if (i < n) {
    const two = i + 1 < n;
    const v = (data[i] << 16) | (two ? data[i + 1] << 8 : 0);
    out[pos++] = ALPHABET[v >> 18];
    out[pos++] = ALPHABET[(v >> 12) & 63];
    out[pos++] = two ? ALPHABET[(v >> 6) & 63] : PAD;
    out[pos++] = PAD;
  }
  return pos;
}

/** Printable ASCII without '"' or a backslash (nearly every key): its JSON is itself in quotes, one byte a character. */
function isPlainKey(key: string): boolean {
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) return false;
  }
  return true;
}

export interface GetRecordsAnswer {
  records: readonly StoredRecord[];
  /** Writes the record's SequenceNumber as ASCII digits at `pos` (the shard's sequencer); the new position. */
  writeSequence(record: StoredRecord, out: Uint8Array, pos: number): number;
  /** The most digits writeSequence writes. */
  maxSequenceDigits: number;
  encrypted: boolean;
  millisBehindLatest: number;
  nextShardIterator?: string;
  /** At a closed shard's end, instead of nextShardIterator. */
  childShards?: unknown;
}

const ascii = (text: string): Uint8Array => Buffer.from(text, 'latin1');
const RECORD_OPEN = ascii('{"SequenceNumber":"');
const ARRIVAL = ascii('","ApproximateArrivalTimestamp":');
const DATA = ascii(',"Data":"');
const KEY = ascii('","PartitionKey":');
const KMS = ascii(',"EncryptionType":"KMS"');
/** An epoch-seconds time as JSON writes a number: at most 17 significant digits, a point, an exponent. */
const MAX_NUMBER_CHARS = 25;

/** Copies a short constant (a loop: cheaper than a native call for a few dozen bytes). */
function put(bytes: Uint8Array, out: Uint8Array, pos: number): number {
  for (let i = 0; i < bytes.length; i++) out[pos++] = bytes[i];
  return pos;
}

/**
 * The bytes of JSON.stringify({ Records: [{ SequenceNumber, ApproximateArrivalTimestamp, Data, PartitionKey,
 * EncryptionType? }, …], MillisBehindLatest, NextShardIterator | ChildShards }): the members in the order the
 * object form (record-operations.ts) has them, timestamps as epoch seconds, data as base64. One buffer sized
 * for the most each piece can take (keys exactly), returned as the part written.
 */
export function writeGetRecordsJson(answer: GetRecordsAnswer): Buffer {
  const { records, encrypted } = answer;
  const count = records.length;
  /** Each key's JSON, or undefined for a plain key (written as it is, in quotes). */
  const keys: Array<string | undefined> = new Array(count);
  const fixed = RECORD_OPEN.length + ARRIVAL.length + DATA.length + KEY.length + 2 + (encrypted ? KMS.length : 0) + answer.maxSequenceDigits + MAX_NUMBER_CHARS;
  let size = 0;
  for (let i = 0; i < count; i++) {
    const r = records[i];
    let keyBytes = r.partitionKey.length + 2;
    if (!isPlainKey(r.partitionKey)) {
      const json = JSON.stringify(r.partitionKey);
      keys[i] = json;
      keyBytes = Buffer.byteLength(json, 'utf8');
    }
    size += fixed + Math.ceil(r.data.byteLength / 3) * 4 + keyBytes;
  }
  const head = '{"Records":[';
  const end =
    `],"MillisBehindLatest":${answer.millisBehindLatest}` +
    (answer.childShards !== undefined ? `,"ChildShards":${JSON.stringify(answer.childShards)}` : `,"NextShardIterator":${JSON.stringify(answer.nextShardIterator)}`) +
    '}';
  const out = Buffer.allocUnsafe(head.length + size + Buffer.byteLength(end, 'utf8')) as FastBuffer;
  let pos = out.latin1Write(head, 0);
  // Records of one PutRecords share their arrival: its text is made once per distinct time.
  let lastArrival = Number.NaN;
  let arrivalText = '';
  for (let i = 0; i < count; i++) {
    const r = records[i];
    if (i > 0) out[pos++] = 0x2c;
    pos = put(RECORD_OPEN, out, pos);
    pos = answer.writeSequence(r, out, pos);
    pos = put(ARRIVAL, out, pos);
    if (r.arrival !== lastArrival) {
      lastArrival = r.arrival;
      arrivalText = String(r.arrival / 1000);
    }
    for (let c = 0; c < arrivalText.length; c++) out[pos++] = arrivalText.charCodeAt(c);
    pos = put(DATA, out, pos);
    pos = writeBase64(r.data, out, pos);
    pos = put(KEY, out, pos);
    const json = keys[i];
    if (json === undefined) {
      const key = r.partitionKey;
      out[pos++] = 0x22;
      for (let c = 0; c < key.length; c++) out[pos++] = key.charCodeAt(c);
      out[pos++] = 0x22;
    } else pos += out.utf8Write(json, pos);
    if (encrypted) pos = put(KMS, out, pos);
    out[pos++] = 0x7d;
  }
  pos += out.utf8Write(end, pos);
  return out.subarray(0, pos);
}
