/**
 * Whose failure a handler error is, by table: the platform's (retried without spending the record's budget) or
 * the handler's own (budget, bisection, dead-letter destination). The SDK-shaped errors are what the official
 * clients throw for a dropped connection, a 5xx and throttling (seen against the emulator's fault injector).
 */
import { classifyHandlerFailure, type FailureOrigin } from './failure-classifier';

const sdkError = (name: string, status: number, fault: 'client' | 'server'): Error =>
  Object.assign(new Error(`${name} (test)`), { name, $fault: fault, $metadata: { httpStatusCode: status, attempts: 4 } });
const errno = (code: string, message: string, name = 'Error'): Error => Object.assign(new Error(message), { code, name });
const typed = (retriable: boolean): Error => Object.assign(new Error('typed'), { name: 'TelemetryConsumerError', code: 'DEVICE_STATE_FAILED', retriable });

const cases: Array<[string, unknown, FailureOrigin]> = [
  ['a dropped connection as the SDK reports it (TimeoutError, ECONNRESET)', errno('ECONNRESET', 'socket hang up', 'TimeoutError'), 'platform'],
  ['connect ECONNREFUSED', errno('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:9'), 'platform'],
  ['ETIMEDOUT', errno('ETIMEDOUT', 'connect ETIMEDOUT'), 'platform'],
  ['DynamoDB InternalServerError (500)', sdkError('InternalServerError', 500, 'server'), 'platform'],
  ['an unknown 503 from an AWS service', sdkError('SomethingUnavailable', 503, 'server'), 'platform'],
  ['ProvisionedThroughputExceededException (400, throttling)', sdkError('ProvisionedThroughputExceededException', 400, 'client'), 'platform'],
  ['ThrottlingException', sdkError('ThrottlingException', 400, 'client'), 'platform'],
  ['a typed error with retriable: true (a sink that could not write)', typed(true), 'platform'],
  ['a typed error with retriable: false (invalid telemetry)', typed(false), 'handler'],
  ['ValidationException (400)', sdkError('ValidationException', 400, 'client'), 'handler'],
  ['ConditionalCheckFailedException (400)', sdkError('ConditionalCheckFailedException', 400, 'client'), 'handler'],
  ['AccessDeniedException', sdkError('AccessDeniedException', 400, 'client'), 'handler'],
  ['a plain Error from the handler', new Error('cannot digest record 7'), 'handler'],
  ['an application code shaped like errno', errno('E_POISON', 'poison'), 'handler'],
  ['TypeError (a bug)', new TypeError("Cannot read properties of undefined (reading 'x')"), 'handler'],
  ['SyntaxError (JSON.parse of a bad record)', new SyntaxError('Unexpected token'), 'handler'],
  ['a TypeError that claims retriable: true is still a bug', Object.assign(new TypeError('x'), { retriable: true }), 'handler'],
  ['a thrown string', 'boom', 'handler'],
  ['undefined', undefined, 'handler'],
  ['an SDK error wrapped as a cause', Object.assign(new Error('write failed'), { cause: sdkError('InternalServerError', 500, 'server') }), 'platform'],
];

describe('classifyHandlerFailure', () => {
  it.each(cases)('%s → %s', (_label, error, expected) => {
    expect(classifyHandlerFailure(error)).toBe(expected);
  });
});
