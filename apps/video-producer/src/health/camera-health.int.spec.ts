/**
 * The camera-health items of a running producer: ffmpeg's test pattern → PutMedia → the emulator, with
 * `--health-table`, read back from the emulator's DynamoDB through the official SDK v3 client. And a health table
 * that cannot be reached: ingest goes on regardless.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeTableCommand, DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { startEmulator, type RunningEmulator } from '@tributary/emulator';
import { parseCameraHealthItem, type CameraHealthItem } from '@tributary/schemas';
import { loadConfig, type VideoProducerConfig } from '../video-producer-config';
import { startVideoProducer, type RunningVideoProducer } from '../video-producer-app';
import { eventually, waitUntil } from '@tributary/runtime/testing';

const region = 'us-east-1';
const credentials = { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' };

let dir: string;
let emu: RunningEmulator;
let dynamo: DynamoDBClient;
const running: RunningVideoProducer[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'video-health-int-'));
  emu = await startEmulator({ port: 0 });
  dynamo = new DynamoDBClient({ endpoint: emu.url, region, credentials });
});
afterEach(async () => {
  for (const app of running.splice(0)) await app.close().catch(() => undefined);
});
afterAll(async () => {
  dynamo?.destroy();
  await emu?.close();
  rmSync(dir, { recursive: true, force: true });
});

function configFor(stream: string, table: string): VideoProducerConfig {
  const loaded = loadConfig(
    [
      ...['--stream', stream, '--source', 'testsrc', '--fragment-ms', '1000', '--width', '320', '--height', '240', '--fps', '25', '--bitrate', '300'],
      ...['--preset', 'ultrafast', '--spool-dir', join(dir, stream), '--spool-fsync', 'off', '--create-stream', 'on', '--port', '0', '--host', '127.0.0.1'],
      ...['--shutdown-timeout', '10000', '--log-level', 'silent', '--health-table', table, '--producer-id', 'edge-test'],
    ],
    {},
  );
  if (loaded.help) throw new Error('unexpected --help');
  return loaded.config;
}

async function start(config: VideoProducerConfig, dynamoEndpoint: string): Promise<RunningVideoProducer> {
  const app = await startVideoProducer({
    config,
    kinesisVideo: { endpoint: emu.url, region, credentials },
    dynamoDb: { endpoint: dynamoEndpoint, region, credentials, maxAttempts: 1 },
    healthIntervalMs: 1_000,
    reconnectBaseDelayMs: 100,
    reconnectMaxDelayMs: 500,
    defaultMetrics: false,
  });
  running.push(app);
  return app;
}

async function healthItem(table: string, stream: string): Promise<CameraHealthItem | undefined> {
  const out = await dynamo.send(new GetItemCommand({ TableName: table, Key: { streamName: { S: stream } }, ConsistentRead: true })).catch(() => undefined);
  return out?.Item ? (unmarshall(out.Item) as CameraHealthItem) : undefined;
}

describe('camera health in DynamoDB', () => {
  it('creates the table and keeps each camera’s item current from the PERSISTED acks; the last one says stopped', async () => {
    const table = `video-camera-health-${process.pid}`;
    const app = await start(configFor('health-cam-1', table), emu.url);
    const item = await eventually('a streaming item with acks', async () => {
      const current = await healthItem(table, 'health-cam-1');
      return current && current.fragmentsAcked >= 2 && current.ackLatencyP50Ms !== undefined ? current : undefined;
    }, { timeoutMs: 30_000, intervalMs: 200 });
    expect(parseCameraHealthItem(item)).toEqual({ ok: true, value: item });
    expect(item).toMatchObject({ streamName: 'health-cam-1', producerId: 'edge-test', intervalMs: 1_000 });
    expect(['streaming', 'buffering']).toContain(item.state);
    expect(item.ackLatencyP99Ms).toBeGreaterThanOrEqual(item.ackLatencyP50Ms ?? 0);
    expect(item.ackLatencyP50Ms).toBeLessThan(5_000);
    expect(item.lastFragmentAt).toBeGreaterThan(Date.now() - 60_000);
    expect(item.lastAckAt).toBeGreaterThan(Date.now() - 60_000);
    expect(Date.now() - item.updatedAt).toBeLessThan(5_000);
    const described = await dynamo.send(new DescribeTableCommand({ TableName: table }));
    expect(described.Table).toMatchObject({ KeySchema: [{ AttributeName: 'streamName', KeyType: 'HASH' }], BillingModeSummary: { BillingMode: 'PAY_PER_REQUEST' } });

    const drained = await app.close();
    expect(drained.timedOut).toBe(false);
    const last = await healthItem(table, 'health-cam-1');
    expect(last).toMatchObject({ state: 'stopped', spooledFragments: 0 });
    expect(last?.fragmentsAcked).toBeGreaterThanOrEqual(item.fragmentsAcked);
  }, 60_000);

  it('an unreachable health table only logs: fragments are still persisted', async () => {
    const app = await start(configFor('health-cam-2', 'video-camera-health'), 'http://127.0.0.1:1');
    await waitUntil('persisted fragments', () => app.cameras[0].session.stats().totals.fragmentsPersisted >= 3, { timeoutMs: 30_000, intervalMs: 200 });
    await waitUntil('a failed health write', () => (app.healthReporter?.stats().failed ?? 0) >= 1, { timeoutMs: 10_000, intervalMs: 200 });
    expect(app.health().status).toBe('ok');
    expect(app.healthReporter?.stats().written).toBe(0);
    expect((await app.close()).timedOut).toBe(false);
  }, 60_000);
});
