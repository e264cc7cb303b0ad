/**
 * KPL aggregation format: many user records in one Kinesis record, readable by every KCL (which deaggregates by
 * default) and by aws-kinesis-agg. Layout (KPL `aggregation-format.md`, kds-reference.md §3.2):
 *
 *   offset 0        4 bytes   magic F3 89 9A C2
 *   offset 4        n bytes   protobuf (proto2) AggregatedRecord
 *   offset 4 + n    16 bytes  MD5 of the n protobuf bytes
 *
 *   message AggregatedRecord {
 *     repeated string partition_key_table     = 1;   // tag 0x0A (field 1, wire type 2)
 *     repeated string explicit_hash_key_table = 2;   // tag 0x12 (field 2, wire type 2)
 *     repeated Record records                 = 3;   // tag 0x1A (field 3, wire type 2)
 *   }
 *   message Record {
 *     required uint64 partition_key_index     = 1;   // tag 0x08 (field 1, wire type 0 = varint)
 *     optional uint64 explicit_hash_key_index = 2;   // tag 0x10 (field 2, wire type 0)
 *     required bytes  data                    = 3;   // tag 0x1A (field 3, wire type 2)
 *     repeated Tag    tags                    = 4;   // never written (the KPL does not either)
 *   }
 *
 * The protobuf is written by hand rather than through protobufjs: the schema is three fixed messages, the
 * encoder sits on the producer's hot path (every user record's bytes pass through it), and writing straight into
 * one exactly-sized buffer avoids protobufjs's per-field object tree, its Writer's chunk list and the final
 * concatenation copy, and a runtime dependency. The sizes the builder tracks are exact, not estimates (the KPL
 * estimates, then measures), so an aggregate never exceeds its byte budget and the buffer is allocated once.
 * Fields are written in field-number order, tables first, as protobuf serializers do; readers accept any order.
 *
 * The Kinesis record that carries an aggregate uses PartitionKey "a" and ExplicitHashKey = the hash key of its
 * first user record (KPL `kinesis_record.cc`): the caller puts only records bound for one shard into a builder,
 * because a KCL drops a whole aggregate whose sub-records hash outside the shard that received it.
 */
import * as crypto from 'node:crypto';
import { KplError } from '../errors';

/** F3 89 9A C2: KPL `aggregation-format.md`. */
export const AGGREGATION_MAGIC = Uint8Array.of(0xf3, 0x89, 0x9a, 0xc2);
export const MAGIC_0 = 0xf3;
export const MAGIC_1 = 0x89;
export const MAGIC_2 = 0x9a;
export const MAGIC_3 = 0xc2;
const CHECKSUM_BYTES = 16;
/** Magic + MD5 trailer. */
export const AGGREGATION_OVERHEAD_BYTES = AGGREGATION_MAGIC.length + CHECKSUM_BYTES;

const TAG_PARTITION_KEY_TABLE = 0x0a;
const TAG_EXPLICIT_HASH_KEY_TABLE = 0x12;
const TAG_RECORDS = 0x1a;
const TAG_PARTITION_KEY_INDEX = 0x08;
const TAG_EXPLICIT_HASH_KEY_INDEX = 0x10;
const TAG_DATA = 0x1a;
const TAG_TAGS = 0x22;

/** What the codec needs of a user record. `partitionKeyBytes` is the UTF-8 length, computed once by the caller. */
export interface AggregatableRecord {
  readonly partitionKey: string;
  readonly partitionKeyBytes: number;
  /** Decimal ExplicitHashKey, when the user gave one. */
  readonly explicitHashKey?: string;
  readonly data: Uint8Array;
  /**
   * Optional: one object per partition key, shared by the records of that key, in which builders note the key's
   * place in the aggregate's partition-key table (cheaper than a lookup in the builder's own map). Two objects
   * for one key only cost a duplicate table entry, which readers accept.
   */
  readonly keySlot?: AggregationKeySlot;
}

/** Where an AggregateBuilder notes a partition key's table index: valid while `aggregateEpoch` is its epoch. */
export interface AggregationKeySlot {
  aggregateEpoch: number;
  aggregateIndex: number;
}

