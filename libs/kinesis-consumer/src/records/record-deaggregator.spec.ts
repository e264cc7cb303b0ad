/**
 * Deaggregation against aggregates built two ways: by the producer's AggregateBuilder (what tributary writes) and
 * by aws-kinesis-agg's RecordAggregator (the reference Node implementation, awslabs/kinesis-aggregation), whose
 * deaggregateSync also serves as the oracle for what a KCL-compatible reader must produce.
 */
import { createHash } from 'node:crypto';
import type { _Record as KinesisRecord } from '@aws-sdk/client-kinesis';
import { AggregateBuilder, type AggregatableRecord } from '@tributary/kpl';
import { hashKeyOf, MAX_HASH_KEY } from '@tributary/partitioning';
import { comparePositions, deaggregateRecords, effectiveHashKey, skipUpTo } from './record-deaggregator';
import type { ConsumerRecord } from '../consumer-types';

interface AggUserRecord {
  partitionKey: string;
  explicitPartitionKey?: string;
  sequenceNumber: string;
  subSequenceNumber?: number;
  data: string;
}
const agg = require('aws-kinesis-agg') as {
  RecordAggregator: new () => {
    addUserRecord(r: { partitionKey: string; explicitHashKey?: string; data: Buffer }): void;
    build(): { partitionKey: string; data: Buffer; ExplicitHashKey?: string };
  };
  deaggregateSync(
    r: { partitionKey: string; sequenceNumber: string; data: string },
    verify: boolean,
    cb: (err: Error | null, records?: AggUserRecord[]) => void,
  ): void;
};

const SHARD = 'shardId-000000000000';
const SEQ1 = '49590338271490256608559692538361571095921575989136588898';
const SEQ2 = '49590338271490256608559692538361571095921575989136588914';
const ARRIVAL = new Date('2026-01-02T03:04:05.678Z');
const HALF = 1n << 127n;

function userRecord(partitionKey: string, data: string, explicitHashKey?: string): AggregatableRecord {
  return { partitionKey, partitionKeyBytes: Buffer.byteLength(partitionKey), data: Buffer.from(data), ...(explicitHashKey ? { explicitHashKey } : {}) };
}

function builtByProducer(records: AggregatableRecord[]): Buffer {
  const b = new AggregateBuilder();
  for (const r of records) b.add(r);
  return b.encode();
}

function builtByReference(records: AggregatableRecord[]): Buffer {
  const a = new agg.RecordAggregator();
  for (const r of records) a.addUserRecord({ partitionKey: r.partitionKey, data: Buffer.from(r.data), ...(r.explicitHashKey ? { explicitHashKey: r.explicitHashKey } : {}) });
  return a.build().data;
}

function kinesisRecord(data: Uint8Array, sequenceNumber = SEQ1, partitionKey = 'a'): KinesisRecord {
  return { Data: data, SequenceNumber: sequenceNumber, PartitionKey: partitionKey, ApproximateArrivalTimestamp: ARRIVAL };
}

function referenceDeaggregate(data: Buffer): AggUserRecord[] {
  let out: AggUserRecord[] | undefined;
  agg.deaggregateSync({ partitionKey: 'a', sequenceNumber: SEQ1, data: data.toString('base64') }, true, (err, records) => {
    if (err) throw err;
    out = records;
  });
  return out ?? [];
}

const text = (r: ConsumerRecord): string => Buffer.from(r.data).toString('utf8');

const USERS = [userRecord('device-1', 'one'), userRecord('device-2', 'two'), userRecord('device-1', 'three'), userRecord('device-3', 'four', '12345')];

