/**
 * The worker's wiring, in process: real file sinks in a temporary folder, the device-state table on the emulator's
 * DynamoDB, the HTTP listener on port 0, and a fake KinesisConsumer (src/testing/fake-consumer.ts) that hands the
 * handler records as the library would. What is checked here is the app's part: where valid and invalid records
 * end up, /healthz through start and stop, /metrics, rollups on lease loss and shutdown, the shutdown order.
 * (The same app over the real library and a real stream: telemetry-consumer.e2e.int.spec.ts.)
 */
import { promises as fsp } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { CreateTableCommand, GetItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { API_SECURITY_HEADERS } from '@tributary/runtime';
import { loadConfig, type TelemetryConsumerConfig } from './telemetry-consumer-config';
import { startTelemetryConsumer, type RunningTelemetryConsumer } from './telemetry-consumer-app';
import { useConsumerAppWorld } from './testing/consumer-app-world';
import { FakeConsumerFactory, gate } from './testing/fake-consumer';
import { rawRecord, telemetryRecord } from './testing/telemetry-fixtures';

const world = useConsumerAppWorld({ tmpPrefix: 'telemetry-consumer-app-' });

function config(extra: string[] = []): TelemetryConsumerConfig {
  const loaded = loadConfig(
    ['--host', '127.0.0.1', '--port', '0', '--output-dir', world.outputDir, '--state-table', world.unique('state'), '--worker-id', 'w1', ...extra],
    {},
  );
  if (loaded.help) throw new Error('unexpected --help');
  return loaded.config;
}

async function start(factory: FakeConsumerFactory, c: TelemetryConsumerConfig = config()): Promise<RunningTelemetryConsumer> {
  const app = await startTelemetryConsumer({ config: c, consumerFactory: factory, dynamoClient: world.dynamo, defaultMetrics: false });
  world.running.push(app);
  return app;
}

async function readTree(dir: string): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  const walk = async (d: string): Promise<void> => {
    for (const e of await fsp.readdir(d, { withFileTypes: true }).catch(() => [])) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) await walk(full);
      else {
        const rel = path.relative(world.outputDir, full).split(path.sep).join('/');
        out[rel] = rel.endsWith('.gz') ? zlib.gunzipSync(await fsp.readFile(full)).toString('utf8').split('\n').filter(Boolean) : (await fsp.readFile(full, 'utf8')).split('\n').filter(Boolean);
      }
    }
  };
  await walk(dir);
  return out;
}

