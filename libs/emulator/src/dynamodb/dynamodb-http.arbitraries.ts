/**
 * Fuzz inputs for the emulator's DynamoDB route (issue 12): handleDynamoDb, the function the router calls for
 * `X-Amz-Target: DynamoDB_20120810.<Op>`, driven without a socket (a readable request with headers, a response
 * that records its status and body) over an in-memory dynalite store. Bodies: DynamoDB-shaped JSON (tables, keys,
 * attribute values, expressions) with wrong types and odd values, arbitrary JSON and text; headers: JSON content
 * types or not, signed or not; operations: dynalite's and unknown ones. Keys come from a small set, so the store
 * stays small over a million inputs.
 *
 * The property: every answer is a 200 or an AWS-style refusal (400 with a `com.amazon…#<Name>` `__type`, the 404
 * `<UnknownOperationException/>` DynamoDB gives a non-JSON body, 413); never a 500 or a rejected promise.
 */
import { PassThrough } from 'node:stream';
import fc from 'fast-check';
import type { FuzzTarget } from '@tributary/runtime/testing';
import { noopLogger } from '../logger';
import { FaultInjector } from '../server/fault-injector';
import type { Req, Res } from '../server/http-exchange';
import { handleDynamoDb } from './dynamodb-http';
import { DYNAMODB_OPERATIONS, DynamoDbService } from './dynamodb-service';

const tableName = fc.constantFrom('fuzz-a', 'fuzz-b', 'x', '', 'a'.repeat(256), 'bad name!');
const attrName = fc.constantFrom('pk', 'sk', 'n', 'v', '#x', '');
const attributeValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.record({ S: fc.constantFrom('k1', 'k2', 'k3', '') }),
    fc.record({ N: fc.constantFrom('1', '-0', '1e400', 'abc', '12345678901234567890123456789012345678901') }),
    fc.record({ B: fc.constantFrom('AAAA', '', '!!') }),
    fc.record({ BOOL: fc.jsonValue({ maxDepth: 0 }) }),
    fc.record({ NULL: fc.constantFrom(true, false, 'x') }),
    fc.record({ SS: fc.array(fc.constantFrom('a', 'b', 'a'), { maxLength: 3 }) }),
    fc.record({ L: fc.array(tie('value'), { maxLength: 2 }) }),
    fc.record({ M: fc.dictionary(attrName, tie('value'), { maxKeys: 2 }) }),
    fc.jsonValue({ maxDepth: 1 }),
  ),
})).value;
const item = fc.dictionary(attrName, attributeValue, { maxKeys: 3 });
const expression = fc.constantFrom('attribute_not_exists(pk)', 'pk = :v', '#x = :v AND', 'SET n = n + :one', 'size(', '', ')');

const dynamoBody: fc.Arbitrary<Record<string, unknown>> = fc.record(
  {
    TableName: tableName,
    Key: item,
    Item: item,
    AttributeDefinitions: fc.array(fc.record({ AttributeName: attrName, AttributeType: fc.constantFrom('S', 'N', 'B', 'X') }), { maxLength: 2 }),
    KeySchema: fc.array(fc.record({ AttributeName: attrName, KeyType: fc.constantFrom('HASH', 'RANGE', 'OTHER') }), { maxLength: 2 }),
    BillingMode: fc.constantFrom('PAY_PER_REQUEST', 'PROVISIONED', 'FREE'),
    ProvisionedThroughput: fc.record({ ReadCapacityUnits: fc.jsonValue({ maxDepth: 0 }), WriteCapacityUnits: fc.integer() }),
    ConditionExpression: expression,
    UpdateExpression: expression,
    KeyConditionExpression: expression,
    ExpressionAttributeValues: fc.dictionary(fc.constantFrom(':v', ':one', 'v'), attributeValue, { maxKeys: 2 }),
    ExpressionAttributeNames: fc.dictionary(fc.constantFrom('#x', 'x'), fc.jsonValue({ maxDepth: 0 }), { maxKeys: 1 }),
    Limit: fc.jsonValue({ maxDepth: 0 }),
    ExclusiveStartKey: item,
    RequestItems: fc.dictionary(tableName, fc.jsonValue({ maxDepth: 3 }), { maxKeys: 2 }),
    TransactItems: fc.array(fc.jsonValue({ maxDepth: 3 }), { maxLength: 2 }),
    ReturnValues: fc.constantFrom('ALL_NEW', 'NONE', 'bogus'),
  },
  { requiredKeys: [] },
);

