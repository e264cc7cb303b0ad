/**
 * The HTTP side of Kinesis Video Streams on the emulator's port (restJson1, kvs-reference.md §1), for Node's
 * HTTP/1.1 and HTTP/2-compat requests alike (CORS, §1.5, is answered by the router, for allowed origins only): the JSON body,
 * fault injection, then the operation; errors in KVS's envelope: the status from the model,
 * `x-amzn-ErrorType: <Name>:<namespace>`, `x-amzn-RequestId`, body `{"__type": <Name>, "Message": <text>}` (§1.3).
 * Signatures are not required (§1.4: accept any); the region for ARNs comes from the credential scope when present.
 */
import type * as http from 'node:http';
import type * as http2 from 'node:http2';
import type { TLSSocket } from 'node:tls';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../logger';
import { AwsServiceError } from '../errors';
import { KVS_LIMITS } from '../defaults';
import type { FaultInjector } from '../server/fault-injector';
import { dropConnection, readBody, type Req, type Res } from '../server/http-exchange';
import { KVS_ERROR_NAMESPACE, kvsErrors } from './kvs-errors';
import type { KvsService } from './kvs-service';
import type { KvsRequestContext } from './kvs-context';
import { handleHls, HLS_RESOURCES } from './hls/hls-http';
import { DASH_RESOURCES, handleDash } from './dash/dash-http';

export interface KvsHttpDeps {
  kvs: KvsService;
  faults: FaultInjector;
  logger: Logger;
  accountId: string;
  defaultRegion: string;
}

const CREDENTIAL_SCOPE = /Credential=[^/]+\/\d{8}\/([^/]+)\/[^/]+\/aws4_request/;


function regionOf(req: Req, fallback: string): string {
  const auth = req.headers['authorization'];
  if (typeof auth === 'string') return CREDENTIAL_SCOPE.exec(auth)?.[1] ?? fallback;
  const query = (req.url ?? '').split('?')[1];
  const credential = query ? new URLSearchParams(query).get('X-Amz-Credential') : null;
  return credential?.split('/')[2] ?? fallback;
}

/** `scheme://host:port` as the client addressed the emulator (GetDataEndpoint answers it). */
export function originOf(req: Req): string {
  const authority = req.headers[':authority'] ?? req.headers['host'];
  const scheme = req.headers[':scheme'] ?? ((req.socket as TLSSocket | undefined)?.encrypted ? 'https' : 'http');
  return `${String(scheme)}://${typeof authority === 'string' && authority ? authority : 'localhost'}`;
}

export function contextOf(deps: Pick<KvsHttpDeps, 'accountId' | 'defaultRegion'>, req: Req, requestId: string): KvsRequestContext {
  return { requestId, region: regionOf(req, deps.defaultRegion), accountId: deps.accountId, origin: originOf(req) };
}

export function sendKvsJson(res: Res, status: number, body: unknown, requestId: string): void {
  if (res.headersSent || res.writableEnded || res.destroyed) return;
  const payload = Buffer.from(JSON.stringify(body));
  (res as http.ServerResponse).writeHead(status, {
    'x-amzn-requestid': requestId,
    'content-type': 'application/json',
    'content-length': String(payload.length),
  });
  res.end(payload);
}

/** KVS's error envelope; anything but an AwsServiceError becomes a 500 InternalFailure. */
export function sendKvsError(res: Res, requestId: string, err: unknown): void {
  const e = err instanceof AwsServiceError ? err : kvsErrors.internalFailure('Internal service failure.');
  if (res.headersSent || res.writableEnded || res.destroyed) return;
  const payload = Buffer.from(JSON.stringify({ __type: e.code, Message: e.message }));
  (res as http.ServerResponse).writeHead(e.status, {
    'x-amzn-requestid': requestId,
    'x-amzn-errortype': `${e.code}:${KVS_ERROR_NAMESPACE}`,
    'content-type': 'application/json',
    'content-length': String(payload.length),
  });
  res.end(payload);
}

/** Sends the status and headers of a streamed answer now (HTTP/2 sends them on writeHead; HTTP/1.1 on flush). */
export function startStreamedAnswer(res: Res, headers: Record<string, string>): void {
  (res as http.ServerResponse).writeHead(200, headers);
  const h1 = res as http.ServerResponse;
  if (typeof h1.flushHeaders === 'function') h1.flushHeaders();
}

