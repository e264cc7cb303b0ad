// The producer's errors on @tributary/errors' base: branded, so `instanceof` holds for an error made by another
// copy of the lib (an app bundle next to a test), which a plain prototype check would deny.
import { TributaryError, isRetriableError } from '@tributary/errors';
import { ProducerClosedError, ProducerError, RecordExpiredError, RecordRejectedError, type DeliveryContext } from './errors';

/** What `instanceof` sees of an error thrown by another copy of the class: same brands, another prototype. */
function fromAnotherCopy(error: Error): object {
  const copy = Object.create(Error.prototype) as object;
  for (const key of Reflect.ownKeys(error)) Object.defineProperty(copy, key, Object.getOwnPropertyDescriptor(error, key) as PropertyDescriptor);
  return copy;
}

const context: DeliveryContext = { streamName: 's', shardId: 'shardId-000000000000', attempts: 3, elapsedMs: 30_000, lastErrorCode: 'ECONNREFUSED' };

describe('producer errors on the shared base', () => {
  it.each([
    ['ProducerError', new ProducerError('INVALID_RECORD', 'bad', false), ProducerError, 'INVALID_RECORD', false],
    ['RecordExpiredError', new RecordExpiredError(context), RecordExpiredError, 'RECORD_EXPIRED', true],
    ['RecordRejectedError', new RecordRejectedError(context, new Error('denied')), RecordRejectedError, 'RECORD_REJECTED', false],
    ['ProducerClosedError', new ProducerClosedError(), ProducerClosedError, 'PRODUCER_CLOSED', false],
  ])('%s is a ProducerError and a TributaryError, in any copy', (name, error, ownClass, code, retriable) => {
    expect(error).toBeInstanceOf(TributaryError);
    expect(error).toBeInstanceOf(ProducerError);
    expect(error).toBeInstanceOf(ownClass);
    expect(error).toMatchObject({ name, code, retriable });
    const copy = fromAnotherCopy(error);
    expect(Object.getPrototypeOf(copy)).not.toBe(Object.getPrototypeOf(error));
    expect(copy instanceof ProducerError).toBe(true);
    expect(copy instanceof ownClass).toBe(true);
    expect(isRetriableError(copy)).toBe(retriable);
  });

  it('keeps the cause it is given', () => {
    const cause = new Error('ValidationException');
    expect(new RecordRejectedError(context, cause).cause).toBe(cause);
    expect(new ProducerError('INTERNAL', 'bug', false, { cause }).cause).toBe(cause);
  });
});
