/**
 * The Kinesis door of the router: AWS JSON 1.1 (`X-Amz-Target: Kinesis_20131202.<Operation>`), the region from the
 * SigV4 credential scope, fault injection, and SubscribeToShard's event stream (answered 200 before it streams).
 */
import type * as http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { AwsServiceError, awsErrors } from '../errors';
import { KDS_SIZES } from '../defaults';
import type { FaultInjector } from '../server/fault-injector';
import { eventStreamSink } from '../server/event-stream-writer';
import { dropConnection, readBody, sendJson, type Req, type Res } from '../server/http-exchange';
import type { KdsService } from './kds-service';
import type { RequestContext } from './kds-context';

export interface KdsHttpDeps {
  kds: KdsService;
  faults: FaultInjector;
  accountId: string;
  defaultRegion: string;
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

export async function handleKds(deps: KdsHttpDeps, req: Req, res: Res, requestId: string, operation: string): Promise<void> {
  const { kds, faults } = deps;
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
