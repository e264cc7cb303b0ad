/**
 * GetRecords' hand-written JSON against JSON.stringify of the same answer's object form (recordView's members, in
 * its order): byte for byte, for data of every length around the padding and the native-encoder threshold, keys
 * that need escapes or are not ASCII, KMS streams, an empty batch, and the ChildShards answer of a shard's end.
 */
import { randomBytes } from 'node:crypto';
import type { StoredRecord } from '../storage/shard-log';
import { writeGetRecordsJson, type GetRecordsAnswer } from './get-records-json';

const sequenceOf = (r: StoredRecord): string => `4959${String(r.ordinal).padStart(52, '0')}`;
const sequencing = {
  maxSequenceDigits: 56,
  writeSequence: (r: StoredRecord, out: Uint8Array, pos: number): number => pos + Buffer.from(out.buffer, out.byteOffset, out.byteLength).write(sequenceOf(r), pos, 'latin1'),
};

function viaStringify(a: GetRecordsAnswer): Buffer {
  return Buffer.from(
    JSON.stringify({
      Records: a.records.map((r) => ({
        SequenceNumber: sequenceOf(r),
        ApproximateArrivalTimestamp: r.arrival / 1000,
        Data: Buffer.from(r.data.buffer, r.data.byteOffset, r.data.byteLength).toString('base64'),
        PartitionKey: r.partitionKey,
        ...(a.encrypted ? { EncryptionType: 'KMS' } : {}),
      })),
      MillisBehindLatest: a.millisBehindLatest,
      ...(a.childShards !== undefined ? { ChildShards: a.childShards } : { NextShardIterator: a.nextShardIterator }),
    }),
  );
}

const record = (ordinal: number, data: Uint8Array, partitionKey = `key-${ordinal}`, arrival = 1_796_633_133_927 + ordinal): StoredRecord => ({ ordinal, arrival, partitionKey, data });

describe('writeGetRecordsJson', () => {
  const lengths = [0, 1, 2, 3, 4, 5, 59, 60, 61, 1022, 1023, 1024, 1025, 4096, 100_000];
  const keys = ['plain', 'with "quotes" and \\', 'ключ-ö', 'emoji 🙂', 'control \u0001\n\t', 'del \u007f', '\u2028\u2029', 'lone \ud800 surrogate'];
  const batch = (): StoredRecord[] => [
    ...lengths.map((n, i) => record(i, randomBytes(n))),
    ...keys.map((k, i) => record(100 + i, Buffer.from(`{"n":${i}}`), k, 1_796_633_134_000)),
    // A view into a larger buffer, as the storage hands records out.
    record(200, Buffer.from('xxhello, worldxx').subarray(2, 14)),
    record(201, Buffer.from('x'), 'k', 1_796_633_135_000.5),
  ];

  it.each([
    ['records, plain stream', { encrypted: false, nextShardIterator: 'AAAAiterator/+=' }],
    ['records, KMS stream', { encrypted: true, nextShardIterator: 'it' }],
    ['records at a shard end', { encrypted: false, childShards: [{ ShardId: 'shardId-000000000001', ParentShards: ['shardId-000000000000'], HashKeyRange: { StartingHashKey: '0', EndingHashKey: '1' } }] }],
  ])('gives the bytes of JSON.stringify: %s', (_name, extra) => {
    const answer: GetRecordsAnswer = { records: batch(), ...sequencing, millisBehindLatest: 1234, ...extra };
    expect(writeGetRecordsJson(answer).equals(viaStringify(answer))).toBe(true);
  });

  it('gives the bytes of JSON.stringify for an empty batch at the tip', () => {
    const answer: GetRecordsAnswer = { records: [], ...sequencing, encrypted: false, millisBehindLatest: 0, nextShardIterator: 'x' };
    expect(writeGetRecordsJson(answer).toString()).toBe('{"Records":[],"MillisBehindLatest":0,"NextShardIterator":"x"}');
    expect(writeGetRecordsJson(answer).equals(viaStringify(answer))).toBe(true);
  });
});
