/**
 * The simulator writing into a real stream: through the app in `simulate` mode (real time, briefly), and alone
 * with a manual clock and the real producer (an exact number of records, without waiting for them to come due).
 * What the stream holds is read back and deaggregated with aws-kinesis-agg.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { startEmulator, type RunningEmulator } from '@tributary/emulator';
import { KinesisProducer } from '@tributary/kinesis-producer';
import { decodeTelemetry, type TelemetryEnvelope } from '@tributary/schemas';
import { readStream, type StoredUserRecord } from '../testing/kinesis-stream-reader';
import { ManualClock } from '../testing/manual-clock';
import { loadConfig } from '../telemetry-producer-config';
import { startTelemetryProducer } from '../telemetry-producer-app';
import { ensureStream } from '../stream-bootstrap';
import { systemClock } from '../clock';
import pino from 'pino';
import { DeviceSimulator } from './device-simulator';
import { createSeededRandom } from './random-source';

const REGION = 'us-east-1';
const CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };
let counter = 0;
const unique = (prefix: string): string => `${prefix}-${process.pid}-${Date.now().toString(36)}-${++counter}`;

function envelopes(stored: StoredUserRecord[]): Array<TelemetryEnvelope & { shardId: string; partitionKey: string }> {
  return stored.map((s) => {
    const decoded = decodeTelemetry(s.data);
    if (!decoded.ok) throw new Error(`invalid record in the stream: ${JSON.stringify(decoded.issues)}`);
    return { ...decoded.value, shardId: s.shardId, partitionKey: s.partitionKey };
  });
}

describe('device simulator into Kinesis', () => {
  let emu: RunningEmulator;
  let kinesis: KinesisClient;

  beforeAll(async () => {
    emu = await startEmulator({ port: 0 });
    kinesis = new KinesisClient({ endpoint: emu.url, region: REGION, credentials: CREDENTIALS });
  });

  afterAll(async () => {
    kinesis?.destroy();
    await emu?.close();
  });

  it('runs N devices through the app (mode simulate): every record sent is in the stream, per device in order', async () => {
    const stream = unique('sim-app');
    const startedAt = Date.now();
    const loaded = loadConfig(
      ['--mode', 'simulate', '--stream', stream, '--create-stream', '2', '--host', '127.0.0.1', '--port', '0', '--devices', '6', '--rate', '20', '--seed', '5'],
      // The simulator's durable buffer in a directory of the test's own, not under the repository's .data/.
      { TELEMETRY_BUFFER_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'tp-sim-buffer-')) },
    );
    if (loaded.help) throw new Error('unexpected --help');
    const app = await startTelemetryProducer({
      config: loaded.config,
      kinesis: { endpoint: emu.url, region: REGION, credentials: CREDENTIALS },
      defaultMetrics: false,
    });
    const simulator = app.simulator as DeviceSimulator;
    // ~1 s of the fleet (120 records/s), acknowledged by Kinesis.
    for (let i = 0; i < 300 && simulator.stats().acknowledged < 120; i++) await new Promise((r) => setTimeout(r, 10));
    await app.close();

    const stats = simulator.stats();
    expect(stats).toMatchObject({ devices: 6, failed: 0, inFlight: 0, skipped: 0, running: false });
    expect(stats.acknowledged).toBe(stats.sent);
    expect(stats.sent).toBeGreaterThanOrEqual(120);

    const records = envelopes(await readStream(kinesis, stream));
    expect(records).toHaveLength(stats.sent);
    const ids = ['sim-0001', 'sim-0002', 'sim-0003', 'sim-0004', 'sim-0005', 'sim-0006'];
    expect([...new Set(records.map((r) => r.deviceId))].sort()).toEqual(ids);
    const counts = ids.map((id) => records.filter((r) => r.deviceId === id).length);
    // Round-robin: no device more than one record ahead of another.
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
    for (const id of ids) {
      const own = records.filter((r) => r.deviceId === id);
      expect(own.every((r) => r.partitionKey === id && r.shardId === own[0].shardId)).toBe(true);
      // Consecutive from the wall clock at start (ms), so a restarted fleet counts on above its previous run.
      expect(own[0].seq).toBeGreaterThanOrEqual(startedAt);
      expect(own.map((r) => r.seq)).toEqual(own.map((_, k) => own[0].seq + k));
      // Every 50 ms (20/s), in stream order.
      expect(own.slice(1).map((r, k) => r.ts - own[k].ts)).toEqual(own.slice(1).map(() => 50));
    }

    const metrics = await app.metrics.render();
    expect(metrics.body).toContain(`telemetry_producer_records_accepted_total{source="simulator"} ${stats.sent}\n`);
    expect(metrics.body).toContain(`telemetry_producer_simulator_records_sent_total ${stats.sent}\n`);
    expect(metrics.body).toContain('telemetry_producer_simulator_devices 6\n');
  });

  it('writes exactly the records a manual clock makes due, through the real producer', async () => {
    const stream = unique('sim-clock');
    const control = new KinesisClient({ endpoint: emu.url, region: REGION, credentials: CREDENTIALS });
    await ensureStream({ client: control, streamName: stream, createShards: 2, clock: systemClock, logger: pino({ level: 'silent' }) });
    control.destroy();
    const producer = new KinesisProducer({
      streamName: stream,
      clientOptions: { endpoint: emu.url, region: REGION, credentials: CREDENTIALS },
      ordered: true,
      maxBufferedTimeMs: 20,
    });
    const clock = new ManualClock(Date.UTC(2025, 5, 1));
    const simulator = new DeviceSimulator({
      producer,
      devices: 3,
      ratePerDevice: 5,
      home: { lat: 51.5, lon: -0.12 },
      devicePrefix: 'clock-',
      clock,
      random: createSeededRandom(9),
    });
    simulator.start();
    await clock.advance(4_000);
    await simulator.stop();
    await producer.close();

    // 3 × 5 records/s: a slot every 66.7 ms, slots 0…60 within 4 s, dealt round-robin.
    expect(simulator.stats()).toMatchObject({ sent: 61, acknowledged: 61, failed: 0, skipped: 0 });
    const records = envelopes(await readStream(kinesis, stream));
    expect(records).toHaveLength(61);
    const seqsOf = (id: string) => records.filter((r) => r.deviceId === id).map((r) => r.seq);
    expect(seqsOf('clock-0001')).toEqual(Array.from({ length: 21 }, (_, k) => k));
    expect(seqsOf('clock-0002')).toEqual(Array.from({ length: 20 }, (_, k) => k));
    expect(seqsOf('clock-0003')).toEqual(Array.from({ length: 20 }, (_, k) => k));
    expect(records.find((r) => r.deviceId === 'clock-0002' && r.seq === 0)?.ts).toBe(Date.UTC(2025, 5, 1) + 67);
  });
});
