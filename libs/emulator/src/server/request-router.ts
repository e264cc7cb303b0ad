/**
 * Routes every request on the port: admin endpoints by path, Kinesis Video Streams by its REST paths
 * (`/createStream`, `/putMedia`, `/getMedia`, `/listFragments`, …: unique across its three services), DynamoDB by
 * `X-Amz-Target: DynamoDB_20120810.*`, and everything else to the Kinesis endpoint, which (as AWS's) answers any
 * method, path and target itself. With AWS's request ids, error envelopes and fault injection. Never lets an
 * exception escape to the process.
 */
import { randomUUID } from 'node:crypto';
import type * as http from 'node:http';
import * as http2 from 'node:http2';
import { AwsServiceError, awsErrors } from '../errors';
import type { Logger } from '../logger';
import type { KdsService } from '../kds/kds-service';
import { handleKds } from '../kds/kds-http';
import { DYNAMODB_TARGET_PREFIX, type DynamoDbService } from '../dynamodb/dynamodb-service';
import { handleDynamoDb } from '../dynamodb/dynamodb-http';
import type { KvsService } from '../kvs/kvs-service';
import { handleKvs } from '../kvs/kvs-http';
import type { FaultInjector } from './fault-injector';
import { ADMIN_PREFIX, handleAdmin } from './admin-routes';
import { admitBrowserRequest } from './browser-door';
import { sendAwsError, type Req, type Res } from './http-exchange';
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
  const { dynamo, kvs, faults, logger } = deps;
  const services = ['kinesis', ...(dynamo ? ['dynamodb'] : []), ...(kvs ? ['kinesisvideo'] : [])];

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
    if (!admitBrowserRequest(deps, req, res, requestId, path, target)) return;
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
      if (typeof target === 'string' && target.startsWith(DYNAMODB_TARGET_PREFIX)) {
        if (dynamo) {
          handleDynamoDb({ dynamo, faults, logger }, req, res, requestId, target.slice(DYNAMODB_TARGET_PREFIX.length)).catch(fail);
          return;
        }
        // Not an AWS situation (AWS's Kinesis endpoint would answer 404 XML, which the DynamoDB SDKs cannot parse): say why.
        req.resume();
        sendAwsError(res, requestId, awsErrors.unknownOperation('DynamoDB is not served: this emulator was started without it.'), 'application/x-amz-json-1.0');
        return;
      }
      handleKds(deps, req, res, requestId).catch(fail);
    } catch (err) {
      fail(err);
    }
  };
}
