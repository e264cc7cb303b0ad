/**
 * The JSON API, behind `authenticate` (API key or JWT bearer):
 *
 *   GET  /api/streams?limit&cursor&q       a page of the streams the principal may read, with health
 *                                           → {streams, nextCursor, total} (api/stream-catalog.ts)
 *   GET  /api/streams/:name                 one stream, with health
 *   POST /api/streams/:name/playback        {mode, start?, end?, delivery?} → {url, delivery, mode, expiresAt}
 *   GET  /api/streams/:name/clip?start&end  MP4 attachment (GetClip), streamed
 *   GET  /api/streams/:name/snapshot?at&format&width   image bytes (GetImages); `at` defaults to the newest fragment
 *
 * Per-stream permission is checked before KVS is asked anything, so a principal learns nothing about streams it
 * may not read (403 whether or not the stream exists).
 */
import { pipeline } from 'node:stream/promises';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { AuthError, getPrincipal, signPlaybackToken, type PlaybackTokenKey } from '@tributary/auth';
import { systemClock, type Clock, type Logger } from '@tributary/runtime';
import { GatewayError } from '../gateway-error';
import type { KvsPlaybackClient } from '../kvs/kvs-playback-client';
import { SharedLiveSessions } from '../kvs/shared-live-sessions';
import { clipQuerySchema, playbackRequestSchema, queryRecord, snapshotQuerySchema, STREAM_NAME, validate } from './api-requests';
import { canReadStream, streamReadScope, VIDEO_READ_SCOPE } from './stream-access';
import { StreamCatalog, type CameraHealthScan } from './stream-catalog';
import { parseStreamListQuery } from './stream-list-request';

export interface StreamsApiOptions {
  kvs: KvsPlaybackClient;
  /** The camera-health table's reader (one Scan of it); absent: health from KVS per stream. */
  cameraHealth?: CameraHealthScan;
  /** How long the stream list and the camera-health Scan are shared (STREAM_CATALOG_DEFAULTS.cacheMs). */
  catalogCacheMs?: number;
  playbackKey: PlaybackTokenKey;
  tokenTtlSeconds: number;
  defaultDelivery: 'direct' | 'proxied';
  /** Base URL of proxied playback URLs; from the request (protocol + Host) when absent. */
  publicUrl?: string;
  logger: Logger;
  clock?: Clock;
}

export function streamsApi(options: StreamsApiOptions): Router {
  const router = express.Router();
  catalogRoutes(router, options);
  playbackRoute(router, options);
  mediaRoutes(router, options);
  const methodNotAllowed = (allow: string) => (_req: Request, _res: Response, next: NextFunction) =>
    next(new GatewayError('METHOD_NOT_ALLOWED', `Use ${allow} here.`, { headers: { Allow: allow } }));
  router.all('/streams', methodNotAllowed('GET'));
  router.all('/streams/:name', methodNotAllowed('GET'));
  router.all('/streams/:name/playback', methodNotAllowed('POST'));
  router.all('/streams/:name/clip', methodNotAllowed('GET'));
  router.all('/streams/:name/snapshot', methodNotAllowed('GET'));
  return router;
}

/** The :name parameter, checked for shape and permission; throws before any KVS call. */
function readableStream(req: Request): string {
  const name = String(req.params['name']);
  if (!STREAM_NAME.test(name)) throw new GatewayError('INVALID_REQUEST', 'A stream name is 1–256 characters of a-z A-Z 0-9 _ . -');
  const principal = getPrincipal(req);
  if (!principal || !canReadStream(principal, name)) {
    throw new AuthError('INSUFFICIENT_SCOPE', `reading stream ${name} needs the scope ${VIDEO_READ_SCOPE} or ${streamReadScope(name)}`, {
      requiredScopes: [streamReadScope(name)],
    });
  }
  return name;
}

