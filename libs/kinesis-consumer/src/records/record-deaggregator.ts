/**
 * Kinesis records → the user records a handler sees: KPL aggregates are opened (kds-reference.md §3.2, §3.3),
 * plain records pass as they are.
 *
 * Differences from KCL's `AggregatorUtil.deaggregate`, on purpose:
 * - A sub-record whose effective hash key (its ExplicitHashKey, else MD5 of its partition key) lies outside the
 *   receiving shard's hash range is REPORTED in `outOfRange`, not dropped. KCL drops the whole aggregate (logged
 *   only) when any sub-record is outside the range — silent loss when a producer aggregated across shards
 *   (awslabs/kinesis-aggregation#32). By default such records are still delivered (`records` contains them);
 *   pass `dropOutOfRange: true` for KCL-like filtering of just those sub-records. The hash range is the lease's
 *   `startingHashKey`/`endingHashKey`; without one no check is made.
 * - Like KCL, a record with the KPL magic whose checksum or protobuf is broken is passed through untouched as one
 *   plain record; unlike KCL it is counted (`malformed`) so that the caller can log or meter it.
 *
 * Sub-records inherit the Kinesis record's sequence number and arrival time and get `subSequenceNumber` = their
 * index in the aggregate (KCL's numbering), so `(sequenceNumber, subSequenceNumber)` orders every user record of
 * a shard; `data` is a view into the aggregate's bytes, not a copy.
 */
import type { _Record as KinesisRecord } from '@aws-sdk/client-kinesis';
import { deaggregate, isAggregated, type DeaggregatedRecord } from '@tributary/kpl';
import { hashKeyOf, parseExplicitHashKey, type HashKeyCache } from '@tributary/partitioning';
import type { Checkpoint, ConsumerRecord } from '../consumer-types';

/** A shard's hash key range, inclusive at both ends (ListShards `HashKeyRange`, lease start/end hash keys). */
export interface HashRange {
  starting: bigint | string;
  ending: bigint | string;
}

export interface DeaggregationOptions {
  /** Verify the MD5 trailer of aggregates (default true, as KCL does). */
  verifyChecksum?: boolean;
  /** Leave sub-records outside the hash range out of `records` (they are still listed in `outOfRange`). */
  dropOutOfRange?: boolean;
  /**
   * A memo of partition key → hash key for the range check. Device keys repeat, and an MD5 per sub-record was half
   * of this function's cost in `npm run bench:consumer` (long enough, on a 10 MiB batch, to starve lease renewals).
   */
  hashKeys?: HashKeyCache;
}

export interface DeaggregationResult {
  /** User records in shard order (out-of-range ones included unless `dropOutOfRange`). */
  records: ConsumerRecord[];
  /** Sub-records whose effective hash key is outside the shard's range (the same objects as in `records`). */
  outOfRange: ConsumerRecord[];
  /** Records that carried the KPL magic but did not decode; each was passed through as one plain record. */
  malformed: number;
}

const EPOCH = new Date(0);

export function deaggregateRecords(
  records: readonly KinesisRecord[],
  shardId: string,
  hashRange?: HashRange,
  options: DeaggregationOptions = {},
): DeaggregationResult {
  const out: ConsumerRecord[] = [];
  const outOfRange: ConsumerRecord[] = [];
  let malformed = 0;
  const range = hashRange ? { starting: BigInt(hashRange.starting), ending: BigInt(hashRange.ending) } : undefined;
  for (const record of records) {
    const data = record.Data ?? new Uint8Array(0);
    const sequenceNumber = record.SequenceNumber ?? '';
    const arrival = record.ApproximateArrivalTimestamp ?? EPOCH;
    const plain = (): ConsumerRecord => ({
      shardId,
      data,
      partitionKey: record.PartitionKey ?? '',
      sequenceNumber,
      subSequenceNumber: 0,
      aggregated: false,
      aggregateSize: 1,
      approximateArrivalTimestamp: arrival,
    });
    if (!isAggregated(data)) {
      out.push(plain());
      continue;
    }
    let subs: DeaggregatedRecord[];
    let hashes: bigint[] | undefined;
    try {
      subs = deaggregate(data, { verifyChecksum: options.verifyChecksum !== false }) ?? [];
      // An ExplicitHashKey that is not a valid hash key makes the aggregate malformed, as a broken protobuf does.
      const cache = options.hashKeys;
      hashes = range ? subs.map((sub) => (cache && sub.explicitHashKey === undefined ? cache.hashKeyOf(sub.partitionKey) : effectiveHashKey(sub))) : undefined;
    } catch {
      malformed++;
      out.push(plain());
      continue;
    }
    for (let i = 0; i < subs.length; i++) {
      const sub = subs[i];
      const user: ConsumerRecord = {
        shardId,
        data: sub.data,
        partitionKey: sub.partitionKey,
        ...(sub.explicitHashKey !== undefined ? { explicitHashKey: sub.explicitHashKey } : {}),
        sequenceNumber,
        subSequenceNumber: i,
        aggregated: true,
        aggregateSize: subs.length,
        approximateArrivalTimestamp: arrival,
      };
      const hash = hashes?.[i];
      const inRange = range === undefined || hash === undefined || (hash >= range.starting && hash <= range.ending);
      if (!inRange) outOfRange.push(user);
      if (inRange || !options.dropOutOfRange) out.push(user);
    }
  }
  return { records: out, outOfRange, malformed };
}

/** The hash key Kinesis would route a user record by: its ExplicitHashKey, else MD5 of its partition key. */
export function effectiveHashKey(record: { partitionKey: string; explicitHashKey?: string }): bigint {
  return record.explicitHashKey !== undefined ? parseExplicitHashKey(record.explicitHashKey) : hashKeyOf(record.partitionKey);
}

/**
 * Orders two positions in a shard: by sequence number (as integers: they are 56-digit decimals), then by
 * sub-sequence number. Negative when a < b.
 */
export function comparePositions(
  a: { sequenceNumber: string; subSequenceNumber: number },
  b: { sequenceNumber: string; subSequenceNumber: number },
): number {
  if (a.sequenceNumber !== b.sequenceNumber) {
    const x = BigInt(a.sequenceNumber);
    const y = BigInt(b.sequenceNumber);
    if (x !== y) return x < y ? -1 : 1;
  }
  return a.subSequenceNumber - b.subSequenceNumber;
}

/**
 * The records after `checkpoint`: drops user records at or before it. Retrieval restarts a sequence-number
 * checkpoint AT_SEQUENCE_NUMBER (the checkpointed Kinesis record is read again, so that the rest of an aggregate
 * is not lost), so the first batches after opening a source must go through this; sentinels keep everything.
 * Like KCL's ProcessTask filter: a checkpoint (s, k) means every user record up to and including (s, k) is done.
 */
export function skipUpTo(records: readonly ConsumerRecord[], checkpoint: Checkpoint): readonly ConsumerRecord[] {
  if (checkpoint.kind !== 'sequence') return records;
  let first = 0;
  // Records arrive in shard order: everything to skip is a prefix. Past the first batches after a restart the
  // first record is already beyond the checkpoint: one comparison, and the batch is returned as it is (the shard
  // consumer calls this on every batch; copying 100,000-record arrays each time bought nothing).
  while (first < records.length && comparePositions(records[first], checkpoint) <= 0) first++;
  return first === 0 ? records : records.slice(first);
}
