// The dashboard's cache of DynamoDB/KVS answers is @tributary/runtime's PromiseCache (it replaced the gateway's own
// TtlCache): these are the old cache's assertions, unchanged, pinning what the dashboard relies on (one load per
// key and period for every poller, a failure forgotten at once, a bound on client-chosen keys).
import { PromiseCache } from '@tributary/runtime';
import { FakeTimers } from '@tributary/runtime/testing';

describe('PromiseCache as the dashboard uses it', () => {
  it('serves one load to every caller within the TTL, and loads again after it', async () => {
    const clock = new FakeTimers();
    const cache = new PromiseCache<number>({ ttlMs: 1_500, maxEntries: 10, clock });
    let loads = 0;
    const load = async () => ++loads;
    expect(await Promise.all([cache.get('a', load), cache.get('a', load), cache.get('a', load)])).toEqual([1, 1, 1]);
    await clock.advance(1_499);
    expect(await cache.get('a', load)).toBe(1);
    await clock.advance(1);
    expect(await cache.get('a', load)).toBe(2);
    expect(loads).toBe(2);
  });

  it('shares a load still in flight between concurrent misses', async () => {
    const cache = new PromiseCache<string>({ ttlMs: 1_000, maxEntries: 10, clock: new FakeTimers() });
    let resolve: (v: string) => void = () => undefined;
    const load = jest.fn(() => new Promise<string>((r) => (resolve = r)));
    const a = cache.get('k', load);
    const b = cache.get('k', load);
    resolve('v');
    expect(await Promise.all([a, b])).toEqual(['v', 'v']);
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('forgets a failed load at once, so the next call tries again', async () => {
    const cache = new PromiseCache<string>({ ttlMs: 60_000, maxEntries: 10, clock: new FakeTimers() });
    await expect(cache.get('k', () => Promise.reject(new Error('throttled')))).rejects.toThrow('throttled');
    await new Promise((r) => setImmediate(r));
    expect(await cache.get('k', async () => 'ok')).toBe('ok');
  });

  it('keeps at most maxEntries keys, dropping the oldest', async () => {
    const cache = new PromiseCache<string>({ ttlMs: 60_000, maxEntries: 2, clock: new FakeTimers() });
    await cache.get('a', async () => 'a1');
    await cache.get('b', async () => 'b1');
    await cache.get('c', async () => 'c1');
    expect(cache.size).toBe(2);
    expect(await cache.get('a', async () => 'a2')).toBe('a2');
    expect(await cache.get('c', async () => 'c2')).toBe('c1');
  });

  it.each([
    [{ ttlMs: -1, maxEntries: 1 }],
    [{ ttlMs: 1, maxEntries: 0 }],
    [{ ttlMs: 1, maxEntries: 1.5 }],
  ])('refuses %j', (options) => {
    expect(() => new PromiseCache(options)).toThrow(RangeError);
  });
});
