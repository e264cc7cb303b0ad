/**
 * Regression (issue 12, item 14): through a 61-s outage of Kinesis and DynamoDB the worker reported nothing, and
 * each failure was logged on its own. The tracker must turn a run of failures into one "down" and the first
 * success after it into one "up", per service, and say which service a worker error is about.
 */
import { ConsumerError, DependencyError } from '../consumer-error';
import { ServiceHealth, serviceOf } from './service-health';

const dependency = (operation: string): DependencyError => new DependencyError(operation, 'ECONNREFUSED', `${operation} failed: ECONNREFUSED`, true);

describe('serviceOf', () => {
  it.each([
    ['GetRecords', 'kinesis'],
    ['GetShardIterator', 'kinesis'],
    ['SubscribeToShard', 'kinesis'],
    ['ListShards', 'kinesis'],
    ['RenewLease', 'dynamodb'],
    ['ListLeases', 'dynamodb'],
    ['Scan', 'dynamodb'],
    ['PutItem', 'dynamodb'],
  ])('a %s failure is a %s failure', (operation, service) => {
    expect(serviceOf(dependency(operation))).toBe(service);
  });

  it('a handler or internal failure is no service’s', () => {
    expect(serviceOf(new ConsumerError('HANDLER_FAILED', 'x', false))).toBeUndefined();
    expect(serviceOf(new ConsumerError('INTERNAL', 'x', true))).toBeUndefined();
  });
});

describe('ServiceHealth', () => {
  it('reports one "down" per run of failures and one "up" at the first success after it', () => {
    const health = new ServiceHealth(1_000);
    expect(health.succeeded('kinesis', 1_500)).toBeUndefined();
    expect(health.failed('kinesis', dependency('GetRecords'), 2_000)).toMatchObject({ kind: 'down', service: 'kinesis', at: 2_000 });
    for (let t = 2_100; t < 3_000; t += 100) expect(health.failed('kinesis', dependency('GetRecords'), t)).toBeUndefined();
    expect(health.isDown('kinesis')).toBe(true);
    expect(health.isDown('dynamodb')).toBe(false);
    expect(health.status()).toEqual([
      { service: 'kinesis', healthy: false, since: 2_000, failures: 10, lastError: { code: 'ECONNREFUSED', message: 'GetRecords failed: ECONNREFUSED' } },
      { service: 'dynamodb', healthy: true, since: 1_000, failures: 0 },
    ]);
    expect(health.succeeded('kinesis', 63_000)).toEqual({ kind: 'up', service: 'kinesis', at: 63_000, downForMs: 61_000, failures: 10 });
    expect(health.succeeded('kinesis', 63_100)).toBeUndefined();
    expect(health.status()[0]).toEqual({ service: 'kinesis', healthy: true, since: 63_000, failures: 0 });
  });
});
