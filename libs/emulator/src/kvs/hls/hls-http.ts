/**
 * The player-facing HLS endpoints (kvs-reference.md §5.6): `GET /hls/v1/<resource>?SessionToken=…`, no SigV4.
 * Browsers fetch these cross-origin: the router adds CORS headers for allowed origins (loopback by default: the
 * gateway's web player) and answers their preflights; playlists are
 * `no-cache` (they change), init, media and TS fragments (`video/mp2t`) immutable (a URL always names the same bytes). Failures use
 * KVS's JSON error envelope: a bad or expired token 403, an unknown fragment 404, a bad parameter 400.
 */
import type * as http from 'node:http';
import { AwsServiceError } from '../../errors';
import type { Req, Res } from '../../server/http-exchange';
import { kvsErrors } from '../kvs-errors';
import { applyFaults, sendKvsError, sendPreflight, type KvsHttpDeps } from '../kvs-http';
import { writeParts } from '../get-media';
import { buildMasterPlaylist, buildMediaPlaylist, type PlaylistContext } from './hls-playlist-builder';
import { hlsRuntimeOf } from './hls-runtime';
import { initFragment, mediaFragment, tsFragment, type Body } from './hls-segment-server';

export const HLS_PREFIX = '/hls/v1/';

/** Path → the operation name KVS's docs and CloudWatch metrics use. */
export const HLS_RESOURCES: Record<string, string> = {
  '/hls/v1/getHLSMasterPlaylist.m3u8': 'GetHLSMasterPlaylist',
  '/hls/v1/getHLSMediaPlaylist.m3u8': 'GetHLSMediaPlaylist',
  '/hls/v1/getMP4InitFragment.mp4': 'GetMP4InitFragment',
  '/hls/v1/getMP4MediaFragment.mp4': 'GetMP4MediaFragment',
  '/hls/v1/getTSFragment.ts': 'GetTSFragment',
};

const PLAYLIST = 'application/vnd.apple.mpegurl';
const MP4 = 'video/mp4';
const TS = 'video/mp2t';
const IMMUTABLE = 'public, max-age=31536000, immutable';

function trackNumberOf(query: URLSearchParams): number {
  const raw = query.get('TrackNumber');
  if (raw === null) return 1;
  if (!/^[1-9][0-9]{0,2}$/.test(raw)) throw kvsErrors.invalidArgument(`TrackNumber ${raw} is not valid.`);
  return Number(raw);
}

function fragmentNumberOf(query: URLSearchParams): string {
  const fragment = query.get('FragmentNumber');
  if (!fragment) throw kvsErrors.invalidArgument('FragmentNumber is required.');
  return fragment;
}

function send(res: Res, requestId: string, contentType: string, cacheControl: string, body: Body, head: boolean): Promise<boolean> {
  (res as http.ServerResponse).writeHead(200, {
    'x-amzn-requestid': requestId,
    'content-type': contentType,
    'content-length': String(body.length),
    'cache-control': cacheControl,
  });
  if (head) {
    res.end();
    return Promise.resolve(true);
  }
  return writeParts(res, body.parts).then((ok) => {
    if (ok && !res.writableEnded) res.end();
    return ok;
  });
}

const textBody = (text: string): Body => {
  const b = Buffer.from(text, 'utf8');
  return { parts: [b], length: b.length };
};

/** Serves one HLS request. Never rejects. */
export async function handleHls(deps: KvsHttpDeps, req: Req, res: Res, requestId: string, path: string): Promise<void> {
  // Own properties only: the path comes from the wire.
  const known = Object.hasOwn(HLS_RESOURCES, path);
  const operation = known ? HLS_RESOURCES[path] : 'GetHLSResource';
  try {
    if (req.method === 'OPTIONS') return sendPreflight(req, res, requestId);
    req.resume();
    if (req.method !== 'GET' && req.method !== 'HEAD') throw kvsErrors.invalidArgument(`${operation} is called with GET, not ${req.method}.`);
    if (!known) throw kvsErrors.resourceNotFound(`No HLS resource ${path}.`);
    const env = deps.kvs.env;
    const { tokens, cache } = hlsRuntimeOf(env);
    const query = new URLSearchParams((req.url ?? '').split('?')[1] ?? '');
    const token = query.get('SessionToken');
    const nowMs = env.clock.now();
    const session = tokens.verify(token, nowMs);
    const stream = env.registry.findByArn(session.streamArn);
    if (!stream || stream.meta.status === 'DELETING') throw kvsErrors.resourceNotFound('The requested stream is not found or not active.');
    if (await applyFaults(deps, req, operation, stream.meta.name)) return;
    env.registry.applyRetention(stream);
    const ctx: PlaylistContext = {
      stream,
      session,
      token: token ?? '',
      cache,
      nowMs,
      discontinuitySequence: env.settings.hlsDiscontinuitySequence ?? false,
    };
    const head = req.method === 'HEAD';
    switch (operation) {
      case 'GetHLSMasterPlaylist':
        await send(res, requestId, PLAYLIST, 'no-cache', textBody(buildMasterPlaylist(ctx)), head);
        return;
      case 'GetHLSMediaPlaylist':
        await send(res, requestId, PLAYLIST, 'no-cache', textBody(buildMediaPlaylist(ctx, trackNumberOf(query))), head);
        return;
      case 'GetMP4InitFragment':
        await send(res, requestId, MP4, IMMUTABLE, initFragment(ctx, trackNumberOf(query)), head);
        return;
      case 'GetTSFragment':
        // All tracks in one segment: TrackNumber (the media playlist's) is checked, not used.
        trackNumberOf(query);
        await send(res, requestId, TS, IMMUTABLE, tsFragment(ctx, fragmentNumberOf(query)), head);
        return;
      default:
        await send(res, requestId, MP4, IMMUTABLE, mediaFragment(ctx, fragmentNumberOf(query), trackNumberOf(query)), head);
    }
  } catch (err) {
    if (err instanceof AwsServiceError) deps.logger.debug({ code: err.code, message: err.message, operation }, 'HLS request failed');
    else deps.logger.error({ err, operation }, 'unhandled error while serving an HLS request');
    if (res.headersSent) {
      res.destroy();
      return;
    }
    sendKvsError(res, requestId, err);
  }
}
