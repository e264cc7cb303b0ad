/**
 * The player-facing HLS endpoints (kvs-reference.md §5.6): `GET /hls/v1/<resource>?SessionToken=…`, no SigV4.
 * Browsers fetch these cross-origin: the router adds CORS headers for allowed origins (loopback by default: the
 * gateway's web player) and answers their preflights. What HLS shares with DASH (token, methods, caching, errors)
 * is ../player-http.ts; playlists are `application/vnd.apple.mpegurl`, TS fragments `video/mp2t`.
 */
import type { Req, Res } from '../../server/http-exchange';
import { kvsErrors } from '../kvs-errors';
import type { KvsHttpDeps } from '../kvs-http';
import { handlePlayerRequest, IMMUTABLE, MP4, NO_CACHE, textBody, trackNumberOf, type PlayerRequest } from '../player-http';
import { buildMasterPlaylist, buildMediaPlaylist, type PlaylistContext } from './hls-playlist-builder';
import { hlsRuntimeOf } from './hls-runtime';
import type { HlsSession } from './hls-session-token';
import { initFragment, mediaFragment, tsFragment } from './hls-segment-server';

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
const TS = 'video/mp2t';

function fragmentNumberOf(query: URLSearchParams): string {
  const fragment = query.get('FragmentNumber');
  if (!fragment) throw kvsErrors.invalidArgument('FragmentNumber is required.');
  return fragment;
}

function serve(deps: KvsHttpDeps, r: PlayerRequest<HlsSession>): Promise<void> {
  const env = deps.kvs.env;
  const ctx: PlaylistContext = {
    stream: r.stream,
    session: r.session,
    token: r.token,
    cache: hlsRuntimeOf(env).cache,
    nowMs: r.nowMs,
    discontinuitySequence: env.settings.hlsDiscontinuitySequence ?? false,
  };
  switch (r.operation) {
    case 'GetHLSMasterPlaylist':
      return r.send(PLAYLIST, NO_CACHE, textBody(buildMasterPlaylist(ctx)));
    case 'GetHLSMediaPlaylist':
      return r.send(PLAYLIST, NO_CACHE, textBody(buildMediaPlaylist(ctx, trackNumberOf(r.query))));
    case 'GetMP4InitFragment':
      return r.send(MP4, IMMUTABLE, initFragment(ctx, trackNumberOf(r.query)));
    case 'GetTSFragment':
      // All tracks in one segment: TrackNumber (the media playlist's) is checked, not used.
      trackNumberOf(r.query);
      return r.send(TS, IMMUTABLE, tsFragment(ctx, fragmentNumberOf(r.query)));
    default:
      return r.send(MP4, IMMUTABLE, mediaFragment(ctx, fragmentNumberOf(r.query), trackNumberOf(r.query)));
  }
}

/** Serves one HLS request. Never rejects. */
export function handleHls(deps: KvsHttpDeps, req: Req, res: Res, requestId: string, path: string): Promise<void> {
  return handlePlayerRequest(
    deps,
    {
      protocol: 'HLS',
      resources: HLS_RESOURCES,
      verify: (token, nowMs) => hlsRuntimeOf(deps.kvs.env).tokens.verify(token, nowMs),
      serve: (r) => serve(deps, r),
    },
    req,
    res,
    requestId,
    path,
  );
}
