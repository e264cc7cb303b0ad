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
import { classifyCallError } from '@tributary/errors';
import type { Logger } from '@tributary/runtime';
import { GatewayError, upstreamErrorCode, type GatewayErrorCode } from '../gateway-error';
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

type SegmentResource = Extract<HlsResource, { kind: 'segment' }>;
type Upstream = (url: string, resource: HlsResource, maxBytes: number) => Promise<{ body: Buffer; contentType: string | null; cacheControl: string | null }>;

export function hlsProxyController(options: HlsProxyOptions): RequestHandler {
  const upstream = upstreamReader(options);
  const segment = segmentReader(options, upstream);
  const { metrics } = options;

  const playlist = async (session: KvsHlsSession, resource: Exclude<HlsResource, SegmentResource | { kind: 'init' }>): Promise<string> => {
    const url = kvsResourceUrl(session, resource);
    const { body } = await upstream(url, resource, MAX_PLAYLIST_BYTES);
    try {
      return rewriteKvsPlaylist(body.toString('utf8'), url);
    } catch (err) {
      if (err instanceof UnexpectedPlaylistUriError || err instanceof RangeError) {
        metrics.upstreamErrors.inc({ operation: `hls:${resource.kind}`, code: 'UNEXPECTED_PLAYLIST' });
        throw new GatewayError('UPSTREAM_ERROR', 'KVS answered a playlist the gateway cannot proxy.', { cause: err });
      }
      throw err;
    }
  };

  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    try {
      const parsed = parseHlsProxyRequest(req.originalUrl);
      if (!parsed.ok) throw new GatewayError(parsed.status === 404 ? 'NOT_FOUND' : 'INVALID_REQUEST', parsed.detail);
      const grant = await verifyPlaybackToken(parsed.token, options.playbackKey);
      const session = sessionOf(grant);
      const { resource } = parsed;
      const head = req.method === 'HEAD';
      if (resource.kind === 'segment') {
        const entry = await segment(grant, session, resource);
        res.status(200).set({ 'Content-Type': entry.contentType, 'Cache-Control': entry.cacheControl, 'Content-Length': String(entry.body.byteLength) });
        res.end(head ? undefined : entry.body);
      } else if (resource.kind === 'init') {
        const { body, cacheControl } = await upstream(kvsResourceUrl(session, resource), resource, MAX_SEGMENT_BYTES);
        res.status(200).set({ 'Content-Type': MP4, 'Cache-Control': cacheControl ?? 'private, max-age=300' });
        res.end(head ? undefined : body);
      } else {
        const text = await playlist(session, resource);
        // Live playlists change every fragment; the player polls them.
        res.status(200).set({ 'Content-Type': PLAYLIST_CONTENT_TYPE, 'Cache-Control': 'no-cache' });
        res.end(head ? undefined : text);
      }
    } catch (err) {
      next(err);
    }
  };
}

/** The KVS session a verified playback token carries, or the token is refused. */
function sessionOf(grant: PlaybackGrant): KvsHlsSession {
  if (grant.session === undefined) throw new AuthError('INVALID_CREDENTIALS', 'this playback token carries no proxied session');
  try {
    return parseKvsSessionUrl(grant.session);
  } catch (err) {
    throw new AuthError('INVALID_CREDENTIALS', 'this playback token carries no usable session', { cause: err });
  }
}

/** One upstream GET under the timeout and a size limit, timed and counted; failures leave as GatewayErrors. */
function upstreamReader(options: HlsProxyOptions): Upstream {
  const doFetch = options.fetch ?? upstreamFetch();
  const { metrics } = options;
  return async (url, resource, maxBytes) => {
    const stop = metrics.upstreamDuration.startTimer({ resource: resource.kind });
    let res: Awaited<ReturnType<typeof fetch>>;
    try {
      res = await doFetch(url, { signal: AbortSignal.timeout(options.timeoutMs), redirect: 'error' });
    } catch (err) {
      // The shared classifier reads the failure (by name, not instanceof: AbortSignal.timeout's reason is a
      // DOMException, which may come from another realm); the gateway's table says what the viewer gets.
      const code = upstreamErrorCode(classifyCallError(err));
      metrics.upstreamErrors.inc({ operation: `hls:${resource.kind}`, code });
      throw new GatewayError(code, `Fetching the ${resource.kind} from KVS failed.`, { cause: err });
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
}

/**
 * Segments from the shared LRU, else fetched once however many viewers miss the same one at once. The single
 * flight has no time-to-live of its own (a PromiseCache would keep the settled bodies beside the byte-bounded LRU):
 * a fetch is shared while pending, and its result lives in the LRU.
 */
function segmentReader(options: HlsProxyOptions, upstream: Upstream) {
  const inFlight = new Map<string, Promise<CachedSegment>>();
  const { metrics, cache } = options;
  return (grant: PlaybackGrant, session: KvsHlsSession, resource: SegmentResource): Promise<CachedSegment> => {
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
}

const SESSION_EXPIRED_MESSAGE = 'The KVS streaming session has expired or was refused: create a new playback session.';

/** KVS's HTTP answers to a player (kvs-reference.md §5.6) → what the viewer gets; any other status: UPSTREAM_ERROR. */
const UPSTREAM_STATUS: Readonly<Record<number, { code: GatewayErrorCode; message: (kind: HlsResource['kind']) => string }>> = {
  // 403 for an expired or refused session token.
  401: { code: 'SESSION_EXPIRED', message: () => SESSION_EXPIRED_MESSAGE },
  403: { code: 'SESSION_EXPIRED', message: () => SESSION_EXPIRED_MESSAGE },
  404: { code: 'NOT_FOUND', message: (kind) => `KVS has no such ${kind} in this session.` },
  429: { code: 'UPSTREAM_THROTTLED', message: () => 'KVS is throttling this session; retry shortly.' },
  400: { code: 'UPSTREAM_ERROR', message: (kind) => `KVS refused the ${kind} request (400).` },
};
function upstreamStatusError(status: number, resource: HlsResource): GatewayError {
  const row = UPSTREAM_STATUS[status];
  if (row) return new GatewayError(row.code, row.message(resource.kind));
  return new GatewayError('UPSTREAM_ERROR', `KVS answered ${status} for the ${resource.kind}.`);
}