/** res.write over both response types; false when the socket buffer is full (wait for 'drain'). */
export function writeChunk(res: Res, chunk: Uint8Array | string): boolean {
  return (res as http.ServerResponse).write(chunk);
}

/**
 * Answers OPTIONS on a KVS path. A browser's preflight (with an allowed `Origin`) is answered by the router with
 * the CORS headers before it gets here; this is the answer without them, for any other OPTIONS.
 */
export function sendPreflight(req: Req, res: Res, requestId: string): void {
  req.resume();
  (res as http.ServerResponse).writeHead(204, { allow: 'POST, GET, OPTIONS', 'x-amzn-requestid': requestId });
  res.end();
}

function streamNameOf(body: Record<string, unknown>): string | undefined {
  if (typeof body['StreamName'] === 'string') return body['StreamName'];
  const arn = body['StreamARN'] ?? body['ResourceARN'];
  return typeof arn === 'string' ? /:stream\/([^/]+)\//.exec(arn)?.[1] : undefined;
}

/** Applies the fault rules of a call; true when the connection was dropped (nothing more to do). */
export async function applyFaults(deps: Pick<KvsHttpDeps, 'faults'>, req: Req, operation: string, streamName: string | undefined): Promise<boolean> {
  if (!deps.faults.active) return false;
  const fault = deps.faults.callFault(operation, { service: 'kinesisvideo', streamName });
  if (fault.latencyMs > 0) await sleep(fault.latencyMs);
  if (fault.action === 'drop') {
    dropConnection(req);
    return true;
  }
  if (fault.action === 'internal') throw kvsErrors.internalFailure('Internal service failure (injected fault).');
  if (fault.action === 'throttle') throw kvsErrors.clientLimitExceeded(`Rate exceeded for ${operation} (injected fault).`);
  return false;
}

async function readJson(req: Req): Promise<Record<string, unknown>> {
  const raw = await readBody(req, KVS_LIMITS.maxRequestBodyBytes);
  if (raw.length === 0) return {};
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch {
    throw kvsErrors.serialization('The request body is not valid JSON.');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw kvsErrors.serialization('The request body must be a JSON object.');
  }
  return body as Record<string, unknown>;
}

/** Serves one request on a KVS path. Never rejects: every failure is answered (or the connection dropped). */
export async function handleKvs(deps: KvsHttpDeps, req: Req, res: Res, requestId: string, path: string): Promise<void> {
  const { kvs, logger } = deps;
  const operation = kvs.operationOf(path);
  try {
    // HLS resources are GETs of players, authenticated by their session token (hls/hls-http.ts).
    if (Object.hasOwn(HLS_RESOURCES, path)) return await handleHls(deps, req, res, requestId, path);
    if (Object.hasOwn(DASH_RESOURCES, path)) return await handleDash(deps, req, res, requestId, path);
    if (req.method === 'OPTIONS') return sendPreflight(req, res, requestId);
    if (req.method !== 'POST') {
      req.resume();
      throw kvsErrors.invalidArgument(`${operation} is called with POST, not ${req.method}.`);
    }
    const ctx = contextOf(deps, req, requestId);
    if (path === '/putMedia') {
      await kvs.putMedia(kvs.env, req, res, ctx);
      return;
    }
    const input = await readJson(req);
    if (await applyFaults(deps, req, operation, streamNameOf(input))) return;
    if (kvs.isStreaming(path)) {
      await kvs.stream(path, input, ctx, res);
      return;
    }
    sendKvsJson(res, 200, kvs.call(path, input, ctx), requestId);
  } catch (err) {
    if (err instanceof AwsServiceError) logger.debug({ code: err.code, message: err.message, operation }, 'KVS request failed');
    else logger.error({ err, operation }, 'unhandled error while serving a KVS request');
    if (res.headersSent) {
      (res as http.ServerResponse | http2.Http2ServerResponse).destroy();
      return;
    }
    // A refused PutMedia body may still be streaming in: read and drop it so the client gets to read the answer.
    if (!req.readableEnded) req.resume();
    sendKvsError(res, requestId, err);
  }
}
