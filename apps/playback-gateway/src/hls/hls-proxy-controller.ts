/**
 * Proxied HLS (`/hls/<playbackToken>/…`): the player fetches playlists and segments from the gateway, which checks
 * the playback token on every request (signature, expiry: nothing else is needed, so any instance serves any
 * session), reads the KVS session URL out of it, fetches the one upstream resource built from validated values
 * (hls-proxy-request.ts, kvs-hls-session.ts) and answers:
 *
 *   master.m3u8, media.m3u8   rewritten so that every URI points back here (relative: `segment.mp4?…`), no-cache;
 *                             shared: one upstream fetch and one rewrite per KVS session and playlist serve every
 *                             request for `playlistShareMs` (below)
 *   init.mp4                  passed through
 *   segment.mp4               from the shared LRU (stream + fragment + track), else fetched once however many
 *                             viewers ask at the same moment, kept, and passed with KVS's Cache-Control
 *
 * Shared playlists (issue 17, "viewers at scale"): a low-latency player polls its media playlist five times a
 * second, and proxying one cost ~1.7 ms of CPU (fetch, parse, rewrite), so 500 viewers needed several cores. Now a
 * playlist is fetched and rewritten once per `playlistShareMs` (200 ms: KVS's 5 playlist calls per second and
 * session) per KVS session — proxied LIVE viewers of a stream share one session (kvs/shared-live-sessions.ts) —
 * and its bytes are served as they are to every request of that session meanwhile; concurrent misses make one
 * fetch. No viewer gets a playlist whose fetch started more than `playlistShareMs` before its request arrived.
 * Nothing per viewer is added: the playlist's URIs are relative, so each player resolves them against its own
 * `/hls/<token>/` URL, and the text carries neither the playback token nor the KVS session token (the rewrite
 * drops every KVS query parameter) — what one viewer's fetch produced holds nothing of that viewer. KVS offers no
 * blocking playlist reload (no _HLS_msn/_HLS_part: kvs-reference.md §5.6, public/low-latency.js), and the proxy
 * accepts no such parameter (hls-proxy-request.ts), so the key is the session, the playlist and its track.
 * A token is verified once and then kept until it expires (playback-grant-cache.ts). `sharedPlaylist` answers a poll
 * without Express when both are at hand (a verified token, a fresh or pending shared copy), for the server's fast path.
 */
import type { ServerResponse } from 'node:http';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { Agent, fetch as undiciFetch } from 'undici';
import type { PlaybackGrant, PlaybackTokenKey } from '@tributary/auth';
import { classifyCallError } from '@tributary/errors';
import { systemClock, type Clock, type Logger } from '@tributary/runtime';
import { GatewayError, upstreamErrorCode, type GatewayErrorCode } from '../gateway-error';
import type { GatewayMetrics } from '../gateway-metrics';
import { parseHlsProxyRequest, type HlsResource } from './hls-proxy-request';
import { kvsResourceUrl, rewriteKvsPlaylist, UnexpectedPlaylistUriError, type KvsHlsSession } from './kvs-hls-session';
import { PlaybackGrantCache } from './playback-grant-cache';
import { segmentCacheKey, type CachedSegment, type SegmentCache } from './segment-cache';
import { SharedPlaylistCache } from './shared-playlist-cache';

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
  /** How long one fetched and rewritten playlist serves every request of its session; 0: each request fetches. */
  playlistShareMs?: number;
  clock?: Clock;
}

export const HLS_PROXY_DEFAULTS = {
  /** KVS allows 5 playlist calls per second per session (kvs-reference.md §5.6, §6): one per 200 ms per playlist. */
  playlistShareMs: 200,
  /** Shared playlists kept at most (sessions × playlists); expired ones are replaced on their next request. */
  playlistShareEntries: 10_000,
} as const;

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
type PlaylistResource = Extract<HlsResource, { kind: 'master' | 'media' }>;
type Upstream = (url: string, resource: HlsResource, maxBytes: number) => Promise<{ body: Buffer; contentType: string | null; cacheControl: string | null }>;