describe('deaggregateRecords', () => {
  describe.each([
    ['AggregateBuilder', builtByProducer],
    ['aws-kinesis-agg', builtByReference],
  ])('an aggregate built by %s', (_name, build) => {
    const bytes = build(USERS);

    it('yields every user record with sub-sequence numbers, aggregate size and the parent position', () => {
      const { records, outOfRange, malformed } = deaggregateRecords([kinesisRecord(bytes)], SHARD);
      expect(malformed).toBe(0);
      expect(outOfRange).toEqual([]);
      expect(records.map(text)).toEqual(['one', 'two', 'three', 'four']);
      expect(records.map((r) => r.partitionKey)).toEqual(['device-1', 'device-2', 'device-1', 'device-3']);
      expect(records.map((r) => r.subSequenceNumber)).toEqual([0, 1, 2, 3]);
      expect(records.map((r) => r.explicitHashKey)).toEqual([undefined, undefined, undefined, '12345']);
      for (const r of records) {
        expect(r).toMatchObject({ shardId: SHARD, sequenceNumber: SEQ1, aggregated: true, aggregateSize: 4, approximateArrivalTimestamp: ARRIVAL });
      }
    });

    it('agrees with aws-kinesis-agg deaggregateSync', () => {
      const ours = deaggregateRecords([kinesisRecord(bytes)], SHARD).records;
      const reference = referenceDeaggregate(bytes);
      expect(ours.map((r) => ({ pk: r.partitionKey, sub: r.subSequenceNumber, data: Buffer.from(r.data).toString('base64') }))).toEqual(
        reference.map((r) => ({ pk: r.partitionKey, sub: r.subSequenceNumber, data: r.data })),
      );
      // aws-kinesis-agg reads an absent optional explicit_hash_key_index as 0 (protobufjs's default) and so gives
      // every record the first table entry; KCL checks hasExplicitHashKeyIndex(), as we do. Compare where set.
      expect(ours[3].explicitHashKey).toBe(reference[3].explicitPartitionKey);
    });
  });

  it('passes plain records through as they are', () => {
    const { records } = deaggregateRecords([kinesisRecord(Buffer.from('plain'), SEQ2, 'pk-9')], SHARD);
    expect(records).toEqual([
      {
        shardId: SHARD,
        data: Buffer.from('plain'),
        partitionKey: 'pk-9',
        sequenceNumber: SEQ2,
        subSequenceNumber: 0,
        aggregated: false,
        aggregateSize: 1,
        approximateArrivalTimestamp: ARRIVAL,
      },
    ]);
  });

  it('keeps shard order across plain and aggregated records', () => {
    const input = [kinesisRecord(Buffer.from('first'), SEQ1, 'p'), kinesisRecord(builtByProducer(USERS.slice(0, 2)), SEQ2)];
    const { records } = deaggregateRecords(input, SHARD);
    expect(records.map(text)).toEqual(['first', 'one', 'two']);
    expect(records.map((r) => [r.sequenceNumber, r.subSequenceNumber])).toEqual([
      [SEQ1, 0],
      [SEQ2, 0],
      [SEQ2, 1],
    ]);
  });

  describe('a malformed aggregate', () => {
    const good = builtByProducer(USERS);
    const cases: Array<[string, Buffer]> = [
      ['a wrong MD5 trailer', Buffer.concat([good.subarray(0, good.length - 1), Buffer.from([good[good.length - 1] ^ 0xff])])],
      ['a truncated protobuf (checksum recomputed)', withChecksum(Buffer.from([0x0a, 0x05, 0x61]))],
      ['an index outside the key table', withChecksum(Buffer.from([0x0a, 0x01, 0x61, 0x1a, 0x05, 0x08, 0x07, 0x1a, 0x01, 0x78]))],
      ['an invalid ExplicitHashKey', builtByProducer([userRecord('k', 'v', (MAX_HASH_KEY + 1n).toString())])],
    ];

    it.each(cases)('with %s is passed through as one plain record and counted', (_why, bytes) => {
      const { records, malformed } = deaggregateRecords([kinesisRecord(bytes)], SHARD, { starting: 0n, ending: MAX_HASH_KEY });
      expect(malformed).toBe(1);
      expect(records).toHaveLength(1);
      expect(records[0]).toMatchObject({ aggregated: false, subSequenceNumber: 0, aggregateSize: 1, partitionKey: 'a' });
      expect(Buffer.from(records[0].data).equals(bytes)).toBe(true);
    });

    it('is accepted without a checksum check when verification is off', () => {
      const { records, malformed } = deaggregateRecords([kinesisRecord(cases[0][1])], SHARD, undefined, { verifyChecksum: false });
      expect(malformed).toBe(0);
      expect(records.map(text)).toEqual(['one', 'two', 'three', 'four']);
    });
  });

  describe('hash range', () => {
    // Keys on either side of 2^127, found by hashing, so the test does not depend on typed-in digests.
    const low = findKey((h) => h < HALF, 'low');
    const high = findKey((h) => h >= HALF, 'high');
    const lowerShard = { starting: 0n, ending: HALF - 1n };
    const bytes = builtByReference([userRecord(low, 'in-1'), userRecord(high, 'out'), userRecord(low, 'in-2'), userRecord('x', 'ehk-in', '5')]);

    it('reports sub-records outside the shard and still delivers them by default (KCL would drop all four)', () => {
      const { records, outOfRange } = deaggregateRecords([kinesisRecord(bytes)], SHARD, lowerShard);
      expect(records.map(text)).toEqual(['in-1', 'out', 'in-2', 'ehk-in']);
      expect(outOfRange.map(text)).toEqual(['out']);
      expect(outOfRange[0]).toBe(records[1]);
      expect(outOfRange[0].subSequenceNumber).toBe(1);
    });

    it('leaves them out of records with dropOutOfRange, keeping sub-sequence numbers of the rest', () => {
      const { records, outOfRange } = deaggregateRecords([kinesisRecord(bytes)], SHARD, lowerShard, { dropOutOfRange: true });
      expect(records.map((r) => [text(r), r.subSequenceNumber])).toEqual([
        ['in-1', 0],
        ['in-2', 2],
        ['ehk-in', 3],
      ]);
      expect(outOfRange.map(text)).toEqual(['out']);
    });

    it('uses the ExplicitHashKey over the partition key, with decimal-string bounds', () => {
      const ehkOut = builtByProducer([userRecord(low, 'routed-high', HALF.toString())]);
      const { outOfRange } = deaggregateRecords([kinesisRecord(ehkOut)], SHARD, { starting: '0', ending: (HALF - 1n).toString() });
      expect(outOfRange.map(text)).toEqual(['routed-high']);
      expect(deaggregateRecords([kinesisRecord(ehkOut)], SHARD, { starting: HALF.toString(), ending: MAX_HASH_KEY.toString() }).outOfRange).toEqual([]);
    });

    it('treats both bounds as inclusive', () => {
      const h = hashKeyOf(low);
      const one = builtByProducer([userRecord(low, 'edge'), userRecord('z', 'other')]);
      expect(deaggregateRecords([kinesisRecord(one)], SHARD, { starting: h, ending: h }).outOfRange.map(text)).toEqual(['other']);
    });

    it('does not check plain records (Kinesis routed them itself)', () => {
      expect(deaggregateRecords([kinesisRecord(Buffer.from('p'), SEQ1, high)], SHARD, lowerShard).outOfRange).toEqual([]);
    });
  });
});

