/**
 * The door against browsers (origin-policy.ts decides, this answers): a foreign `Host` or `Origin` is refused with
 * 403 in the envelope of the protocol the request speaks; an allowed origin gets the CORS headers on its answer and
 * its preflight answered here: on the AWS JSON endpoints (Kinesis, DynamoDB) exactly as AWS's Kinesis endpoint
 * answers them. PutMedia is refused to every browser, as AWS refuses its preflight: code that streams video from a
 * page would work only against the emulator.
 */
import type * as http from 'node:http';
import { AwsServiceError } from '../errors';
import type { Logger } from '../logger';
import { DYNAMODB_TARGET_PREFIX } from '../dynamodb/dynamodb-service';
import type { KvsService } from '../kvs/kvs-service';
import { sendKvsError } from '../kvs/kvs-http';
import { ADMIN_PREFIX } from './admin-routes';
import { sendAwsError, sendJson, type Req, type Res } from './http-exchange';
import type { OriginPolicy } from './origin-policy';

export interface BrowserDoorDeps {
  originPolicy: OriginPolicy;
  logger: Logger;
  /** Absent when the emulator runs without Kinesis Video Streams. */
  kvs?: KvsService;
}

/** What a page of an allowed origin may read from an answer (the SDKs' metadata and error fields). */
const EXPOSED_HEADERS = 'x-amzn-RequestId,x-amzn-ErrorType,x-amzn-Error-Message,x-amz-crc32,Content-Type,Content-Length,Date';
const CORS_METHODS = 'GET, HEAD, POST, DELETE, OPTIONS';
const CORS_MAX_AGE_SECONDS = '86400';
/** What AWS's Kinesis endpoint exposes to every origin, and how long it lets a preflight be cached. */
const AWS_JSON_EXPOSED_HEADERS = 'x-amzn-RequestId,x-amzn-ErrorType,x-amz-request-id,x-amz-id-2,x-amzn-ErrorMessage,Date';
const AWS_JSON_MAX_AGE_SECONDS = '172800';
const PUT_MEDIA_PATH = '/putMedia';

/** 403 in the envelope of the protocol `path` and `target` name (KVS REST, DynamoDB, Kinesis, the admin API). */
function refuse(deps: BrowserDoorDeps, req: Req, res: Res, requestId: string, path: string, target: unknown, message: string): void {
  req.resume();
  deps.logger.warn({ path, host: req.headers['host'] ?? req.headers[':authority'], origin: req.headers['origin'] }, message);
  if (path.startsWith(ADMIN_PREFIX)) {
    sendJson(res, 403, { title: 'Forbidden', detail: message }, {}, 'application/json');
  } else if (deps.kvs && target === undefined && deps.kvs.serves(path)) {
    sendKvsError(res, requestId, new AwsServiceError('AccessDeniedException', message, 403));
  } else if (typeof target === 'string' && target.startsWith(DYNAMODB_TARGET_PREFIX)) {
    sendJson(
      res,
      403,
      { __type: 'com.amazon.coral.service#AccessDeniedException', message },
      { 'x-amzn-requestid': requestId },
      'application/x-amz-json-1.0',
    );
  } else {
    sendAwsError(res, requestId, new AwsServiceError('AccessDeniedException', message, 403));
  }
}

/**
 * The door against browsers (origin-policy.ts): refuses a foreign `Host` or `Origin`; for an allowed origin
 * adds the CORS headers to the answer, and answers its preflight. False when the request was answered here.
 */
export function admitBrowserRequest(deps: BrowserDoorDeps, req: Req, res: Res, requestId: string, path: string, target: unknown): boolean {
  const admitted = checkHostAndOrigin(deps, req, res, requestId, path, target);
  if (!admitted || typeof req.headers['origin'] !== 'string') return admitted;
  if (deps.kvs && target === undefined && path === PUT_MEDIA_PATH) {
    refusePutMedia(req, res, requestId);
    return false;
  }
  if (path.startsWith(ADMIN_PREFIX) || (deps.kvs && target === undefined && deps.kvs.serves(path))) return answerCors(req, res, requestId);
  return answerAwsJsonCors(req, res, requestId);
}

