/**
 * A short-lived, bounded cache of asynchronous answers with single-flight loads: concurrent misses of one key share
 * one load (the promise is what is cached), a failed load is forgotten at once so the next caller tries again, and
 * the oldest entry goes first when `maxEntries` is reached (keys often come from clients: stream names, device ids).
 *
 * One of the three copies this replaces deleted the entry of a key when *a* load of it failed, so a slow failure
 * evicted the newer, good entry that a later caller had put meanwhile; here a failure forgets only its own entry.
 */
import { systemClock, type Clock } from '../time/clock';

export interface PromiseCacheOptions {
  /** How long a settled or pending answer is served, in ms. */
  ttlMs: number;
  /** Entries kept at the most; the least recently loaded goes first. Default: unbounded. */
  maxEntries?: number;
  clock?: Clock;
}

interface Entry<V> {
  at: number;
  value: Promise<V>;
}

export class PromiseCache<V> {
  private readonly entries = new Map<string, Entry<V>>();
  private readonly clock: Clock;
  private readonly ttlMs: number;
  private readonly maxEntries: number;

  constructor(options: PromiseCacheOptions) {
    const maxEntries = options.maxEntries ?? Infinity;
    if (!(options.ttlMs >= 0) || !(maxEntries >= 1) || (Number.isFinite(maxEntries) && !Number.isInteger(maxEntries))) {
      throw new RangeError(`PromiseCache: ttlMs >= 0 and a positive integer maxEntries expected (got ${options.ttlMs}, ${options.maxEntries})`);
    }
    this.clock = options.clock ?? systemClock;
    this.ttlMs = options.ttlMs;
    this.maxEntries = maxEntries;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The answer for `key` if younger than the TTL, else `load()`'s, shared with concurrent callers of the same key. */
  get(key: string, load: () => Promise<V>): Promise<V> {
    const now = this.clock.now();
    const hit = this.entries.get(key);
    if (hit && now - hit.at < this.ttlMs) return hit.value;
    const value = load();
    const entry: Entry<V> = { at: now, value };
    this.entries.delete(key); // re-inserted last: Map order is the eviction order
    this.entries.set(key, entry);
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
    value.catch(() => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    });
    return value;
  }

  /** Forget `key` (its answer turned out wrong: a stale endpoint, a deleted stream). */
  delete(key: string): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}
