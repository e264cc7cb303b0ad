/**
 * The player-facing DASH endpoints: `GET /dash/v1/<resource>?SessionToken=…`, no SigV4 (kvs-reference.md Appendix A:
 * getDASHManifest.mpd, getMP4InitFragment.mp4, getMP4MediaFragment.mp4 — the model doc's GetDASHManifest,
 * GetMP4InitFragment, GetMP4MediaFragment actions). What DASH shares with HLS (token, methods, caching, CORS,
 * KVS's error envelope) is ../player-http.ts.
 */
import type { Req, Res } from '../../server/http-exchange';
import type { KvsHttpDeps } from '../kvs-http';
import { handlePlayerRequest, IMMUTABLE, MP4, NO_CACHE, textBody, trackNumberOf, type PlayerRequest } from '../player-http';
import { initFragment } from '../hls/hls-segment-server';
import { buildDashManifest, type DashContext } from './dash-manifest-builder';
import { dashMediaFragment } from './dash-fragment-server';
import { dashRuntimeOf, type DashSession } from './dash-session';

/** Path → the operation name KVS's docs and CloudWatch metrics use. */
export const DASH_RESOURCES: Record<string, string> = {
  '/dash/v1/getDASHManifest.mpd': 'GetDASHManifest',
  '/dash/v1/getMP4InitFragment.mp4': 'GetMP4InitFragment',
  '/dash/v1/getMP4MediaFragment.mp4': 'GetMP4MediaFragment',
};

/** RFC 6838 / ISO/IEC 23009-1 Annex C media type of an MPD. */
const MPD = 'application/dash+xml';

function serve(deps: KvsHttpDeps, r: PlayerRequest<DashSession>): Promise<void> {
  const ctx: DashContext = { stream: r.stream, session: r.session, token: r.token, cache: dashRuntimeOf(deps.kvs.env).cache, nowMs: r.nowMs, discontinuitySequence: false };
  if (r.operation === 'GetDASHManifest') return r.send(MPD, NO_CACHE, textBody(buildDashManifest(ctx)));
  if (r.operation === 'GetMP4InitFragment') return r.send(MP4, IMMUTABLE, initFragment(ctx, trackNumberOf(r.query)));
  return r.send(MP4, IMMUTABLE, dashMediaFragment(ctx, r.query.get('SequenceNumber'), trackNumberOf(r.query)));
}

/** Serves one DASH request. Never rejects. */
export function handleDash(deps: KvsHttpDeps, req: Req, res: Res, requestId: string, path: string): Promise<void> {
  return handlePlayerRequest(
    deps,
    {
      protocol: 'DASH',
      resources: DASH_RESOURCES,
      verify: (token, nowMs) => dashRuntimeOf(deps.kvs.env).tokens.verify(token, nowMs),
      serve: (r) => serve(deps, r),
    },
    req,
    res,
    requestId,
    path,
  );
}
