/**
 * Routes every request on the port: admin endpoints by path, Kinesis Video Streams by its REST paths
 * (`/createStream`, `/putMedia`, `/getMedia`, `/listFragments`, …: unique across its three services), AWS
 * JSON-protocol services by `X-Amz-Target` (Kinesis `Kinesis_20131202.*`, DynamoDB `DynamoDB_20120810.*`), with
 * AWS's request ids, error envelopes and fault injection. Never lets an exception escape to the process.
 */
import { randomUUID } from 'node:crypto';
import type * as http from 'node:http';
import * as http2 from 'node:http2';
import { AwsServiceError, awsErrors } from '../errors';
import type { Logger } from '../logger';
import { KDS_SIZES } from '../defaults';
import { KDS_TARGET_PREFIX, type KdsService } from '../kds/kds-service';
import type { RequestContext } from '../kds/kds-context';
import { DYNAMODB_TARGET_PREFIX, type DynamoDbService } from '../dynamodb/dynamodb-service';
import { handleDynamoDb } from '../dynamodb/dynamodb-http';
import type { KvsService } from '../kvs/kvs-service';
import { handleKvs, sendKvsError } from '../kvs/kvs-http';
import type { FaultInjector } from './fault-injector';
import { ADMIN_PREFIX, handleAdmin } from './admin-routes';
import { eventStreamSink } from './event-stream-writer';
import { dropConnection, readBody, sendAwsError, sendJson, type Req, type Res } from './http-exchange';
import type { RequestHandler } from './protocol-listener';
import type { OriginPolicy } from './origin-policy';

export interface RouterDeps {
  kds: KdsService;
  /** Absent when the emulator runs without DynamoDB. */
  dynamo?: DynamoDbService;
  /** Absent when the emulator runs without Kinesis Video Streams. */
  kvs?: KvsService;
  faults: FaultInjector;
  logger: Logger;
  accountId: string;
  defaultRegion: string;
  /** A request with a bounded body (all but PutMedia) must have sent it all within this long. */
  requestTimeoutMs: number;
  /** Which `Host` and `Origin` values are accepted (origin-policy.ts). */
  originPolicy: OriginPolicy;
}

const CREDENTIAL_SCOPE = /Credential=[^/]+\/\d{8}\/([^/]+)\/[^/]+\/aws4_request/;

function regionOf(req: Req, fallback: string): string | undefined {
  const auth = req.headers['authorization'];
  if (typeof auth === 'string') return CREDENTIAL_SCOPE.exec(auth)?.[1] ?? fallback;
  if ((req.url ?? '').includes('X-Amz-Algorithm=')) return fallback;
  return undefined;
}

