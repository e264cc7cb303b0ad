import { classifyCallError, classifyEntryError, isNetworkErrorCode } from './aws-error-classifier';
import { networkError, serviceError } from '../testing/aws-error-fakes';

describe('classifyEntryError (PutRecords ErrorCode)', () => {
  it.each([
    ['ProvisionedThroughputExceededException', 'throttled'],
    ['KMSThrottlingException', 'throttled'],
    ['InternalFailure', 'transient'],
    ['KMSAccessDeniedException', 'permanent'],
    ['KMSNotFoundException', 'permanent'],
    ['SomethingNew', 'transient'],
  ])('%s is %s', (code, kind) => {
    expect(classifyEntryError(code, 'msg')).toEqual({ kind, code, message: 'msg' });
  });
});

describe('classifyCallError (whole-call failures)', () => {
  it.each([
    ['a throttling exception', serviceError('ProvisionedThroughputExceededException', 400), 'throttled', 'ProvisionedThroughputExceededException'],
    ['LimitExceededException', serviceError('LimitExceededException', 400), 'throttled', 'LimitExceededException'],
    ['an InternalFailure', serviceError('InternalFailure', 500), 'transient', 'InternalFailure'],
    ['an unknown 503', serviceError('Weird', 503), 'transient', 'Weird'],
    ['an unnamed 429', Object.assign(new Error('slow down'), { $metadata: { httpStatusCode: 429 } }), 'throttled', 'Error'],
    ['a missing stream', serviceError('ResourceNotFoundException', 400), 'permanent', 'ResourceNotFoundException'],
    ['access denied', serviceError('AccessDeniedException', 400), 'permanent', 'AccessDeniedException'],
    ['an unknown 400 client fault', serviceError('NewClientThing', 400), 'permanent', 'NewClientThing'],
    ['a refused connection', networkError('ECONNREFUSED'), 'transient', 'ECONNREFUSED'],
    ['a reset connection', networkError('ECONNRESET'), 'transient', 'ECONNRESET'],
    ['an HTTP/2 stream error', networkError('ERR_HTTP2_STREAM_ERROR'), 'transient', 'ERR_HTTP2_STREAM_ERROR'],
    ['an abort (our timeout)', Object.assign(new Error('aborted'), { name: 'AbortError' }), 'transient', 'AbortError'],
    ['a TypeError (a bug)', new TypeError('x is not a function'), 'permanent', 'TypeError'],
    ['a socket error wrapped by the SDK', Object.assign(new Error('wrapped'), { cause: networkError('EPIPE') }), 'transient', 'EPIPE'],
    ['a socket error known only by its text', new Error('AWS SDK error wrapper for Error: connect ECONNREFUSED 127.0.0.1:1'), 'transient', 'ECONNREFUSED'],
    ['a known code after an unknown one in the text', new Error('AWS SDK error wrapper for Error [ERR_HTTP2_STREAM_CANCEL]: canceled (caused by: connect ECONNREFUSED 127.0.0.1:1)'), 'transient', 'ECONNREFUSED'],
    ['a string', 'boom', 'transient', 'Error'],
  ])('%s', (_label, error, kind, code) => {
    expect(classifyCallError(error)).toEqual(expect.objectContaining({ kind, code }));
  });
});

// Regression (issue 12 review): the tables were indexed with names from the wire, so an ErrorCode or an
// x-amzn-ErrorType of `constructor` or `__proto__` found Object.prototype's members instead of no row: the kind
// came out as a function or an object, which no caller handles. (libs/kvs had the same bug; the fuzzer found it.)
describe('names of Object.prototype from the wire', () => {
  it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty'])('%s is an unknown name, transient', (name) => {
    expect(classifyEntryError(name, 'm')).toEqual({ kind: 'transient', code: name, message: 'm' });
    expect(classifyCallError(serviceError(name, 503))).toEqual(expect.objectContaining({ kind: 'transient', code: name }));
    expect(classifyCallError(Object.assign(new Error('m'), { code: name }))).toEqual(expect.objectContaining({ kind: 'transient' }));
  });

  it('isNetworkErrorCode knows the network codes and nothing inherited', () => {
    expect(['ECONNREFUSED', 'ERR_HTTP2_GOAWAY_SESSION'].map(isNetworkErrorCode)).toEqual([true, true]);
    expect(['constructor', '__proto__', 'E_POISON', ''].map(isNetworkErrorCode)).toEqual([false, false, false, false]);
  });
});
