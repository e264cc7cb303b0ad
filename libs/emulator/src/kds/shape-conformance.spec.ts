/**
 * conforms(), the one-pass verdict every request goes through first, must agree with the worded validator
 * (findViolation) that answers with AWS's error: it used to be a PutRecords-only fast path next to the generic
 * validator; these cases come from there.
 */
import { conforms, findViolation } from './shape-validator';
import { KDS_SHAPES } from './kds-shapes';

const SHAPE = KDS_SHAPES['PutRecords'];

const rec = (over: Record<string, unknown> = {}) => ({ Data: 'aGVsbG8=', PartitionKey: 'device-1', ...over });

describe('conforms (PutRecords)', () => {
  it.each([
    ['a valid request', { StreamName: 's', Records: [rec(), rec({ ExplicitHashKey: '0' })] }, true],
    ['StreamARN instead of StreamName', { StreamARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/s', Records: [rec()] }, true],
    ['no records', { StreamName: 's', Records: [] }, false],
    ['501 records', { StreamName: 's', Records: Array.from({ length: 501 }, () => rec()) }, false],
    ['Records not a list', { StreamName: 's', Records: {} }, false],
    ['a null record', { StreamName: 's', Records: [null] }, false],
    ['bad base64', { StreamName: 's', Records: [rec({ Data: 'a-b_' })] }, false],
    ['base64 with leftover bits set (AWS refuses +/+=)', { StreamName: 's', Records: [rec({ Data: '+/+=' })] }, false],
    ['Data as bytes (a CBOR byte string)', { StreamName: 's', Records: [rec({ Data: Buffer.from('hello') })] }, true],
    ['Data as too many bytes', { StreamName: 's', Records: [rec({ Data: new Uint8Array(10 * 1024 * 1024 + 1) })] }, false],
    ['Data not a string', { StreamName: 's', Records: [rec({ Data: 5 })] }, false],
    ['empty partition key', { StreamName: 's', Records: [rec({ PartitionKey: '' })] }, false],
    ['257-character partition key', { StreamName: 's', Records: [rec({ PartitionKey: 'k'.repeat(257) })] }, false],
    ['256 astral characters (512 UTF-16 units)', { StreamName: 's', Records: [rec({ PartitionKey: '😀'.repeat(256) })] }, true],
    ['hash key with a leading zero', { StreamName: 's', Records: [rec({ ExplicitHashKey: '01' })] }, false],
    ['hash key of 40 digits', { StreamName: 's', Records: [rec({ ExplicitHashKey: '1'.repeat(40) })] }, false],
    ['bad stream name', { StreamName: 'bad name', Records: [rec()] }, false],
    ['no stream at all', { Records: [rec()] }, true],
  ])('%s → %s, as the worded validator decides', (_name, body, expected) => {
    expect(conforms(SHAPE, body)).toBe(expected);
    expect(findViolation(SHAPE, body) === undefined).toBe(expected);
  });
});