function streamNameOf(body: Record<string, unknown>): string | undefined {
  if (typeof body['StreamName'] === 'string') return body['StreamName'];
  const arn = body['StreamARN'] ?? body['ConsumerARN'];
  if (typeof arn === 'string') return /:stream\/([^/]+)/.exec(arn)?.[1];
  return undefined;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** What a page of an allowed origin may read from an answer (the SDKs' metadata and error fields). */
const EXPOSED_HEADERS = 'x-amzn-RequestId,x-amzn-ErrorType,x-amzn-Error-Message,x-amz-crc32,Content-Type,Content-Length,Date';
const CORS_METHODS = 'GET, HEAD, POST, DELETE, OPTIONS';
const CORS_MAX_AGE_SECONDS = '86400';

/** PutMedia's body is a live stream that lasts as long as its camera runs: its own idle rules bound it (kvs). */
const UNBOUNDED_BODY_PATHS = new Set(['/putMedia']);

/**
 * Bounds the time a request takes to send its body (a client trickling a body byte by byte is otherwise held only
 * by the inactivity timeout). Past it: 408 if nothing was answered yet, then the request's stream (HTTP/2) or
 * connection (HTTP/1.1) is closed.
 */
function boundRequestTime(req: Req, res: Res, requestId: string, timeoutMs: number): void {
  if (req.complete) return;
  const timer = setTimeout(() => {
    if (req.complete) return;
    const stream = (req as http2.Http2ServerRequest).stream;
    const close = (): void => {
      if (stream) stream.close(http2.constants.NGHTTP2_CANCEL);
      else (req as http.IncomingMessage).socket.destroy();
    };
    if (res.headersSent) return close();
    res.once('finish', close);
    sendAwsError(res, requestId, awsErrors.requestTimeout(`The request body was not received within ${timeoutMs} ms.`));
  }, timeoutMs);
  timer.unref();
  req.once('end', () => clearTimeout(timer));
  res.once('close', () => clearTimeout(timer));
}

export function createRequestRouter(deps: RouterDeps): RequestHandler {
  const { kds, dynamo, kvs, faults, logger } = deps;
  const services = ['kinesis', ...(dynamo ? ['dynamodb'] : []), ...(kvs ? ['kinesisvideo'] : [])];

  async function handleKds(req: Req, res: Res, requestId: string, operation: string): Promise<void> {
    const contentType = String(req.headers['content-type'] ?? '');
    if (contentType.includes('cbor')) {
      throw awsErrors.serialization('CBOR is not supported by this endpoint; use JSON (AWS_CBOR_DISABLE=true for the Java SDKs).');
    }
    if (!kds.has(operation)) throw awsErrors.unknownOperation(`Operation ${operation} is not supported.`);
    const region = regionOf(req, deps.defaultRegion);
    if (region === undefined) throw new AwsServiceError('MissingAuthenticationTokenException', 'Missing Authentication Token', 400);
    const raw = await readBody(req, KDS_SIZES.maxRequestBodyBytes);
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      throw awsErrors.serialization('Start of structure or map found where not expected.');
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw awsErrors.serialization('Start of structure or map found where not expected.');
    }
    const ctx: RequestContext = { requestId, region, accountId: deps.accountId };
    if (faults.active) {
      const fault = faults.callFault(operation, { service: 'kinesis', streamName: streamNameOf(body as Record<string, unknown>) });
      if (fault.latencyMs > 0) await sleep(fault.latencyMs);
      if (fault.action === 'drop') return dropConnection(req);
      if (fault.action === 'internal') throw awsErrors.internalFailure('Internal service failure.');
      if (fault.action === 'throttle') throw awsErrors.throughputExceeded(`Rate exceeded for ${operation} (injected fault).`);
    }
    if (operation === 'SubscribeToShard') {
      const run = kds.subscribe(body);
      (res as http.ServerResponse).writeHead(200, {
        'content-type': 'application/vnd.amazon.eventstream',
        'x-amzn-requestid': requestId,
      });
      await run(eventStreamSink(res));
      return;
    }
    const result = kds.call(operation, body, ctx);
    sendJson(res, 200, result, { 'x-amzn-requestid': requestId });
  }

  /** 403 in the envelope of the protocol `path` and `target` name (KVS REST, DynamoDB, Kinesis, the admin API). */
  function refuse(req: Req, res: Res, requestId: string, path: string, target: unknown, message: string): void {
    req.resume();
    logger.warn({ path, host: req.headers['host'] ?? req.headers[':authority'], origin: req.headers['origin'] }, message);
    if (path.startsWith(ADMIN_PREFIX)) {
      sendJson(res, 403, { title: 'Forbidden', detail: message }, {}, 'application/json');
    } else if (kvs && target === undefined && kvs.serves(path)) {
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
  function admitBrowserRequest(req: Req, res: Res, requestId: string, path: string, target: unknown): boolean {
    const authority = req.headers[':authority'] ?? req.headers['host'];
    if (!deps.originPolicy.allowsHost(typeof authority === 'string' ? authority : undefined)) {
      refuse(req, res, requestId, path, target, `Host ${String(authority)} is not a name of this emulator (add it to its allowed hosts: --allowed-hosts).`);
      return false;
    }
    const origin = req.headers['origin'];
    if (typeof origin !== 'string') return true;
    if (!deps.originPolicy.allowsOrigin(origin)) {
      refuse(req, res, requestId, path, target, `Origin ${origin} is not allowed to call this emulator (add it to its CORS origins: --cors-origins).`);
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

  return (req, res) => {
    const requestId = randomUUID();
    const path = (req.url ?? '/').split('?')[0];
    const target = req.headers['x-amz-target'];
    const fail = (err: unknown): void => {
      if (!(err instanceof AwsServiceError)) logger.error({ err, path, target }, 'unhandled error while serving a request');
      else logger.debug({ code: err.code, message: err.message, target }, 'request failed');
      if (res.headersSent) {
        res.destroy();
        return;
      }
      sendAwsError(res, requestId, err);
    };
    res.on('error', (err) => logger.debug({ err: err.message }, 'response error'));
    if (!admitBrowserRequest(req, res, requestId, path, target)) return;
    if (!UNBOUNDED_BODY_PATHS.has(path)) boundRequestTime(req, res, requestId, deps.requestTimeoutMs);
    try {
      if (path.startsWith(ADMIN_PREFIX)) {
        handleAdmin({ faults, services }, req, res, path).catch(fail);
        return;
      }
      if (kvs && target === undefined && kvs.serves(path)) {
        handleKvs({ kvs, faults, logger, accountId: deps.accountId, defaultRegion: deps.defaultRegion }, req, res, requestId, path).catch(fail);
        return;
      }
      if (typeof target === 'string' && target.startsWith(KDS_TARGET_PREFIX)) {
        handleKds(req, res, requestId, target.slice(KDS_TARGET_PREFIX.length)).catch(fail);
        return;
      }
      if (dynamo && typeof target === 'string' && target.startsWith(DYNAMODB_TARGET_PREFIX)) {
        handleDynamoDb({ dynamo, faults, logger }, req, res, requestId, target.slice(DYNAMODB_TARGET_PREFIX.length)).catch(fail);
        return;
      }
      if (req.method === 'POST') {
        req.resume();
        throw awsErrors.unknownOperation(target ? `Unknown target ${String(target)}.` : 'Missing X-Amz-Target header.');
      }
      req.resume();
      sendJson(res, 404, { message: `No route for ${req.method} ${path}.` }, { 'x-amzn-requestid': requestId }, 'application/json');
    } catch (err) {
      fail(err);
    }
  };
}