/**
 * Epochs of every builder come from one counter, so that a slot noted by one builder never reads as valid in
 * another. It only grows (a wrapped epoch could meet a stale slot): past 2^30 it is a heap number, no more.
 */
let nextBuilderEpoch = 1;

/** Bytes of the varint encoding of a non-negative integer below 2^53. */
export function varintSize(value: number): number {
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x200000) return 3;
  if (value < 0x10000000) return 4;
  let n = 4;
  value = Math.floor(value / 0x10000000);
  while (value > 0) {
    n++;
    value = Math.floor(value / 0x80);
  }
  return n;
}

/** writeVarint with the one-byte case inline (table indexes, Record sizes and data lengths of small records). */
function writeSmallVarint(buf: Uint8Array, at: number, value: number): number {
  if (value < 0x80) {
    buf[at] = value;
    return at + 1;
  }
  return writeVarint(buf, at, value);
}

export function writeVarint(buf: Uint8Array, at: number, value: number): number {
  while (value >= 0x80) {
    buf[at++] = (value % 0x80) | 0x80;
    value = Math.floor(value / 0x80);
  }
  buf[at++] = value;
  return at;
}

/**
 * Writes `text` (of `utf8Bytes` UTF-8 bytes) at `at`. When the UTF-8 length equals the UTF-16 length the text is
 * ASCII, and a charCode loop beats Buffer#write by ~5× for keys of a few dozen characters (the call into C++
 * dominates); other text goes through Buffer#write.
 */
export function writeString(buf: Buffer, at: number, text: string, utf8Bytes: number): number {
  if (utf8Bytes === text.length) {
    for (let i = 0; i < utf8Bytes; i++) buf[at + i] = text.charCodeAt(i);
    return at + utf8Bytes;
  }
  return at + buf.write(text, at, utf8Bytes, 'utf8');
}

/** list[i] = value for i <= list.length: a push at the end, an overwrite below it (keeps the array packed). */
function setAt<T>(list: T[], i: number, value: T): void {
  if (i === list.length) list.push(value);
  else list[i] = value;
}

/** Encoded bytes of one length-delimited field (tag, length, payload) with a payload of `bytes`. */
export const fieldSize = (bytes: number): number => 1 + varintSize(bytes) + bytes;

const MAX_TABLE_ENTRIES = 0xffff;

/**
 * string → table index for the aggregate being built, reset in O(1) without giving memory back. A Map cleared per
 * aggregate re-grows its hash table every time (with per-device keys, every record of an aggregate adds a key):
 * that was a tenth of the producer's allocations at 250,000 records/s. Here a value is `epoch << 16 | index`, so
 * entries of earlier aggregates read as absent and setting a known key reuses its slot. The value stays a small
 * integer (no heap number per set): 14 bits of epoch, 16 of index; the map is cleared when the epoch wraps or it
 * holds more than 100,000 keys.
 */
class KeyIndex {
  private readonly map = new Map<string, number>();
  private epoch = 1;

  get(key: string): number | undefined {
    const v = this.map.get(key);
    return v !== undefined && v >>> 16 === this.epoch ? v & 0xffff : undefined;
  }

  set(key: string, index: number): void {
    this.map.set(key, (this.epoch << 16) | index);
  }

  reset(): void {
    if (++this.epoch > 0x3fff || this.map.size > 100_000) {
      this.map.clear();
      this.epoch = 1;
    }
  }
}

/**
 * Accumulates user records for one aggregate and knows its exact encoded size at every step.
 *
 * `tryAdd(record, limit)` adds a record if the aggregate's data stays within `limit` bytes (one size computation
 * per record); `sizeWith(record)` answers "how large would the data be with this record added" without adding
 * it, and `add(record)` adds it. `encode()` writes magic + protobuf + MD5 into one buffer of `byteLength`.
 */
