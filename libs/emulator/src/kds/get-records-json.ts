/**
 * GetRecords' JSON answer written straight into one Buffer, byte for byte what JSON.stringify gives for the
 * answer's object (get-records-json.spec.ts compares the two): building a `Record` object per record, then
 * JSON.stringify of up to 10,000 of them, then the UTF-8 encoding of that string was more than half of the
 * emulator's CPU per record read (`npm run bench:cli`). Here the sizes are summed first, then every piece is
 * written once: ASCII as latin1, the partition key as UTF-8 (JSON.stringify'd only when it needs escapes), the
 * data base64-encoded in place.
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

/** JSON.stringify(key), skipping the call for keys of printable ASCII without '"' or '\' (nearly all). */
function keyJson(key: string): string {
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) return JSON.stringify(key);
  }
  return `"${key}"`;
}

export interface GetRecordsAnswer {
  records: readonly StoredRecord[];
  /** The record's SequenceNumber (the shard's sequencer). */
  sequenceOf(record: StoredRecord): string;
  encrypted: boolean;
  millisBehindLatest: number;
  nextShardIterator?: string;
  /** At a closed shard's end, instead of nextShardIterator. */
  childShards?: unknown;
}

const RECORD_OPEN = '{"SequenceNumber":"';
const ARRIVAL = '","ApproximateArrivalTimestamp":';
const DATA = ',"Data":"';
const KEY = '","PartitionKey":';
const KMS = ',"EncryptionType":"KMS"';

/**
 * The bytes of JSON.stringify({ Records: [{ SequenceNumber, ApproximateArrivalTimestamp, Data, PartitionKey,
 * EncryptionType? }, …], MillisBehindLatest, NextShardIterator | ChildShards }): the members in the order the
 * object form (record-operations.ts) has them, timestamps as epoch seconds, data as base64.
 */
export function writeGetRecordsJson(answer: GetRecordsAnswer): Buffer {
  const { records, encrypted } = answer;
  const count = records.length;
  const sequences: string[] = new Array(count);
  const arrivals: string[] = new Array(count);
  const keys: string[] = new Array(count);
  const fixed = RECORD_OPEN.length + ARRIVAL.length + DATA.length + KEY.length + 1 + (encrypted ? KMS.length : 0);
  let size = 0;
  for (let i = 0; i < count; i++) {
    const r = records[i];
    sequences[i] = answer.sequenceOf(r);
    arrivals[i] = String(r.arrival / 1000);
    keys[i] = keyJson(r.partitionKey);
    size += fixed + sequences[i].length + arrivals[i].length + Math.ceil(r.data.byteLength / 3) * 4 + Buffer.byteLength(keys[i], 'utf8');
  }
  size += Math.max(0, count - 1); // the commas between records
  const head = '{"Records":[';
  const end =
    `],"MillisBehindLatest":${answer.millisBehindLatest}` +
    (answer.childShards !== undefined ? `,"ChildShards":${JSON.stringify(answer.childShards)}` : `,"NextShardIterator":${JSON.stringify(answer.nextShardIterator)}`) +
    '}';
  const out = Buffer.allocUnsafe(head.length + size + Buffer.byteLength(end, 'utf8')) as FastBuffer;
  let pos = out.latin1Write(head, 0);
  for (let i = 0; i < count; i++) {
    if (i > 0) out[pos++] = 0x2c;
    pos += out.latin1Write(RECORD_OPEN, pos);
    pos += out.latin1Write(sequences[i], pos);
    pos += out.latin1Write(ARRIVAL, pos);
    pos += out.latin1Write(arrivals[i], pos);
    pos += out.latin1Write(DATA, pos);
    pos = writeBase64(records[i].data, out, pos);
    pos += out.latin1Write(KEY, pos);
    pos += out.utf8Write(keys[i], pos);
    if (encrypted) pos += out.latin1Write(KMS, pos);
    out[pos++] = 0x7d;
  }
  pos += out.utf8Write(end, pos);
  // Every piece was sized above: a mismatch is a bug here, not a short answer to send.
  if (pos !== out.length) throw new Error(`GetRecords JSON: wrote ${pos} bytes of ${out.length}`);
  return out;
}
