/**
 * GetRecords' answer (AWS JSON 1.1) read straight from its bytes, for `tail`'s hot path: the SDK's schema-driven
 * deserializer (JSON.parse of the whole body, then a walk of every value against the operation's schema, each
 * record's Data base64-decoded from a string) was about half of `tail`'s CPU per record in `npm run bench:cli`.
 * Here one pass over the bytes builds the same output the SDK builds: each `Record` with SequenceNumber,
 * ApproximateArrivalTimestamp (a Date of the epoch seconds, rounded to the millisecond as the SDK's
 * parseEpochTimestamp does), Data (a Uint8Array), PartitionKey and EncryptionType when present; NextShardIterator
 * and MillisBehindLatest.
 *
 * It reads only what the answer normally holds and gives up (undefined) on anything else — ChildShards (the end
 * of a shard), null, members it does not know, a member twice, base64 the SDK would refuse, malformed JSON — so
 * that the caller hands the body to the SDK's own deserializer, which then gives the SDK's result or error.
 *
 * The Data of a batch are views into one buffer decoded for that answer (one allocation per call instead of one
 * per record); a record kept keeps the batch's decoded data alive, as a slice of the answer would.
 *
 * A record written as AWS and the emulator write it (compact, members in the order SequenceNumber,
 * ApproximateArrivalTimestamp, Data, PartitionKey) is read by matching those bytes in one go (readCompactRecord);
 * anything else falls back to the member-by-member reader from the record's first byte. Where each record's
 * sequence number and partition key sit in the body is kept beside the records (bodyOffsetsOf), so that
 * `tail` copies them into its output lines as bytes instead of building a string per line.
 *
 * Pure: bytes in, values out (RFC 8259 JSON; RFC 4648 §4 base64, padded, as the SDK's fromBase64 requires).
 */
import type { _Record as KinesisRecord } from '@aws-sdk/client-kinesis';

/** The members of GetRecordsOutput this decoder produces (the SDK adds $metadata). */
export interface DecodedGetRecords {
  Records?: KinesisRecord[];
  NextShardIterator?: string;
  MillisBehindLatest?: number;
}

/**
 * Where each record's sequence number and partition key sit in the answer's body: for record i,
 * offsets[4i, 4i+1] the sequence number's [start, end) and offsets[4i+2, 4i+3] the partition key's, start -1 when
 * that string is not printable ASCII without escapes (its bytes are then not its text).
 */
export interface BodyOffsets {
  body: Uint8Array;
  offsets: Int32Array;
}

/** Beside the Records arrays this decoder made (a WeakMap: nothing is added to the SDK's objects). */
const BODY_OFFSETS = new WeakMap<readonly KinesisRecord[], BodyOffsets>();

/** The body offsets of records this decoder read, if `records` is such an array (as it came out). */
export function bodyOffsetsOf(records: readonly KinesisRecord[]): BodyOffsets | undefined {
  const found = BODY_OFFSETS.get(records);
  // An array changed since (one the decoder made is never shorter or longer than its offsets) is not trusted.
  return found && found.offsets.length === records.length * 4 ? found : undefined;
}

/** Node's own slice methods: no argument normalisation per call (Buffer#toString's cost on short strings). */
type SliceBuffer = Buffer & { latin1Slice(start: number, end: number): string; utf8Slice(start: number, end: number): string };

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;

/** base64 alphabet → 6-bit value; -1 for any other byte (RFC 4648 table 1). */
const BASE64_VALUE = new Int8Array(256).fill(-1);
'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.split('').forEach((c, i) => (BASE64_VALUE[c.charCodeAt(0)] = i));

/** Thrown inside the decoder when the answer holds something it leaves to the SDK; never leaves this module. */
class NotHandled extends Error {}
const NOT_HANDLED = new NotHandled('left to the SDK deserializer');

class Reader {
  pos = 0;
  /** Bytes decoded into `data` so far. */
  dataPos = 0;
  /** The last timestamp's bytes and value: a batch's records mostly share arrival times. */
  private lastTimeStart = -1;
  private lastTimeEnd = -1;
  private lastTime = 0;

  /** Per record: sequence number [start, end) and partition key [start, end) in `buf`, start -1 if not plain. */
  offsets = new Int32Array(4 * 1024);
  count = 0;

  constructor(
    readonly buf: SliceBuffer,
    readonly data: Uint8Array,
  ) {}

