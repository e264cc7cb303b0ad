import { GatewayError } from '../gateway-error';
import { classifyDynamoDbError } from './dynamodb-errors';

const named = (name: string): Error => Object.assign(new Error(`${name} happened`), { name });

describe('classifyDynamoDbError', () => {
  it.each<[string, string, number, boolean]>([
    ['ProvisionedThroughputExceededException', 'UPSTREAM_THROTTLED', 503, true],
    ['ThrottlingException', 'UPSTREAM_THROTTLED', 503, true],
    ['RequestLimitExceeded', 'UPSTREAM_THROTTLED', 503, true],
    ['AccessDeniedException', 'UPSTREAM_DENIED', 502, false],
    ['UnrecognizedClientException', 'UPSTREAM_DENIED', 502, false],
    ['ResourceNotFoundException', 'UPSTREAM_ERROR', 502, true],
    ['TimeoutError', 'UPSTREAM_TIMEOUT', 504, true],
    ['AbortError', 'UPSTREAM_TIMEOUT', 504, true],
    ['InternalServerError', 'UPSTREAM_ERROR', 502, true],
    // Names of Object.prototype from the wire are unknown names, not table rows (issue 12, item 6).
    ['constructor', 'UPSTREAM_ERROR', 502, true],
    ['toString', 'UPSTREAM_ERROR', 502, true],
  ])('%s → %s (%d)', (name, code, status, retriable) => {
    const err = classifyDynamoDbError(named(name), 'Scan', 'leases');
    expect(err).toMatchObject({ code, status, retriable });
    expect(err.message).toContain('DynamoDB Scan on leases failed');
    // The upstream's own words (account ids, ARNs) stay in the log, not in the client's answer.
    expect(err.message).not.toContain('happened');
  });

  it('says a missing table plainly, and lets GatewayErrors through', () => {
    expect(classifyDynamoDbError(named('ResourceNotFoundException'), 'Query', 'rollups').message).toContain('the table does not exist');
    const own = new GatewayError('NOT_CONFIGURED', 'no panel');
    expect(classifyDynamoDbError(own, 'Scan', 't')).toBe(own);
    expect(classifyDynamoDbError('boom', 'Scan', 't').code).toBe('UPSTREAM_ERROR');
  });
});
