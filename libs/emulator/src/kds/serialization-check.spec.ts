/**
 * The type pass: every JSON kind in every member type, answered with AWS's SerializationException text (no
 * member path; the body's `Message` key is the error's messageKey), and the values the service converts.
 */
import { AwsServiceError } from '../errors';
import { KDS_SHAPES } from './kds-shapes';
import { findViolation, validateInput } from './shape-validator';

const NUMBER = 'class com.amazon.coral.value.json.numbers.TruncatingBigNumber';
const LIST = 'Start of list found where not expected';
const MAP = 'Start of structure or map found where not expected.';

/** The body for `operation` with `value` at `path` (dot-separated; `0` is a list index). */
function bodyWith(path: string, value: unknown): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  let node: Record<string, unknown> | unknown[] = body;
  const parts = path.split('.');
  parts.forEach((part, i) => {
    const last = i === parts.length - 1;
    const child = last ? value : parts[i + 1] === '0' ? [] : {};
    if (Array.isArray(node)) node.push(child);
    else node[part] = child;
    node = child as Record<string, unknown>;
  });
  return body;
}

const serializationMessage = (operation: string, path: string, value: unknown): string | undefined => {
  const err = findViolation(KDS_SHAPES[operation], bodyWith(path, value));
  if (!err) return undefined;
  expect([err.code, err.status, err.messageKey]).toEqual(['SerializationException', 400, 'Message']);
  return err.message;
};

describe('SerializationException texts', () => {
  it.each([
    // String member
    ['CreateStream', 'StreamName', true, 'class java.lang.Boolean can not be converted to an String'],
    ['CreateStream', 'StreamName', 23, `${NUMBER} can not be converted to an String`],
    ['CreateStream', 'StreamName', 34.56, `${NUMBER} can not be converted to an String`],
    ['CreateStream', 'StreamName', [], LIST],
    ['CreateStream', 'StreamName', {}, MAP],
    // Integer member
    ['CreateStream', 'ShardCount', '23', 'class java.lang.String can not be converted to an Integer'],
    ['CreateStream', 'ShardCount', true, 'class java.lang.Boolean can not be converted to an Integer'],
    ['CreateStream', 'ShardCount', [], LIST],
    ['CreateStream', 'ShardCount', {}, MAP],
    // Boolean member: a string is quoted upper-cased
    ['DeleteStream', 'EnforceConsumerDeletion', '23', "'23' can not be converted to an Boolean"],
    ['DeleteStream', 'EnforceConsumerDeletion', 'maybe', "'MAYBE' can not be converted to an Boolean"],
    ['DeleteStream', 'EnforceConsumerDeletion', 23, `${NUMBER} can not be converted to an Boolean`],
    ['DeleteStream', 'EnforceConsumerDeletion', [], LIST],
    ['DeleteStream', 'EnforceConsumerDeletion', {}, MAP],
    // Blob member
    ['PutRecord', 'Data', true, 'class java.lang.Boolean can not be converted to a Blob'],
    ['PutRecord', 'Data', 23, `${NUMBER} can not be converted to a Blob`],
    ['PutRecord', 'Data', [], LIST],
    ['PutRecord', 'Data', {}, MAP],
    ['PutRecord', 'Data', '23456', "'23456' can not be converted to a Blob: Base64 encoded length is expected a multiple of 4 bytes but found: 5"],
    ['PutRecord', 'Data', '+/+=', "'+/+=' can not be converted to a Blob: Invalid last non-pad Base64 character dectected"],
    // Timestamp member: epoch seconds as a JSON number; any string is refused, numeric or not
    ['ListShards', 'StreamCreationTimestamp', '1700000000', 'class java.lang.String can not be converted to milliseconds since epoch'],
    ['ListShards', 'StreamCreationTimestamp', '2024-01-01T00:00:00Z', 'class java.lang.String can not be converted to milliseconds since epoch'],
    ['ListShards', 'StreamCreationTimestamp', true, 'class java.lang.Boolean can not be converted to milliseconds since epoch'],
    ['ListShards', 'StreamCreationTimestamp', [], LIST],
    ['ListShards', 'StreamCreationTimestamp', {}, MAP],
    // List member
    ['PutRecords', 'Records', '23', 'Expected list or null'],
    ['PutRecords', 'Records', true, 'Expected list or null'],
    ['PutRecords', 'Records', 23, 'Expected list or null'],
    ['PutRecords', 'Records', {}, MAP],
    // A structure in a list
    ['PutRecords', 'Records.0', '23', 'Expected null'],
    ['PutRecords', 'Records.0', 23, 'Expected null'],
    ['PutRecords', 'Records.0', [], LIST],
    ['PutRecords', 'Records.0.PartitionKey', false, 'class java.lang.Boolean can not be converted to an String'],
    ['PutRecords', 'Records.0.Data', 5, `${NUMBER} can not be converted to a Blob`],
    // Map member and its values
    ['AddTagsToStream', 'Tags', '23', 'Expected map or null'],
    ['AddTagsToStream', 'Tags', 23, 'Expected map or null'],
    ['AddTagsToStream', 'Tags', true, 'Expected map or null'],
    ['AddTagsToStream', 'Tags', [], LIST],
    ['AddTagsToStream', 'Tags.a', 23, `${NUMBER} can not be converted to an String`],
    ['AddTagsToStream', 'Tags.a', true, 'class java.lang.Boolean can not be converted to an String'],
    // A structure member
    ['UpdateStreamMode', 'StreamModeDetails', 'PROVISIONED', 'Expected null'],
    ['UpdateStreamMode', 'StreamModeDetails', [], LIST],
    ['UpdateStreamMode', 'StreamModeDetails.StreamMode', 1, `${NUMBER} can not be converted to an String`],
  ])('%s %s = %j → %s', (operation, path, value, message) => {
    expect(serializationMessage(operation, path, value)).toBe(message);
  });

  it('reports the first member AWS reads, in its order (PutRecord: SequenceNumberForOrdering before StreamName)', () => {
    const err = findViolation(KDS_SHAPES['PutRecord'], { StreamName: 1, Data: 'AA==', PartitionKey: 'k', SequenceNumberForOrdering: true });
    expect(err?.message).toBe('class java.lang.Boolean can not be converted to an String');
  });

  it('ignores members the operation does not have, of any type', () => {
    expect(findViolation(KDS_SHAPES['DescribeStreamSummary'], { StreamName: 's', Unknown: [1, { a: true }] })).toBeUndefined();
  });
});

