import { AwsServiceError } from '../errors';
import { validateInput, type Shape } from './shape-validator';
import { KDS_SHAPES } from './kds-shapes';

const errorOf = (shape: Shape & { type: 'structure' }, body: unknown): AwsServiceError => {
  try {
    validateInput(shape, body);
  } catch (err) {
    return err as AwsServiceError;
  }
  throw new Error('expected a validation error');
};

describe('validateInput', () => {
  it.each([
    [
      'CreateStream',
      { StreamName: 'bad name!', ShardCount: 0 },
      'ValidationException',
      // AWS checks ShardCount before StreamName.
      "2 validation errors detected: Value '0' at 'shardCount' failed to satisfy constraint: Member must have value greater than or equal to 1; Value 'bad name!' at 'streamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
    ],
    [
      'CreateStream',
      {},
      'ValidationException',
      "1 validation error detected: Value null at 'streamName' failed to satisfy constraint: Member must not be null",
    ],
    [
      'CreateStream',
      { StreamName: 'x'.repeat(129), ShardCount: 1 },
      'ValidationException',
      `1 validation error detected: Value '${'x'.repeat(129)}' at 'streamName' failed to satisfy constraint: Member must have length less than or equal to 128`,
    ],
    [
      'GetShardIterator',
      { StreamName: 's', ShardId: 'shardId-000000000000', ShardIteratorType: 'OLDEST' },
      'ValidationException',
      "1 validation error detected: Value 'OLDEST' at 'shardIteratorType' failed to satisfy constraint: Member must satisfy enum value set: [AFTER_SEQUENCE_NUMBER, LATEST, AT_TIMESTAMP, AT_SEQUENCE_NUMBER, TRIM_HORIZON]",
    ],
    [
      'PutRecords',
      { StreamName: 's', Records: [{ Data: 'AA==', PartitionKey: 'k' }, { Data: 'AA==', PartitionKey: '' }] },
      'ValidationException',
      "1 validation error detected: Value '' at 'records.2.member.partitionKey' failed to satisfy constraint: Member must have length greater than or equal to 1",
    ],
    // Regression: a null list entry passed validation and crashed PutRecords into an InternalFailure.
    [
      'PutRecords',
      { StreamName: 's', Records: [null] },
      'ValidationException',
      "1 validation error detected: Value null at 'records.1.member' failed to satisfy constraint: Member must not be null",
    ],
    ['CreateStream', { StreamName: 's', ShardCount: 'two' }, 'SerializationException', 'class java.lang.String can not be converted to an Integer'],
    [
      'PutRecord',
      { StreamName: 's', PartitionKey: 'k', Data: 'not base64!' },
      'SerializationException',
      "'not base64!' can not be converted to a Blob: Base64 encoded length is expected a multiple of 4 bytes but found: 11",
    ],
    ['PutRecords', { StreamName: 's', Records: {} }, 'SerializationException', 'Start of structure or map found where not expected.'],
  ])('%s %j → %s', (op, body, code, message) => {
    const err = errorOf(KDS_SHAPES[op], body);
    expect(err.code).toBe(code);
    expect(err.status).toBe(400);
    if (message) expect(err.message).toBe(message);
  });

  it('stops at ten violations and counts ten, as AWS does', () => {
    const records = Array.from({ length: 12 }, () => ({ Data: 'AA==', PartitionKey: '' }));
    const err = errorOf(KDS_SHAPES['PutRecords'], { StreamName: 's', Records: records });
    const listed = Array.from(
      { length: 10 },
      (_, i) => `Value '' at 'records.${i + 1}.member.partitionKey' failed to satisfy constraint: Member must have length greater than or equal to 1`,
    );
    expect(err.message).toBe(`10 validation errors detected: ${listed.join('; ')}`);
  });

  it('counts partition key length in characters, not bytes', () => {
    expect(() => validateInput(KDS_SHAPES['PutRecord'], { StreamName: 's', PartitionKey: 'é'.repeat(256), Data: 'AA==' })).not.toThrow();
  });

  it('counts characters outside the BMP (surrogate pairs) once each', () => {
    expect(() => validateInput(KDS_SHAPES['PutRecord'], { StreamName: 's', PartitionKey: '😀'.repeat(256), Data: 'AA==' })).not.toThrow();
    expect(errorOf(KDS_SHAPES['PutRecord'], { StreamName: 's', PartitionKey: '😀'.repeat(257), Data: 'AA==' }).message).toBe(
      `1 validation error detected: Value '${'😀'.repeat(257)}' at 'partitionKey' failed to satisfy constraint: Member must have length less than or equal to 256`,
    );
  });

  it('accepts valid input', () => {
    expect(() => validateInput(KDS_SHAPES['CreateStream'], { StreamName: 'ok.name_1-2', ShardCount: 3 })).not.toThrow();
  });
});
