/**
 * The HTTP side of DynamoDB on the emulator's port (AWS JSON 1.0, `X-Amz-Target: DynamoDB_20120810.<Op>`), for
 * Node's HTTP/1.1 and HTTP/2-compat requests alike: checks in dynalite's order (body type, JSON, operation,
 * signature present), fault injection by operation and table, then the operation; answers with DynamoDB's
 * envelope (`__type` with its namespace, `message`), `x-amzn-RequestId` and `x-amz-crc32`.
 */
import * as zlib from 'node:zlib';
import type * as http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../logger';
import type { FaultInjector } from '../server/fault-injector';
import { dropConnection, readBody, type Req, type Res } from '../server/http-exchange';
import { AwsServiceError } from '../errors';
import { DYNAMODB_SIZES } from '../defaults';
import type { DynamoDbService } from './dynamodb-service';

export interface DynamoDbHttpDeps {
  dynamo: DynamoDbService;
  faults: FaultInjector;
  logger: Logger;
}

const JSON_TYPES = new Set(['application/json', 'application/x-amz-json-1.0']);
const CORAL = 'com.amazon.coral.service#';
const DYNAMODB = 'com.amazonaws.dynamodb.v20120810#';


/** Table names a call touches, for fault rules with `tableName`. */
export function tableNamesOf(body: Record<string, unknown>): string[] {
  if (typeof body['TableName'] === 'string') return [body['TableName']];
  const items = body['RequestItems'];
  if (items && typeof items === 'object' && !Array.isArray(items)) return Object.keys(items);
  if (typeof body['ResourceArn'] === 'string') {
    const name = /:table\/([^/]+)/.exec(body['ResourceArn'])?.[1];
    return name ? [name] : [];
  }
  return [];
}

function hasSignature(req: Req): boolean {
  const auth = req.headers['authorization'];
  if (typeof auth === 'string') return auth.trim().startsWith('AWS4-');
  return (req.url ?? '').includes('X-Amz-Algorithm=');
}

function send(res: Res, status: number, payload: string, headers: Record<string, string>): void {
  if (res.headersSent || res.writableEnded || res.destroyed) return;
  const bytes = Buffer.from(payload, 'utf8');
  (res as http.ServerResponse).writeHead(status, {
    ...headers,
    'x-amz-crc32': String(zlib.crc32(bytes)),
    'content-length': String(bytes.length),
  });
  res.end(bytes);
}

export async function handleDynamoDb(deps: DynamoDbHttpDeps, req: Req, res: Res, requestId: string, operation: string): Promise<void> {
  const { dynamo, faults, logger } = deps;
  const contentType = String(req.headers['content-type'] ?? '').split(';')[0].trim();
  const answer = (status: number, body: Record<string, unknown> | string): void =>
    send(res, status, typeof body === 'string' ? body : JSON.stringify(body), {
      'content-type': contentType === 'application/json' ? 'application/json' : 'application/x-amz-json-1.0',
      'x-amzn-requestid': requestId,
    });
  let raw: Buffer;
  try {
    raw = await readBody(req, DYNAMODB_SIZES.maxRequestBodyBytes);
  } catch (err) {
    if (err instanceof AwsServiceError) {
      answer(err.status, { __type: `${CORAL}${err.code}`, message: err.message });
      return;
    }
    throw err;
  }
  if (raw.length > 0 && !JSON_TYPES.has(contentType)) {
    send(res, 404, '<UnknownOperationException/>\n', { 'content-type': 'application/xml', 'x-amzn-requestid': requestId });
    return;
  }
  let body: unknown;
  if (raw.length > 0) {
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      answer(400, { __type: `${CORAL}SerializationException` });
      return;
    }
  }
  if (!dynamo.has(operation)) {
    answer(400, { __type: `${CORAL}UnknownOperationException`, message: `Operation ${operation} is not supported by the emulator.` });
    return;
  }
  if (!hasSignature(req)) {
    answer(400, { __type: `${CORAL}MissingAuthenticationTokenException`, message: 'Request is missing Authentication Token' });
    return;
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    answer(400, { __type: `${CORAL}SerializationException` });
    return;
  }
  const params = body as Record<string, unknown>;
  if (faults.active) {
    const fault = faults.callFault(operation, { service: 'dynamodb', tableNames: tableNamesOf(params) });
    if (fault.latencyMs > 0) await sleep(fault.latencyMs);
    if (fault.action === 'drop') return dropConnection(req);
    if (fault.action === 'internal') {
      answer(500, { __type: `${DYNAMODB}InternalServerError`, message: 'Internal server error (injected fault).' });
      return;
    }
    if (fault.action === 'throttle') {
      answer(400, {
        __type: `${DYNAMODB}ProvisionedThroughputExceededException`,
        message: `The level of configured provisioned throughput for the table was exceeded (injected fault on ${operation}).`,
      });
      return;
    }
  }
  let result;
  try {
    result = await dynamo.call(operation, params);
  } catch (err) {
    logger.error({ err, operation }, 'DynamoDB store failure');
    answer(500, { __type: `${DYNAMODB}InternalServerError`, message: 'Internal server error' });
    return;
  }
  answer(result.status, result.body);
}