/** Well-formed calls on table fuzz-a (key pk: S), so the operations themselves run, not only the validations. */
const key = fc.record({ pk: fc.record({ S: fc.constantFrom('k1', 'k2', 'k3') }) });
const wellFormed: fc.Arbitrary<{ operation: string; body: Record<string, unknown> }> = fc.oneof(
  fc.constant({
    operation: 'CreateTable',
    body: { TableName: 'fuzz-a', AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }], BillingMode: 'PAY_PER_REQUEST' },
  }),
  fc.tuple(key, item).map(([k, it]) => ({ operation: 'PutItem', body: { TableName: 'fuzz-a', Item: { ...it, ...k } } })),
  key.map((k) => ({ operation: 'GetItem', body: { TableName: 'fuzz-a', Key: k } })),
  fc.tuple(key, expression, fc.dictionary(fc.constantFrom(':v', ':one'), attributeValue, { maxKeys: 2 })).map(([k, e, v]) => ({
    operation: 'UpdateItem',
    body: { TableName: 'fuzz-a', Key: k, UpdateExpression: e, ...(Object.keys(v).length > 0 ? { ExpressionAttributeValues: v } : {}) },
  })),
  fc.tuple(expression, fc.dictionary(fc.constantFrom(':v'), attributeValue, { maxKeys: 1 })).map(([e, v]) => ({
    operation: 'Query',
    body: { TableName: 'fuzz-a', KeyConditionExpression: e, ...(Object.keys(v).length > 0 ? { ExpressionAttributeValues: v } : {}) },
  })),
  fc.constant({ operation: 'Scan', body: { TableName: 'fuzz-a', Limit: 5 } }),
);

export interface DynamoDbHttpInput {
  operation: string;
  contentType: string | undefined;
  signed: boolean;
  body: string;
}

const anyCall: fc.Arbitrary<DynamoDbHttpInput> = fc.record({
  operation: fc.oneof({ weight: 9, arbitrary: fc.constantFrom(...DYNAMODB_OPERATIONS) }, { weight: 1, arbitrary: fc.constantFrom('Bogus', '__proto__', 'constructor', '') }),
  contentType: fc.constantFrom('application/x-amz-json-1.0', 'application/json', 'application/x-amz-json-1.0; charset=utf-8', 'text/plain', undefined),
  signed: fc.oneof({ weight: 9, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
  body: fc.oneof(
    { weight: 6, arbitrary: dynamoBody.map((b) => JSON.stringify(b)) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: dynamoBody.chain((b) => fc.nat().map((n) => JSON.stringify(b).slice(0, n % (JSON.stringify(b).length + 1)))) },
    { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
  ),
});

export const dynamoDbHttpInputArbitrary: fc.Arbitrary<DynamoDbHttpInput> = fc.oneof(
  { weight: 3, arbitrary: anyCall },
  { weight: 2, arbitrary: wellFormed.map(({ operation, body }) => ({ operation, contentType: 'application/x-amz-json-1.0', signed: true, body: JSON.stringify(body) })) },
);

/** An answer that is not a 200: thrown so the drivers count it; `isTypedRejection` decides whether it is AWS's. */
export class DynamoDbFuzzAnswer extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`DynamoDB answered ${status}: ${body.slice(0, 300)}`);
  }
}

let service: Promise<DynamoDbService> | undefined;
const faults = new FaultInjector();

/** The in-memory store the target runs against, opened on first use. */
const serviceOf = (): Promise<DynamoDbService> =>
  (service ??= DynamoDbService.open({ delays: { create: 0, delete: 0, update: 0 }, accountId: '000000000000', region: 'us-east-1', logger: noopLogger }));

/** Closes the store (after a spec or a soak run). */
export async function closeDynamoDbFuzzService(): Promise<void> {
  const s = service;
  service = undefined;
  if (s) await (await s).close();
}

async function answer(input: DynamoDbHttpInput): Promise<{ status: number; body: string }> {
  const dynamo = await serviceOf();
  const req = new PassThrough() as PassThrough & { headers: Record<string, string>; url: string };
  req.headers = {
    ...(input.contentType !== undefined ? { 'content-type': input.contentType } : {}),
    ...(input.signed ? { authorization: 'AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=00' } : {}),
    'x-amz-target': `DynamoDB_20120810.${input.operation}`,
  };
  req.url = '/';
  let status = 0;
  let body = '';
  const res = {
    headersSent: false,
    writableEnded: false,
    destroyed: false,
    writeHead(code: number) {
      status = code;
      this.headersSent = true;
      return this;
    },
    end(bytes?: Buffer) {
      body = bytes ? bytes.toString('utf8') : '';
      this.writableEnded = true;
    },
  };
  req.end(input.body);
  await handleDynamoDb({ dynamo, faults, logger: noopLogger }, req as unknown as Req, res as unknown as Res, 'fuzz-request', input.operation);
  return { status, body };
}

const AWS_TYPE = /^com\.amazon(aws\.dynamodb\.v20120810|\.coral\.(service|validate))#[A-Za-z]+$/;

export function isAwsStyleDynamoDbRefusal(err: unknown): boolean {
  if (!(err instanceof DynamoDbFuzzAnswer)) return false;
  if (err.status === 404) return err.body === '<UnknownOperationException/>\n';
  if (err.status !== 400 && err.status !== 413) return false;
  try {
    const parsed = JSON.parse(err.body) as { __type?: unknown };
    return typeof parsed.__type === 'string' && AWS_TYPE.test(parsed.__type);
  } catch {
    return false;
  }
}

export const dynamoDbHttpFuzzTarget: FuzzTarget<DynamoDbHttpInput> = {
  name: 'dynamodb-request',
  arbitrary: dynamoDbHttpInputArbitrary,
  async: true,
  async run(input) {
    const { status, body } = await answer(input);
    if (status === 0) throw new Error('handleDynamoDb sent no answer');
    if (status !== 200) throw new DynamoDbFuzzAnswer(status, body);
  },
  isTypedRejection: isAwsStyleDynamoDbRefusal,
};
