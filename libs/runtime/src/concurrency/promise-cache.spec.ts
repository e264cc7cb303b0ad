import { PromiseCache } from './promise-cache';

class ManualClock {
  t = 0;
  now(): number {
    return this.t;
  }
}

function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

describe('PromiseCache', () => {
  it('shares one load among concurrent callers and serves it until the TTL passes', async () => {
    const clock = new ManualClock();
    const cache = new PromiseCache<number>({ ttlMs: 100, clock });
    let loads = 0;
    const load = async (): Promise<number> => ++loads;
    expect(await Promise.all([cache.get('k', load), cache.get('k', load)])).toEqual([1, 1]);
    clock.t = 99;
    expect(await cache.get('k', load)).toBe(1);
    clock.t = 100;
    expect(await cache.get('k', load)).toBe(2);
  });

  it('forgets a failed load so the next caller tries again', async () => {
    const cache = new PromiseCache<number>({ ttlMs: 1000, clock: new ManualClock() });
    await expect(cache.get('k', () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(cache.size).toBe(0);
    expect(await cache.get('k', async () => 7)).toBe(7);
  });

  // Regression: the gateway's inline cache deleted the key when any load of it failed, so a slow failure of an
  // expired load evicted the newer good entry loaded after it.
  it('a slow failure does not evict the newer entry of the same key', async () => {
    const clock = new ManualClock();
    const cache = new PromiseCache<string>({ ttlMs: 10, clock });
    const slow = deferred<string>();
    const first = cache.get('k', () => slow.promise);
    clock.t = 20;
    expect(await cache.get('k', async () => 'fresh')).toBe('fresh');
    slow.reject(new Error('late failure'));
    await expect(first).rejects.toThrow('late failure');
    expect(await cache.get('k', async () => 'reloaded')).toBe('fresh');
  });

  it('drops the least recently loaded entry at maxEntries', async () => {
    const cache = new PromiseCache<string>({ ttlMs: 1000, maxEntries: 2, clock: new ManualClock() });
    await cache.get('a', async () => 'a');
    await cache.get('b', async () => 'b');
    await cache.get('c', async () => 'c');
    expect(cache.size).toBe(2);
    expect(await cache.get('a', async () => 'a2')).toBe('a2');
  });

  it('delete forgets one key', async () => {
    const cache = new PromiseCache<number>({ ttlMs: 1000, clock: new ManualClock() });
    await cache.get('k', async () => 1);
    cache.delete('k');
    expect(await cache.get('k', async () => 2)).toBe(2);
  });

  it.each([
    [{ ttlMs: -1 }],
    [{ ttlMs: 1, maxEntries: 0 }],
    [{ ttlMs: 1, maxEntries: 1.5 }],
  ])('refuses %j', (options) => {
    expect(() => new PromiseCache(options)).toThrow(RangeError);
  });
});
