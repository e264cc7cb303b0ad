import * as crypto from 'node:crypto';
import { AggregateBuilder, AGGREGATION_MAGIC, deaggregate, isAggregated, varintSize, type AggregatableRecord } from './aggregation-codec';
import { KplError } from '../errors';
import { referenceDeaggregate } from '../testing/kpl-reference';

const rec = (partitionKey: string, data: Uint8Array | string, explicitHashKey?: string): AggregatableRecord => ({
  partitionKey,
  partitionKeyBytes: Buffer.byteLength(partitionKey),
  ...(explicitHashKey !== undefined ? { explicitHashKey } : {}),
  data: typeof data === 'string' ? Buffer.from(data) : data,
});

function build(records: AggregatableRecord[]): { builder: AggregateBuilder; bytes: Buffer } {
  const builder = new AggregateBuilder();
  for (const r of records) builder.add(r);
  return { builder, bytes: builder.encode() };
}

describe('AggregateBuilder against aws-kinesis-agg (the reference deaggregator)', () => {
  it('round-trips partition keys and data, in order, with sub-sequence numbers 0..n-1', () => {
    const records = [rec('device-1', 'alpha'), rec('device-2', 'beta'), rec('device-1', 'gamma'), rec('device-3', '')];
    const { bytes } = build(records);
    const out = referenceDeaggregate({ data: bytes, partitionKey: 'a', explicitHashKey: '1' });
    expect(out).toEqual([
      { partitionKey: 'device-1', subSequenceNumber: 0, data: Buffer.from('alpha') },
      { partitionKey: 'device-2', subSequenceNumber: 1, data: Buffer.from('beta') },
      { partitionKey: 'device-1', subSequenceNumber: 2, data: Buffer.from('gamma') },
      { partitionKey: 'device-3', subSequenceNumber: 3, data: Buffer.from('') },
    ]);
  });

  it('writes the magic, then the protobuf, then the MD5 of the protobuf', () => {
    const { bytes } = build([rec('k', 'v'), rec('k', 'w')]);
    expect([...bytes.subarray(0, 4)]).toEqual([0xf3, 0x89, 0x9a, 0xc2]);
    expect([...AGGREGATION_MAGIC]).toEqual([0xf3, 0x89, 0x9a, 0xc2]);
    const proto = bytes.subarray(4, bytes.length - 16);
    expect(bytes.subarray(bytes.length - 16)).toEqual(crypto.createHash('md5').update(proto).digest());
    // partition_key_table: "k" once (deduplicated); then two Record messages.
    expect([...proto]).toEqual([0x0a, 0x01, 0x6b, 0x1a, 0x05, 0x08, 0x00, 0x1a, 0x01, 0x76, 0x1a, 0x05, 0x08, 0x00, 0x1a, 0x01, 0x77]);
  });

  it('carries explicit hash keys in their table when every record has one', () => {
    const records = [rec('p1', 'x', '0'), rec('p2', 'y', '340282366920938463463374607431768211455'), rec('p3', 'z', '0')];
    const { bytes } = build(records);
    expect(referenceDeaggregate({ data: bytes, partitionKey: 'a' }).map((u) => [u.partitionKey, u.explicitHashKey, u.data.toString()])).toEqual([
      ['p1', '0', 'x'],
      ['p2', '340282366920938463463374607431768211455', 'y'],
      ['p3', '0', 'z'],
    ]);
  });

  it('leaves explicit_hash_key_index out of records without one (read back by our decoder; see the note)', () => {
    // aws-kinesis-agg reads a missing optional index as protobufjs's default 0 and reports the table's first entry
    // for such records, whereas the KCL checks hasExplicitHashKeyIndex(): so mixed aggregates are compared with
    // our own decoder, and the reference is checked on partition keys and data only.
    const records = [rec('p1', 'x', '12345'), rec('p2', 'y')];
    const { bytes } = build(records);
    expect(deaggregate(bytes)).toEqual([
      { partitionKey: 'p1', explicitHashKey: '12345', data: Buffer.from('x') },
      { partitionKey: 'p2', data: Buffer.from('y') },
    ]);
    expect(referenceDeaggregate({ data: bytes, partitionKey: 'a' }).map((u) => [u.partitionKey, u.data.toString()])).toEqual([
      ['p1', 'x'],
      ['p2', 'y'],
    ]);
  });

  it('handles UTF-8 partition keys and binary data of every length class of the varints', () => {
    const sizes = [0, 1, 127, 128, 16_383, 16_384, 70_000];
    const records = sizes.map((n, i) => rec(`clé-${i}-😀`, crypto.randomBytes(n)));
    const { builder, bytes } = build(records);
    expect(bytes.length).toBe(builder.byteLength);
    const out = referenceDeaggregate({ data: bytes, partitionKey: 'a' });
    expect(out.map((u) => u.partitionKey)).toEqual(records.map((r) => r.partitionKey));
    expect(out.map((u) => Buffer.compare(u.data, Buffer.from(records[out.indexOf(u)].data)))).toEqual(sizes.map(() => 0));
  });

  it('decodes what aws-kinesis-agg reads, for 1,000 random records (both decoders agree)', () => {
    const records = Array.from({ length: 1000 }, (_, i) => rec(`k${i % 37}`, crypto.randomBytes(i % 200), i % 3 === 0 ? String(i * 1e30) : undefined));
    // Records all with or all without EHK per aggregate, as the producer's users send them, for the reference.
    const withEhk = records.filter((r) => r.explicitHashKey !== undefined);
    const without = records.filter((r) => r.explicitHashKey === undefined);
    for (const group of [withEhk, without]) {
      const { bytes } = build(group);
      const ours = deaggregate(bytes) ?? [];
      const reference = referenceDeaggregate({ data: bytes, partitionKey: 'a' });
      expect(ours.length).toBe(group.length);
      expect(reference.map((u) => ({ partitionKey: u.partitionKey, explicitHashKey: u.explicitHashKey, data: u.data }))).toEqual(
        ours.map((u) => ({ partitionKey: u.partitionKey, explicitHashKey: u.explicitHashKey, data: Buffer.from(u.data) })),
      );
    }
  });
});

