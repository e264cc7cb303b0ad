/**
 * The stream list at fleet size (issue 17, "gateway at 1,000 cameras"): what GET /api/streams and
 * GET /api/streams/:name answer, at a cost that does not grow with the number of streams per request.
 *
 *   streams   ListStreams (every page), in name order (code units), shared by all callers
 *   health    the camera-health table (the video producer's item per camera), read by one paged Scan shared by all
 *             callers — not one call per stream. Fallback, for a stream of the requested page the table has no
 *             item for (a producer that writes none, no table configured, the Scan failed): KVS ListFragments for
 *             that stream (KvsPlaybackClient.streamHealth, cached 2 s per stream), so the fallback costs at most one
 *             ListFragments per listed stream per 2 s, bounded by the page size, not by the fleet.
 *
 * Both fleet-wide reads are refreshed behind the callers (refreshing-value.ts): fresh for `cacheMs`, then a caller
 * still gets the previous answer at once while one reload runs, so no listing waits for a fleet-wide read unless
 * the answer is missing or older than `maxStaleMs` (no traffic for a while, or reloads failing).
 *
 * Permission comes first: the list is cut to the streams the principal may read before the search, the count and
 * the page, so neither the entries, nor `total`, nor the cursor tell anything about the others.
 */
import type { Principal } from '@tributary/auth';
import { mapWithConcurrency, systemClock, type Clock, type Logger } from '@tributary/runtime';
import type { CameraHealthItem } from '@tributary/schemas';
import { KVS_CLIENT_DEFAULTS, type KvsPlaybackClient, type StreamSummary } from '../kvs/kvs-playback-client';
import type { StreamHealth } from '../kvs/stream-health';
import { cameraHealthStatus } from './camera-health-status';
import { RefreshingValue } from './refreshing-value';
import { encodeStreamCursor, type StreamListQuery } from './stream-list-request';
import { canReadStream } from './stream-access';

export const STREAM_CATALOG_DEFAULTS = {
  /** How long one ListStreams answer and one Scan of the camera-health table are fresh. */
  cacheMs: 2_000,
  /** Past this age an answer is not served any more: the caller waits for a fresh one. */
  maxStaleMs: 20_000,
} as const;

/**
 * Pages of the camera-health Scan behind the list: 1,000 items a page (an item is ~300 bytes, well under DynamoDB's
 * 1-MB page), 20 pages at most: 20,000 cameras. On AWS one Scan of 1,000 items (~300 KB) costs ~37 read units
 * (eventually consistent), once per cache period per gateway instance, whatever the number of viewers.
 */
export const STREAM_LIST_HEALTH_READ = { pageSize: 1_000, maxPages: 20 } as const;

export type StreamEntry = StreamSummary & { health: StreamHealth | null };

export interface StreamsPage {
  streams: StreamEntry[];
  nextCursor: string | null;
  /** Readable streams matching the search (all pages). */
  total: number;
}

/** One read of the whole camera-health table (a paged Scan); `truncated` when its page cap stopped it. */
export type CameraHealthScan = () => Promise<{ items: CameraHealthItem[]; truncated: boolean }>;

/** The stream list with each name lower-cased once per load, for the search. */
interface Listing {
  streams: StreamSummary[];
  lower: string[];
}

export interface StreamCatalogOptions {
  kvs: Pick<KvsPlaybackClient, 'listStreams' | 'describeStream' | 'streamHealth'>;
  /** The camera-health table's reader; absent: every stream's health comes from KVS. */
  cameraHealth?: CameraHealthScan;
  logger: Logger;
  clock?: Clock;
  cacheMs?: number;
}

export class StreamCatalog {
  private readonly kvs: StreamCatalogOptions['kvs'];
  private readonly scanCameraHealth: CameraHealthScan | undefined;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly listing: RefreshingValue<Listing>;
  private readonly cameras: RefreshingValue<Map<string, CameraHealthItem>> | undefined;