export class AggregateBuilder {
  /**
   * Per record: the record, its partition-key table index, its explicit-hash-key table index (-1: none) and the
   * encoded size of its Record message (without its own tag and length). These arrays and the tables keep their
   * capacity across aggregates, filled up to `n` / `pkCount` / `ehkCount`: emptying them with `length = 0` lets
   * V8 drop their backing stores, and regrowing four arrays by doubling for every aggregate was a tenth of the
   * producer's allocations. Entries past the counts are stale references, overwritten by the next aggregate.
   */
  private readonly records: AggregatableRecord[] = [];
  private readonly pkIndexes: number[] = [];
  private readonly ehkIndexes: number[] = [];
  private readonly innerSizes: number[] = [];
  private n = 0;
  private readonly pkIndexOf = new KeyIndex();
  private readonly pkTable: AggregatableRecord[] = [];
  private pkCount = 0;
  private readonly ehkIndexOf = new KeyIndex();
  private readonly ehkTable: string[] = [];
  private ehkCount = 0;
  private protobufBytes = 0;
  /** The epoch under which this aggregate's keys are noted in their AggregationKeySlot. */
  private epoch = nextBuilderEpoch++;
  private readonly scratch = { inner: 0, pkIndex: 0, ehkIndex: -1 };

  get count(): number {
    return this.n;
  }

  /** Exact size of the aggregate's data (magic + protobuf + MD5). */
  get byteLength(): number {
    return AGGREGATION_OVERHEAD_BYTES + this.protobufBytes;
  }

  get first(): AggregatableRecord | undefined {
    return this.n > 0 ? this.records[0] : undefined;
  }

  /** The data size the aggregate would have with `record` added. */
  sizeWith(record: AggregatableRecord): number {
    return AGGREGATION_OVERHEAD_BYTES + this.protobufBytes + this.growth(record);
  }

  add(record: AggregatableRecord): void {
    this.commit(record, this.growth(record));
  }

  /** Adds `record` unless the aggregate's data would then exceed `limit` bytes; false when it was not added. */
  tryAdd(record: AggregatableRecord, limit: number): boolean {
    const growth = this.growth(record);
    if (AGGREGATION_OVERHEAD_BYTES + this.protobufBytes + growth > limit) return false;
    this.commit(record, growth);
    return true;
  }

  reset(): void {
    this.n = 0;
    this.pkIndexOf.reset();
    this.pkCount = 0;
    this.ehkIndexOf.reset();
    this.ehkCount = 0;
    this.protobufBytes = 0;
    this.epoch = nextBuilderEpoch++;
  }

  /** magic ‖ AggregatedRecord ‖ MD5(AggregatedRecord), in one buffer of exactly `byteLength` bytes. */
  encode(): Buffer {
    const protobufBytes = this.protobufBytes;
    const out = Buffer.allocUnsafe(AGGREGATION_OVERHEAD_BYTES + protobufBytes);
    out[0] = MAGIC_0;
    out[1] = MAGIC_1;
    out[2] = MAGIC_2;
    out[3] = MAGIC_3;
    let at = 4;
    const pkTable = this.pkTable;
    for (let i = 0; i < this.pkCount; i++) {
      const r = pkTable[i];
      out[at++] = TAG_PARTITION_KEY_TABLE;
      at = writeVarint(out, at, r.partitionKeyBytes);
      at = writeString(out, at, r.partitionKey, r.partitionKeyBytes);
    }
    for (let i = 0; i < this.ehkCount; i++) {
      const ehk = this.ehkTable[i];
      out[at++] = TAG_EXPLICIT_HASH_KEY_TABLE;
      at = writeVarint(out, at, ehk.length); // decimal digits: one byte each
      at = writeString(out, at, ehk, ehk.length);
    }
    const records = this.records;
    const innerSizes = this.innerSizes;
    const pkIndexes = this.pkIndexes;
    const ehkIndexes = this.ehkIndexes;
    const n = this.n;
    for (let i = 0; i < n; i++) {
      const data = records[i].data;
      out[at++] = TAG_RECORDS;
      at = writeSmallVarint(out, at, innerSizes[i]);
      out[at++] = TAG_PARTITION_KEY_INDEX;
      at = writeSmallVarint(out, at, pkIndexes[i]);
      const ehkIndex = ehkIndexes[i];
      if (ehkIndex >= 0) {
        out[at++] = TAG_EXPLICIT_HASH_KEY_INDEX;
        at = writeSmallVarint(out, at, ehkIndex);
      }
      out[at++] = TAG_DATA;
      at = writeSmallVarint(out, at, data.length);
      out.set(data, at);
      at += data.length;
    }
    if (at !== 4 + protobufBytes) {
      // A bug in the size bookkeeping would corrupt the checksum silently: fail loudly instead.
      throw new KplError('INTERNAL', `Aggregate size mismatch: wrote ${at - 4} protobuf bytes, expected ${protobufBytes}.`, false);
    }
    md5Into(out, 4, at, out, at);
    return out;
  }