describe('AggregateBuilder sizes', () => {
  it('sizeWith and byteLength are exact at every step (the encoder checks them too)', () => {
    const builder = new AggregateBuilder();
    for (let i = 0; i < 300; i++) {
      const r = rec(`key-${i % 50}`, crypto.randomBytes((i * 7919) % 300), i % 5 === 0 ? String(i) : undefined);
      const predicted = builder.sizeWith(r);
      builder.add(r);
      expect(builder.byteLength).toBe(predicted);
      expect(builder.encode().length).toBe(predicted);
    }
  });

  it('reset() empties the builder', () => {
    const builder = new AggregateBuilder();
    builder.add(rec('k', 'v'));
    builder.reset();
    expect(builder.count).toBe(0);
    expect(builder.byteLength).toBe(20);
    builder.add(rec('other', 'w'));
    expect(deaggregate(builder.encode())).toEqual([{ partitionKey: 'other', data: Buffer.from('w') }]);
  });

  it('tryAdd adds exactly what fits within the limit, and refuses the rest without changing the aggregate', () => {
    const builder = new AggregateBuilder();
    const records = Array.from({ length: 20 }, (_, i) => rec(`key-${i % 3}`, 'x'.repeat(10)));
    const limit = 150;
    let added = 0;
    for (const r of records) {
      const fits = builder.sizeWith(r) <= limit;
      const before = builder.byteLength;
      expect(builder.tryAdd(r, limit)).toBe(fits);
      if (fits) added++;
      else expect(builder.byteLength).toBe(before);
    }
    expect(builder.count).toBe(added);
    expect(builder.byteLength).toBeLessThanOrEqual(limit);
    expect(deaggregate(builder.encode())?.map((u) => u.partitionKey)).toEqual(records.slice(0, added).map((r) => r.partitionKey));
  });

  it('records with a shared key slot encode exactly as with the builder\'s own key table, aggregate after aggregate', () => {
    // One slot object per key, shared by its records (the producer's KeyInfo), and by two builders.
    const slots = new Map<string, { aggregateEpoch: number; aggregateIndex: number }>();
    const slotted = (r: AggregatableRecord): AggregatableRecord => {
      let slot = slots.get(r.partitionKey);
      if (!slot) slots.set(r.partitionKey, (slot = { aggregateEpoch: 0, aggregateIndex: 0 }));
      return { ...r, keySlot: slot };
    };
    const withSlots = new AggregateBuilder();
    const plain = new AggregateBuilder();
    const a = new AggregateBuilder();
    const b = new AggregateBuilder();
    for (let round = 0; round < 5; round++) {
      // Fewer records per round than the last: the builders' arrays keep stale entries past the count.
      const n = 60 - round * 10;
      const records = Array.from({ length: n }, (_, i) => rec(`dev-${(i * 7 + round) % 13}`, crypto.randomBytes(i % 40), i % 9 === 0 ? String(i + round) : undefined));
      withSlots.reset();
      plain.reset();
      for (const r of records) plain.add(r);
      for (const r of records) withSlots.add(slotted(r));
      const expected = plain.encode();
      expect(withSlots.encode()).toEqual(expected);
      expect(referenceDeaggregate({ data: expected, partitionKey: 'a' })).toHaveLength(n);
      // Two builders filled in turn over the same slots: a key may then take two table entries, still exact.
      a.reset();
      b.reset();
      for (const r of records) {
        const s = slotted(r);
        expect(a.tryAdd(s, 1_000_000)).toBe(true);
        expect(b.tryAdd(s, 1_000_000)).toBe(true);
      }
      const view = (bytes: Buffer) => deaggregate(bytes)?.map((u) => [u.partitionKey, u.explicitHashKey, Buffer.from(u.data).toString('hex')]);
      expect(view(a.encode())).toEqual(view(expected));
      expect(view(b.encode())).toEqual(view(expected));
    }
  });

  it.each([
    [0, 1],
    [127, 1],
    [128, 2],
    [16_383, 2],
    [16_384, 3],
    [2 ** 21 - 1, 3],
    [2 ** 21, 4],
    [2 ** 28 - 1, 4],
    [2 ** 28, 5],
    [2 ** 35, 6],
  ])('varintSize(%d) = %d', (value, size) => {
    expect(varintSize(value)).toBe(size);
  });
});

