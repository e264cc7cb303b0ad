/**
 * Outages of the platform, against the real worker: the emulator in process, the real KinesisConsumer, and the
 * emulator's fault injector dropping every connection to a table or a whole service (what an unreachable backend
 * looks like to the SDK: socket hang up).
 *
 * Regressions (issue 12):
 * - item 15: with the default --max-retries 3, a valid record whose state-table write failed went to the DLQ
 *   1.5 s into the outage. Now no valid record reaches the DLQ, every one arrives once the table is back (and its
 *   line is in the files once), and the invalid record still goes to the DLQ;
 * - item 14: /healthz said 200 through a 61-s outage of Kinesis and DynamoDB and recovery was not logged. Now
 *   /readyz answers 503 and names the failing dependencies, the `telemetry_consumer_dependency_up` gauge drops
 *   to 0, and the outage and the recovery are each logged once per dependency (not per failure, no stacks).
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { parseDeadLetterEnvelope } from '@tributary/kinesis-consumer';
import { KinesisProducer } from '@tributary/kinesis-producer';
import { encodeTelemetry, parseTelemetry } from '@tributary/schemas';
import pino from 'pino';
import { startTelemetryConsumer, type RunningTelemetryConsumer } from './telemetry-consumer-app';
import { loadConfig, type TelemetryConsumerConfig } from './telemetry-consumer-config';
import { gzLines, useConsumerAppWorld, waitForWithin } from './testing/consumer-app-world';

// The faults a test injected are cleared after it, before its workers are closed.
const world = useConsumerAppWorld({ tmpPrefix: 'telemetry-consumer-outage-', clearFaultsAfterEach: true });
const waitFor = waitForWithin(20_000);

const DEVICES = ['dev-a', 'dev-b', 'dev-c', 'dev-d', 'dev-e'];
const BASE = Math.floor(Date.now() / 60_000) * 60_000 - 120_000;

/** `perDevice` readings of each device from `fromSeq`, plus (optionally) one invalid record. */
async function produce(stream: string, fromSeq: number, perDevice: number, invalid: boolean): Promise<void> {
  const producer = new KinesisProducer({ streamName: stream, clientOptions: world.clientOptions, aggregation: true, maxBufferedTimeMs: 20 });
  const puts: Promise<unknown>[] = [];
  for (let seq = fromSeq; seq < fromSeq + perDevice; seq++) {
    for (const deviceId of DEVICES) {
      const parsed = parseTelemetry({ schemaVersion: 1, deviceId, seq, ts: BASE + seq * 1_000, metrics: { temperature_c: seq } });
      if (!parsed.ok) throw new Error('bad fixture');
      puts.push(producer.put({ partitionKey: deviceId, data: encodeTelemetry(parsed.value) }));
    }
    if (invalid && seq === fromSeq + 2) puts.push(producer.put({ partitionKey: 'dev-a', data: JSON.stringify({ schemaVersion: 1, deviceId: 'dev-a', seq: 'x', ts: BASE, metrics: {} }) }));
  }
  await Promise.all(puts);
  await producer.close();
}

interface LogLine {
  level: number;
  msg: string;
  err?: unknown;
  [key: string]: unknown;
}

async function startWorker(): Promise<{ app: RunningTelemetryConsumer; logs: LogLine[]; config: TelemetryConsumerConfig }> {
  const application = world.unique('app');
  const stream = await world.createStream(1);
  const loaded = loadConfig(
    ['--stream', stream, '--application-name', application, '--host', '127.0.0.1', '--port', '0', '--output-dir', world.outputDir, '--state-table', `${application}-state`, '--rollup-table', 'off'],
    {},
  );
  if (loaded.help) throw new Error('unexpected --help');
  const logs: LogLine[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString('utf8').split('\n')) if (l) logs.push(JSON.parse(l) as LogLine);
      done();
    },
  });
  const app = await startTelemetryConsumer({
    config: loaded.config,
    logger: pino({ level: 'info' }, sink),
    dynamoClient: world.dynamo,
    consumerOptions: { clientOptions: world.clientOptions, retryBackoff: { baseMs: 20, maxMs: 200 } },
    defaultMetrics: false,
  });
  world.running.push(app);
  return { app, logs, config: loaded.config };
}

async function readyz(app: RunningTelemetryConsumer): Promise<{ status: number; body: { ready: boolean; degraded: Array<{ dependency: string; reason: string }> } }> {
  const res = await fetch(`${app.url}/readyz`);
  return { status: res.status, body: (await res.json()) as { ready: boolean; degraded: Array<{ dependency: string; reason: string }> } };
}

