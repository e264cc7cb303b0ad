import { AwsServiceError, awsErrors } from '../errors';
import { JavaTimestamp, javaCborDecode, javaCborEncode } from '../testing/java-cbor-encoding';
import { cborInputAsJsonForm, decodeCbor, encodeCborError, encodeCborOutput, encodeCborValue } from './cbor-protocol';

const T = 1_787_036_486_712; // epoch ms, > 2^32: Java writes it as c1 1b <8 bytes>

/** A request as the Java SDK writes it, decoded and put in the JSON path's form. */
const asJson = (operation: string, input: Parameters<typeof javaCborEncode>[0]) => cborInputAsJsonForm(operation, decodeCbor(javaCborEncode(input)));

function serializationError(fn: () => unknown): AwsServiceError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(AwsServiceError);
    expect((err as AwsServiceError).code).toBe('SerializationException');
    return err as AwsServiceError;
  }
  throw new Error('expected a SerializationException');
}

describe('the Java-style request encoder (the test client)', () => {
  it('writes what Jackson writes: indefinite maps, text keys, byte strings, tag 1 over a 64-bit integer', () => {
    const bytes = javaCborEncode({ A: Buffer.from([1, 2]), T: new JavaTimestamp(T), N: 5, L: ['x'] });
    expect(bytes.toString('hex')).toBe(
      ['bf', '6141', '420102', '6154', 'c11b' + T.toString(16).padStart(16, '0'), '614e', '05', '614c', '9f6178ff', 'ff'].join(''),
    );
  });
});

describe('CBOR requests → the JSON path form', () => {
  it('turns blobs (byte strings) into base64 and leaves strings alone', () => {
    const data = Buffer.from([0x00, 0xff, 0x10, 0x80, 0x7f]);
    expect(asJson('PutRecord', { StreamName: 's', Data: data, PartitionKey: 'k' })).toEqual({
      StreamName: 's',
      Data: data.toString('base64'),
      PartitionKey: 'k',
    });
  });

  it('turns every record of a PutRecords list, and an empty blob', () => {
    const out = asJson('PutRecords', {
      StreamName: 's',
      Records: [
        { Data: Buffer.from('a'), PartitionKey: '1' },
        { Data: Buffer.alloc(0), PartitionKey: '2', ExplicitHashKey: '7' },
      ],
    });
    expect(out).toEqual({
      StreamName: 's',
      Records: [
        { Data: 'YQ==', PartitionKey: '1' },
        { Data: '', PartitionKey: '2', ExplicitHashKey: '7' },
      ],
    });
  });

  it('reads a tag-1 timestamp as epoch milliseconds (the Java SDKs) into epoch seconds', () => {
    const out = asJson('GetShardIterator', { StreamName: 's', ShardId: 'shardId-0', ShardIteratorType: 'AT_TIMESTAMP', Timestamp: new JavaTimestamp(T) });
    expect(out).toMatchObject({ Timestamp: T / 1000 });
  });

  it('reads a nested timestamp (SubscribeToShard StartingPosition) and an untagged number as milliseconds too', () => {
    const out = asJson('SubscribeToShard', { ConsumerARN: 'c', ShardId: 'x', StartingPosition: { Type: 'AT_TIMESTAMP', Timestamp: 1_500 } });
    expect(out).toEqual({ ConsumerARN: 'c', ShardId: 'x', StartingPosition: { Type: 'AT_TIMESTAMP', Timestamp: 1.5 } });
  });

  it('keeps maps (tags) and booleans, and leaves values of a wrong JSON type for the validator to word', () => {
    expect(asJson('CreateStream', { StreamName: 's', ShardCount: '1', Tags: { a: 'b' } })).toEqual({ StreamName: 's', ShardCount: '1', Tags: { a: 'b' } });
    expect(asJson('DeleteStream', { StreamName: 's', EnforceConsumerDeletion: true })).toEqual({ StreamName: 's', EnforceConsumerDeletion: true });
  });

  it('refuses a byte string or a date where the shape wants another type, as a SerializationException', () => {
    const bytes = serializationError(() => asJson('CreateStream', { StreamName: Buffer.from('s') }));
    expect(bytes.message).toBe('class [B can not be converted to an String');
    const date = serializationError(() => asJson('DescribeStream', { StreamName: 's', Limit: new JavaTimestamp(T) }));
    expect(date.message).toBe('class java.util.Date can not be converted to an Integer');
  });

  it('refuses bytes that are not one CBOR item, and a top-level byte string', () => {
    expect(() => decodeCbor(Buffer.from('bf', 'hex'))).toThrow();
    expect(() => decodeCbor(Buffer.from('a0a0', 'hex'))).toThrow();
    serializationError(() => decodeCbor(Buffer.from('4101', 'hex')));
  });

  it('reads the empty input the Java SDKs send for ListStreams (an empty indefinite-length map)', () => {
    expect(javaCborEncode({}).toString('hex')).toBe('bfff');
    expect(asJson('ListStreams', {})).toEqual({});
  });

  it('passes a top-level array through for the validator (as JSON `[]` does)', () => {
    expect(cborInputAsJsonForm('ListStreams', decodeCbor(Buffer.from('9f01ff', 'hex')))).toEqual([1]);
  });
});

