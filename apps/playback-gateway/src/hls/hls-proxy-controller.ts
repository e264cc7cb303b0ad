/**
 * Proxied HLS (`/hls/<playbackToken>/…`): the player fetches playlists and segments from the gateway, which checks
 * the playback token on every request (signature, expiry: nothing else is needed, so any instance serves any
 * session), reads the KVS session URL out of it, fetches the one upstream resource built from validated values
 * (hls-proxy-request.ts, kvs-hls-session.ts) and answers:
 *
 *   master.m3u8, media.m3u8   rewritten so that every URI points back here (relative: `segment.mp4?…`), no-cache
 *   init.mp4                  passed through
 *   segment.mp4               from the shared LRU (stream + fragment + track), else fetched once however many
 *                             viewers ask at the same moment, kept, and passed with KVS's Cache-Control
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { Agent, fetch as undiciFetch } from 'undici';
import { AuthError, verifyPlaybackToken, type PlaybackGrant, type PlaybackTokenKey } from '@tributary/auth';
import type { Logger } from '@tributary/runtime';
import { GatewayError } from '../gateway-error';
import type { GatewayMetrics } from '../gateway-metrics';
import { parseHlsProxyRequest, type HlsResource } from './hls-proxy-request';
import { kvsResourceUrl, parseKvsSessionUrl, rewriteKvsPlaylist, UnexpectedPlaylistUriError, type KvsHlsSession } from './kvs-hls-session';
import { segmentCacheKey, type CachedSegment, type SegmentCache } from './segment-cache';

export const PLAYLIST_CONTENT_TYPE = 'application/vnd.apple.mpegurl';
const MP4 = 'video/mp4';
/** KVS fragments are at most 50 MB (kvs-reference.md §3.8); playlists are small. */
const MAX_SEGMENT_BYTES = 64 * 1024 * 1024;
const MAX_PLAYLIST_BYTES = 2 * 1024 * 1024;
const DEFAULT_SEGMENT_CACHE_CONTROL = 'private, max-age=86400, immutable';

export interface HlsProxyOptions {
  playbackKey: PlaybackTokenKey;
  cache: SegmentCache;
  metrics: GatewayMetrics;
  logger: Logger;
  timeoutMs: number;
  /** Injected in tests; by default undici's fetch over a bounded keep-alive pool (upstreamFetch). */
  fetch?: typeof fetch;
}

/**
 * Upstream connections per KVS origin, at most. Node's global fetch opens one connection per concurrent request
 * with no bound: under a burst of viewers the gateway opened hundreds of connections to KVS and some requests
 * waited until the player gave up (bench:gateway, saturation). A bounded pool queues them in order instead.
 */
const UPSTREAM_CONNECTIONS = 64;

/** fetch over a dedicated undici Agent (bounded pool, keep-alive) for the proxy's upstream calls. */
export function upstreamFetch(connections = UPSTREAM_CONNECTIONS): typeof fetch {
  const agent = new Agent({ connections, keepAliveTimeout: 10_000 });
  // undici's fetch is the implementation behind Node's global fetch; only the dispatcher differs.
  return ((input: string | URL, init?: RequestInit) => undiciFetch(input, { ...(init as object), dispatcher: agent })) as unknown as typeof fetch;
}

