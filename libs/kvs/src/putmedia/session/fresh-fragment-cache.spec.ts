import { FreshFragmentCache } from './fresh-fragment-cache';

const fragment = (timecode: number, size: number) => ({ timecode, bytes: new Uint8Array(size), header: new Uint8Array(1) });

describe('FreshFragmentCache', () => {
  it('keeps fragments until forgotten, within its byte bound, dropping the oldest first', () => {
    const cache = new FreshFragmentCache(10);
    cache.remember(fragment(1, 4));
    cache.remember(fragment(2, 4));
    expect(cache.get(1)?.timecode).toBe(1);
    cache.remember(fragment(3, 4)); // 12 bytes > 10: the oldest goes (it is read back from the store instead)
    expect([1, 2, 3].map((t) => cache.get(t) !== undefined)).toEqual([false, true, true]);
    cache.forget(2);
    cache.remember(fragment(4, 6));
    expect([2, 3, 4].map((t) => cache.get(t) !== undefined)).toEqual([false, true, true]);
  });

  it('does not hold a fragment larger than the whole bound, and clear() empties it', () => {
    const cache = new FreshFragmentCache(10);
    cache.remember(fragment(1, 11));
    expect(cache.get(1)).toBeUndefined();
    cache.remember(fragment(2, 10));
    cache.clear();
    expect(cache.get(2)).toBeUndefined();
    cache.remember(fragment(3, 10));
    expect(cache.get(3)).toBeDefined();
  });
});