  /** Adds `record`, whose growth() was just computed (its indexes are still in `scratch`). */
  private commit(record: AggregatableRecord, growth: number): void {
    this.protobufBytes += growth;
    const g = this.scratch;
    if (g.pkIndex === this.pkCount) {
      const slot = record.keySlot;
      if (slot !== undefined) {
        slot.aggregateEpoch = this.epoch;
        slot.aggregateIndex = g.pkIndex;
      } else {
        this.pkIndexOf.set(record.partitionKey, g.pkIndex);
      }
      setAt(this.pkTable, this.pkCount++, record);
    }
    if (record.explicitHashKey !== undefined && g.ehkIndex === this.ehkCount) {
      this.ehkIndexOf.set(record.explicitHashKey, g.ehkIndex);
      setAt(this.ehkTable, this.ehkCount++, record.explicitHashKey);
    }
    const i = this.n++;
    setAt(this.records, i, record);
    setAt(this.pkIndexes, i, g.pkIndex);
    setAt(this.ehkIndexes, i, g.ehkIndex);
    setAt(this.innerSizes, i, g.inner);
  }

  /**
   * The protobuf bytes `record` adds; its Record message size and table indexes are left in `scratch` (one
   * object reused, not one per call: this runs for every user record on the hot path).
   */
  private growth(record: AggregatableRecord): number {
    let total = 0;
    const slot = record.keySlot;
    let pkIndex = slot !== undefined ? (slot.aggregateEpoch === this.epoch ? slot.aggregateIndex : undefined) : this.pkIndexOf.get(record.partitionKey);
    if (pkIndex === undefined) {
      pkIndex = this.pkCount;
      // The index of KeyIndex holds 16 bits: an aggregate is full at 65,535 distinct keys.
      if (pkIndex >= MAX_TABLE_ENTRIES) return Infinity;
      total += fieldSize(record.partitionKeyBytes);
    }
    let inner = 1 + varintSize(pkIndex) + fieldSize(record.data.length);
    let ehkIndex = -1;
    if (record.explicitHashKey !== undefined) {
      const known = this.ehkIndexOf.get(record.explicitHashKey);
      ehkIndex = known ?? this.ehkCount;
      if (ehkIndex >= MAX_TABLE_ENTRIES) return Infinity;
      if (known === undefined) total += fieldSize(record.explicitHashKey.length);
      inner += 1 + varintSize(ehkIndex);
    }
    const g = this.scratch;
    g.inner = inner;
    g.pkIndex = pkIndex;
    g.ehkIndex = ehkIndex;
    return total + fieldSize(inner);
  }
}

/**
 * One-shot MD5 where available (Node ≥ 20.12: `crypto.hash`, which skips the Hash object), else createHash.
 * Writes the 16-byte digest of src[from, to) into dst at `at`.
 */
export const md5Into: (src: Buffer, from: number, to: number, dst: Buffer, at: number) => void =
  typeof crypto.hash === 'function'
    ? (src, from, to, dst, at) => {
        dst.set(crypto.hash('md5', src.subarray(from, to), 'buffer'), at);
      }
    : (src, from, to, dst, at) => {
        crypto.createHash('md5').update(src.subarray(from, to)).digest().copy(dst, at);
      };

/** True when `data` starts with the KPL magic and is long enough to hold a checksum (KCL's test). */
export function isAggregated(data: Uint8Array): boolean {
  return (
    data.length > AGGREGATION_OVERHEAD_BYTES &&
    data[0] === MAGIC_0 &&
    data[1] === MAGIC_1 &&
    data[2] === MAGIC_2 &&
    data[3] === MAGIC_3
  );
}

export interface DeaggregatedRecord {
  partitionKey: string;
  explicitHashKey?: string;
  /** A view into the aggregate's bytes, not a copy. */
  data: Uint8Array;
}

