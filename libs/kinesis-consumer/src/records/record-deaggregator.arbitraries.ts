/**
 * Fuzz inputs for deaggregateRecords (issue 12): batches of Kinesis records as GetRecords / SubscribeToShard
 * deliver them, each plain bytes, a valid KPL aggregate, or a broken one (the KPL codec's own fuzz inputs, from
 * @tributary/kpl/testing), with or without the shard's hash range. Shared by the property spec and
 * the soak bench (through @tributary/kinesis-consumer/testing).
 *
 * deaggregateRecords passes an aggregate it cannot open through as one record instead of throwing (as KCL does),
 * with a catch-all: the property checks that what it counted as malformed is what the codec refuses with its
 * typed error (or a partitioning error for a bad ExplicitHashKey), so the catch never hides a crash.
 */
import fc from 'fast-check';
import type { _Record as KinesisRecord } from '@aws-sdk/client-kinesis';
import { deaggregate, isAggregated, KplError } from '@tributary/kpl';
import { deaggregateInputArbitrary } from '@tributary/kpl/testing';
import { PartitioningError } from '@tributary/partitioning';
import type { FuzzTarget } from '@tributary/runtime/testing';
import { deaggregateRecords, effectiveHashKey, type HashRange } from './record-deaggregator';

export interface DeaggregationBatch {
  records: KinesisRecord[];
  range?: HashRange;
  verifyChecksum: boolean;
}

const MAX = 2n ** 128n - 1n;

export const deaggregationBatchArbitrary: fc.Arbitrary<DeaggregationBatch> = fc.record(
  {
    records: fc.array(
      fc.record({
        Data: fc.oneof(
          deaggregateInputArbitrary.map((i) => i.bytes),
          fc.uint8Array({ maxLength: 32 }),
        ),
        PartitionKey: fc.string({ minLength: 1, maxLength: 8 }),
        SequenceNumber: fc.bigInt({ min: 0n, max: 10n ** 56n }).map(String),
      }),
      { maxLength: 5 },
    ),
    range: fc.tuple(fc.bigInt({ min: 0n, max: MAX }), fc.bigInt({ min: 0n, max: MAX })).map(([a, b]) => (a <= b ? { starting: a, ending: b } : { starting: b, ending: a })),
    verifyChecksum: fc.boolean(),
  },
  { requiredKeys: ['records', 'verifyChecksum'] },
);

export const recordDeaggregatorFuzzTarget: FuzzTarget<DeaggregationBatch> = {
  name: 'kcl-deaggregate-records',
  arbitrary: deaggregationBatchArbitrary,
  run({ records, range, verifyChecksum }) {
    const result = deaggregateRecords(records, 'shardId-000000000000', range, { verifyChecksum });
    let expectedCount = 0;
    let expectedMalformed = 0;
    for (const r of records) {
      const data = r.Data ?? new Uint8Array(0);
      if (!isAggregated(data)) {
        expectedCount++;
        continue;
      }
      try {
        const subs = deaggregate(data, { verifyChecksum }) ?? [];
        if (range) subs.forEach((s) => effectiveHashKey(s));
        expectedCount += subs.length;
      } catch (err) {
        if (!(err instanceof KplError) && !(err instanceof PartitioningError)) throw err;
        expectedMalformed++;
        expectedCount++;
      }
    }
    if (result.malformed !== expectedMalformed || result.records.length !== expectedCount) {
      throw new Error(`deaggregateRecords gave ${result.records.length} records (${result.malformed} malformed), expected ${expectedCount} (${expectedMalformed})`);
    }
    // Sub-records of one aggregate are numbered 0..n-1 (KCL's numbering), each counting the whole aggregate.
    for (const r of result.records) {
      if (r.aggregated && (r.subSequenceNumber < 0 || r.subSequenceNumber >= r.aggregateSize)) {
        throw new Error(`sub-sequence number ${r.subSequenceNumber} outside an aggregate of ${r.aggregateSize}`);
      }
    }
  },
  isTypedRejection: () => false,
};