describe('effectiveHashKey', () => {
  it('is the ExplicitHashKey when present, else MD5 of the partition key', () => {
    expect(effectiveHashKey({ partitionKey: 'k', explicitHashKey: '42' })).toBe(42n);
    expect(effectiveHashKey({ partitionKey: 'k' })).toBe(hashKeyOf('k'));
  });
});

describe('skipUpTo', () => {
  const records = deaggregateRecords(
    [kinesisRecord(Buffer.from('plain'), SEQ1, 'p'), kinesisRecord(builtByProducer(USERS), SEQ2)],
    SHARD,
  ).records;

  it.each([
    ['a sub-sequence inside the aggregate', { kind: 'sequence' as const, sequenceNumber: SEQ2, subSequenceNumber: 1 }, ['three', 'four']],
    ['the last sub-record', { kind: 'sequence' as const, sequenceNumber: SEQ2, subSequenceNumber: 3 }, []],
    ['the plain record before it', { kind: 'sequence' as const, sequenceNumber: SEQ1, subSequenceNumber: 0 }, ['one', 'two', 'three', 'four']],
    ['an earlier sequence number', { kind: 'sequence' as const, sequenceNumber: '1', subSequenceNumber: 0 }, ['plain', 'one', 'two', 'three', 'four']],
    ['a sentinel', { kind: 'sentinel' as const, value: 'TRIM_HORIZON' as const }, ['plain', 'one', 'two', 'three', 'four']],
  ])('after %s', (_name, checkpoint, expected) => {
    expect(skipUpTo(records, checkpoint).map(text)).toEqual(expected);
  });

  it('compares sequence numbers as integers, not strings', () => {
    expect(comparePositions({ sequenceNumber: '9', subSequenceNumber: 0 }, { sequenceNumber: '10', subSequenceNumber: 0 })).toBeLessThan(0);
    expect(comparePositions({ sequenceNumber: SEQ2, subSequenceNumber: 2 }, { sequenceNumber: SEQ2, subSequenceNumber: 1 })).toBeGreaterThan(0);
  });
});

function withChecksum(protobuf: Buffer): Buffer {
  const md5 = createHash('md5').update(protobuf).digest();
  return Buffer.concat([Buffer.from([0xf3, 0x89, 0x9a, 0xc2]), protobuf, md5]);
}

function findKey(accept: (hash: bigint) => boolean, prefix: string): string {
  for (let i = 0; ; i++) if (accept(hashKeyOf(`${prefix}-${i}`))) return `${prefix}-${i}`;
}