describe('deaggregate', () => {
  it('says undefined for a record that is not an aggregate', () => {
    expect(deaggregate(Buffer.from('plain data'))).toBeUndefined();
    expect(isAggregated(Buffer.from([0xf3, 0x89, 0x9a, 0xc2]))).toBe(false); // magic but no room for a checksum
  });

  it('refuses a corrupted checksum and a truncated protobuf with MALFORMED_AGGREGATE', () => {
    const { bytes } = build([rec('k', 'value-1'), rec('k', 'value-2')]);
    const badSum = Buffer.from(bytes);
    badSum[badSum.length - 1] ^= 1;
    expect(() => deaggregate(badSum)).toThrow(expect.objectContaining({ code: 'MALFORMED_AGGREGATE' }));
    expect(() => referenceDeaggregate({ data: badSum, partitionKey: 'a' })).toThrow('Invalid record checksum');
    const truncated = Buffer.concat([bytes.subarray(0, 10), crypto.createHash('md5').update(bytes.subarray(4, 10)).digest()]);
    expect(() => deaggregate(truncated)).toThrow(KplError);
  });

  it('reads what aws-kinesis-agg aggregates (the other direction)', async () => {
    const { RecordAggregator } = require('aws-kinesis-agg') as {
      RecordAggregator: new () => { addUserRecord(r: { partitionKey: string; data: Buffer }): unknown; build(): { data: Buffer } };
    };
    const aggregator = new RecordAggregator();
    aggregator.addUserRecord({ partitionKey: 'pk-1', data: Buffer.from('one') });
    aggregator.addUserRecord({ partitionKey: 'pk-2', data: Buffer.from('two') });
    const encoded = aggregator.build();
    expect(deaggregate(encoded.data)).toEqual([
      { partitionKey: 'pk-1', data: Buffer.from('one') },
      { partitionKey: 'pk-2', data: Buffer.from('two') },
    ]);
  });
});