/**
 * AWS answers a browser's preflight for PutMedia 403 without CORS headers, so no page can stream to it; a request
 * that carries an `Origin` anyway (no preflight: `no-cors`, a form) is refused too.
 */
function refusePutMedia(req: Req, res: Res, requestId: string): void {
  req.resume();
  if (req.method === 'OPTIONS') {
    (res as http.ServerResponse).writeHead(403, { 'x-amzn-RequestId': requestId, 'content-length': '0' });
    res.end();
    return;
  }
  const message = 'PutMedia is not available to browsers: AWS refuses its CORS preflight. Stream from a producer (SDK, GStreamer, a server), not from a page.';
  sendKvsError(res, requestId, new AwsServiceError('AccessDeniedException', message, 403));
}

/** Kinesis's CORS (kinesalite recorded it): any origin `*`, the preflight echoes what was asked, 200 and empty. */
function answerAwsJsonCors(req: Req, res: Res, requestId: string): boolean {
  res.setHeader('access-control-allow-origin', '*');
  if (req.method !== 'OPTIONS') {
    res.setHeader('access-control-expose-headers', AWS_JSON_EXPOSED_HEADERS);
    return true;
  }
  req.resume();
  const headers: Record<string, string> = { 'x-amzn-RequestId': requestId, 'access-control-max-age': AWS_JSON_MAX_AGE_SECONDS, 'content-length': '0' };
  const requestedHeaders = req.headers['access-control-request-headers'];
  if (typeof requestedHeaders === 'string' && requestedHeaders) headers['access-control-allow-headers'] = requestedHeaders;
  const requestedMethod = req.headers['access-control-request-method'];
  if (typeof requestedMethod === 'string' && requestedMethod) headers['access-control-allow-methods'] = requestedMethod;
  (res as http.ServerResponse).writeHead(200, headers);
  res.end();
  return false;
}

/** Refuses a foreign `Host` or `Origin`; false when the request was answered here. */
function checkHostAndOrigin(deps: BrowserDoorDeps, req: Req, res: Res, requestId: string, path: string, target: unknown): boolean {
  const authority = req.headers[':authority'] ?? req.headers['host'];
  if (!deps.originPolicy.allowsHost(typeof authority === 'string' ? authority : undefined)) {
    refuse(deps, req, res, requestId, path, target, `Host ${String(authority)} is not a name of this emulator (add it to its allowed hosts: --allowed-hosts).`);
    return false;
  }
  const origin = req.headers['origin'];
  if (typeof origin !== 'string') return true;
  if (!deps.originPolicy.allowsOrigin(origin)) {
    refuse(deps, req, res, requestId, path, target, `Origin ${origin} is not allowed to call this emulator (add it to its CORS origins: --cors-origins).`);
    return false;
  }
  return true;
}

/** The CORS answers of the KVS REST paths and the admin API: the origin echoed, the preflight 204. */
function answerCors(req: Req, res: Res, requestId: string): boolean {
  const origin = String(req.headers['origin']);
  res.setHeader('access-control-allow-origin', origin);
  res.setHeader('vary', 'Origin');
  res.setHeader('access-control-expose-headers', EXPOSED_HEADERS);
  if (req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined) {
    req.resume();
    const requested = req.headers['access-control-request-headers'];
    (res as http.ServerResponse).writeHead(204, {
      'access-control-allow-methods': CORS_METHODS,
      'access-control-allow-headers': typeof requested === 'string' && requested ? requested : '*',
      'access-control-max-age': CORS_MAX_AGE_SECONDS,
      'x-amzn-requestid': requestId,
    });
    res.end();
    return false;
  }
  return true;
}
