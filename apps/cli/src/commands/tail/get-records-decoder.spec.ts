/**
 * The GetRecords decoder against what the SDK makes of the same JSON (JSON.parse, base64 by Buffer, epoch seconds
 * rounded to the millisecond), and the answers it must leave to the SDK's deserializer.
 */
import { randomBytes } from 'node:crypto';
import { bodyOffsetsOf, decodeBase64, decodeGetRecordsBody } from './get-records-decoder';

/** The SDK's reading of a GetRecords body without ChildShards (json-rpc + schema: Data base64, timestamps seconds). */
function reference(json: string): unknown {
  const raw = JSON.parse(json) as { Records?: Array<Record<string, unknown>>; NextShardIterator?: string; MillisBehindLatest?: number };
  return {
    ...raw,
    ...(raw.Records
      ? {
          Records: raw.Records.map((r) => ({
            ...r,
            ApproximateArrivalTimestamp: new Date(Math.round((r['ApproximateArrivalTimestamp'] as number) * 1000)),
            Data: new Uint8Array(Buffer.from(r['Data'] as string, 'base64')),
          })),
        }
      : {}),
  };
}

const decode = (json: string): unknown => decodeGetRecordsBody(Buffer.from(json, 'utf8'));

const record = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  SequenceNumber: '49660000000000000000000000000000000000000000000000000002',
  ApproximateArrivalTimestamp: 1796633133.927,
  Data: Buffer.from('{"temp":31}').toString('base64'),
  PartitionKey: 'sensor-1',
  ...over,
});

describe('decodeGetRecordsBody', () => {
  it.each([
    ['an empty batch at the tip', { Records: [], NextShardIterator: 'AAAA', MillisBehindLatest: 0 }],
    ['records as the emulator writes them', { Records: [record(), record({ PartitionKey: 'sensor-2', ApproximateArrivalTimestamp: 1796633134 })], NextShardIterator: 'it/+=', MillisBehindLatest: 1234 }],
    ['EncryptionType', { Records: [record({ EncryptionType: 'KMS' })], NextShardIterator: 'x', MillisBehindLatest: 5 }],
    ['members in another order', { MillisBehindLatest: 7, NextShardIterator: 'x', Records: [{ PartitionKey: 'k', Data: 'AQID', ApproximateArrivalTimestamp: 1.5e9, SequenceNumber: '1' }] }],
    ['escapes and non-ASCII in strings', { Records: [record({ PartitionKey: 'ключ "ö"\\\n\u2028\ud83d\ude00' })], NextShardIterator: 'a/b', MillisBehindLatest: 0 }],
    ['data of every padding', { Records: [1, 2, 3, 4, 0].map((n) => record({ Data: randomBytes(n).toString('base64') })), MillisBehindLatest: 0 }],
    ['a timestamp with exponent and rounding', { Records: [record({ ApproximateArrivalTimestamp: 1.7966331339275e9 }), record({ ApproximateArrivalTimestamp: 1796633133.9275 })] }],
    ['no members at all', {}],
  ])('reads %s as the SDK does', (_name, body) => {
    const json = JSON.stringify(body);
    expect(decode(json)).toEqual(reference(json));
  });

  it('reads data of every length to 100 bytes, in the compact form and with whitespace', () => {
    const json = JSON.stringify({ Records: Array.from({ length: 101 }, (_, n) => record({ Data: randomBytes(n).toString('base64') })), MillisBehindLatest: 0 });
    expect(decode(json)).toEqual(reference(json));
    expect(decode(JSON.stringify(JSON.parse(json), null, 1))).toEqual(reference(json));
  });

  it('gives every record its own key when keys of one length share cache slots (5,000 keys, 4,096 slots), twice', () => {
    const json = JSON.stringify({ Records: Array.from({ length: 5000 }, (_, i) => record({ PartitionKey: `key-${String(i).padStart(5, '0')}` })) });
    expect(decode(json)).toEqual(reference(json));
    expect(decode(json)).toEqual(reference(json));
  });

  it('reads whitespace between every token', () => {
    const json = JSON.stringify({ Records: [record(), record({ Data: '' })], NextShardIterator: 'x', MillisBehindLatest: 3 }, null, 2).replace(/\n/g, '\r\n\t');
    expect(decode(` ${json} `)).toEqual(reference(json));
  });

  it('gives each record its own Date and its data as plain Uint8Array views', () => {
    const out = decode(JSON.stringify({ Records: [record(), record()] })) as { Records: Array<{ ApproximateArrivalTimestamp: Date; Data: Uint8Array }> };
    expect(out.Records[0].ApproximateArrivalTimestamp).not.toBe(out.Records[1].ApproximateArrivalTimestamp);
    expect(out.Records[0].Data.constructor).toBe(Uint8Array);
    expect(Buffer.from(out.Records[1].Data).toString()).toBe('{"temp":31}');
  });

  it.each([
    ['ChildShards (a shard end)', '{"Records":[],"MillisBehindLatest":0,"ChildShards":[{"ShardId":"shardId-000000000001","ParentShards":["shardId-000000000000"],"HashKeyRange":{"StartingHashKey":"0","EndingHashKey":"1"}}]}'],
    ['null', '{"Records":[],"NextShardIterator":null}'],
    ['an unknown member', '{"Records":[],"Other":1}'],
    ['an unknown record member', JSON.stringify({ Records: [record({ Extra: 'x' })] })],
    ['a member twice', '{"MillisBehindLatest":1,"MillisBehindLatest":2}'],
    ['a record without its data', JSON.stringify({ Records: [record({ Data: undefined })] })],
    ['base64 of a bad length', JSON.stringify({ Records: [record({ Data: 'AQI' })] })],
    ['base64 with a bad character', JSON.stringify({ Records: [record({ Data: 'AQ-D' })] })],
    ['base64 with padding inside', JSON.stringify({ Records: [record({ Data: 'AQ==AQID' })] })],
    ['base64 padded thrice', JSON.stringify({ Records: [record({ Data: 'AQID' + 'A===' })] })],
    ['base64 with a bad character in its last group', JSON.stringify({ Records: [record({ Data: 'AQIDA.==' })] })],
    ['a body cut inside base64', ((json) => json.slice(0, json.indexOf('"Data":"') + 12))(JSON.stringify({ Records: [record()] }))],
    ['a timestamp as a string', JSON.stringify({ Records: [record({ ApproximateArrivalTimestamp: '1796633133' })] })],
    ['a number JSON does not allow', '{"MillisBehindLatest":01}'],
    ['a number JSON does not allow (fraction)', '{"MillisBehindLatest":1.}'],
    ['a cut body', '{"Records":[{"SequenceNumber":"1"'],
    ['trailing bytes', '{"Records":[]}x'],
    ['an empty body', ''],
    ['an array', '[]'],
    ['a raw control character in a string', '{"NextShardIterator":"a\u0001b"}'],
  ])('leaves %s to the SDK', (_name, json) => {
    expect(decode(json)).toBeUndefined();
  });
});