export function hlsProxyController(options: HlsProxyOptions): RequestHandler {
  const doFetch = options.fetch ?? upstreamFetch();
  const inFlight = new Map<string, Promise<CachedSegment>>();
  const { metrics, cache } = options;

  const upstream = async (url: string, resource: HlsResource, maxBytes: number): Promise<{ body: Buffer; contentType: string | null; cacheControl: string | null }> => {
    const stop = metrics.upstreamDuration.startTimer({ resource: resource.kind });
    let res: Awaited<ReturnType<typeof fetch>>;
    try {
      res = await doFetch(url, { signal: AbortSignal.timeout(options.timeoutMs), redirect: 'error' });
    } catch (err) {
      // By name, not instanceof: AbortSignal.timeout's reason is a DOMException, which may come from another realm.
      const name = (err as { name?: unknown } | null)?.name;
      const timeout = name === 'TimeoutError' || name === 'AbortError';
      metrics.upstreamErrors.inc({ operation: `hls:${resource.kind}`, code: timeout ? 'UPSTREAM_TIMEOUT' : 'UPSTREAM_ERROR' });
      throw new GatewayError(timeout ? 'UPSTREAM_TIMEOUT' : 'UPSTREAM_ERROR', `Fetching the ${resource.kind} from KVS failed.`, { cause: err });
    }
    try {
      if (res.status !== 200) {
        const err = upstreamStatusError(res.status, resource);
        metrics.upstreamErrors.inc({ operation: `hls:${resource.kind}`, code: err.code });
        options.logger.debug({ status: res.status, resource: resource.kind, body: (await res.text()).slice(0, 200) }, 'KVS refused an HLS request');
        throw err;
      }
      const length = Number(res.headers.get('content-length') ?? '0');
      if (length > maxBytes) throw new GatewayError('UPSTREAM_ERROR', `KVS answered a ${resource.kind} of ${length} bytes, over the limit.`);
      const body = Buffer.from(await res.arrayBuffer());
      if (body.byteLength > maxBytes) throw new GatewayError('UPSTREAM_ERROR', `KVS answered a ${resource.kind} over the size limit.`);
      return { body, contentType: res.headers.get('content-type'), cacheControl: res.headers.get('cache-control') };
    } finally {
      stop();
    }
  };

  const segment = (grant: PlaybackGrant, session: KvsHlsSession, resource: Extract<HlsResource, { kind: 'segment' }>): Promise<CachedSegment> => {
    const key = segmentCacheKey(grant.streamName, resource.fragment, resource.track);
    const hit = cache.get(key);
    if (hit) {
      metrics.segmentCacheHits.inc();
      return Promise.resolve(hit);
    }
    const pending = inFlight.get(key);
    if (pending) {
      metrics.segmentCacheHits.inc();
      return pending;
    }
    metrics.segmentCacheMisses.inc();
    const fetching = upstream(kvsResourceUrl(session, resource), resource, MAX_SEGMENT_BYTES).then(({ body, cacheControl }) => {
      const entry: CachedSegment = { body, contentType: MP4, cacheControl: cacheControl ?? DEFAULT_SEGMENT_CACHE_CONTROL };
      cache.set(key, entry);
      return entry;
    });
    inFlight.set(key, fetching);
    const forget = (): void => {
      inFlight.delete(key);
    };
    fetching.then(forget, forget);
    return fetching;
  };

  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    try {
      const parsed = parseHlsProxyRequest(req.originalUrl);
      if (!parsed.ok) throw new GatewayError(parsed.status === 404 ? 'NOT_FOUND' : 'INVALID_REQUEST', parsed.detail);
      const grant = await verifyPlaybackToken(parsed.token, options.playbackKey);
      if (grant.session === undefined) throw new AuthError('INVALID_CREDENTIALS', 'this playback token carries no proxied session');
      let session: KvsHlsSession;
      try {
        session = parseKvsSessionUrl(grant.session);
      } catch (err) {
        throw new AuthError('INVALID_CREDENTIALS', 'this playback token carries no usable session', { cause: err });
      }
      const { resource } = parsed;
      if (resource.kind === 'segment') {
        const entry = await segment(grant, session, resource);
        res.status(200).set({ 'Content-Type': entry.contentType, 'Cache-Control': entry.cacheControl, 'Content-Length': String(entry.body.byteLength) });
        res.end(req.method === 'HEAD' ? undefined : entry.body);
        return;
      }
      const url = kvsResourceUrl(session, resource);
      if (resource.kind === 'init') {
        const { body, cacheControl } = await upstream(url, resource, MAX_SEGMENT_BYTES);
        res.status(200).set({ 'Content-Type': MP4, 'Cache-Control': cacheControl ?? 'private, max-age=300' });
        res.end(req.method === 'HEAD' ? undefined : body);
        return;
      }
      const { body } = await upstream(url, resource, MAX_PLAYLIST_BYTES);
      let playlist: string;
      try {
        playlist = rewriteKvsPlaylist(body.toString('utf8'), url);
      } catch (err) {
        if (err instanceof UnexpectedPlaylistUriError || err instanceof RangeError) {
          metrics.upstreamErrors.inc({ operation: `hls:${resource.kind}`, code: 'UNEXPECTED_PLAYLIST' });
          throw new GatewayError('UPSTREAM_ERROR', 'KVS answered a playlist the gateway cannot proxy.', { cause: err });
        }
        throw err;
      }
      // Live playlists change every fragment; the player polls them.
      res.status(200).set({ 'Content-Type': PLAYLIST_CONTENT_TYPE, 'Cache-Control': 'no-cache' });
      res.end(req.method === 'HEAD' ? undefined : playlist);
    } catch (err) {
      next(err);
    }
  };
}

/** KVS's answers to a player (kvs-reference.md §5.6): 403 for an expired or refused session token. */
function upstreamStatusError(status: number, resource: HlsResource): GatewayError {
  if (status === 403 || status === 401) {
    return new GatewayError('SESSION_EXPIRED', 'The KVS streaming session has expired or was refused: create a new playback session.');
  }
  if (status === 404) return new GatewayError('NOT_FOUND', `KVS has no such ${resource.kind} in this session.`);
  if (status === 429) return new GatewayError('UPSTREAM_THROTTLED', 'KVS is throttling this session; retry shortly.');
  if (status === 400) return new GatewayError('UPSTREAM_ERROR', `KVS refused the ${resource.kind} request (400).`);
  return new GatewayError('UPSTREAM_ERROR', `KVS answered ${status} for the ${resource.kind}.`);
}