  constructor(options: StreamCatalogOptions) {
    this.kvs = options.kvs;
    this.scanCameraHealth = options.cameraHealth;
    this.logger = options.logger;
    this.clock = options.clock ?? systemClock;
    const freshMs = options.cacheMs ?? STREAM_CATALOG_DEFAULTS.cacheMs;
    const maxAgeMs = Math.max(freshMs, STREAM_CATALOG_DEFAULTS.maxStaleMs);
    const clock = this.clock;
    this.listing = new RefreshingValue({
      load: () => this.listStreams(),
      freshMs,
      maxAgeMs,
      clock,
      onBackgroundError: (err) => this.logger.warn({ err }, 'stream list refresh failed; serving the previous list'),
    });
    const scan = this.scanCameraHealth;
    this.cameras = scan
      ? new RefreshingValue({
          load: () => this.loadCameraItems(scan),
          freshMs,
          maxAgeMs,
          clock,
          onBackgroundError: (err) => this.logger.warn({ err }, 'camera health refresh failed; serving the previous items'),
        })
      : undefined;
  }

  /** One page of the streams `principal` may read, matching `query.q`, after `query.after`, with their health. */
  async page(principal: Pick<Principal, 'scopes'> | undefined, query: StreamListQuery): Promise<StreamsPage> {
    const { streams, lower } = await this.listing.get();
    const { q, after } = query;
    const matching = streams.filter((s, i) => principal !== undefined && (q === undefined || lower[i].includes(q)) && canReadStream(principal, s.name));
    const start = after === undefined ? 0 : firstAfter(matching, after);
    const slice = matching.slice(start, start + query.limit);
    const more = start + slice.length < matching.length;
    const health = await this.healthOf(slice.map((s) => s.name));
    return {
      streams: slice.map((s) => ({ ...s, health: health.get(s.name) ?? null })),
      nextCursor: more && slice.length > 0 ? encodeStreamCursor(slice[slice.length - 1].name) : null,
      total: matching.length,
    };
  }

  /** One stream (DescribeStream) with its health; the caller has checked the permission. */
  async entry(name: string): Promise<StreamEntry> {
    const [summary, health] = await Promise.all([this.kvs.describeStream(name), this.healthOf([name])]);
    return { ...summary, health: health.get(name) ?? null };
  }

  /** Health per stream: the camera-health table's item where there is one, else KVS (null when KVS cannot say). */
  async healthOf(names: readonly string[]): Promise<Map<string, StreamHealth | null>> {
    const out = new Map<string, StreamHealth | null>();
    if (names.length === 0) return out;
    const items = await this.cameraItems();
    const now = this.clock.now();
    const missing: string[] = [];
    for (const name of names) {
      const item = items.get(name);
      if (item) out.set(name, cameraHealthStatus(item, now));
      else missing.push(name);
    }
    await mapWithConcurrency(missing, KVS_CLIENT_DEFAULTS.healthConcurrency, async (name) => {
      try {
        out.set(name, await this.kvs.streamHealth(name));
      } catch (err) {
        this.logger.debug({ err, stream: name }, 'health unavailable');
        out.set(name, null);
      }
    });
    return out;
  }

  private async listStreams(): Promise<Listing> {
    // Code-unit order, not locale order: the cursor compares names the same way (firstAfter).
    const streams = (await this.kvs.listStreams()).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return { streams, lower: streams.map((s) => s.name.toLowerCase()) };
  }

  /** The camera-health items by stream name, from the shared Scan; empty (everything falls back) when it fails. */
  private async cameraItems(): Promise<Map<string, CameraHealthItem>> {
    if (this.cameras === undefined) return new Map();
    try {
      return await this.cameras.get();
    } catch (err) {
      this.logger.warn({ err }, 'camera health unavailable; listing with KVS health');
      return new Map();
    }
  }

  private async loadCameraItems(scan: CameraHealthScan): Promise<Map<string, CameraHealthItem>> {
    const read = await scan();
    if (read.truncated) this.logger.warn({ items: read.items.length }, 'camera-health table larger than one listing reads: the rest falls back to KVS');
    return new Map(read.items.map((i) => [i.streamName, i]));
  }
}

/** Index of the first stream whose name sorts after `name` (the list is in code-unit order). */
function firstAfter(streams: readonly StreamSummary[], name: string): number {
  let lo = 0;
  let hi = streams.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (streams[mid].name <= name) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