const T0 = Date.UTC(2025, 5, 1, 12, 0, 0);
const reading = (deviceId: string, seq: number, seconds: number, shardId = 'shardId-000000000000') =>
  telemetryRecord({ schemaVersion: 1, deviceId, seq, ts: T0 + seconds * 1000, metrics: { temperature_c: 20 + seq } }, { shardId, arrival: T0 + seconds * 1000 + 50 });

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('telemetry-consumer app (fake consumer)', () => {
  it('passes the settings to the consumer as the library names them', async () => {
    const { dynamo } = world;
    const factory = new FakeConsumerFactory();
    await start(factory, config(['--retrieval', 'fan-out', '--batch-size', '200', '--max-retries=-1', '--bisect', 'off', '--initial-position', 'LATEST']));
    expect(factory.last.options).toMatchObject({
      streamName: 'telemetry',
      applicationName: 'telemetry-consumer',
      workerId: 'w1',
      retrieval: 'fan-out',
      consumerName: 'telemetry-consumer',
      initialPosition: 'LATEST',
      batchSize: 200,
      maximumRetryAttempts: -1,
      bisectBatchOnFunctionError: false,
      maximumRecordAgeInSeconds: -1,
      failoverTimeMs: 3_000,
      dynamoClient: dynamo,
    });
  });

  it('sends valid records to the files and the state table, invalid ones to the DLQ with their validation errors', async () => {
    const { dynamo, outputDir } = world;
    const factory = new FakeConsumerFactory();
    const app = await start(factory);
    const invalid = rawRecord(JSON.stringify({ schemaVersion: 1, deviceId: 'dev-1', seq: 2, ts: T0, metrics: { temperature_c: 'hot' } }), 'dev-1');
    const result = await factory.last.deliver([reading('dev-1', 0, 1), reading('dev-1', 1, 2), invalid, reading('dev-2', 0, 3)]);
    expect(result.deadLettered).toHaveLength(1);

    const item = await dynamo.send(new GetItemCommand({ TableName: app.deviceState.tableName, Key: { deviceId: { S: 'dev-1' } } }));
    expect(unmarshall(item.Item ?? {})).toMatchObject({ deviceId: 'dev-1', seq: 1, metrics: { temperature_c: 21 } });

    const metrics = await (await fetch(`${app.url}/metrics`)).text();
    expect(metrics).toContain('telemetry_consumer_records_total{result="valid"} 3');
    expect(metrics).toContain('telemetry_consumer_records_total{result="invalid"} 1');
    expect(metrics).toContain('telemetry_consumer_dead_letters_total{condition="NonRetriableFailure",code="INVALID_TELEMETRY"} 1');
    expect(metrics).toContain('telemetry_consumer_device_state_writes_total{result="written"} 2');
    expect(metrics).toContain('kinesis_consumer_records_processed_total 3');
    expect(metrics).toContain('kinesis_consumer_dead_lettered_total 1');
    // The valid record after the invalid one came in a second call (Lambda's partial-batch semantics).
    expect(factory.last.calls).toBe(2);

    await app.close();
    const tree = await readTree(outputDir);
    expect(Object.keys(tree).sort()).toEqual([
      'dlq/telemetry-consumer-w1.ndjson',
      'rollups/2025/06/01/12/rollups-w1-0.ndjson.gz',
      'telemetry/2025/06/01/12/telemetry-w1-0.ndjson.gz',
    ]);
    expect(tree['telemetry/2025/06/01/12/telemetry-w1-0.ndjson.gz'].map((l) => JSON.parse(l) as { deviceId: string; seq: number })).toEqual([
      expect.objectContaining({ deviceId: 'dev-1', seq: 0 }),
      expect.objectContaining({ deviceId: 'dev-1', seq: 1 }),
      expect.objectContaining({ deviceId: 'dev-2', seq: 0 }),
    ]);
    const [dead] = tree['dlq/telemetry-consumer-w1.ndjson'].map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(dead).toMatchObject({
      sequenceNumber: invalid.sequenceNumber,
      condition: 'NonRetriableFailure',
      error: { name: 'InvalidTelemetryError', code: 'INVALID_TELEMETRY', message: 'invalid telemetry: metrics.temperature_c: expected a finite number' },
    });
    expect(Buffer.from(dead['data'] as string, 'base64').toString()).toContain('"hot"');
    expect(tree['rollups/2025/06/01/12/rollups-w1-0.ndjson.gz'].map((l) => JSON.parse(l) as Record<string, unknown>)).toEqual([
      expect.objectContaining({ deviceId: 'dev-1', metric: 'temperature_c', windowStart: '2025-06-01T12:00:00.000Z', count: 2, mean: 20.5, closedBy: 'shutdown' }),
      expect.objectContaining({ deviceId: 'dev-2', metric: 'temperature_c', count: 1, closedBy: 'shutdown' }),
    ]);
    expect(factory.dlqs[0].closed).toBe(1);
  });

  it('puts the closed rollups into the rollup table too (created at start), and none with --rollup-table off', async () => {
    const { dynamo } = world;
    const factory = new FakeConsumerFactory();
    const table = world.unique('rollups');
    const app = await start(factory, config(['--rollup-table', table]));
    await factory.last.deliver([reading('dev-1', 0, 1), reading('dev-1', 1, 2)]);
    // A reading a minute later closes minute 0 by the watermark: written while the worker runs.
    await factory.last.deliver([reading('dev-1', 2, 70)]);
    expect(await (await fetch(`${app.url}/metrics`)).text()).toContain('telemetry_consumer_rollup_table_writes_total{result="written"} 1');
    await app.close();
    const scanned = await dynamo.send(new ScanCommand({ TableName: table }));
    expect((scanned.Items ?? []).map((i) => unmarshall(i)).sort((a, b) => a['windowStart'] - b['windowStart'])).toEqual([
      expect.objectContaining({ deviceId: 'dev-1', window: `${T0}#temperature_c`, count: 2, mean: 20.5, closedBy: 'watermark' }),
      expect.objectContaining({ deviceId: 'dev-1', window: `${T0 + 60_000}#temperature_c`, count: 1, closedBy: 'shutdown' }),
    ]);
    expect(app.health().rollupTable).toEqual({ table, written: 2, superseded: 0 });

    const quiet = await start(new FakeConsumerFactory(), config(['--rollup-table', 'off']));
    expect(quiet.rollupTable).toBeUndefined();
    expect(quiet.health().rollupTable).toBeUndefined();
  });

  it('writes the rollups of a shard whose lease is lost, at once', async () => {
    const { outputDir } = world;
    const factory = new FakeConsumerFactory();
    const app = await start(factory);
    await factory.last.deliver([reading('a', 0, 1, 'shardId-000000000000')]);
    await factory.last.deliver([reading('b', 0, 1, 'shardId-000000000001')]);
    factory.last.loseLease('shardId-000000000001');
    await new Promise((r) => setImmediate(r));
    await app.files.rollups.flush();
    const tree = await readTree(path.join(outputDir, 'rollups'));
    expect(Object.values(tree).flat().map((l) => JSON.parse(l) as { deviceId: string; closedBy: string })).toEqual([expect.objectContaining({ deviceId: 'b', closedBy: 'lease-lost' })]);
    const metrics = await (await fetch(`${app.url}/metrics`)).text();
    expect(metrics).toContain('kinesis_consumer_events_total{event="leaseLost"} 1');
    expect(metrics).toContain('telemetry_consumer_rollups_written_total{closed_by="lease-lost"} 1');
  });

  it('writes the rollups of a lease lost while the worker stops as shutdown, with the others', async () => {
    // The library may report a lease lost during consumer.stop() (expired, or handed over): its windows close
    // because this worker stops, as 'shutdown', in the write the stop awaits (npm start's spec saw none in CI).
    const { outputDir } = world;
    const factory = new FakeConsumerFactory();
    const stopGate = gate();
    factory.prepare = (c) => {
      c.holdStop = stopGate;
    };
    const app = await start(factory);
    await factory.last.deliver([reading('a', 0, 1, 'shardId-000000000000')]);
    await factory.last.deliver([reading('b', 0, 1, 'shardId-000000000001')]);
    const closing = app.close();
    factory.last.loseLease('shardId-000000000001');
    stopGate.open();
    await closing;
    const tree = await readTree(path.join(outputDir, 'rollups'));
    const rows = Object.values(tree).flat().map((l) => JSON.parse(l) as { deviceId: string; closedBy: string });
    expect(rows.map((r) => `${r.deviceId}:${r.closedBy}`).sort()).toEqual(['a:shutdown', 'b:shutdown']);
  });

  it('reports leases and MillisBehindLatest per shard from the consumer’s stats', async () => {
    const factory = new FakeConsumerFactory();
    factory.prepare = (c) => {
      c.leasesHeld = ['shardId-000000000000', 'shardId-000000000003'];
      c.millisBehind.set('shardId-000000000000', 0).set('shardId-000000000003', 1500);
    };
    const app = await start(factory);
    const metrics = await (await fetch(`${app.url}/metrics`)).text();
    expect(metrics).toContain('kinesis_consumer_leases_held 2');
    expect(metrics).toContain('kinesis_consumer_millis_behind_latest{shard_id="shardId-000000000003"} 1500');
    factory.last.leasesHeld = ['shardId-000000000000'];
    const later = await (await fetch(`${app.url}/metrics`)).text();
    expect(later).not.toContain('shard_id="shardId-000000000003"');
    const health = (await (await fetch(`${app.url}/healthz`)).json()) as { status: string; consumer: { leasesHeld: string[] } };
    expect(health).toMatchObject({ status: 'running', workerId: 'w1', consumer: { leasesHeld: ['shardId-000000000000'] } });
  });

  it('answers /healthz 503 while starting and while stopping, 200 in between', async () => {
    const { dynamo, running } = world;
    const factory = new FakeConsumerFactory();
    const startGate = gate();
    const stopGate = gate();
    factory.prepare = (c) => {
      c.holdStart = startGate;
      c.holdStop = stopGate;
    };
    const port = await freePort();
    const starting = startTelemetryConsumer({ config: config(['--port', String(port)]), consumerFactory: factory, dynamoClient: dynamo, defaultMetrics: false });
    const url = `http://127.0.0.1:${port}`;
    let health: Response | undefined;
    for (let i = 0; i < 200 && factory.consumers.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({ status: 'starting' });
    startGate.open();
    const app = await starting;
    running.push(app);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);

    await factory.last.deliver([reading('d', 0, 1)]);
    const closing = app.close();
    health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({ status: 'stopping' });
    // Nothing is published before the consumer has stopped: its last batch may still be in flight.
    expect(app.files.telemetry.stats().filesCommitted).toBe(0);
    stopGate.open();
    await closing;
    expect(app.state).toBe('stopped');
    expect(factory.last.stopped).toBe(true);
    expect(app.files.telemetry.stats().filesCommitted).toBe(1);
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });

  it('answers unknown paths 404 and other methods 405, as problem JSON', async () => {
    const app = await start(new FakeConsumerFactory());
    const missing = await fetch(`${app.url}/nope`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toContain('application/problem+json');
    const post = await fetch(`${app.url}/healthz`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });

  // Hardening probe: the consumer sent 3 of the 6 security headers the ingest API and video-producer send.
  it('answers with the security headers every app sends', async () => {
    const app = await start(new FakeConsumerFactory());
    for (const path of ['/healthz', '/readyz', '/metrics', '/nope']) {
      const res = await fetch(`${app.url}${path}`);
      for (const [name, value] of Object.entries(API_SECURITY_HEADERS)) expect([path, res.headers.get(name)]).toEqual([path, value]);
    }
  });

  it('fails to start, and releases the port, when the state table has another key schema', async () => {
    const { dynamo } = world;
    const c = config();
    await dynamo.send(
      new CreateTableCommand({
        TableName: c.stateTable,
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    const port = await freePort();
    const factory = new FakeConsumerFactory();
    await expect(startTelemetryConsumer({ config: { ...c, port }, consumerFactory: factory, dynamoClient: dynamo, defaultMetrics: false })).rejects.toMatchObject({
      code: 'DEVICE_STATE_FAILED',
    });
    expect(factory.consumers).toEqual([]);
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  });
});