describe('values the service converts', () => {
  it('truncates a fraction where an Integer is expected, and the operation gets the integer', () => {
    const body = { StreamName: 's', ShardCount: 2.7 };
    validateInput(KDS_SHAPES['CreateStream'], body);
    expect(body.ShardCount).toBe(2);
  });

  it.each([
    ['true', true],
    ['Yes', true],
    ['1', true],
    ['FALSE', false],
    ['no', false],
    ['0', false],
  ])('reads the string %j where a Boolean is expected as %s', (text, expected) => {
    const body: Record<string, unknown> = { StreamName: 's', EnforceConsumerDeletion: text };
    validateInput(KDS_SHAPES['DeleteStream'], body);
    expect(body['EnforceConsumerDeletion']).toBe(expected);
  });

  it('caps a number past Integer.MAX_VALUE at 2147483647 before the constraints see it', () => {
    const err = findViolation(KDS_SHAPES['CreateStream'], { StreamName: 's', ShardCount: 3e12 });
    expect(err?.message).toBe(
      "1 validation error detected: Value '2147483647' at 'shardCount' failed to satisfy constraint: Member must have value less than or equal to 100000",
    );
  });

  it('floors a fraction below one to 0, which breaks the minimum', () => {
    const err = findViolation(KDS_SHAPES['CreateStream'], { StreamName: 's', ShardCount: 0.5 });
    expect(err?.message).toBe("1 validation error detected: Value '0' at 'shardCount' failed to satisfy constraint: Member must have value greater than or equal to 1");
  });
});

describe('decoded values from another codec (the CBOR seam)', () => {
  it('takes a blob as bytes and a timestamp as a Date or a number', () => {
    expect(findViolation(KDS_SHAPES['PutRecord'], { StreamName: 's', PartitionKey: 'k', Data: Buffer.from('hi') })).toBeUndefined();
    expect(findViolation(KDS_SHAPES['PutRecord'], { StreamName: 's', PartitionKey: 'k', Data: new Uint8Array(3) })).toBeUndefined();
    const at = { StreamName: 's', ShardId: 'shardId-0', ShardIteratorType: 'AT_TIMESTAMP' };
    expect(findViolation(KDS_SHAPES['GetShardIterator'], { ...at, Timestamp: new Date(0) })).toBeUndefined();
    expect(findViolation(KDS_SHAPES['GetShardIterator'], { ...at, Timestamp: 1700000000.5 })).toBeUndefined();
  });

  it('refuses NaN where an Integer is expected (a float a binary codec can carry and JSON cannot)', () => {
    expect(findViolation(KDS_SHAPES['CreateStream'], { StreamName: 's', ShardCount: NaN })?.message).toBe(`${NUMBER} can not be converted to an Integer`);
  });

  it('measures a blob given as bytes in bytes and prints it as AWS prints a ByteBuffer', () => {
    const err = findViolation(KDS_SHAPES['PutRecords'], { StreamName: 's', Records: [{ PartitionKey: 'k', Data: Buffer.alloc(10 * 1024 * 1024 + 1) }] });
    expect(err).toBeInstanceOf(AwsServiceError);
    expect(err?.message).toBe(
      "1 validation error detected: Value 'java.nio.HeapByteBuffer[pos=0 lim=10485761 cap=10485761]' at 'records.1.member.data' failed to satisfy constraint: Member must have length less than or equal to 10485760",
    );
  });
});
