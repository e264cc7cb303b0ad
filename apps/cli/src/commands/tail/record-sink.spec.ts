import type { _Record as KinesisRecord } from '@aws-sdk/client-kinesis';
import type { ConsumerRecord } from '@tributary/kinesis-consumer';
import { AggregateBuilder } from '@tributary/kpl';
import { bodyOffsetsOf, decodeGetRecordsBody } from './get-records-decoder';
import { RecordSink, type SinkSettings } from './record-sink';
import { compileWhere } from './where-expression';

const rec = (i: number, key = `k${i % 2}`): ConsumerRecord => ({
  shardId: 'shardId-000000000000',
  data: Buffer.from(JSON.stringify({ i })),
  partitionKey: key,
  sequenceNumber: String(1000 + i),
  subSequenceNumber: 0,
  aggregated: false,
  aggregateSize: 1,
  approximateArrivalTimestamp: new Date(0),
});

function capture(): { out: { write(c: string | Uint8Array): undefined }; text(): string } {
  const chunks: Array<string | Uint8Array> = [];
  return { out: { write: (c) => void chunks.push(c) }, text: () => chunks.map((c) => (typeof c === 'string' ? c : Buffer.from(c).toString())).join('') };
}

describe('RecordSink', () => {
  const batch = Array.from({ length: 10 }, (_, i) => rec(i));

  it('writes one JSON line per record, in order, in one chunk per batch', () => {
    const { out, text } = capture();
    const sink = new RecordSink(out, { stream: 's', format: 'json' });
    sink.write('shardId-000000000000', batch);
    const lines = text().trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.data.i)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(sink.printed).toBe(10);
  });

  it('stops at --count across batches, and reports full', () => {
    const { out, text } = capture();
    const sink = new RecordSink(out, { stream: 's', format: 'json', count: 13 });
    sink.write('a', batch);
    expect(sink.full).toBe(false);
    sink.write('a', batch);
    sink.write('a', batch);
    expect(sink.full).toBe(true);
    expect(text().trimEnd().split('\n')).toHaveLength(13);
  });

  it('filters by partition key and --where, counting only what is printed', () => {
    const { out, text } = capture();
    const sink = new RecordSink(out, { stream: 's', format: 'json', keys: new Set(['k1']), where: compileWhere('data.i > 4'), count: 2 });
    sink.write('a', batch);
    expect(text().trimEnd().split('\n').map((l) => JSON.parse(l).data.i)).toEqual([5, 7]);
  });

  it('writes raw payloads separated by newlines', () => {
    const { out, text } = capture();
    new RecordSink(out, { stream: 's', format: 'raw', where: compileWhere('data.i < 2') }).write('a', batch);
    expect(text()).toBe('{"i":0}\n{"i":1}\n');
  });
});

describe('RecordSink.writeKinesis', () => {
  it('formats plain Kinesis records as they come and opens KPL aggregates, in order', () => {
    const builder = new AggregateBuilder();
    for (const [key, data] of [['a', '{"x":1}'], ['b', 'two']]) builder.add({ partitionKey: key, partitionKeyBytes: 1, data: Buffer.from(data) });
    const at = new Date('2026-12-07T06:00:00Z');
    const { out, text } = capture();
    const sink = new RecordSink(out, { stream: 's', format: 'json' });
    sink.writeKinesis('shardId-000000000000', [
      { SequenceNumber: '100', PartitionKey: 'p', Data: Buffer.from('{"n":0}'), ApproximateArrivalTimestamp: at },
      { SequenceNumber: '101', PartitionKey: 'a', Data: builder.encode(), ApproximateArrivalTimestamp: at },
      { SequenceNumber: '102', PartitionKey: 'q', Data: new Uint8Array([0xff]), ApproximateArrivalTimestamp: at },
    ]);
    const lines = text().trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(lines).toEqual([
      { stream: 's', shard: 'shardId-000000000000', sequence: '100', partitionKey: 'p', arrival: at.toISOString(), dataEncoding: 'json', data: { n: 0 } },
      { stream: 's', shard: 'shardId-000000000000', sequence: '101', subSequence: 0, partitionKey: 'a', arrival: at.toISOString(), dataEncoding: 'json', data: { x: 1 } },
      { stream: 's', shard: 'shardId-000000000000', sequence: '101', subSequence: 1, partitionKey: 'b', arrival: at.toISOString(), dataEncoding: 'text', data: 'two' },
      { stream: 's', shard: 'shardId-000000000000', sequence: '102', partitionKey: 'q', arrival: at.toISOString(), dataEncoding: 'base64', data: '/w==' },
    ]);
  });
});

describe('RecordSink.writeKinesis on records read by the GetRecords decoder', () => {
  // The decoder's records carry where their sequence number and key sit in the body, and lines are copied from
  // there; the output must be byte for byte what the same records give without (SDK-made copies).
  const at = 1796633133.927;
  const records = [
    { SequenceNumber: '49660000000000000000000000000000000000000000000000000002', ApproximateArrivalTimestamp: at, Data: Buffer.from('{"temp":31}').toString('base64'), PartitionKey: 'sensor-1' },
    { SequenceNumber: '49660000000000000000000000000000000000000000000000000003', ApproximateArrivalTimestamp: at + 1, Data: Buffer.from('plain "text"').toString('base64'), PartitionKey: 'ключ "ö"' },
    { SequenceNumber: '49660000000000000000000000000000000000000000000000000004', ApproximateArrivalTimestamp: at + 1, Data: Buffer.from([0xff, 0]).toString('base64'), PartitionKey: 'del\u007f' },
    { PartitionKey: 'reordered', Data: Buffer.from(' [1,\n 2] ').toString('base64'), SequenceNumber: '49660000000000000000000000000000000000000000000000000005', ApproximateArrivalTimestamp: at + 2 },
    { SequenceNumber: '49660000000000000000000000000000000000000000000000000006', ApproximateArrivalTimestamp: at + 2, Data: Buffer.from('{"ü":"é"}').toString('base64'), PartitionKey: 'k' },
  ];

  function print(from: readonly KinesisRecord[], settings: Partial<SinkSettings> = {}): string {
    const { out, text } = capture();
    new RecordSink(out, { stream: 'orders-ö', format: 'json', ...settings }).writeKinesis('shardId-000000000007', from);
    return text();
  }

  it.each([
    ['JSON lines', {}, 5],
    ['with --key', { keys: new Set(['sensor-1', 'k']) }, 2],
    ['with --count', { count: 3 }, 3],
  ])('writes the same lines as from SDK-made records (%s)', (_name, settings: Partial<SinkSettings>, lines) => {
    const decoded = decodeGetRecordsBody(Buffer.from(JSON.stringify({ Records: records, NextShardIterator: 'x', MillisBehindLatest: 0 })))?.Records ?? [];
    expect(bodyOffsetsOf(decoded)).toBeDefined();
    const copies = decoded.map((r) => ({ ...r }));
    expect(bodyOffsetsOf(copies)).toBeUndefined();
    const expected = print(copies, settings);
    expect(expected.trimEnd().split('\n')).toHaveLength(lines);
    expect(print(decoded, settings)).toBe(expected);
  });
});
