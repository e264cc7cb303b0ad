/**
 * End to end over the real parts: the emulator in process (Kinesis and DynamoDB on one port), telemetry put by
 * @tributary/kinesis-producer (KPL aggregation on, so handlers see sub-records), the real KinesisConsumer, and the
 * app's sinks. Valid readings must reach the telemetry files exactly once, the state table at their newest seq, and
 * the rollup files; the invalid record must reach the dead-letter file with its validation errors. Also: two
 * workers share the shards and lose nothing when one stops; main.ts as operators run it stops on SIGTERM with
 * exit 0, its files published and its leases released.
 */
import { spawn } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { GetItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { TEST_CREDENTIALS, TEST_REGION } from '@tributary/emulator/testing';
import { parseDeadLetterEnvelope } from '@tributary/kinesis-consumer';
import { KinesisProducer } from '@tributary/kinesis-producer';
import { encodeTelemetry, parseTelemetry } from '@tributary/schemas';
import { startTelemetryConsumer, type RunningTelemetryConsumer } from './telemetry-consumer-app';
import { loadConfig, type TelemetryConsumerConfig } from './telemetry-consumer-config';
import { gzLines, useConsumerAppWorld, waitForWithin } from './testing/consumer-app-world';

const ROOT = path.resolve(__dirname, '../../..');

const world = useConsumerAppWorld({ tmpPrefix: 'telemetry-consumer-e2e-' });
const waitFor = waitForWithin(15_000);

const DEVICES = ['dev-a', 'dev-b', 'dev-c', 'dev-d', 'dev-e'];
const PER_DEVICE = 20;
/** Readings 6 s apart from the start of the minute before last: 10 in each of two minutes. */
const BASE = Math.floor(Date.now() / 60_000) * 60_000 - 120_000;

/** Puts PER_DEVICE readings of each device, plus one invalid record, through the KPL-style producer. */
async function produce(stream: string, invalid = true): Promise<void> {
  const producer = new KinesisProducer({
    streamName: stream,
    clientOptions: world.clientOptions,
    aggregation: true,
    maxBufferedTimeMs: 20,
  });
  const puts: Promise<unknown>[] = [];
  for (let seq = 0; seq < PER_DEVICE; seq++) {
    for (const deviceId of DEVICES) {
      const parsed = parseTelemetry({ schemaVersion: 1, deviceId, seq, ts: BASE + seq * 6_000, metrics: { temperature_c: seq, battery_pct: 100 - seq } });
      if (!parsed.ok) throw new Error('bad fixture');
      puts.push(producer.put({ partitionKey: deviceId, data: encodeTelemetry(parsed.value) }));
    }
    if (invalid && seq === 7) puts.push(producer.put({ partitionKey: 'dev-a', data: JSON.stringify({ schemaVersion: 1, deviceId: 'dev-a', seq: 'eight', ts: BASE, metrics: {} }) }));
  }
  await Promise.all(puts);
  await producer.close();
}

function config(stream: string, application: string, extra: string[] = []): TelemetryConsumerConfig {
  const loaded = loadConfig(
    ['--stream', stream, '--application-name', application, '--host', '127.0.0.1', '--port', '0', '--output-dir', world.outputDir, '--state-table', `${application}-state`, ...extra],
    {},
  );
  if (loaded.help) throw new Error('unexpected --help');
  return loaded.config;
}

async function startWorker(c: TelemetryConsumerConfig): Promise<RunningTelemetryConsumer> {
  const app = await startTelemetryConsumer({
    config: c,
    dynamoClient: world.dynamo,
    consumerOptions: { clientOptions: world.clientOptions },
    defaultMetrics: false,
  });
  world.running.push(app);
  return app;
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await fsp.readdir(d, { withFileTypes: true }).catch(() => [])) {
      if (e.isDirectory()) await walk(path.join(d, e.name));
      else out.push(path.relative(world.outputDir, path.join(d, e.name)).split(path.sep).join('/'));
    }
  };
  await walk(dir);
  return out.sort();
}

const expectedReadings = (): string[] => DEVICES.flatMap((d) => Array.from({ length: PER_DEVICE }, (_, seq) => `${d}#${seq}`)).sort();

