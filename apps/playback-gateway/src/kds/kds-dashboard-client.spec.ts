import type { _Record } from '@aws-sdk/client-kinesis';
import { AggregateBuilder } from '@tributary/kpl';
import { decodePreview, previewOf } from './kds-dashboard-client';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const record = (seq: string, data: Uint8Array, partitionKey = 'pk', at = 1_000): _Record => ({
  SequenceNumber: seq,
  Data: data,
  PartitionKey: partitionKey,
  ApproximateArrivalTimestamp: new Date(at),
});

describe('decodePreview', () => {
  it.each([
    ['a log line', bytes('GET / 200'), 100, { encoding: 'text', text: 'GET / 200', cut: false }],
    ['a JSON object', bytes(' {"a":1}'), 100, { encoding: 'json', text: ' {"a":1}', cut: false }],
    ['a JSON array', bytes('[1,2]'), 100, { encoding: 'json', text: '[1,2]', cut: false }],
    ['text that only looks like JSON', bytes('{not json'), 100, { encoding: 'text', text: '{not json', cut: false }],
    ['markup, kept as it is (the page shows it as text)', bytes('<b>x</b>'), 100, { encoding: 'text', text: '<b>x</b>', cut: false }],
    ['a long line, cut', bytes('abcdef'), 4, { encoding: 'text', text: 'abcd', cut: true }],
    ['bytes that are not UTF-8', Uint8Array.of(0xff, 0x00, 0x80), 100, { encoding: 'base64', text: '/wCA', cut: false }],
    ['long binary, cut', new Uint8Array(30).fill(0xff), 8, { encoding: 'base64', text: Buffer.alloc(6, 0xff).toString('base64'), cut: true }],
  ])('%s', (_name, data, maxChars, expected) => {
    expect(decodePreview(data, maxChars)).toEqual(expected);
  });
});

describe('previewOf', () => {
  it('gives the newest user records first, an aggregate deaggregated with its sub-sequence numbers', () => {
    const agg = new AggregateBuilder();
    for (const line of ['one', 'two', 'three']) agg.add({ partitionKey: 'web', partitionKeyBytes: 3, data: bytes(line) });
    const records = [record('1', bytes('plain')), record('2', agg.encode(), 'web', 2_000)];
    const out = previewOf('shardId-000000000000', records, 10, 100);
    expect(out.map((r) => [r.text, r.subSequence, r.partitionKey, r.sequenceNumber])).toEqual([
      ['three', 2, 'web', '2'],
      ['two', 1, 'web', '2'],
      ['one', 0, 'web', '2'],
      ['plain', null, 'pk', '1'],
    ]);
    expect(out[0]).toMatchObject({ shardId: 'shardId-000000000000', arrivedAt: 2_000, bytes: 5 });
  });

  it('stops at `count`, and shows a malformed aggregate as the raw record', () => {
    const agg = new AggregateBuilder();
    agg.add({ partitionKey: 'k', partitionKeyBytes: 1, data: bytes('x') });
    const broken = agg.encode();
    broken[broken.length - 1] ^= 0xff; // the MD5 trailer no longer matches
    const out = previewOf('s', [record('1', bytes('a')), record('2', bytes('b')), record('3', broken)], 2, 100);
    expect(out.map((r) => [r.sequenceNumber, r.subSequence, r.encoding])).toEqual([
      ['3', null, 'base64'],
      ['2', null, 'text'],
    ]);
  });
});
