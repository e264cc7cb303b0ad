/**
 * Integration fixture of the lease and shard-sync suites: the real emulator in process on port 0 (Kinesis and its
 * embedded DynamoDB on one port) and official SDK v3 clients. The emulator's own kds-test-clients.ts is not
 * importable from another project (no `@tributary/emulator/testing` entry yet), hence this small equivalent.
 */
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { CreateStreamCommand, DescribeStreamSummaryCommand, KinesisClient, type KinesisClientConfig } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { startEmulator, type EmulatorOptions, type RunningEmulator } from '@tributary/emulator';

export const TEST_REGION = 'us-east-1';
export const TEST_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

export interface LeaseTestEmulator {
  emu: RunningEmulator;
  /** A new DynamoDB client (HTTP/1.1, the SDK's default); destroyed by close(). */
  dynamo(config?: Partial<DynamoDBClientConfig>): DynamoDBClient;
  /** A new Kinesis client over HTTP/1.1 keep-alive; destroyed by close(). */
  kinesis(config?: Partial<KinesisClientConfig>): KinesisClient;
  close(): Promise<void>;
}

export async function startLeaseTestEmulator(options: EmulatorOptions = {}): Promise<LeaseTestEmulator> {
  const emu = await startEmulator({ port: 0, ...options });
  const clients: Array<{ destroy(): void }> = [];
  return {
    emu,
    dynamo(config = {}) {
      const client = new DynamoDBClient({ endpoint: emu.url, region: TEST_REGION, credentials: TEST_CREDENTIALS, ...config });
      clients.push(client);
      return client;
    },
    kinesis(config = {}) {
      const client = new KinesisClient({
        endpoint: emu.url,
        region: TEST_REGION,
        credentials: TEST_CREDENTIALS,
        requestHandler: new NodeHttpHandler(),
        ...config,
      });
      clients.push(client);
      return client;
    },
    async close() {
      for (const c of clients.splice(0)) c.destroy();
      await emu.close();
    },
  };
}

let counter = 0;
/** A table or stream name no other test (or parallel jest worker) uses. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${++counter}`;
}

/** Creates a stream of `shardCount` shards and waits until it is ACTIVE. */
export async function createActiveStream(client: KinesisClient, name: string, shardCount: number): Promise<void> {
  await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: shardCount }));
  await waitForActiveStream(client, name);
}

export async function waitForActiveStream(client: KinesisClient, name: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const out = await client.send(new DescribeStreamSummaryCommand({ StreamName: name }));
    if (out.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`Stream ${name} did not become ACTIVE.`);
}
