/**
 * Shared proxied playlists (hls-proxy-controller.ts, "Shared playlists"): one fetch and rewrite per key (KVS session,
 * playlist, track) per `ttlMs`, concurrent misses sharing one load (a PromiseCache), and beside it what `get` would
 * answer without starting a load, readable synchronously: `current(key)` is the finished copy (`fresh(key)`), or
 * else the load in flight that `get` would share.
 *
 * Why: a low-latency viewer polls its playlist five times a second, and nearly every poll is answered from a shared
 * copy; answering those before Express (http/shared-playlist-fast-path.ts) needs to know, without a promise, that
 * `get` would not load. Same rule as the PromiseCache: a copy serves only requests that arrive less
 * than `ttlMs` after its fetch started, so no viewer gets an older playlist than the cache would give.
 */
import { PromiseCache, systemClock, type Clock } from '@tributary/runtime';

interface Settled {
  /** When its load started (the PromiseCache's entry time, to the millisecond). */
  at: number;
  bytes: Buffer;
}

export class SharedPlaylistCache {
  private readonly loads: PromiseCache<Buffer>;
  private readonly settled = new Map<string, Settled>();
  /** Loads in flight (forgotten once settled: bounded by the PromiseCache's keys in flight). */
  private readonly pending = new Map<string, { at: number; value: Promise<Buffer> }>();
  private readonly clock: Clock;

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
    clock: Clock = systemClock,
  ) {
    this.clock = clock;
    this.loads = new PromiseCache<Buffer>({ ttlMs, maxEntries, clock });
  }

  /** The finished copy of `key` if its load started less than `ttlMs` ago, else undefined. */
  fresh(key: string): Buffer | undefined {
    const entry = this.settled.get(key);
    if (entry === undefined) return undefined;
    if (this.clock.now() - entry.at < this.ttlMs) return entry.bytes;
    this.settled.delete(key);
    return undefined;
  }

  /**
   * What `get(key)` would answer without starting a load: the finished copy, else the load in flight, if it started
   * less than `ttlMs` ago; undefined when `get` would load.
   */
  current(key: string): Buffer | Promise<Buffer> | undefined {
    const done = this.fresh(key);
    if (done !== undefined) return done;
    const inFlight = this.pending.get(key);
    return inFlight !== undefined && this.clock.now() - inFlight.at < this.ttlMs ? inFlight.value : undefined;
  }

  /** The shared copy of `key`, loaded by `load` when there is none younger than `ttlMs` (concurrent callers share it). */
  get(key: string, load: () => Promise<Buffer>): Promise<Buffer> {
    return this.loads.get(key, () => {
      const at = this.clock.now();
      const value = load().then((bytes) => {
        this.remember(key, at, bytes);
        return bytes;
      });
      this.pending.set(key, { at, value });
      const settle = (): void => {
        if (this.pending.get(key)?.value === value) this.pending.delete(key);
      };
      value.then(settle, settle);
      return value;
    });
  }

  private remember(key: string, at: number, bytes: Buffer): void {
    const known = this.settled.get(key);
    // A slow load that started earlier never replaces a newer copy.
    if (known !== undefined && known.at > at) return;
    this.settled.delete(key); // re-inserted last: Map order is the eviction order
    this.settled.set(key, { at, bytes });
    while (this.settled.size > this.maxEntries) {
      const oldest = this.settled.keys().next();
      if (oldest.done) break;
      this.settled.delete(oldest.value);
    }
  }
}
