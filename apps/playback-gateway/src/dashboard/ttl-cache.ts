/**
 * A short-lived cache of asynchronous answers, so that many dashboards polling every 2 s make one DynamoDB read per
 * key and period instead of one each. Concurrent misses of one key share one load (the promise is cached); a failed
 * load is forgotten at once, so the next poll tries again. Bounded: the oldest entry goes when `maxEntries` is
 * reached (keys include a device id, which clients choose).
 */
import { systemClock, type Clock } from '@tributary/runtime';

export interface TtlCacheOptions {
  ttlMs: number;
  maxEntries: number;
  clock?: Clock;
}

export class TtlCache<V> {
  private readonly entries = new Map<string, { at: number; value: Promise<V> }>();
  private readonly clock: Clock;

  constructor(private readonly options: TtlCacheOptions) {
    if (!(options.ttlMs >= 0) || !Number.isInteger(options.maxEntries) || options.maxEntries < 1) {
      throw new RangeError(`TtlCache: ttlMs >= 0 and a positive integer maxEntries expected (got ${options.ttlMs}, ${options.maxEntries})`);
    }
    this.clock = options.clock ?? systemClock;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The cached answer for `key` if younger than the TTL, else `load()`'s (shared with concurrent callers). */
  get(key: string, load: () => Promise<V>): Promise<V> {
    const now = this.clock.now();
    const hit = this.entries.get(key);
    if (hit && now - hit.at < this.options.ttlMs) return hit.value;
    if (hit) this.entries.delete(key);
    while (this.entries.size >= this.options.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
    const value = load();
    const entry = { at: now, value };
    this.entries.set(key, entry);
    value.catch(() => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    });
    return value;
  }
}