/**
 * Decodes an aggregate (for tests, tools and consumers). Returns undefined when `data` is not an aggregate (no
 * magic); throws a KplError `MALFORMED_AGGREGATE` when the magic is there but the checksum or the protobuf
 * is wrong (a KCL passes such a record through untouched; callers choose).
 */
export function deaggregate(data: Uint8Array, options: { verifyChecksum?: boolean } = {}): DeaggregatedRecord[] | undefined {
  if (!isAggregated(data)) return undefined;
  const end = data.length - CHECKSUM_BYTES;
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.length);
  if (options.verifyChecksum !== false) {
    const digest = crypto.createHash('md5').update(bytes.subarray(4, end)).digest();
    if (!digest.equals(bytes.subarray(end))) throw malformed('the MD5 trailer does not match the protobuf bytes');
  }
  const pkTable: string[] = [];
  const ehkTable: string[] = [];
  const raw: Array<{ pk: number; ehk: number; data: Uint8Array }> = [];
  const reader = new ProtoReader(bytes, 4, end);
  while (!reader.done) {
    const tag = reader.varint();
    if (tag === TAG_PARTITION_KEY_TABLE) pkTable.push(reader.string());
    else if (tag === TAG_EXPLICIT_HASH_KEY_TABLE) ehkTable.push(reader.string());
    else if (tag === TAG_RECORDS) raw.push(readRecord(reader.sub()));
    else reader.skip(tag);
  }
  return raw.map((r) => {
    const partitionKey = pkTable[r.pk];
    if (partitionKey === undefined) throw malformed(`partition_key_index ${r.pk} is outside the table of ${pkTable.length}`);
    if (r.ehk < 0) return { partitionKey, data: r.data };
    const explicitHashKey = ehkTable[r.ehk];
    if (explicitHashKey === undefined) throw malformed(`explicit_hash_key_index ${r.ehk} is outside the table of ${ehkTable.length}`);
    return { partitionKey, explicitHashKey, data: r.data };
  });
}

function readRecord(reader: ProtoReader): { pk: number; ehk: number; data: Uint8Array } {
  let pk = -1;
  let ehk = -1;
  let data: Uint8Array | undefined;
  while (!reader.done) {
    const tag = reader.varint();
    if (tag === TAG_PARTITION_KEY_INDEX) pk = reader.varint();
    else if (tag === TAG_EXPLICIT_HASH_KEY_INDEX) ehk = reader.varint();
    else if (tag === TAG_DATA) data = reader.bytes();
    else if (tag === TAG_TAGS) reader.bytes();
    else reader.skip(tag);
  }
  if (pk < 0 || data === undefined) throw malformed('a Record lacks its required partition_key_index or data');
  return { pk, ehk, data };
}

function malformed(why: string): KplError {
  return new KplError('MALFORMED_AGGREGATE', `Not a valid KPL aggregate: ${why}.`, false);
}

/** The minimal protobuf reader the three messages need: varints and length-delimited fields. */
class ProtoReader {
  constructor(
    private readonly buf: Buffer,
    private at: number,
    private readonly end: number,
  ) {}

  get done(): boolean {
    return this.at >= this.end;
  }

  varint(): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      if (this.at >= this.end) throw malformed('a varint runs past the end');
      const b = this.buf[this.at++];
      value += (b & 0x7f) * scale;
      if (b < 0x80) return value;
      scale *= 0x80;
    }
    throw malformed('a varint is longer than 53 bits');
  }

  bytes(): Buffer {
    const n = this.varint();
    if (this.at + n > this.end) throw malformed('a field runs past the end');
    const out = this.buf.subarray(this.at, this.at + n);
    this.at += n;
    return out;
  }

  string(): string {
    return this.bytes().toString('utf8');
  }

  sub(): ProtoReader {
    const n = this.varint();
    if (this.at + n > this.end) throw malformed('a message runs past the end');
    const r = new ProtoReader(this.buf, this.at, this.at + n);
    this.at += n;
    return r;
  }

  skip(tag: number): void {
    switch (tag & 7) {
      case 0:
        this.varint();
        return;
      case 1:
        this.at += 8;
        return;
      case 2:
        this.bytes();
        return;
      case 5:
        this.at += 4;
        return;
      default:
        throw malformed(`unsupported wire type ${tag & 7}`);
    }
  }
}
