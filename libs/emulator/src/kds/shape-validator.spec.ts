import { AwsServiceError } from '../errors';
import { isBase64, validateInput, type Shape } from './shape-validator';
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
      "2 validation errors detected: Value 'bad name!' at 'streamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+; Value '0' at 'shardCount' failed to satisfy constraint: Member must have value greater than or equal to 1",
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
      "1 validation error detected: Value 'OLDEST' at 'shardIteratorType' failed to satisfy constraint: Member must satisfy enum value set: [AT_SEQUENCE_NUMBER, AFTER_SEQUENCE_NUMBER, TRIM_HORIZON, LATEST, AT_TIMESTAMP]",
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
    ['CreateStream', { StreamName: 's', ShardCount: 'two' }, 'SerializationException', undefined],
    ['PutRecord', { StreamName: 's', PartitionKey: 'k', Data: 'not base64!' }, 'SerializationException', undefined],
    ['PutRecords', { StreamName: 's', Records: {} }, 'SerializationException', undefined],
  ])('%s %j → %s', (op, body, code, message) => {
    const err = errorOf(KDS_SHAPES[op], body);
    expect(err.code).toBe(code);
    expect(err.status).toBe(400);
    if (message) expect(err.message).toBe(message);
  });

  it('lists at most ten violations but counts them all', () => {
    const records = Array.from({ length: 12 }, () => ({ Data: 'AA==', PartitionKey: '' }));
    const err = errorOf(KDS_SHAPES['PutRecords'], { StreamName: 's', Records: records });
    expect(err.message.startsWith('12 validation errors detected: ')).toBe(true);
    expect(err.message.split('; ')).toHaveLength(10);
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

describe('isBase64', () => {
  // The scan replaced this expression (too slow for 500 records per call); both must agree on every input.
  const REFERENCE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
  it.each([
    ['', true],
    ['AA==', true],
    ['AAA=', true],
    ['AAAA', true],
    ['AAAAAA==', true],
    ['+/+/', true],
    ['A', false],
    ['AA', false],
    ['AA=', false],
    ['A===', false],
    ['====', false],
    ['=AAA', false],
    ['AA=A', false],
    ['AAAA=', false],
    ['AAAAA===', false],
    ['AA-_', false],
    ['AA A', false],
    ['AAé=', false],
    ['AA\n=', false],
  ])('%j → %s', (text, expected) => {
    expect(isBase64(text)).toBe(expected);
    expect(REFERENCE.test(text)).toBe(expected);
  });

  it('agrees with the reference expression on random strings over the alphabet and padding', () => {
    const chars = 'ABCxyz019+/=-';
    let seed = 42;
    const next = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    for (let i = 0; i < 5000; i++) {
      let s = '';
      for (let n = next() % 13; n > 0; n--) s += chars[next() % chars.length];
      expect([s, isBase64(s)]).toEqual([s, REFERENCE.test(s)]);
    }
  });
});
