/**
 * The constraint pass: AWS's ValidationException texts (values printed as Java prints them, constraints on a
 * list's or map's members reported at the list or map, the service's order, at most ten).
 */
import { KDS_SHAPES } from './kds-shapes';
import { findViolation } from './shape-validator';

const messageOf = (operation: string, body: Record<string, unknown>): string | undefined => {
  const err = findViolation(KDS_SHAPES[operation], body);
  if (err) expect([err.code, err.status, err.messageKey]).toEqual(['ValidationException', 400, 'message']);
  return err?.message;
};
const at = (value: string, path: string, rule: string): string => `Value ${value} at '${path}' failed to satisfy constraint: ${rule}`;
const TAG_KEYS = 'Member must have length less than or equal to 128, Member must have length greater than or equal to 1';
const TAG_VALUES = 'Member must have length less than or equal to 256, Member must have length greater than or equal to 0';

describe('ValidationException texts', () => {
  it('checks PutRecord members in AWS order: sequence number, partition key, hash key, data, stream', () => {
    expect(messageOf('PutRecord', { StreamName: '', PartitionKey: '', Data: '', ExplicitHashKey: '', SequenceNumberForOrdering: '' })).toBe(
      '5 validation errors detected: ' +
        [
          at("''", 'sequenceNumberForOrdering', 'Member must satisfy regular expression pattern: 0|([1-9]\\d{0,128})'),
          at("''", 'partitionKey', 'Member must have length greater than or equal to 1'),
          at("''", 'explicitHashKey', 'Member must satisfy regular expression pattern: 0|([1-9]\\d{0,38})'),
          at("''", 'streamName', 'Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+'),
          at("''", 'streamName', 'Member must have length greater than or equal to 1'),
        ].join('; '),
    );
  });

  it('prints an absent required member as an unquoted null', () => {
    expect(messageOf('PutRecord', { StreamName: 's' })).toBe(
      '2 validation errors detected: ' +
        [at('null', 'partitionKey', 'Member must not be null'), at('null', 'data', 'Member must not be null')].join('; '),
    );
  });

  it('prints a blob as a java.nio.HeapByteBuffer of its decoded length', () => {
    const data = Buffer.alloc(10 * 1024 * 1024 + 1).toString('base64');
    expect(messageOf('PutRecord', { StreamName: 's', PartitionKey: 'k', Data: data })).toBe(
      '1 validation error detected: ' +
        at("'java.nio.HeapByteBuffer[pos=0 lim=10485761 cap=10485761]'", 'data', 'Member must have length less than or equal to 10485760'),
    );
  });

  it('prints ShardIteratorType values in the order AWS prints them', () => {
    expect(messageOf('GetShardIterator', { StreamName: 's', ShardId: 'shardId-0', ShardIteratorType: 'OLDEST' })).toBe(
      '1 validation error detected: ' +
        at("'OLDEST'", 'shardIteratorType', 'Member must satisfy enum value set: [AFTER_SEQUENCE_NUMBER, LATEST, AT_TIMESTAMP, AT_SEQUENCE_NUMBER, TRIM_HORIZON]'),
    );
  });

  it('prints an empty list as [] and checks the list before its entries', () => {
    expect(messageOf('PutRecords', { StreamName: '', Records: [] })).toBe(
      '3 validation errors detected: ' +
        [
          at("'[]'", 'records', 'Member must have length greater than or equal to 1'),
          at("''", 'streamName', 'Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+'),
          at("''", 'streamName', 'Member must have length greater than or equal to 1'),
        ].join('; '),
    );
  });

  it('prints 501 PutRecords entries as Java prints them and stops at ten violations', () => {
    const records = Array.from({ length: 501 }, () => ({ PartitionKey: '', Data: '' }));
    const entries = Array.from({ length: 501 }, () => 'com.amazonaws.kinesis.v20131202.PutRecordsRequestEntry@c965e310').join(', ');
    const keys = Array.from({ length: 9 }, (_, i) => at("''", `records.${i + 1}.member.partitionKey`, 'Member must have length greater than or equal to 1'));
    expect(messageOf('PutRecords', { StreamName: '', Records: records })).toBe(
      '10 validation errors detected: ' + [at(`'[${entries}]'`, 'records', 'Member must have length less than or equal to 500'), ...keys].join('; '),
    );
  });

  it('reports a tag key out of bounds once, at the map, printing the map as {k=v, …}', () => {
    const long = 'k'.repeat(129);
    expect(messageOf('AddTagsToStream', { StreamName: 's', Tags: { a: '1', [long]: '3', b: '2' } })).toBe(
      '1 validation error detected: ' + at(`'{a=1, ${long}=3, b=2}'`, 'tags', `Map keys must satisfy constraint: [${TAG_KEYS}]`),
    );
    expect(messageOf('AddTagsToStream', { StreamName: 's', Tags: { '': 'x', b: '' } })).toBe(
      '1 validation error detected: ' + at("'{=x, b=}'", 'tags', `Map keys must satisfy constraint: [${TAG_KEYS}]`),
    );
  });

  it('reports a tag value out of bounds once, at the map ("Map value")', () => {
    const long = 'v'.repeat(257);
    expect(messageOf('AddTagsToStream', { StreamName: 's', Tags: { a: long, b: long } })).toBe(
      '1 validation error detected: ' + at(`'{a=${long}, b=${long}}'`, 'tags', `Map value must satisfy constraint: [${TAG_VALUES}]`),
    );
  });

  it('reports the map size, then keys, then values, then the stream', () => {
    const tags = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [i === 0 ? '' : `k${i}`, i === 1 ? 'v'.repeat(257) : 'v']));
    const printed = `{${Object.entries(tags)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ')}}`;
    expect(messageOf('AddTagsToStream', { StreamName: 'a b', Tags: tags })).toBe(
      '4 validation errors detected: ' +
        [
          at(`'${printed}'`, 'tags', 'Member must have length less than or equal to 10'),
          at(`'${printed}'`, 'tags', `Map keys must satisfy constraint: [${TAG_KEYS}]`),
          at(`'${printed}'`, 'tags', `Map value must satisfy constraint: [${TAG_VALUES}]`),
          at("'a b'", 'streamName', 'Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+'),
        ].join('; '),
    );
  });

  it('prints an empty map as {}', () => {
    expect(messageOf('AddTagsToStream', { StreamName: 's', Tags: {} })).toBe(
      '1 validation error detected: ' + at("'{}'", 'tags', 'Member must have length greater than or equal to 1'),
    );
  });

  it('reports tag keys out of bounds once, at the list, printing it as [a, b]', () => {
    expect(messageOf('RemoveTagsFromStream', { StreamName: 's', TagKeys: ['a', '', 'k'.repeat(129)] })).toBe(
      '1 validation error detected: ' + at(`'[a, , ${'k'.repeat(129)}]'`, 'tagKeys', `Member must satisfy constraint: [${TAG_KEYS}]`),
    );
  });

  it('reports a nested structure member at its dotted path', () => {
    expect(messageOf('UpdateStreamMode', { StreamARN: 'arn:aws:kinesis:us-east-1:123456789012:stream/s', StreamModeDetails: { StreamMode: 'FAST' } })).toBe(
      '1 validation error detected: ' + at("'FAST'", 'streamModeDetails.streamMode', 'Member must satisfy enum value set: [PROVISIONED, ON_DEMAND]'),
    );
    expect(messageOf('UpdateStreamMode', { StreamARN: 'arn:aws:kinesis:us-east-1:123456789012:stream/s', StreamModeDetails: {} })).toBe(
      '1 validation error detected: ' + at('null', 'streamModeDetails.streamMode', 'Member must not be null'),
    );
  });

  it('checks RetentionPeriodHours before the stream, and prints integers as they are', () => {
    expect(messageOf('IncreaseStreamRetentionPeriod', { StreamName: '', RetentionPeriodHours: 8761 })).toBe(
      '3 validation errors detected: ' +
        [
          at("'8761'", 'retentionPeriodHours', 'Member must have value less than or equal to 8760'),
          at("''", 'streamName', 'Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+'),
          at("''", 'streamName', 'Member must have length greater than or equal to 1'),
        ].join('; '),
    );
  });

  it('checks SplitShard as AWS orders it: hash key, stream, then the shard', () => {
    expect(messageOf('SplitShard', { StreamName: 'a b', ShardToSplit: '', NewStartingHashKey: '01' })).toBe(
      '4 validation errors detected: ' +
        [
          at("'01'", 'newStartingHashKey', 'Member must satisfy regular expression pattern: 0|([1-9]\\d{0,38})'),
          at("'a b'", 'streamName', 'Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+'),
          at("''", 'shardToSplit', 'Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+'),
          at("''", 'shardToSplit', 'Member must have length greater than or equal to 1'),
        ].join('; '),
    );
  });
});
