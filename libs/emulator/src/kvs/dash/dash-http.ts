/**
 * The player-facing DASH endpoints: `GET /dash/v1/<resource>?SessionToken=…`, no SigV4 (kvs-reference.md Appendix A:
 * getDASHManifest.mpd, getMP4InitFragment.mp4, getMP4MediaFragment.mp4 — the model doc's GetDASHManifest,
 * GetMP4InitFragment, GetMP4MediaFragment actions). As for HLS (../hls/hls-http.ts): CORS by the router for allowed
 * origins; the manifest `no-cache` (a live one changes), fragments immutable; KVS's JSON error envelope — a bad or
 * expired token 403 NotAuthorizedException, a fragment outside the session 404, a bad parameter 400.
 */
import type * as http from 'node:http';
import { AwsServiceError } from '../../errors';
import type { Req, Res } from '../../server/http-exchange';
import { writeParts } from '../get-media';
import { kvsErrors } from '../kvs-errors';
import { applyFaults, sendKvsError, sendPreflight, type KvsHttpDeps } from '../kvs-http';
import { initFragment, type Body } from '../hls/hls-segment-server';
import { buildDashManifest, type DashContext } from './dash-manifest-builder';
import { dashMediaFragment } from './dash-fragment-server';
import { dashRuntimeOf } from './dash-session';

/** Path → the operation name KVS's docs and CloudWatch metrics use. */
export const DASH_RESOURCES: Record<string, string> = {
  '/dash/v1/getDASHManifest.mpd': 'GetDASHManifest',
  '/dash/v1/getMP4InitFragment.mp4': 'GetMP4InitFragment',
  '/dash/v1/getMP4MediaFragment.mp4': 'GetMP4MediaFragment',
};

/** RFC 6838 / ISO/IEC 23009-1 Annex C media type of an MPD. */
const MPD = 'application/dash+xml';
const MP4 = 'video/mp4';
const IMMUTABLE = 'public, max-age=31536000, immutable';

function trackNumberOf(query: URLSearchParams): number {
  const raw = query.get('TrackNumber');
  if (raw === null) return 1;
  if (!/^[1-9][0-9]{0,2}$/.test(raw)) throw kvsErrors.invalidArgument(`TrackNumber ${raw} is not valid.`);
  return Number(raw);
}

async function send(res: Res, requestId: string, contentType: string, cacheControl: string, body: Body, head: boolean): Promise<void> {
  (res as http.ServerResponse).writeHead(200, {
    'x-amzn-requestid': requestId,
    'content-type': contentType,
    'content-length': String(body.length),
    'cache-control': cacheControl,
  });
  if (head) {
    res.end();
    return;
  }
  if ((await writeParts(res, body.parts)) && !res.writableEnded) res.end();
}

const textBody = (text: string): Body => {
  const b = Buffer.from(text, 'utf8');
  return { parts: [b], length: b.length };
};

async function serve(deps: KvsHttpDeps, req: Req, res: Res, requestId: string, operation: string): Promise<void> {
  const env = deps.kvs.env;
  const { tokens, cache } = dashRuntimeOf(env);
  const query = new URLSearchParams((req.url ?? '').split('?')[1] ?? '');
  const token = query.get('SessionToken');
  const nowMs = env.clock.now();
  const session = tokens.verify(token, nowMs);
  const stream = env.registry.findByArn(session.streamArn);
  if (!stream || stream.meta.status === 'DELETING') throw kvsErrors.resourceNotFound('The requested stream is not found or not active.');
  if (await applyFaults(deps, req, operation, stream.meta.name)) return;
  env.registry.applyRetention(stream);
  const ctx: DashContext = { stream, session, token: token ?? '', cache, nowMs, discontinuitySequence: false };
  const head = req.method === 'HEAD';
  if (operation === 'GetDASHManifest') return send(res, requestId, MPD, 'no-cache', textBody(buildDashManifest(ctx)), head);
  if (operation === 'GetMP4InitFragment') return send(res, requestId, MP4, IMMUTABLE, initFragment(ctx, trackNumberOf(query)), head);
  return send(res, requestId, MP4, IMMUTABLE, dashMediaFragment(ctx, query.get('SequenceNumber'), trackNumberOf(query)), head);
}

/** Serves one DASH request. Never rejects. */
export async function handleDash(deps: KvsHttpDeps, req: Req, res: Res, requestId: string, path: string): Promise<void> {
  // Own properties only: the path comes from the wire.
  const known = Object.hasOwn(DASH_RESOURCES, path);
  const operation = known ? DASH_RESOURCES[path] : 'GetDASHResource';
  try {
    if (req.method === 'OPTIONS') return sendPreflight(req, res, requestId);
    req.resume();
    if (req.method !== 'GET' && req.method !== 'HEAD') throw kvsErrors.invalidArgument(`${operation} is called with GET, not ${req.method}.`);
    if (!known) throw kvsErrors.resourceNotFound(`No DASH resource ${path}.`);
    await serve(deps, req, res, requestId, operation);
  } catch (err) {
    if (err instanceof AwsServiceError) deps.logger.debug({ code: err.code, message: err.message, operation }, 'DASH request failed');
    else deps.logger.error({ err, operation }, 'unhandled error while serving a DASH request');
    if (res.headersSent) {
      res.destroy();
      return;
    }
    sendKvsError(res, requestId, err);
  }
}
