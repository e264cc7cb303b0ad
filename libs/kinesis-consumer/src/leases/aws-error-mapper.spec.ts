import { ConsumerError, DependencyError, LeaseLostError } from '../consumer-error';
import { toDependencyError, toLeaseWriteError } from './aws-error-mapper';

function awsError(name: string, status: number, fault: 'client' | 'server' = status >= 500 ? 'server' : 'client'): Error {
  return Object.assign(new Error(`${name} happened`), { name, $fault: fault, $metadata: { httpStatusCode: status } });
}

describe('AWS error mapping', () => {
  it.each<[string, unknown, string, boolean]>([
    ['DynamoDB throttling', awsError('ProvisionedThroughputExceededException', 400), 'ProvisionedThroughputExceededException', true],
    ['request limit', awsError('RequestLimitExceeded', 400), 'RequestLimitExceeded', true],
    ['Kinesis ListShards throttling', awsError('LimitExceededException', 400), 'LimitExceededException', true],
    ['a transaction conflict', awsError('TransactionConflictException', 400), 'TransactionConflictException', true],
    ['a 500', awsError('InternalServerError', 500), 'InternalServerError', true],
    ['an unnamed 503', awsError('', 503), 'HTTP_503', true],
    ['a missing table', awsError('ResourceNotFoundException', 400), 'ResourceNotFoundException', false],
    ['a validation error', awsError('ValidationException', 400), 'ValidationException', false],
    ['access denied', awsError('AccessDeniedException', 400), 'AccessDeniedException', false],
    ['a refused connection', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), 'ECONNREFUSED', true],
    ['a reset socket', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), 'ECONNRESET', true],
    // A name of Object.prototype from the wire is an unknown name, not a row of the DynamoDB table (issue 12, item 6).
    ['a 400 named constructor', awsError('constructor', 400), 'constructor', false],
    ['a 503 named toString', awsError('toString', 503), 'toString', true],
    ['a timeout', Object.assign(new Error('timed out'), { name: 'TimeoutError' }), 'TimeoutError', true],
    ['a TypeError (a bug)', new TypeError('x is not a function'), 'TypeError', false],
  ])('%s', (_name, error, awsCode, retriable) => {
    const mapped = toDependencyError('Op', error);
    expect(mapped).toBeInstanceOf(DependencyError);
    expect(mapped).toMatchObject({ code: 'DEPENDENCY', operation: 'Op', awsCode, retriable });
    expect(mapped.cause).toBe(error);
  });

  it('a failed condition on a lease write means the lease is lost', () => {
    const mapped = toLeaseWriteError('renew', 'shardId-1', awsError('ConditionalCheckFailedException', 400));
    expect(mapped).toBeInstanceOf(LeaseLostError);
    expect(mapped).toMatchObject({ code: 'LEASE_LOST', retriable: false, leaseKey: 'shardId-1' });
  });

  it('consumer errors pass through', () => {
    const error = new ConsumerError('INTERNAL', 'x', false);
    expect(toDependencyError('Op', error)).toBe(error);
  });
});