export interface HlsProxy {
  /** The Express handler of /hls/…. */
  handle: RequestHandler;
  /**
   * The answer to the request target `target` (its raw URL) if it is a master or media playlist whose token was
   * verified and has not expired and whose shared copy is fresh or being fetched (what `handle` would answer
   * without a fetch of its own); undefined otherwise (the request then goes the whole way, through `handle`).
   * Nothing is fetched, verified or counted here.
   */
  sharedPlaylist(target: string): Buffer | Promise<Buffer> | undefined;
}

/** The shared copy's key: the session (base + token: a session token is unique to its endpoint) and which playlist; "\n" occurs in none. */
const sharedPlaylistKey = (session: KvsHlsSession, resource: PlaylistResource): string =>
  `${resource.kind === 'media' ? `media${resource.track}` : 'master'}\n${session.base}\n${session.sessionToken}`;

export function hlsProxyController(options: HlsProxyOptions): HlsProxy {
  const upstream = upstreamReader(options);
  const segment = segmentReader(options, upstream);
  const { metrics } = options;

  const clock = options.clock ?? systemClock;
  const grants = new PlaybackGrantCache(options.playbackKey, { clock });
  const shareMs = options.playlistShareMs ?? HLS_PROXY_DEFAULTS.playlistShareMs;
  const shared = shareMs > 0 ? new SharedPlaylistCache(shareMs, HLS_PROXY_DEFAULTS.playlistShareEntries, clock) : undefined;

  const fetchPlaylist = async (session: KvsHlsSession, resource: PlaylistResource): Promise<Buffer> => {
    const url = kvsResourceUrl(session, resource);
    const { body } = await upstream(url, resource, MAX_PLAYLIST_BYTES);
    try {
      return Buffer.from(rewriteKvsPlaylist(body.toString('utf8'), url), 'utf8');
    } catch (err) {
      if (err instanceof UnexpectedPlaylistUriError || err instanceof RangeError) {
        metrics.upstreamErrors.inc({ operation: `hls:${resource.kind}`, code: 'UNEXPECTED_PLAYLIST' });
        throw new GatewayError('UPSTREAM_ERROR', 'KVS answered a playlist the gateway cannot proxy.', { cause: err });
      }
      throw err;
    }
  };
  const playlist = (session: KvsHlsSession, resource: PlaylistResource): Promise<Buffer> =>
    shared ? shared.get(sharedPlaylistKey(session, resource), () => fetchPlaylist(session, resource)) : fetchPlaylist(session, resource);

  const sharedPlaylist = (target: string): Buffer | Promise<Buffer> | undefined => {
    if (shared === undefined) return undefined;
    const parsed = parseHlsProxyRequest(target);
    if (!parsed.ok || (parsed.resource.kind !== 'master' && parsed.resource.kind !== 'media')) return undefined;
    const known = grants.known(parsed.token);
    return known === undefined ? undefined : shared.current(sharedPlaylistKey(known.session, parsed.resource));
  };

  const handle = async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    try {
      const parsed = parseHlsProxyRequest(req.originalUrl);
      if (!parsed.ok) throw new GatewayError(parsed.status === 404 ? 'NOT_FOUND' : 'INVALID_REQUEST', parsed.detail);
      const { grant, session } = await grants.verify(parsed.token);
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
        sendPlaylist(res, await playlist(session, resource), head);
      }
    } catch (err) {
      next(err);
    }
  };
  return { handle, sharedPlaylist };
}

/**
 * A proxied playlist's answer, here and on the server's fast path. Live playlists change every fragment; the player
 * polls them. Node's own setHeader, not Express's res.set: on the hottest route (5 polls/s per low-latency viewer)
 * its per-call mime lookup showed in the profile, and it leaves this type as it is.
 */
export function sendPlaylist(res: ServerResponse, bytes: Buffer, head: boolean): void {
  res.statusCode = 200;
  res.setHeader('Content-Type', PLAYLIST_CONTENT_TYPE);
  res.setHeader('Cache-Control', 'no-cache');
  res.setHeader('Content-Length', String(bytes.byteLength));
  res.end(head ? undefined : bytes);
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
