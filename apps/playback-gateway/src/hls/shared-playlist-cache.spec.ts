// Issue 17: the fast path answers polls from `fresh` without a promise; it must never serve a copy that `get` would
// not (older than the share interval, failed, or replaced by a newer one).
import { FakeTimers } from '@tributary/runtime/testing';
import { SharedPlaylistCache } from './shared-playlist-cache';

const bytes = (s: string): Buffer => Buffer.from(s, 'utf8');

describe('SharedPlaylistCache', () => {
  let clock: FakeTimers;
  beforeEach(() => {
    clock = new FakeTimers(Date.UTC(2026, 0, 1));
  });

  it('has a fresh copy only once its load finished, for the interval after the load started', async () => {
    const cache = new SharedPlaylistCache(200, 10, clock);
    let finish: (b: Buffer) => void = () => undefined;
    let loads = 0;
    const load = (): Promise<Buffer> => {
      loads++;
      return new Promise<Buffer>((resolve) => (finish = resolve));
    };
    const pending = cache.get('k', load);
    expect(cache.fresh('k')).toBeUndefined();
    await clock.advance(50);
    const shared = cache.get('k', load);
    finish(bytes('one'));
    expect((await pending).toString()).toBe('one');
    expect((await shared).toString()).toBe('one');
    expect(loads).toBe(1);
    expect(cache.fresh('k')?.toString()).toBe('one');
    await clock.advance(149);
    expect(cache.fresh('k')?.toString()).toBe('one');
    await clock.advance(1);
    expect(cache.fresh('k')).toBeUndefined();
    const next = cache.get('k', load);
    expect(loads).toBe(2);
    finish(bytes('two'));
    expect((await next).toString()).toBe('two');
    expect(cache.fresh('k')?.toString()).toBe('two');
  });

  it('keeps nothing of a failed load', async () => {
    const cache = new SharedPlaylistCache(200, 10, clock);
    await expect(cache.get('k', () => Promise.reject(new Error('upstream')))).rejects.toThrow('upstream');
    expect(cache.fresh('k')).toBeUndefined();
    expect((await cache.get('k', async () => bytes('ok'))).toString()).toBe('ok');
  });

  it('never lets a slow older load replace a newer copy', async () => {
    const cache = new SharedPlaylistCache(200, 10, clock);
    let finishOld: (b: Buffer) => void = () => undefined;
    const old = cache.get('k', () => new Promise<Buffer>((resolve) => (finishOld = resolve)));
    await clock.advance(200);
    await cache.get('k', async () => bytes('new'));
    finishOld(bytes('old'));
    await old;
    expect(cache.fresh('k')?.toString()).toBe('new');
  });

  it('holds at most maxEntries copies, the oldest going first', async () => {
    const cache = new SharedPlaylistCache(200, 2, clock);
    for (const k of ['a', 'b', 'c']) await cache.get(k, async () => bytes(k));
    expect(['a', 'b', 'c'].map((k) => cache.fresh(k)?.toString())).toEqual([undefined, 'b', 'c']);
  });
});
