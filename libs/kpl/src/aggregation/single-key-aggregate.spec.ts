import { AggregateBuilder, deaggregate } from './aggregation-codec';
import { encodeSingleKeyAggregate, encodeSingleKeyAggregatePacked, singleKeyAggregateBytes, singleKeyRecordBytes } from './single-key-aggregate';

function viaBuilder(key: string, records: Uint8Array[]): Buffer {
  const b = new AggregateBuilder();
  for (const data of records) b.add({ partitionKey: key, partitionKeyBytes: Buffer.byteLength(key), data });
  return b.encode();
}

describe('encodeSingleKeyAggregate', () => {
  const records = [Buffer.from('{"a":1}\n'), Buffer.alloc(0), Buffer.alloc(300, 0x41), Buffer.from('é\n')];

  it('writes the bytes AggregateBuilder writes for the same records under one key', () => {
    expect(encodeSingleKeyAggregate('123456.789', records)).toEqual(viaBuilder('123456.789', records));
    expect(encodeSingleKeyAggregate('clé', records)).toEqual(viaBuilder('clé', records));
  });

  it('encodes records[from, to) only, and its size is what the sizing functions add up to', () => {
    const out = encodeSingleKeyAggregate('k', records, 1, 3);
    expect(out).toEqual(viaBuilder('k', records.slice(1, 3)));
    expect(out.length).toBe(singleKeyAggregateBytes(1, singleKeyRecordBytes(0) + singleKeyRecordBytes(300)));
  });

  it('reads back through deaggregate, every record under the key', () => {
    const back = deaggregate(encodeSingleKeyAggregate('42.5', records), { verifyChecksum: true });
    expect(back?.map((r) => Buffer.from(r.data).toString())).toEqual(records.map((r) => r.toString()));
    expect(new Set(back?.map((r) => r.partitionKey))).toEqual(new Set(['42.5']));
  });
});

describe('encodeSingleKeyAggregatePacked', () => {
  const records = [Buffer.from('{"a":1}\n'), Buffer.alloc(0), Buffer.alloc(300, 0x41), Buffer.from('é\n'), Buffer.alloc(2000, 0x42), Buffer.from('z')];
  const src = Buffer.concat(records);
  const ends: number[] = [];
  records.reduce((end, r) => (ends.push(end + r.length), end + r.length), 0);

  it('writes the bytes encodeSingleKeyAggregate writes for the same records, for every [from, to)', () => {
    for (let from = 0; from < records.length; from++) {
      for (let to = from + 1; to <= records.length; to++) {
        expect(encodeSingleKeyAggregatePacked('123456.789', src, ends, from, to)).toEqual(encodeSingleKeyAggregate('123456.789', records, from, to));
      }
    }
    expect(encodeSingleKeyAggregatePacked('clé', src, ends, 0, records.length)).toEqual(viaBuilder('clé', records));
  });
});
