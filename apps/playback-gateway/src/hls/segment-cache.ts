/**
 * A byte-bounded LRU of proxied media segments. Keys are stream + fragment number + track — never the session or
 * playback token — so every viewer of a stream shares one copy of each segment (a KVS fragment's fMP4 segment is
 * immutable: KVS serves it with a long max-age).
 *
 * Map iteration order is insertion order, so re-inserting on a hit makes the first key the least recently used.
 */
export interface CachedSegment {
  body: Buffer;
  contentType: string;
  cacheControl: string;
}

export interface SegmentCacheOptions {
  maxBytes: number;
  /** Larger segments are served but not kept (one huge fragment would evict everything). Default maxBytes / 8. */
  maxEntryBytes?: number;
}

export interface SegmentCacheStats {
  entries: number;
  bytes: number;
  hits: number;
  misses: number;
  evictions: number;
}

export function segmentCacheKey(streamName: string, fragmentNumber: string, track: number): string {
  // Stream names cannot hold '/', fragment numbers are digits: the key is unambiguous.
  return `${streamName}/${fragmentNumber}/${track}`;
}

export class SegmentCache {
  private readonly entries = new Map<string, CachedSegment>();
  private readonly maxBytes: number;
  private readonly maxEntryBytes: number;
  private counters = { bytes: 0, hits: 0, misses: 0, evictions: 0 };

  constructor(options: SegmentCacheOptions) {
    if (!Number.isFinite(options.maxBytes) || options.maxBytes < 0) throw new RangeError('maxBytes must be a non-negative number');
    this.maxBytes = options.maxBytes;
    this.maxEntryBytes = Math.min(options.maxEntryBytes ?? Math.floor(options.maxBytes / 8), options.maxBytes);
  }

  get(key: string): CachedSegment | undefined {
    const hit = this.entries.get(key);
    if (hit === undefined) {
      this.counters.misses++;
      return undefined;
    }
    this.counters.hits++;
    this.entries.delete(key);
    this.entries.set(key, hit);
    return hit;
  }

  /** Keeps `value` unless it is larger than maxEntryBytes; returns whether it was kept. */
  set(key: string, value: CachedSegment): boolean {
    const size = value.body.byteLength;
    const previous = this.entries.get(key);
    if (previous !== undefined) {
      this.entries.delete(key);
      this.counters.bytes -= previous.body.byteLength;
    }
    if (size > this.maxEntryBytes) return false;
    this.entries.set(key, value);
    this.counters.bytes += size;
    for (const [oldest, entry] of this.entries) {
      if (this.counters.bytes <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.counters.bytes -= entry.body.byteLength;
      this.counters.evictions++;
    }
    return true;
  }

  stats(): SegmentCacheStats {
    return { entries: this.entries.size, ...this.counters };
  }
}