  pushOffsets(seqStart: number, seqEnd: number, keyStart: number, keyEnd: number): void {
    let o = this.offsets;
    const at = this.count * 4;
    if (at + 4 > o.length) {
      o = new Int32Array(o.length * 2);
      o.set(this.offsets);
      this.offsets = o;
    }
    o[at] = seqStart;
    o[at + 1] = seqEnd;
    o[at + 2] = keyStart;
    o[at + 3] = keyEnd;
    this.count++;
  }

  /** Whether `literal` is next (no whitespace skipped); consumed if so. */
  literal(literal: Uint8Array): boolean {
    const buf = this.buf;
    const pos = this.pos;
    for (let i = 0; i < literal.length; i++) if (buf[pos + i] !== literal[i]) return false;
    this.pos = pos + literal.length;
    return true;
  }

  /** After an opening quote: the closing quote's index if the contents are printable ASCII without escapes, else -1. */
  plainStringEnd(): number {
    const buf = this.buf;
    let pos = this.pos;
    for (let c = buf[pos]; c !== QUOTE; c = buf[++pos]) if (!(c >= 0x20 && c < 0x7f) || c === BACKSLASH) return -1;
    this.pos = pos + 1;
    return pos;
  }

  ws(): void {
    const buf = this.buf;
    let pos = this.pos;
    for (let c = buf[pos]; c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09; c = buf[++pos]);
    this.pos = pos;
  }

  /** Skips whitespace, then expects `code`. */
  expect(code: number): void {
    this.ws();
    if (this.buf[this.pos] !== code) throw NOT_HANDLED;
    this.pos++;
  }

  /** Skips whitespace; true (and consumed) if the next byte is `code`. */
  take(code: number): boolean {
    this.ws();
    if (this.buf[this.pos] !== code) return false;
    this.pos++;
    return true;
  }

  /** A string's contents [start, end) after its opening quote; escapes and non-ASCII flagged. */
  private stringBounds(): { start: number; end: number; plain: boolean } {
    this.expect(QUOTE);
    const buf = this.buf;
    const start = this.pos;
    let plain = true;
    let pos = start;
    for (;;) {
      const c = buf[pos];
      if (c === QUOTE) break;
      if (c === BACKSLASH) {
        plain = false;
        pos += 2;
        continue;
      }
      if (c === undefined || c < 0x20) throw NOT_HANDLED;
      // DEL and non-ASCII: not printable ASCII (a plain key's bytes are its JSON as `tail` writes it).
      if (c >= 0x7f) plain = false;
      pos++;
    }
    this.pos = pos + 1;
    return { start, end: pos, plain };
  }

  string(): string {
    const { start, end, plain } = this.stringBounds();
    this.lastStringStart = plain ? start : -1;
    this.lastStringEnd = end;
    if (plain) return this.buf.latin1Slice(start, end);
    // Escapes, DEL or UTF-8: JSON.parse of the literal decodes exactly as the SDK's JSON.parse of the body did.
    return JSON.parse(this.buf.utf8Slice(start - 1, end + 1)) as string;
  }

  /** Where the last string() was in `buf` (start -1 when it was not plain): for the offsets beside the records. */
  lastStringStart = -1;
  lastStringEnd = -1;

  /** A member name, compared as bytes with the names this decoder reads; the index in `names`, or -1. */
  key(names: readonly Buffer[]): number {
    const { start, end, plain } = this.stringBounds();
    if (!plain) return -1;
    const length = end - start;
    for (let n = 0; n < names.length; n++) {
      const name = names[n];
      if (name.length !== length) continue;
      let i = 0;
      while (i < length && name[i] === this.buf[start + i]) i++;
      if (i === length) return n;
    }
    return -1;
  }

  /** A JSON number (RFC 8259 §6 grammar checked), as Number reads it. */
  number(): number {
    this.ws();
    const start = this.pos;
    const end = scanNumber(this.buf, start);
    if (end < 0) throw NOT_HANDLED;
    this.pos = end;
    return Number(this.buf.latin1Slice(start, end));
  }

