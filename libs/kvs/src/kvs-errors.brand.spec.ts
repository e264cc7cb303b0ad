// The errors of this lib on @tributary/errors' base: branded, so `instanceof` holds for an error made by another
// copy of the lib (an app bundle next to a test), which a plain prototype check would deny.
import { TributaryError, isRetriableError } from '@tributary/errors';
import { GetMediaError, KvsError, PutMediaAckError, PutMediaConnectionError, PutMediaFatalAckError, PutMediaHttpError, classifyHttpError, lookupAckError } from './kvs-errors';

/** What `instanceof` sees of an error thrown by another copy of the class: same brands, another prototype. */
function fromAnotherCopy(error: Error): object {
  const copy = Object.create(Error.prototype) as object;
  for (const key of Reflect.ownKeys(error)) Object.defineProperty(copy, key, Object.getOwnPropertyDescriptor(error, key) as PropertyDescriptor);
  return copy;
}

describe('kvs errors on the shared base', () => {
  it.each([
    ['KvsError', new KvsError('SESSION_CLOSED', 'closed', false), KvsError],
    ['PutMediaHttpError', new PutMediaHttpError('s', 503, undefined, undefined), PutMediaHttpError],
    ['PutMediaConnectionError', new PutMediaConnectionError('s', 'reset', 'ECONNRESET'), PutMediaConnectionError],
    ['PutMediaFatalAckError', new PutMediaFatalAckError(lookupAckError(4008, undefined), 's', 1, undefined), PutMediaAckError],
    ['GetMediaError', new GetMediaError('1', 5000, 'INTERNAL_ERROR'), GetMediaError],
  ])('%s is a KvsError and a TributaryError, in any copy', (_name, error, ownClass) => {
    expect(error).toBeInstanceOf(TributaryError);
    expect(error).toBeInstanceOf(KvsError);
    expect(error).toBeInstanceOf(ownClass);
    const copy = fromAnotherCopy(error);
    expect(Object.getPrototypeOf(copy)).not.toBe(Object.getPrototypeOf(error));
    expect(copy instanceof KvsError).toBe(true);
    expect(copy instanceof ownClass).toBe(true);
    expect(isRetriableError(error)).toBe(error.retriable);
  });

  it('classifies AWS names from the shared tables, and only adds endpoint refresh and re-signing', () => {
    expect(classifyHttpError(400, 'ProvisionedThroughputExceededException')).toEqual({ retriable: true, refreshEndpoint: false });
    expect(classifyHttpError(400, 'ValidationException')).toEqual({ retriable: false, refreshEndpoint: false });
    expect(classifyHttpError(403, 'InvalidSignatureException')).toEqual({ retriable: true, refreshEndpoint: false });
    expect(classifyHttpError(404, 'UnknownOperationException')).toEqual({ retriable: false, refreshEndpoint: true });
  });
});
