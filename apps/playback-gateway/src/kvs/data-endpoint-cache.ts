/**
 * KVS data endpoints per stream and API (GetDataEndpoint), cached: every archived-media call needs one, they
 * rarely change, and GetDataEndpoint has its own low TPS quota. An entry lives `ttlMs` and is dropped early when
 * a call through it fails (the stream may have moved or been re-created). Concurrent lookups of one key share one
 * call.
 */
import type { Clock } from '@tributary/runtime';

export type DataEndpointApi = 'LIST_FRAGMENTS' | 'GET_HLS_STREAMING_SESSION_URL' | 'GET_CLIP' | 'GET_IMAGES';

export interface DataEndpointCacheOptions {
  lookup(streamName: string, api: DataEndpointApi): Promise<string>;
  clock: Clock;
  ttlMs: number;
  /** Entries kept at most (streams × APIs); the oldest goes first. */
  maxEntries: number;
}

export class DataEndpointCache {
  private readonly entries = new Map<string, { endpoint: Promise<string>; expiresAt: number }>();

  constructor(private readonly options: DataEndpointCacheOptions) {}

  get(streamName: string, api: DataEndpointApi): Promise<string> {
    const key = `${api} ${streamName}`;
    const now = this.options.clock.now();
    const hit = this.entries.get(key);
    if (hit && hit.expiresAt > now) return hit.endpoint;
    const endpoint = this.options.lookup(streamName, api);
    this.entries.delete(key);
    this.entries.set(key, { endpoint, expiresAt: now + this.options.ttlMs });
    // A failed lookup is not cached: the next call asks again.
    endpoint.catch(() => {
      if (this.entries.get(key)?.endpoint === endpoint) this.entries.delete(key);
    });
    while (this.entries.size > this.options.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
    return endpoint;
  }

  invalidate(streamName: string, api: DataEndpointApi): void {
    this.entries.delete(`${api} ${streamName}`);
  }

  get size(): number {
    return this.entries.size;
  }
}