describe.each(['polling', 'fan-out'] as const)('telemetry-consumer end to end (%s)', (retrieval) => {
  it('puts every valid reading in the files and the state table once, rolls them up, and dead-letters the invalid one', async () => {
    const { dynamo, outputDir } = world;
    const stream = await world.createStream(2);
    await produce(stream);
    const app = await startWorker(config(stream, world.unique('tc'), ['--retrieval', retrieval, '--worker-id', 'e2e-1']));
    await waitFor('100 records handled and 1 dead-lettered', () => {
      const s = app.consumer.stats();
      return s.recordsProcessed >= DEVICES.length * PER_DEVICE && s.deadLettered >= 1;
    });
    expect(app.consumer.stats().leasesHeld).toHaveLength(2);

    const metrics = await (await fetch(`${app.url}/metrics`)).text();
    expect(metrics).toContain(`telemetry_consumer_records_total{result="valid"} ${DEVICES.length * PER_DEVICE}`);
    expect(metrics).toContain('telemetry_consumer_records_total{result="invalid"} 1');
    expect(metrics).toContain('telemetry_consumer_rollup_readings_total{outcome="counted"} 100');
    expect(metrics).not.toContain('outcome="duplicate"');
    expect(metrics).toContain('telemetry_consumer_dead_letters_total{condition="NonRetriableFailure",code="INVALID_TELEMETRY"} 1');
    expect(metrics).toContain('kinesis_consumer_leases_held 2');
    expect(metrics).toMatch(/kinesis_consumer_millis_behind_latest\{shard_id="shardId-00000000000[01]"\} \d+/);
    expect((await fetch(`${app.url}/healthz`)).status).toBe(200);

    await app.close();

    // Telemetry: every reading exactly once, in <prefix>/YYYY/MM/DD/HH/<name>-<worker>-<n>.ndjson.gz.
    const files = await filesUnder(path.join(outputDir, 'telemetry'));
    for (const f of files) expect(f).toMatch(/^telemetry\/\d{4}\/\d{2}\/\d{2}\/\d{2}\/telemetry-e2e-1-\d+\.ndjson\.gz$/);
    const readings = (await gzLines(path.join(outputDir, 'telemetry'))).map((l) => JSON.parse(l) as { deviceId: string; seq: number });
    expect(readings.map((r) => `${r.deviceId}#${r.seq}`).sort()).toEqual(expectedReadings());

    // Device state: the newest seq of each device.
    for (const deviceId of DEVICES) {
      const item = await dynamo.send(new GetItemCommand({ TableName: app.deviceState.tableName, Key: { deviceId: { S: deviceId } }, ConsistentRead: true }));
      expect(unmarshall(item.Item ?? {})).toMatchObject({ deviceId, seq: PER_DEVICE - 1, metrics: { temperature_c: PER_DEVICE - 1 } });
    }

    // Rollups: minute 0 closed by the watermark, minute 1 at shutdown; 10 readings each.
    const rollups = (await gzLines(path.join(outputDir, 'rollups'))).map((l) => JSON.parse(l) as { deviceId: string; metric: string; windowStart: string; count: number; mean: number; closedBy: string });
    const temperature = rollups.filter((r) => r.metric === 'temperature_c').sort((a, b) => (a.deviceId + a.windowStart < b.deviceId + b.windowStart ? -1 : 1));
    expect(temperature).toHaveLength(DEVICES.length * 2);
    for (const [i, r] of temperature.entries()) {
      const minute = i % 2;
      expect(r).toMatchObject({ deviceId: DEVICES[Math.floor(i / 2)], windowStart: new Date(BASE + minute * 60_000).toISOString(), count: 10, mean: minute * 10 + 4.5, closedBy: minute === 0 ? 'watermark' : 'shutdown' });
    }

    // Dead letter: the library's envelope, with the validation errors.
    const dlqFiles = await filesUnder(path.join(outputDir, 'dlq'));
    expect(dlqFiles).toHaveLength(1);
    const lines = (await fsp.readFile(path.join(outputDir, dlqFiles[0]), 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(1);
    const entry = parseDeadLetterEnvelope(lines[0]);
    expect(entry).toMatchObject({ stream, partitionKey: 'dev-a', condition: 'NonRetriableFailure', error: { name: 'InvalidTelemetryError', code: 'INVALID_TELEMETRY' } });
    expect(entry.error.message).toBe('invalid telemetry: seq: expected an integer; metrics: must have 1 to 100 entries (got 0)');
    expect(JSON.parse(Buffer.from(entry.data, 'base64').toString('utf8'))).toMatchObject({ seq: 'eight' });
  });
});

it('two workers share the shards; when one stops, the other takes its shards over and nothing is lost', async () => {
  const { outputDir } = world;
  const stream = await world.createStream(4);
  const application = world.unique('tc-pair');
  const first = await startWorker(config(stream, application, ['--worker-id', 'w1']));
  const second = await startWorker(config(stream, application, ['--worker-id', 'w2']));
  await waitFor('the shards split between the workers', () => first.consumer.stats().leasesHeld.length === 2 && second.consumer.stats().leasesHeld.length === 2);
  await produce(stream, false);
  await waitFor('every record', () => first.consumer.stats().recordsProcessed + second.consumer.stats().recordsProcessed >= DEVICES.length * PER_DEVICE);
  await first.close();
  await waitFor('w2 holds all four leases', () => second.consumer.stats().leasesHeld.length === 4, 10_000);
  const before = second.consumer.stats().recordsProcessed;
  await produce(stream, false); // the same readings again: stale for the state table, duplicates for rollups
  await waitFor('the second round', () => second.consumer.stats().recordsProcessed >= before + DEVICES.length * PER_DEVICE, 10_000);
  await second.close();
  const readings = (await gzLines(path.join(outputDir, 'telemetry'))).map((l) => JSON.parse(l) as { deviceId: string; seq: number });
  const distinct = [...new Set(readings.map((r) => `${r.deviceId}#${r.seq}`))].sort();
  expect(distinct).toEqual(expectedReadings());
  const byWorker = (await filesUnder(path.join(outputDir, 'telemetry'))).map((f) => /telemetry-(w\d)-/.exec(f)?.[1]);
  expect(new Set(byWorker)).toEqual(new Set(['w1', 'w2']));
});

it('main.ts: SIGTERM stops the worker gracefully: exit 0, files published, leases released', async () => {
  const { emu, dynamo, outputDir } = world;
  const stream = await world.createStream(2);
  const application = world.unique('tc-main');
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', 'apps/telemetry-consumer/src/main.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env['PATH'] ?? '',
      HOME: process.env['HOME'] ?? '',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      AWS_ENDPOINT_URL: emu.url,
      AWS_REGION: TEST_REGION,
      AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
      TELEMETRY_CONSUMER_STREAM: stream,
      TELEMETRY_CONSUMER_APPLICATION_NAME: application,
      TELEMETRY_CONSUMER_STATE_TABLE: `${application}-state`,
      TELEMETRY_CONSUMER_OUTPUT_DIR: outputDir,
      TELEMETRY_CONSUMER_HOST: '127.0.0.1',
      TELEMETRY_CONSUMER_PORT: '0',
      TELEMETRY_CONSUMER_WORKER_ID: 'main-1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const logs: Array<{ msg?: string; url?: string }> = [];
  child.stdout?.on('data', (d: Buffer) => {
    output += d.toString();
    for (const line of d.toString().split('\n')) {
      try {
        logs.push(JSON.parse(line) as { msg?: string; url?: string });
      } catch {
        // not a log line
      }
    }
  });
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    await waitFor('ready', () => logs.some((l) => l.msg === 'ready'), 20_000).catch((err: Error) => {
      throw new Error(`${err.message}; output:\n${output}`);
    });
    const url = logs.find((l) => l.msg === 'ready')?.url as string;
    await produce(stream, false);
    await waitFor('every record', async () => {
      const metrics = await (await fetch(`${url}/metrics`)).text();
      return metrics.includes(`telemetry_consumer_records_total{result="valid"} ${DEVICES.length * PER_DEVICE}`);
    });
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  } finally {
    child.kill('SIGKILL');
  }
  expect(logs.some((l) => l.msg === 'stopped')).toBe(true);
  expect((await gzLines(path.join(outputDir, 'telemetry'))).length).toBe(DEVICES.length * PER_DEVICE);
  expect((await filesUnder(outputDir)).filter((f) => f.includes('.inprogress'))).toEqual([]);
  const leases = await dynamo.send(new ScanCommand({ TableName: application, ConsistentRead: true }));
  expect(leases.Items?.map((i) => unmarshall(i))).toEqual([
    expect.not.objectContaining({ leaseOwner: expect.anything() }),
    expect.not.objectContaining({ leaseOwner: expect.anything() }),
  ]);
}, 40_000);
