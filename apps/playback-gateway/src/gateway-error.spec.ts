import { isRetriableError, TributaryError } from '@tributary/errors';
import { networkError, serviceError } from '@tributary/errors/testing';
import { classifyKvsError, GatewayError } from './gateway-error';

const sdkError = (name: string, message = `${name} message`): Error => Object.assign(new Error(message), { name });

describe('classifyKvsError', () => {
  it.each<[string, string, number, boolean]>([
    ['ResourceNotFoundException', 'NOT_FOUND', 404, false],
    ['InvalidArgumentException', 'INVALID_REQUEST', 400, false],
    ['ClientLimitExceededException', 'UPSTREAM_THROTTLED', 503, true],
    ['NotAuthorizedException', 'UPSTREAM_DENIED', 502, false],
    ['UnsupportedStreamMediaTypeException', 'UNPLAYABLE_MEDIA', 422, false],
    ['MissingCodecPrivateDataException', 'UNPLAYABLE_MEDIA', 422, false],
    ['InvalidCodecPrivateDataException', 'UNPLAYABLE_MEDIA', 422, false],
    ['NoDataRetentionException', 'NO_DATA_RETENTION', 409, false],
    ['TimeoutError', 'UPSTREAM_TIMEOUT', 504, true],
    ['AbortError', 'UPSTREAM_TIMEOUT', 504, true],
    ['CredentialsProviderError', 'UPSTREAM_ERROR', 502, true],
    ['TypeError', 'UPSTREAM_ERROR', 502, true],
    // Names of Object.prototype from the wire are unknown names, not table rows (issue 12, item 6).
    ['constructor', 'UPSTREAM_ERROR', 502, true],
    ['__proto__', 'UPSTREAM_ERROR', 502, true],
  ])('%s → %s (%i, retriable %s)', (name, code, status, retriable) => {
    const err = classifyKvsError(sdkError(name), 'GetClip');
    expect({ code: err.code, status: err.status, retriable: err.retriable }).toEqual({ code, status, retriable });
  });

  it("passes KVS's words about the client's request on, and keeps the gateway's own trouble out of the answer", () => {
    expect(classifyKvsError(sdkError('ResourceNotFoundException', 'No fragments found in the range'), 'GetClip').message).toBe('No fragments found in the range');
    const denied = classifyKvsError(sdkError('NotAuthorizedException', 'User arn:aws:iam::123:role/x is not authorized'), 'GetClip');
    expect(denied.message).not.toContain('arn:aws');
    expect(denied.toProblem('/api/streams/x/clip')).toEqual({
      type: 'about:blank',
      title: 'Bad Gateway',
      status: 502,
      detail: denied.message,
      instance: '/api/streams/x/clip',
      code: 'UPSTREAM_DENIED',
    });
  });

  it('reads the name of errors from another realm (a DOMException abort reason) and of non-errors', () => {
    expect(classifyKvsError({ name: 'TimeoutError', message: 'signal timed out' }, 'ListStreams').code).toBe('UPSTREAM_TIMEOUT');
    expect(classifyKvsError('boom', 'ListStreams').code).toBe('UPSTREAM_ERROR');
    const own = new GatewayError('NO_MEDIA', 'none');
    expect(classifyKvsError(own, 'GetImages')).toBe(own);
  });
});

// What the shared classifier adds over the old name table: any throttling name or a bare 429 asks the viewer to come
// back (503), refused credentials of any service are the gateway's (502, not retried), a socket error is upstream's.
describe('classifyKvsError through the shared classifier', () => {
  it.each<[string, Error, string, number]>([
    ['ThrottlingException', serviceError('ThrottlingException', 400), 'UPSTREAM_THROTTLED', 503],
    ['an unnamed 429', Object.assign(new Error('slow down'), { $metadata: { httpStatusCode: 429 } }), 'UPSTREAM_THROTTLED', 503],
    ['UnrecognizedClientException', serviceError('UnrecognizedClientException', 400), 'UPSTREAM_DENIED', 502],
    ['a refused connection', networkError('ECONNREFUSED'), 'UPSTREAM_ERROR', 502],
    ['a timeout wrapped by the SDK', Object.assign(new Error('wrapped'), { cause: Object.assign(new Error('t'), { name: 'TimeoutError' }) }), 'UPSTREAM_TIMEOUT', 504],
  ])('%s → %s', (_label, err, code, status) => {
    expect(classifyKvsError(err, 'ListStreams')).toMatchObject({ code, status });
  });

  it('is a TributaryError with its code and retriable flag', () => {
    const err = classifyKvsError(serviceError('ClientLimitExceededException', 400), 'GetClip');
    expect(err).toBeInstanceOf(TributaryError);
    expect(isRetriableError(err)).toBe(true);
  });
});
