/**
 * DynamoDB clients of an emulator for integration suites: the official @aws-sdk/client-dynamodb v3 client over
 * its default handler (NodeHttpHandler, HTTP/1.1 keep-alive) or over `new NodeHttp2Handler()` (cleartext HTTP/2
 * with prior knowledge to an `http://` endpoint), both answered on the emulator's one port.
 */
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { NodeHttp2Handler } from '@smithy/node-http-handler';
import { TEST_CREDENTIALS, TEST_REGION } from './kds-test-clients';

export const DDB_HTTP1_DEFAULT = 'default handler (HTTP/1.1)';
export const DDB_HTTP2 = 'NodeHttp2Handler (h2c)';
export type DynamoDbHandlerName = typeof DDB_HTTP1_DEFAULT | typeof DDB_HTTP2;
export const DYNAMODB_HANDLERS: DynamoDbHandlerName[] = [DDB_HTTP1_DEFAULT, DDB_HTTP2];

/** A DynamoDB client of the emulator at `url` over `handler`; `config` adds settings such as `maxAttempts: 1`. */
export function createDynamoDbClient(
  url: string,
  handler: DynamoDbHandlerName = DDB_HTTP1_DEFAULT,
  config: Partial<DynamoDBClientConfig> = {},
): DynamoDBClient {
  return new DynamoDBClient({
    endpoint: url,
    region: TEST_REGION,
    credentials: TEST_CREDENTIALS,
    ...(handler === DDB_HTTP2 ? { requestHandler: new NodeHttp2Handler() } : {}),
    ...config,
  });
}

let tableCounter = 0;
/** A table name no other test (or parallel jest worker) uses: `[a-zA-Z0-9_.-]`, 3 to 255 characters. */
export function uniqueTableName(prefix: string): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${++tableCounter}`;
}