/** GET /streams and GET /streams/:name: the catalog, each stream with its health (null when nothing can say). */
function catalogRoutes(router: Router, options: StreamsApiOptions): void {
  const catalog = new StreamCatalog({
    kvs: options.kvs,
    logger: options.logger,
    ...(options.cameraHealth ? { cameraHealth: options.cameraHealth } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.catalogCacheMs !== undefined ? { cacheMs: options.catalogCacheMs } : {}),
  });

  router.get('/streams', async (req, res) => {
    const query = parseStreamListQuery(queryRecord(req.url));
    res.status(200).set('Cache-Control', 'no-store').json(await catalog.page(getPrincipal(req), query));
  });

  router.get('/streams/:name', async (req, res) => {
    const name = readableStream(req);
    res.status(200).set('Cache-Control', 'no-store').json(await catalog.entry(name));
  });
}

/** POST /streams/:name/playback: a KVS HLS session, handed out directly or behind a signed playback token. */
function playbackRoute(router: Router, options: StreamsApiOptions): void {
  const clock = options.clock ?? systemClock;
  const live = new SharedLiveSessions({ kvs: options.kvs, clock });
  router.post('/streams/:name/playback', express.json({ limit: '4kb', strict: true }), async (req, res) => {
    const name = readableStream(req);
    // A body express.json did not read (another content type) would otherwise pass for "{}", i.e. LIVE.
    if (hasBody(req) && !req.is('application/json')) {
      throw new GatewayError('UNSUPPORTED_MEDIA_TYPE', 'Send the playback request as application/json.');
    }
    const body = validate(playbackRequestSchema, req.body ?? {}, 'playback request');
    const delivery = body.delivery ?? options.defaultDelivery;
    const ttl = options.tokenTtlSeconds;
    // Proxied LIVE viewers of a stream share one KVS session, and so each playlist fetch (kvs/shared-live-sessions.ts).
    const sessionUrl =
      delivery === 'proxied' && body.mode === 'LIVE'
        ? await live.url(name, ttl)
        : await options.kvs.hlsSessionUrl({ streamName: name, mode: body.mode, startMs: body.start, endMs: body.end, expiresSeconds: ttl });
    const expiresAt = new Date(clock.now() + ttl * 1000).toISOString();
    let url = sessionUrl;
    if (delivery === 'proxied') {
      const token = await signPlaybackToken({ streamName: name, ttlSeconds: ttl, session: sessionUrl }, options.playbackKey, { clock });
      url = `${options.publicUrl ?? `${req.protocol}://${req.get('host') ?? 'localhost'}`}/hls/${token}/master.m3u8`;
    }
    res.status(201).set('Cache-Control', 'no-store').json({ stream: name, mode: body.mode, delivery, url, expiresAt });
  });
}

/** GET /streams/:name/clip and /snapshot: media bytes from the archive. */
function mediaRoutes(router: Router, { kvs, logger }: StreamsApiOptions): void {
  router.get('/streams/:name/clip', async (req, res) => {
    const name = readableStream(req);
    const q = validate(clipQuerySchema, queryRecord(req.url), 'clip query');
    const clip = await kvs.clip({ streamName: name, startMs: q.start, endMs: q.end });
    const stamp = new Date(q.start).toISOString().replace(/[:.]/g, '-');
    res.status(200).set({
      'Content-Type': clip.contentType,
      'Content-Disposition': `attachment; filename="${name}-${stamp}.mp4"`,
      'Cache-Control': 'private, no-store',
    });
    try {
      await pipeline(clip.body, res);
    } catch (err) {
      // Headers are out: the client sees a cut-off download, the log says why.
      logger.warn({ err, stream: name }, 'clip transfer ended early');
    }
  });

  router.get('/streams/:name/snapshot', async (req, res) => {
    const name = readableStream(req);
    const q = validate(snapshotQuerySchema, queryRecord(req.url), 'snapshot query');
    const at = q.at ?? (await kvs.newestFragmentMs(name));
    if (at === undefined) throw new GatewayError('NO_MEDIA', `Stream ${name} has no recent fragment to take a snapshot of; give at=.`);
    const image = await kvs.snapshot({ streamName: name, atMs: at, format: q.format, widthPixels: q.width });
    res.status(200).set({ 'Content-Type': q.format === 'PNG' ? 'image/png' : 'image/jpeg', 'Cache-Control': 'private, no-store' }).end(image);
  });
}

function hasBody(req: Request): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}