describe('outputs → CBOR', () => {
  const record = { SequenceNumber: '4959', ApproximateArrivalTimestamp: T / 1000, Data: Buffer.from([0, 1, 254]).toString('base64'), PartitionKey: 'k' };

  it('writes Data as a byte string and ApproximateArrivalTimestamp as tag 1 over integer epoch milliseconds', () => {
    const bytes = Buffer.from(encodeCborOutput({ Records: [record], MillisBehindLatest: 0, NextShardIterator: 'it' }));
    const ts = Buffer.concat([Buffer.from('c11b', 'hex'), Buffer.from(T.toString(16).padStart(16, '0'), 'hex')]);
    expect(bytes.includes(ts)).toBe(true);
    expect(bytes.includes(Buffer.from('430001fe', 'hex'))).toBe(true); // major type 2, 3 bytes
    expect(javaCborDecode(bytes)).toEqual({
      Records: [{ ...record, ApproximateArrivalTimestamp: new JavaTimestamp(T), Data: Buffer.from([0, 1, 254]) }],
      MillisBehindLatest: 0,
      NextShardIterator: 'it',
    });
  });

  it('writes creation timestamps of whole seconds and of fractions as integers', () => {
    const bytes = Buffer.from(encodeCborValue({ StreamDescriptionSummary: { StreamCreationTimestamp: 1_700_000_000, ConsumerCount: 0 } }));
    expect(bytes.includes(Buffer.from('c11b' + (1_700_000_000_000).toString(16).padStart(16, '0'), 'hex'))).toBe(true);
    expect(javaCborDecode(encodeCborValue({ ConsumerCreationTimestamp: 1_700_000_000.1234 }))).toEqual({ ConsumerCreationTimestamp: new JavaTimestamp(1_700_000_000_123) });
  });

  it('writes integers wider than 32 bits as integers, not floats, and drops undefined members', () => {
    const bytes = Buffer.from(encodeCborValue({ N: 5_000_000_000, U: undefined }));
    expect(bytes.includes(Buffer.from('1b000000012a05f200', 'hex'))).toBe(true);
    expect(javaCborDecode(bytes)).toEqual({ N: 5_000_000_000 });
  });

  it('answers an operation without output with an empty body', () => {
    expect(encodeCborOutput({})).toHaveLength(0);
  });
});

describe('errors → CBOR', () => {
  it('writes __type and message, and SerializationException with Message as AWS does', () => {
    expect(javaCborDecode(encodeCborError(awsErrors.resourceNotFound('Stream x under account 1 not found.')))).toEqual({
      __type: 'ResourceNotFoundException',
      message: 'Stream x under account 1 not found.',
    });
    expect(javaCborDecode(encodeCborError(awsErrors.serialization('boom')))).toEqual({ __type: 'SerializationException', Message: 'boom' });
    expect(javaCborDecode(encodeCborError(awsErrors.serialization('')))).toEqual({ __type: 'SerializationException' });
  });
});
