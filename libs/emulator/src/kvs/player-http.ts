/**
 * What the player-facing endpoints of HLS (`/hls/v1/…`) and DASH (`/dash/v1/…`) share: no SigV4 (a session token in
 * the query instead), GET and HEAD only, CORS preflights answered, the session token verified and its stream
 * resolved, answers with `content-length` and a cache policy (playlists and manifests `no-cache`: they change;
 * fragments immutable: a URL always names the same bytes), and failures in KVS's JSON envelope (a bad or expired
 * token 403, a fragment outside the session 404, a bad parameter 400).
 */
import type * as http from 'node:http';
import { AwsServiceError } from '../errors';
import type { Req, Res } from '../server/http-exchange';
import { writeParts } from './get-media';
import { kvsErrors } from './kvs-errors';
import { applyFaults, sendKvsError, sendPreflight, type KvsHttpDeps } from './kvs-http';
import type { KvsStream } from './kvs-stream';

/** Bytes of an answer, as the segment servers produce them (parts written without copying). */
export interface Body {
  parts: Uint8Array[];
  length: number;
}

export const MP4 = 'video/mp4';
export const IMMUTABLE = 'public, max-age=31536000, immutable';
export const NO_CACHE = 'no-cache';

export function trackNumberOf(query: URLSearchParams): number {
  const raw = query.get('TrackNumber');
  if (raw === null) return 1;
  if (!/^[1-9][0-9]{0,2}$/.test(raw)) throw kvsErrors.invalidArgument(`TrackNumber ${raw} is not valid.`);
  return Number(raw);
}

export const textBody = (text: string): Body => {
  const b = Buffer.from(text, 'utf8');
  return { parts: [b], length: b.length };
};

/** A verified session's request, handed to the protocol's `serve`. */
export interface PlayerRequest<S> {
  operation: string;
  query: URLSearchParams;
  token: string;
  session: S;
  stream: KvsStream;
  nowMs: number;
  /** Answer with `body`, or only its headers for HEAD. */
  send(contentType: string, cacheControl: string, body: Body): Promise<void>;
}

export interface PlayerEndpoints<S extends { streamArn: string }> {
  /** For logs and errors: 'HLS' or 'DASH'. */
  protocol: string;
  /** Path → operation name (KVS's docs and CloudWatch metrics). */
  resources: Record<string, string>;
  verify(token: string | null, nowMs: number): S;
  serve(request: PlayerRequest<S>): Promise<void>;
}

async function sendBody(res: Res, requestId: string, contentType: string, cacheControl: string, body: Body, head: boolean): Promise<void> {
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

async function verified<S extends { streamArn: string }>(deps: KvsHttpDeps, endpoints: PlayerEndpoints<S>, req: Req, res: Res, requestId: string, operation: string): Promise<void> {
  const env = deps.kvs.env;
  const query = new URLSearchParams((req.url ?? '').split('?')[1] ?? '');
  const token = query.get('SessionToken');
  const nowMs = env.clock.now();
  const session = endpoints.verify(token, nowMs);
  const stream = env.registry.findByArn(session.streamArn);
  if (!stream || stream.meta.status === 'DELETING') throw kvsErrors.resourceNotFound('The requested stream is not found or not active.');
  if (await applyFaults(deps, req, operation, stream.meta.name)) return;
  env.registry.applyRetention(stream);
  const head = req.method === 'HEAD';
  await endpoints.serve({
    operation,
    query,
    token: token ?? '',
    session,
    stream,
    nowMs,
    send: (contentType, cacheControl, body) => sendBody(res, requestId, contentType, cacheControl, body, head),
  });
}

/** Serves one player request of `endpoints`' protocol. Never rejects. */
export async function handlePlayerRequest<S extends { streamArn: string }>(
  deps: KvsHttpDeps,
  endpoints: PlayerEndpoints<S>,
  req: Req,
  res: Res,
  requestId: string,
  path: string,
): Promise<void> {
  // Own properties only: the path comes from the wire.
  const known = Object.hasOwn(endpoints.resources, path);
  const operation = known ? endpoints.resources[path] : `Get${endpoints.protocol}Resource`;
  try {
    if (req.method === 'OPTIONS') return sendPreflight(req, res, requestId);
    req.resume();
    if (req.method !== 'GET' && req.method !== 'HEAD') throw kvsErrors.invalidArgument(`${operation} is called with GET, not ${req.method}.`);
    if (!known) throw kvsErrors.resourceNotFound(`No ${endpoints.protocol} resource ${path}.`);
    await verified(deps, endpoints, req, res, requestId, operation);
  } catch (err) {
    if (err instanceof AwsServiceError) deps.logger.debug({ code: err.code, message: err.message, operation }, `${endpoints.protocol} request failed`);
    else deps.logger.error({ err, operation }, `unhandled error while serving a ${endpoints.protocol} request`);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    sendKvsError(res, requestId, err);
  }
}
