/**
 * Fuzz inputs for the KPL aggregation codec (issue 12): aggregates built by AggregateBuilder from generated user
 * records (round trip, and agreement with the reference deaggregator aws-kinesis-agg), then mutated, with the MD5
 * trailer either left as it was (the checksum refuses) or recomputed over the mutated protobuf (the protobuf
 * reader has to refuse), plus random bytes behind the magic. Shared by aggregation-codec.property.spec.ts, the
 * consumer's deaggregation spec and the soak bench (through @tributary/kpl/testing).
 */
import * as crypto from 'node:crypto';
import fc from 'fast-check';
import { mutatedBytes, type FuzzTarget } from '@tributary/runtime/testing';
import { AGGREGATION_MAGIC, AggregateBuilder, deaggregate, type DeaggregatedRecord } from './aggregation-codec';
import { KplError } from '../errors';
import { referenceDeaggregate } from '../testing/kpl-reference';

export interface UserRecordValue {
  partitionKey: string;
  explicitHashKey?: string;
  data: Uint8Array;
}

export const userRecordArbitrary: fc.Arbitrary<UserRecordValue> = fc.record(
  {
    // Few distinct keys so that the partition-key table is shared; any Unicode otherwise.
    partitionKey: fc.oneof(fc.constantFrom('a', 'device-1', 'device-2'), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 16 })),
    explicitHashKey: fc.bigInt({ min: 0n, max: 2n ** 128n - 1n }).map(String),
    data: fc.uint8Array({ maxLength: 64 }),
  },
  { requiredKeys: ['partitionKey', 'data'] },
);

export function aggregate(records: readonly UserRecordValue[]): Buffer {
  const b = new AggregateBuilder();
  for (const r of records) b.add({ partitionKey: r.partitionKey, partitionKeyBytes: Buffer.byteLength(r.partitionKey), explicitHashKey: r.explicitHashKey, data: r.data });
  return b.encode();
}

export const userRecordsArbitrary = fc.array(userRecordArbitrary, { minLength: 1, maxLength: 8 });

/** magic ‖ protobuf ‖ MD5 with the trailer recomputed: mutations then reach the protobuf reader. */
export function resign(bytes: Uint8Array): Uint8Array {
  const body = bytes.length >= 20 ? bytes.subarray(4, bytes.length - 16) : bytes;
  const out = new Uint8Array(4 + body.length + 16);
  out.set(AGGREGATION_MAGIC, 0);
  out.set(body, 4);
  out.set(crypto.createHash('md5').update(body).digest(), 4 + body.length);
  return out;
}

export interface DeaggregateInput {
  bytes: Uint8Array;
  verifyChecksum: boolean;
}

export const deaggregateInputArbitrary: fc.Arbitrary<DeaggregateInput> = fc.record({
  bytes: fc.oneof(
    { weight: 1, arbitrary: userRecordsArbitrary.map(aggregate) },
    { weight: 2, arbitrary: mutatedBytes(userRecordsArbitrary.map(aggregate)) },
    { weight: 4, arbitrary: mutatedBytes(userRecordsArbitrary.map(aggregate)).map(resign) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map(resign) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }) },
  ),
  verifyChecksum: fc.boolean(),
});

const view = (records: readonly { partitionKey: string; explicitHashKey?: string; data: Uint8Array }[]): string =>
  JSON.stringify(records.map((r) => [r.partitionKey, r.explicitHashKey ?? null, Buffer.from(r.data).toString('hex')]));

/** Records, undefined (no magic) or a KplError MALFORMED_AGGREGATE; accepted records within the input. */
export const kplDeaggregateFuzzTarget: FuzzTarget<DeaggregateInput> = {
  name: 'kpl-deaggregate',
  arbitrary: deaggregateInputArbitrary,
  run({ bytes, verifyChecksum }) {
    const records: DeaggregatedRecord[] | undefined = deaggregate(bytes, { verifyChecksum });
    if (records === undefined) return;
    for (const r of records) {
      if (typeof r.partitionKey !== 'string' || !(r.data instanceof Uint8Array)) throw new Error(`a record of the wrong shape: ${JSON.stringify(r)}`);
      if (r.data.buffer !== bytes.buffer) throw new Error('record data is not a view of the aggregate');
    }
  },
  isTypedRejection: (err) => err instanceof KplError && err.code === 'MALFORMED_AGGREGATE',
};

/** AggregateBuilder → deaggregate gives the records back, and aws-kinesis-agg reads the same. */
export const kplRoundTripFuzzTarget: FuzzTarget<UserRecordValue[]> = {
  name: 'kpl-round-trip',
  arbitrary: userRecordsArbitrary,
  run(records) {
    const bytes = aggregate(records);
    const expected = view(records);
    const ours = view(deaggregate(bytes) ?? []);
    if (ours !== expected) throw new Error(`KPL round trip differs\n written: ${expected}\n read:    ${ours}`);
    // aws-kinesis-agg reads an absent explicit_hash_key_index as 0 (protobufjs's default for an unset uint64), so
    // a record written without one gets the table's first key there: compared only where one was written.
    const fromReference = referenceDeaggregate({ data: bytes, partitionKey: 'a' }).map((r, i) =>
      records[i]?.explicitHashKey === undefined ? { partitionKey: r.partitionKey, data: r.data } : r,
    );
    const reference = view(fromReference);
    if (reference !== expected) throw new Error(`aws-kinesis-agg reads the aggregate differently\n written:   ${expected}\n reference: ${reference}`);
  },
  isTypedRejection: () => false,
};
