// KplError on @tributary/errors' base: branded, so `instanceof` holds for an error made by another copy of the lib.
import { TributaryError } from '@tributary/errors';
import { deaggregate } from './aggregation/aggregation-codec';
import { KplError } from './errors';

describe('KplError', () => {
  it('is what deaggregate throws for a damaged aggregate, and a TributaryError in any copy', () => {
    let thrown: unknown;
    try {
      deaggregate(Uint8Array.of(0xf3, 0x89, 0x9a, 0xc2, ...new Array<number>(20).fill(0)));
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(KplError);
    expect(thrown).toBeInstanceOf(TributaryError);
    expect(thrown).toMatchObject({ name: 'KplError', code: 'MALFORMED_AGGREGATE', retriable: false });
    const copy = Object.create(Error.prototype) as object;
    for (const key of Reflect.ownKeys(thrown as object)) Object.defineProperty(copy, key, Object.getOwnPropertyDescriptor(thrown, key) as PropertyDescriptor);
    expect(copy instanceof KplError).toBe(true);
  });
});