  /** An epoch-seconds timestamp as the SDK reads it: new Date(Math.round(seconds * 1000)). */
  timestamp(): Date {
    this.ws();
    const start = this.pos;
    const end = scanNumber(this.buf, start);
    if (end < 0) throw NOT_HANDLED;
    this.pos = end;
    if (!this.sameBytes(this.lastTimeStart, this.lastTimeEnd, start, end)) {
      this.lastTime = Math.round(Number(this.buf.latin1Slice(start, end)) * 1000);
      this.lastTimeStart = start;
      this.lastTimeEnd = end;
    }
    return new Date(this.lastTime);
  }

  private sameBytes(aStart: number, aEnd: number, bStart: number, bEnd: number): boolean {
    if (aEnd - aStart !== bEnd - bStart) return false;
    const buf = this.buf;
    for (let i = 0; i < aEnd - aStart; i++) if (buf[aStart + i] !== buf[bStart + i]) return false;
    return true;
  }

  /** A base64 string decoded into the batch's data buffer; the view of its bytes. */
  blob(): Uint8Array {
    const { start, end, plain } = this.stringBounds();
    if (!plain) throw NOT_HANDLED;
    return this.decodeData(start, end);
  }

  /** Base64 text up to the closing quote (left next) decoded into the batch's data buffer; its view, or undefined. */
  decodeQuotedData(): Uint8Array | undefined {
    const written = decodeBase64Quoted(this.buf, this.pos, this.data, this.dataPos);
    if (written < 0) return undefined;
    this.pos = base64End;
    const view = new Uint8Array(this.data.buffer, this.data.byteOffset + this.dataPos, written);
    this.dataPos += written;
    return view;
  }

  /** Base64 text [start, end) of `buf` decoded into the batch's data buffer; the view of its bytes. */
  decodeData(start: number, end: number): Uint8Array {
    const written = decodeBase64(this.buf, start, end, this.data, this.dataPos);
    if (written < 0) throw NOT_HANDLED;
    const view = new Uint8Array(this.data.buffer, this.data.byteOffset + this.dataPos, written);
    this.dataPos += written;
    return view;
  }
}

/** End of the JSON number starting at `pos`, or -1 if none (RFC 8259 §6: -? int frac? exp?). */
function scanNumber(buf: Uint8Array, pos: number): number {
  if (buf[pos] === 0x2d) pos++;
  if (buf[pos] === 0x30) pos++;
  else if (buf[pos] >= 0x31 && buf[pos] <= 0x39) while (buf[pos] >= 0x30 && buf[pos] <= 0x39) pos++;
  else return -1;
  if (buf[pos] === 0x2e) {
    pos++;
    if (!(buf[pos] >= 0x30 && buf[pos] <= 0x39)) return -1;
    while (buf[pos] >= 0x30 && buf[pos] <= 0x39) pos++;
  }
  if (buf[pos] === 0x65 || buf[pos] === 0x45) {
    pos++;
    if (buf[pos] === 0x2b || buf[pos] === 0x2d) pos++;
    if (!(buf[pos] >= 0x30 && buf[pos] <= 0x39)) return -1;
    while (buf[pos] >= 0x30 && buf[pos] <= 0x39) pos++;
  }
  return pos;
}

/**
 * Decodes base64 text [start, end) of `src` into `out` at `at`; the byte count, or -1 where the SDK's fromBase64
 * throws: a length not a multiple of 4, or anything but the alphabet followed by at most two '='.
 */
export function decodeBase64(src: Uint8Array, start: number, end: number, out: Uint8Array, at: number): number {
  const length = end - start;
  if (length % 4 !== 0) return -1;
  if (length === 0) return 0;
  let padding = 0;
  if (src[end - 1] === 0x3d) padding = src[end - 2] === 0x3d ? 2 : 1;
  const fullEnd = padding === 0 ? end : end - 4;
  let o = at;
  let i = start;
  for (; i < fullEnd; i += 4) {
    const a = BASE64_VALUE[src[i]];
    const b = BASE64_VALUE[src[i + 1]];
    const c = BASE64_VALUE[src[i + 2]];
    const d = BASE64_VALUE[src[i + 3]];
    if ((a | b | c | d) < 0) return -1;
    out[o++] = (a << 2) | (b >> 4);
    out[o++] = ((b & 15) << 4) | (c >> 2);
    out[o++] = ((c & 3) << 6) | d;
  }
  if (padding > 0) {
    const a = BASE64_VALUE[src[i]];
    const b = BASE64_VALUE[src[i + 1]];
    const c = padding === 1 ? BASE64_VALUE[src[i + 2]] : 0;
    if ((a | b | c) < 0) return -1;
    out[o++] = (a << 2) | (b >> 4);
    if (padding === 1) out[o++] = ((b & 15) << 4) | (c >> 2);
  }
  return o - at;
}

