/**
 * The Kinesis door of the router: AWS JSON 1.1 (`X-Amz-Target: Kinesis_20131202.<Operation>`) and its CBOR twin
 * (`application/x-amz-cbor-1.1`, the Java SDKs': cbor-protocol.ts), the region from the SigV4 credential scope,
 * fault injection, and SubscribeToShard's event stream (answered 200 before it streams).
 */
import { isAscii } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import type * as http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { AwsServiceError, awsErrors } from '../errors';
import { KDS_SIZES } from '../defaults';
import type { FaultInjector } from '../server/fault-injector';
import { eventStreamSink } from '../server/event-stream-writer';
import { dropConnection, readBody, sendBytes, sendJson, type Req, type Res } from '../server/http-exchange';
import { credentialRegion } from '../server/sigv4-syntax';
import type { KdsService } from './kds-service';
import type { RequestContext } from './kds-context';
import { cborInputAsJsonForm, decodeCbor, encodeCborError, encodeCborOutput, encodeCborValue } from './cbor-protocol';
import { JSON_BODY, type JsonBodyWriter } from './get-records-json';
import { AMZ_CBOR_1_1, AMZ_JSON_1_1, screenKdsRequest, type FrontDoorAnswer, type ScreenedRequest } from './request-screening';

export interface KdsHttpDeps {
  kds: KdsService;
  faults: FaultInjector;
  accountId: string;
  defaultRegion: string;
}

const headerOf = (req: Req, name: string): string | undefined => {
  const value = req.headers[name];
  return typeof value === 'string' ? value : undefined;
};

/** What the front door (request-screening.ts) looks at; the body only of a POST (AWS answers any other first). */
async function screenedRequestOf(req: Req): Promise<ScreenedRequest> {
  const url = req.url ?? '/';
  const at = url.indexOf('?');
  const body = req.method === 'POST' ? await readBody(req, KDS_SIZES.maxRequestBodyBytes) : (req.resume(), Buffer.alloc(0));
  return {
    method: req.method ?? 'GET',
    contentType: headerOf(req, 'content-type'),
    target: headerOf(req, 'x-amz-target'),
    body,
    authorization: headerOf(req, 'authorization'),
    hasDateHeader: Boolean(headerOf(req, 'x-amz-date') || headerOf(req, 'date')),
    query: at < 0 ? '' : url.slice(at + 1),
  };
}

/**
 * The body as the operation's input, by its content type; throws when it does not decode.
 *
 * An all-ASCII body (nearly every one: record data is base64) is turned into a string as latin1, which for ASCII
 * gives the same string as UTF-8: decoding a 1 MiB PutRecords body as UTF-8 was ~15 % of the emulator's CPU per
 * record in the log-agent bench, the ASCII check plus latin1 a fraction of it. Any other byte: UTF-8, as before.
 */
function decodeBody(contentType: typeof AMZ_JSON_1_1 | typeof AMZ_CBOR_1_1, raw: Buffer): unknown {
  if (contentType === AMZ_CBOR_1_1) return decodeCbor(raw);
  return JSON.parse(isAscii(raw) ? raw.toString('latin1') : raw.toString('utf8'));
}

function sendFrontDoorAnswer(res: Res, requestId: string, answer: FrontDoorAnswer): void {
  sendBytes(res, answer.status, answer.body, {
    'x-amzn-RequestId': requestId,
    ...(answer.contentType === undefined ? {} : { 'content-type': answer.contentType }),
    ...(answer.errorType === undefined ? {} : { 'x-amzn-ErrorType': answer.errorType }),
  });
}