async function gauge(app: RunningTelemetryConsumer, dependency: string): Promise<number | undefined> {
  const text = await (await fetch(`${app.url}/metrics`)).text();
  const m = new RegExp(`^telemetry_consumer_dependency_up\\{dependency="${dependency}"\\} (\\d+)$`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
}

const countMsg = (logs: LogLine[], pattern: RegExp): number => logs.filter((l) => pattern.test(l.msg)).length;
const withStack = (logs: LogLine[]): LogLine[] => logs.filter((l) => typeof l.err === 'object' && l.err !== null && 'stack' in l.err);

describe('telemetry-consumer through outages of its backends', () => {
  it('waits out an unreachable state table: no valid record dead-lettered, each delivered once after, readiness degraded meanwhile', async () => {
    const { emu, dynamo, outputDir } = world;
    const { app, logs, config } = await startWorker();
    emu.faults.add({ service: 'dynamodb', tableName: config.stateTable, dropRate: 1 });
    await produce(config.stream, 0, 10, true);

    await waitFor('readiness to name the state table', async () => (await readyz(app)).body.degraded.some((d) => d.dependency === 'device-state-table'));
    const during = await readyz(app);
    expect(during.status).toBe(503);
    expect(during.body.ready).toBe(false);
    expect(await gauge(app, 'device-state-table')).toBe(0);
    // Well past the old budget (4 attempts at ≤ 200 ms): the batches keep waiting instead.
    await new Promise((r) => setTimeout(r, 2_500));
    // Nothing dead-lettered: the batch (the invalid record in it too) waits for the table.
    expect(app.consumer.stats().deadLettered).toBe(0);
    expect(app.consumer.stats().retries).toBeGreaterThan(4);

    emu.faults.clear();
    const states = async (): Promise<Array<{ deviceId: string; seq: number }>> =>
      ((await dynamo.send(new ScanCommand({ TableName: config.stateTable }))).Items ?? []).map((i) => unmarshall(i) as { deviceId: string; seq: number });
    await waitFor('every device at its last seq', async () => {
      const s = await states();
      return s.length === DEVICES.length && s.every((d) => d.seq === 9);
    });
    await waitFor('readiness back', async () => (await readyz(app)).status === 200);
    expect(await gauge(app, 'device-state-table')).toBe(1);
    await app.close();

    // The DLQ holds the invalid record alone.
    const dlqDir = path.join(outputDir, 'dlq');
    const dlq = (await Promise.all((await fsp.readdir(dlqDir)).map((f) => fsp.readFile(path.join(dlqDir, f), 'utf8')))).join('').trim().split('\n').map(parseDeadLetterEnvelope);
    expect(dlq.map((e) => e.condition)).toEqual(['NonRetriableFailure']);
    // Every valid reading is in the files once, although its batch was retried for seconds.
    const lines = (await gzLines(path.join(outputDir, 'telemetry'))).map((l) => JSON.parse(l) as { deviceId: string; seq: number });
    expect(lines).toHaveLength(DEVICES.length * 10);
    expect(new Set(lines.map((l) => `${l.deviceId}#${l.seq}`)).size).toBe(DEVICES.length * 10);
    // The outage and its end, once each.
    expect(countMsg(logs, /^device-state-table refuses writes/)).toBe(1);
    expect(countMsg(logs, /^device-state-table accepts writes again/)).toBe(1);
    expect(withStack(logs)).toEqual([]);
  }, 45_000);

  it('reports Kinesis and DynamoDB unreachable on /readyz and /metrics, and logs each outage and recovery once', async () => {
    const { emu } = world;
    const { app, logs, config } = await startWorker();
    await produce(config.stream, 0, 2, false);
    await waitFor('the first records', () => app.consumer.stats().recordsProcessed >= 10);
    expect((await readyz(app)).status).toBe(200);

    const degradedNow = async (): Promise<string[]> => (await readyz(app)).body.degraded.map((d) => d.dependency);
    // Kinesis first: reads fail while the leases hold. (With DynamoDB down the leases expire after the failover
    // time, and a worker without leases reads nothing, so it could not tell whether Kinesis answers.)
    emu.faults.add({ service: 'kinesis', dropRate: 1 });
    await waitFor('Kinesis degraded', async () => (await degradedNow()).includes('kinesis'));
    emu.faults.add({ service: 'dynamodb', dropRate: 1 });
    await waitFor('DynamoDB degraded', async () => (await degradedNow()).includes('dynamodb'));
    expect(await degradedNow()).toEqual(['kinesis', 'dynamodb']);
    const during = await readyz(app);
    expect(during.status).toBe(503);
    for (const d of during.body.degraded) expect(d.reason).not.toBe('');
    expect(await gauge(app, 'kinesis')).toBe(0);
    expect(await gauge(app, 'dynamodb')).toBe(0);
    // Failures go on for a while: none of them is logged again.
    await new Promise((r) => setTimeout(r, 2_000));

    emu.faults.clear();
    await waitFor('readiness back', async () => (await readyz(app)).status === 200, 25_000);
    expect(await gauge(app, 'kinesis')).toBe(1);
    expect(await gauge(app, 'dynamodb')).toBe(1);
    await produce(config.stream, 2, 2, false);
    await waitFor('records after the outage', () => app.consumer.stats().recordsProcessed >= 20, 20_000);

    expect(countMsg(logs, /^kinesis is failing/)).toBe(1);
    expect(countMsg(logs, /^dynamodb is failing/)).toBe(1);
    expect(countMsg(logs, /^kinesis answers again/)).toBe(1);
    expect(countMsg(logs, /^dynamodb answers again/)).toBe(1);
    expect(countMsg(logs, /^consumer error$/)).toBe(0);
    expect(withStack(logs)).toEqual([]);
  }, 60_000);
});