/** Where the closing quote of the text the last decodeBase64Quoted call decoded is. */
let base64End = -1;

/**
 * decodeBase64 of the text from `start` to the next quote, found while decoding (one pass over the text instead of
 * a scan for the quote and then the decoding); -1 where decodeBase64 would refuse it, or if no quote ends it.
 */
function decodeBase64Quoted(src: Uint8Array, start: number, out: Uint8Array, at: number): number {
  const length = src.length;
  let o = at;
  let i = start;
  for (; i + 4 <= length; i += 4) {
    const a = BASE64_VALUE[src[i]];
    const b = BASE64_VALUE[src[i + 1]];
    const c = BASE64_VALUE[src[i + 2]];
    const d = BASE64_VALUE[src[i + 3]];
    if ((a | b | c | d) < 0) break;
    out[o++] = (a << 2) | (b >> 4);
    out[o++] = ((b & 15) << 4) | (c >> 2);
    out[o++] = ((c & 3) << 6) | d;
  }
  if (src[i] !== QUOTE) {
    // Not four more of the alphabet: a last group padded with one or two '=', then the quote.
    if (i + 4 >= length || src[i + 3] !== 0x3d || src[i + 4] !== QUOTE) return -1;
    const a = BASE64_VALUE[src[i]];
    const b = BASE64_VALUE[src[i + 1]];
    const padding = src[i + 2] === 0x3d ? 2 : 1;
    const c = padding === 1 ? BASE64_VALUE[src[i + 2]] : 0;
    if ((a | b | c) < 0) return -1;
    out[o++] = (a << 2) | (b >> 4);
    if (padding === 1) out[o++] = ((b & 15) << 4) | (c >> 2);
    i += 4;
  }
  base64End = i;
  return o - at;
}

const OUTPUT_MEMBERS = ['Records', 'NextShardIterator', 'MillisBehindLatest'].map((n) => Buffer.from(n));
const RECORD_MEMBERS = ['SequenceNumber', 'ApproximateArrivalTimestamp', 'Data', 'PartitionKey', 'EncryptionType'].map((n) => Buffer.from(n));

function readRecord(r: Reader): KinesisRecord {
  let sequenceNumber: string | undefined;
  let arrival: Date | undefined;
  let data: Uint8Array | undefined;
  let partitionKey: string | undefined;
  let encryptionType: string | undefined;
  let seqStart = -1;
  let seqEnd = -1;
  let keyStart = -1;
  let keyEnd = -1;
  r.expect(0x7b);
  if (!r.take(0x7d)) {
    do {
      const member = r.key(RECORD_MEMBERS);
      r.expect(COLON);
      if (member === 0 && sequenceNumber === undefined) {
        sequenceNumber = r.string();
        seqStart = r.lastStringStart;
        seqEnd = r.lastStringEnd;
      } else if (member === 1 && arrival === undefined) arrival = r.timestamp();
      else if (member === 2 && data === undefined) data = r.blob();
      else if (member === 3 && partitionKey === undefined) {
        partitionKey = r.string();
        keyStart = r.lastStringStart;
        keyEnd = r.lastStringEnd;
      } else if (member === 4 && encryptionType === undefined) encryptionType = r.string();
      else throw NOT_HANDLED;
    } while (r.take(COMMA));
    r.expect(0x7d);
  }
  // All four are required members of Record; an answer without one is the SDK's to read.
  if (sequenceNumber === undefined || arrival === undefined || data === undefined || partitionKey === undefined) throw NOT_HANDLED;
  const record: KinesisRecord = { SequenceNumber: sequenceNumber, ApproximateArrivalTimestamp: arrival, Data: data, PartitionKey: partitionKey };
  if (encryptionType !== undefined) record.EncryptionType = encryptionType as KinesisRecord['EncryptionType'];
  r.pushOffsets(seqStart, seqEnd, keyStart, keyEnd);
  return record;
}

const ascii = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0));
const SEQUENCE_OPEN = ascii('{"SequenceNumber":"');
const ARRIVAL_OPEN = ascii(',"ApproximateArrivalTimestamp":');
const DATA_OPEN = ascii(',"Data":"');
const KEY_OPEN = ascii('","PartitionKey":"');

