import { SegmentCache, segmentCacheKey, type CachedSegment } from './segment-cache';

const seg = (bytes: number, fill = 0): CachedSegment => ({ body: Buffer.alloc(bytes, fill), contentType: 'video/mp4', cacheControl: 'max-age=60' });

describe('SegmentCache', () => {
  it('keys by stream, fragment and track only', () => {
    expect(segmentCacheKey('cam-1', '91343852333185057105875891022195998207386831087', 1)).toBe('cam-1/91343852333185057105875891022195998207386831087/1');
    expect(segmentCacheKey('cam-1', '1', 2)).not.toBe(segmentCacheKey('cam-1', '1', 1));
  });

  it('returns what it keeps and counts hits and misses', () => {
    const cache = new SegmentCache({ maxBytes: 1000, maxEntryBytes: 1000 });
    expect(cache.get('a')).toBeUndefined();
    cache.set('a', seg(10, 1));
    expect(cache.get('a')?.body[0]).toBe(1);
    expect(cache.stats()).toEqual({ entries: 1, bytes: 10, hits: 1, misses: 1, evictions: 0 });
  });

  it('evicts the least recently used entries once over maxBytes', () => {
    const cache = new SegmentCache({ maxBytes: 300, maxEntryBytes: 300 });
    cache.set('a', seg(100));
    cache.set('b', seg(100));
    cache.set('c', seg(100));
    cache.get('a'); // a is now the most recently used; b the least
    cache.set('d', seg(100));
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBeDefined();
    expect(cache.get('c')).toBeDefined();
    expect(cache.get('d')).toBeDefined();
    expect(cache.stats()).toMatchObject({ entries: 3, bytes: 300, evictions: 1 });
  });

  it('evicts as many as it takes for one large entry', () => {
    const cache = new SegmentCache({ maxBytes: 300, maxEntryBytes: 300 });
    for (const k of ['a', 'b', 'c']) cache.set(k, seg(100));
    cache.set('big', seg(250));
    expect(cache.stats()).toMatchObject({ entries: 1, bytes: 250, evictions: 3 });
  });

  it('does not keep an entry over maxEntryBytes, and replacing a key does not double-count it', () => {
    const cache = new SegmentCache({ maxBytes: 1000 });
    expect(cache.set('huge', seg(126))).toBe(false);
    expect(cache.get('huge')).toBeUndefined();
    cache.set('a', seg(100));
    cache.set('a', seg(50));
    expect(cache.stats()).toMatchObject({ entries: 1, bytes: 50 });
  });

  it('keeps nothing with maxBytes 0', () => {
    const cache = new SegmentCache({ maxBytes: 0 });
    expect(cache.set('a', seg(1))).toBe(false);
    expect(cache.stats().bytes).toBe(0);
  });
});
