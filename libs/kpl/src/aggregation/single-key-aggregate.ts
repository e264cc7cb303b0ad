/**
 * A batch encoder for the simplest aggregate: every user record under one partition key (table index 0), no
 * explicit hash keys. Used by callers that already know which records share a Kinesis record (apps/log-agent puts
 * a chunk's lines under one random key): no per-record object, table lookup or size bookkeeping as in
 * AggregateBuilder, one sizing pass and one write pass over plain byte arrays. The bytes are the ones
 * AggregateBuilder writes for the same records under one key (single-key-aggregate.spec.ts checks this).
 */
import { AGGREGATION_OVERHEAD_BYTES, MAGIC_0, MAGIC_1, MAGIC_2, MAGIC_3, fieldSize, md5Into, writeString, writeVarint } from './aggregation-codec';

const TAG_PARTITION_KEY_TABLE = 0x0a;
const TAG_RECORDS = 0x1a;
/** Record { partition_key_index: 0 }: tag 0x08, varint 0. */
const PK_INDEX_0_BYTES = 2;
const TAG_DATA = 0x1a;

/** Protobuf bytes one user record of `dataLength` bytes adds to a single-key aggregate. */
export function singleKeyRecordBytes(dataLength: number): number {
  return fieldSize(PK_INDEX_0_BYTES + fieldSize(dataLength));
}

/** Size of the whole aggregate (magic, protobuf, MD5) for a key of `keyBytes` and records adding `recordBytes`. */
export function singleKeyAggregateBytes(keyBytes: number, recordBytes: number): number {
  return AGGREGATION_OVERHEAD_BYTES + fieldSize(keyBytes) + recordBytes;
}

/** magic ‖ AggregatedRecord { partition_key_table: [partitionKey], records: records[from, to) } ‖ MD5. */
export function encodeSingleKeyAggregate(partitionKey: string, records: readonly Uint8Array[], from = 0, to = records.length): Buffer {
  const keyBytes = Buffer.byteLength(partitionKey, 'utf8');
  let recordBytes = 0;
  for (let i = from; i < to; i++) recordBytes += singleKeyRecordBytes(records[i].length);
  const out = Buffer.allocUnsafe(singleKeyAggregateBytes(keyBytes, recordBytes));
  out[0] = MAGIC_0;
  out[1] = MAGIC_1;
  out[2] = MAGIC_2;
  out[3] = MAGIC_3;
  out[4] = TAG_PARTITION_KEY_TABLE;
  let at = writeVarint(out, 5, keyBytes);
  at = writeString(out, at, partitionKey, keyBytes);
  for (let i = from; i < to; i++) {
    const data = records[i];
    out[at++] = TAG_RECORDS;
    at = writeVarint(out, at, PK_INDEX_0_BYTES + fieldSize(data.length));
    out[at++] = 0x08;
    out[at++] = 0;
    out[at++] = TAG_DATA;
    at = writeVarint(out, at, data.length);
    out.set(data, at);
    at += data.length;
  }
  md5Into(out, 4, at, out, at);
  return out;
}

/** Bytes of a varint below 2^28 (a record's lengths), here rather than imported: no module getter per call. */
const varint28Bytes = (v: number): number => (v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : 4);

/** Writes a varint below 2^28 at `at`; returns the offset past it. */
function writeVarint28(out: Buffer, at: number, v: number): number {
  while (v >= 0x80) {
    out[at++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  out[at++] = v;
  return at;
}

/**
 * As encodeSingleKeyAggregate for records [from, to) packed back to back in `src`: record k is
 * src[k === 0 ? 0 : ends[k - 1], ends[k]). The run is copied once, then each record moved down into place
 * (copyWithin: no object per record); a record never moves past the next one's current bytes.
 */
export function encodeSingleKeyAggregatePacked(partitionKey: string, src: Uint8Array, ends: ArrayLike<number>, from: number, to: number): Buffer {
  const keyBytes = Buffer.byteLength(partitionKey, 'utf8');
  const first = from === 0 ? 0 : ends[from - 1];
  let recordBytes = 0;
  for (let i = from, prev = first; i < to; prev = ends[i++]) {
    const inner = PK_INDEX_0_BYTES + 1 + varint28Bytes(ends[i] - prev) + ends[i] - prev;
    recordBytes += 1 + varint28Bytes(inner) + inner;
  }
  const out = Buffer.allocUnsafe(singleKeyAggregateBytes(keyBytes, recordBytes));
  out[0] = MAGIC_0;
  out[1] = MAGIC_1;
  out[2] = MAGIC_2;
  out[3] = MAGIC_3;
  out[4] = TAG_PARTITION_KEY_TABLE;
  let at = writeVarint(out, 5, keyBytes);
  at = writeString(out, at, partitionKey, keyBytes);
  const last = to > from ? ends[to - 1] : first;
  let cur = at + recordBytes - (last - first);
  out.set(src.subarray(first, last), cur);
  for (let i = from, prev = first; i < to; prev = ends[i++]) {
    const length = ends[i] - prev;
    out[at++] = TAG_RECORDS;
    at = writeVarint28(out, at, PK_INDEX_0_BYTES + 1 + varint28Bytes(length) + length);
    out[at++] = 0x08;
    out[at++] = 0;
    out[at++] = TAG_DATA;
    at = writeVarint28(out, at, length);
    if (at !== cur) out.copyWithin(at, cur, cur + length);
    at += length;
    cur += length;
  }
  md5Into(out, 4, at, out, at);
  return out;
}