/**
 * A record in the compact form AWS and the emulator write: the four members in that order, no whitespace, the
 * strings plain. undefined, with `r.pos` anywhere inside, for any other form (the caller reads it again).
 */
function readCompactRecord(r: Reader): KinesisRecord | undefined {
  if (!r.literal(SEQUENCE_OPEN)) return undefined;
  const seqStart = r.pos;
  const seqEnd = r.plainStringEnd();
  if (seqEnd < 0 || !r.literal(ARRIVAL_OPEN)) return undefined;
  const arrival = r.timestamp();
  if (!r.literal(DATA_OPEN)) return undefined;
  const buf = r.buf;
  const data = r.decodeQuotedData();
  if (!data || !r.literal(KEY_OPEN)) return undefined;
  const keyStart = r.pos;
  const keyEnd = r.plainStringEnd();
  if (keyEnd < 0 || buf[r.pos] !== 0x7d) return undefined;
  r.pos++;
  r.pushOffsets(seqStart, seqEnd, keyStart, keyEnd);
  return { SequenceNumber: buf.latin1Slice(seqStart, seqEnd), ApproximateArrivalTimestamp: arrival, Data: data, PartitionKey: keyString(buf, keyStart, keyEnd) };
}

/**
 * Partition keys met before, by a hash of their bytes: keys repeat (device ids), and a shared string (immutable)
 * instead of a new one per record is less for the GC to copy while batches wait to be written. A miss replaces the
 * slot; keys longer than 64 bytes are not kept.
 */
const KEY_SLOTS = 4096;
const KEY_CACHE: string[] = new Array<string>(KEY_SLOTS).fill('');

/** The plain (printable ASCII) string [start, end) of `buf`, shared with an earlier equal one when cached. */
function keyString(buf: SliceBuffer, start: number, end: number): string {
  const length = end - start;
  let hash = length;
  for (let i = start; i < end; i++) hash = (Math.imul(hash, 31) + buf[i]) | 0;
  const slot = hash & (KEY_SLOTS - 1);
  const cached = KEY_CACHE[slot];
  if (cached.length === length) {
    let i = 0;
    while (i < length && cached.charCodeAt(i) === buf[start + i]) i++;
    if (i === length) return cached;
  }
  const key = buf.latin1Slice(start, end);
  if (length <= 64) KEY_CACHE[slot] = key;
  return key;
}

function readRecords(r: Reader): KinesisRecord[] {
  const records: KinesisRecord[] = [];
  r.expect(0x5b);
  if (r.take(0x5d)) return records;
  do {
    r.ws();
    const start = r.pos;
    const dataPos = r.dataPos;
    let record = readCompactRecord(r);
    if (!record) {
      r.pos = start;
      r.dataPos = dataPos;
      record = readRecord(r);
    }
    records.push(record);
  } while (r.take(COMMA));
  r.expect(0x5d);
  return records;
}

/** GetRecords' output from its JSON body, or undefined when the body holds anything left to the SDK (see above). */
export function decodeGetRecordsBody(body: Uint8Array): DecodedGetRecords | undefined {
  if (body.byteLength === 0) return undefined;
  const buf = (Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength)) as SliceBuffer;
  // Decoded data is never longer than 3/4 of the base64 holding it, which is part of the body.
  const r = new Reader(buf, new Uint8Array(Math.ceil((buf.length * 3) / 4)));
  const out: DecodedGetRecords = {};
  try {
    r.expect(0x7b);
    if (!r.take(0x7d)) {
      do {
        const member = r.key(OUTPUT_MEMBERS);
        r.expect(COLON);
        if (member === 0 && out.Records === undefined) out.Records = readRecords(r);
        else if (member === 1 && out.NextShardIterator === undefined) out.NextShardIterator = r.string();
        else if (member === 2 && out.MillisBehindLatest === undefined) out.MillisBehindLatest = r.number();
        else throw NOT_HANDLED;
      } while (r.take(COMMA));
      r.expect(0x7d);
    }
    r.ws();
    if (r.pos !== buf.length) return undefined;
    if (out.Records) BODY_OFFSETS.set(out.Records, { body: buf, offsets: r.offsets.subarray(0, r.count * 4) });
  } catch (error) {
    if (error instanceof NotHandled || error instanceof SyntaxError) return undefined;
    throw error;
  }
  return out;
}
