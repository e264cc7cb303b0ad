/**
 * The door against browsers (origin-policy.ts decides, this answers): a foreign `Host` or `Origin` is refused with
 * 403 in the envelope of the protocol the request speaks; an allowed origin gets the CORS headers on its answer and
 * its preflight answered here.
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