describe('bodyOffsetsOf', () => {
  /** The body's bytes at each record's offsets, or null where the decoder marks them not plain. */
  function textsAt(json: string): Array<[string | null, string | null]> {
    const body = Buffer.from(json, 'utf8');
    const records = decodeGetRecordsBody(body)?.Records ?? [];
    const at = bodyOffsetsOf(records);
    if (!at) throw new Error('no offsets');
    const o = at.offsets;
    const text = (start: number, end: number): string | null => (start < 0 ? null : Buffer.from(at.body.subarray(start, end)).toString('latin1'));
    return records.map((_r, i) => [text(o[4 * i], o[4 * i + 1]), text(o[4 * i + 2], o[4 * i + 3])]);
  }

  it('gives where each sequence number and plain partition key is, in the compact form and any other', () => {
    const compact = JSON.stringify({ Records: [record(), record({ PartitionKey: 'ключ' }), record({ PartitionKey: 'a\u007f' }), record({ PartitionKey: 'q"' })] });
    const seq = record()['SequenceNumber'] as string;
    expect(textsAt(compact)).toEqual([[seq, 'sensor-1'], [seq, null], [seq, null], [seq, null]]);
    const spaced = JSON.stringify({ Records: [record({ EncryptionType: 'KMS' }), { PartitionKey: 'k2', Data: '', SequenceNumber: '7', ApproximateArrivalTimestamp: 1 }] }, null, 1);
    expect(textsAt(spaced)).toEqual([[seq, 'sensor-1'], ['7', 'k2']]);
  });

  it('gives nothing for arrays the decoder did not make as they are', () => {
    const records = decodeGetRecordsBody(Buffer.from(JSON.stringify({ Records: [record(), record()] })))?.Records ?? [];
    expect(bodyOffsetsOf([...records])).toBeUndefined();
    records.pop();
    expect(bodyOffsetsOf(records)).toBeUndefined();
  });
});

describe('decodeBase64', () => {
  it('decodes what Buffer encodes, every length to 300 bytes', () => {
    for (let n = 0; n <= 300; n++) {
      const bytes = randomBytes(n);
      const text = Buffer.from(`"${bytes.toString('base64')}"`);
      const out = new Uint8Array(n + 3);
      expect(decodeBase64(text, 1, text.length - 1, out, 3)).toBe(n);
      expect(Buffer.from(out.subarray(3))).toEqual(bytes);
    }
  });

  it('refuses what the SDK refuses', () => {
    for (const bad of ['A', 'AB=', 'A===', '=AAA', 'AA=A', 'AB C', 'AB\u00e9C'])
      expect(decodeBase64(Buffer.from(bad, 'latin1'), 0, Buffer.byteLength(bad, 'latin1'), new Uint8Array(8), 0)).toBe(-1);
  });
});