/** An operation's output; one without members (CreateStream, AddTagsToStream, …) is an empty body, as AWS sends it. */
function sendOutput(res: Res, requestId: string, contentType: string, result: object): void {
  if (Object.keys(result).length === 0) {
    sendBytes(res, 200, Buffer.alloc(0), { 'x-amzn-RequestId': requestId, 'content-type': contentType });
    return;
  }
  if (contentType === AMZ_CBOR_1_1) {
    sendBytes(res, 200, Buffer.from(encodeCborOutput(result)), { 'x-amzn-RequestId': requestId, 'content-type': contentType });
    return;
  }
  // GetRecords writes its own JSON (get-records-json.ts: the same bytes as JSON.stringify, for far less CPU).
  const writeJson = (result as JsonBodyWriter)[JSON_BODY];
  if (writeJson) {
    sendBytes(res, 200, writeJson(), { 'x-amzn-RequestId': requestId, 'content-type': AMZ_JSON_1_1 });
    return;
  }
  sendJson(res, 200, result, { 'x-amzn-RequestId': requestId });
}

/** SubscribeToShard's events carry their payload in the request's protocol, as its other answers do. */
const CBOR_EVENTS = { contentType: AMZ_CBOR_1_1, encode: encodeCborValue };

/**
 * Errors of a CBOR call are CBOR: AWS answers in the request's protocol (the Java SDKs parse the error body with the
 * protocol's parser). Anything else, and anything after the answer started, is the router's.
 */
async function answeringCborErrors(res: Res, requestId: string, serve: () => Promise<void>): Promise<void> {
  try {
    await serve();
  } catch (err) {
    if (!(err instanceof AwsServiceError) || res.headersSent) throw err;
    sendBytes(res, err.status, Buffer.from(encodeCborError(err)), {
      'x-amzn-RequestId': requestId,
      'x-amzn-ErrorType': err.code,
      'content-type': AMZ_CBOR_1_1,
    });
  }
}

function streamNameOf(body: Record<string, unknown>): string | undefined {
  if (typeof body['StreamName'] === 'string') return body['StreamName'];
  const arn = body['StreamARN'] ?? body['ConsumerARN'];
  if (typeof arn === 'string') return /:stream\/([^/]+)/.exec(arn)?.[1];
  return undefined;
}

/**
 * Every request for the Kinesis endpoint (any method, path or target that is not another service's): AWS's front
 * door first (request-screening.ts), then the operation. Every answer carries `x-amz-id-2`, as AWS's does.
 */
export async function handleKds(deps: KdsHttpDeps, req: Req, res: Res, requestId: string): Promise<void> {
  const { kds } = deps;
  res.setHeader('x-amz-id-2', randomBytes(72).toString('base64'));
  const request = await screenedRequestOf(req);
  const screening = screenKdsRequest(request, { isOperation: (name) => kds.has(name), decode: decodeBody });
  if (screening.answer) return sendFrontDoorAnswer(res, requestId, screening.answer);
  const { operation, contentType } = screening;
  const region = credentialRegion(request) ?? deps.defaultRegion;
  const ctx: RequestContext = { requestId, region, accountId: deps.accountId };
  if (contentType === AMZ_CBOR_1_1) {
    return answeringCborErrors(res, requestId, () => {
      const input = cborInputAsJsonForm(operation, screening.input) as object;
      return serveOperation(deps, req, res, ctx, { operation, input, contentType });
    });
  }
  return serveOperation(deps, req, res, ctx, screening);
}

/** The operation of a request the front door let through, in the request's protocol. */
async function serveOperation(
  deps: KdsHttpDeps,
  req: Req,
  res: Res,
  ctx: RequestContext,
  { operation, input: body, contentType }: { operation: string; input: object; contentType: typeof AMZ_JSON_1_1 | typeof AMZ_CBOR_1_1 },
): Promise<void> {
  const { kds, faults } = deps;
  const { requestId } = ctx;
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
    await run(eventStreamSink(res, contentType === AMZ_CBOR_1_1 ? CBOR_EVENTS : undefined));
    return;
  }
  const result = kds.call(operation, body, ctx);
  sendOutput(res, requestId, contentType, result);
}
