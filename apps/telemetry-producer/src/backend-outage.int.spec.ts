/**
 * The app through a Kinesis outage (issue 12): the emulator stops and restarts on the same port and data directory
 * while the simulator runs. What used to happen: records of the first 30 s were lost, the log flooded (24,008 lines
 * in 61 s, a stack per record), /healthz said ok throughout and the recovery was not logged.
 * Scaled down so it runs in seconds with the same code paths: record TTL 500 ms, a 3 s outage (six TTLs), the
 * delivery log's summary interval 1 s instead of 10 s.
 * Checked: readiness 503 with the reason and the `telemetry_producer_degraded` gauge at 1 during the outage, both
 * back once the buffer is replayed; the outage and the recovery logged once each, a bounded number of lines, no
 * stack; every simulated record in the stream, each device's seq consecutive and in order.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { startEmulator, type RunningEmulator } from '@tributary/emulator';
import { decodeTelemetry } from '@tributary/schemas';
import pino from 'pino';
import { request } from './testing/http-test-client';
import { readStream } from './testing/kinesis-stream-reader';
import { loadConfig } from './telemetry-producer-config';
import { startTelemetryProducer, type RunningTelemetryProducer } from './telemetry-producer-app';
import { setTimeout as sleep } from 'node:timers/promises';
import { eventually } from '@tributary/runtime/testing';

const REGION = 'us-east-1';
const CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

interface Line {
  level: number;
  msg: string;
  time: number;
  [k: string]: unknown;
}

describe('telemetry-producer through a Kinesis outage', () => {
  let emu: RunningEmulator;
  let app: RunningTelemetryProducer | undefined;
  const dirs: string[] = [];
  const tmp = (prefix: string): string => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    dirs.push(dir);
    return dir;
  };

  afterAll(async () => {
    await app?.close();
    await emu?.close();
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('degraded on readiness and in /metrics while Kinesis is unreachable, logged once each way, nothing lost', async () => {
    const dataDir = tmp('tp-outage-emu-');
    emu = await startEmulator({ port: 0, dataDir });
    const port = emu.port;
    const stream = `outage-${process.pid}-${Date.now().toString(36)}`;
    const loaded = loadConfig(
      ['--mode', 'simulate', '--stream', stream, '--create-stream', '2', '--host', '127.0.0.1', '--port', '0', '--devices', '5', '--rate', '20', '--linger-ms', '20', '--record-ttl-ms', '500'],
      { TELEMETRY_BUFFER_DIR: tmp('tp-outage-buffer-') },
    );
    if (loaded.help) throw new Error('unexpected --help');
    const lines: Line[] = [];
    const logger = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s) as Line) });
    app = await startTelemetryProducer({
      config: loaded.config,
      logger,
      kinesis: { endpoint: emu.url, region: REGION, credentials: CREDENTIALS },
      producerOptions: { retry: { baseDelayMs: 20, maxDelayMs: 200 }, requestTimeoutMs: 1_000, logSummaryIntervalMs: 1_000 },
      bufferOptions: { replayPauseMs: 200 },
      defaultMetrics: false,
    });
    const url = app.url;
    const get = async (p: string) => request(url, { method: 'GET', path: p });
    const metric = async (name: string): Promise<number> => {
      const text = (await get('/metrics')).text;
      const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
      return m ? Number(m[1]) : NaN;
    };

    await eventually('records acknowledged', async () => ((app?.simulator?.stats().acknowledged ?? 0) > 20 ? true : undefined));
    expect((await get('/readyz')).status).toBe(200);
    expect(await metric('telemetry_producer_degraded')).toBe(0);

    // The outage.
    await emu.close();
    const outageStart = Date.now();
    const during = await eventually('readiness to report the outage', async () => {
      const r = await get('/readyz');
      // Calls failing for 2 s make an outage; records in the buffer may say degraded sooner.
      return r.status === 503 && JSON.stringify(r.json).includes('Kinesis unreachable') ? r : undefined;
    });
    const report = during.json as { status: string; degraded: string[] };
    expect(report.status).toBe('degraded');
    expect(report.degraded.join(' ')).toMatch(/Kinesis unreachable.*(ECONNREFUSED|ECONNRESET)/);
    // Liveness stays 200: the process is doing its job (buffering), a restart would not help.
    const live = await get('/healthz');
    expect(live.status).toBe(200);
    expect((live.json as { status: string }).status).toBe('degraded');
    expect(await metric('telemetry_producer_degraded')).toBe(1);
    expect(await metric('kinesis_producer_delivery_failing')).toBe(1);
    await sleep(3_000 - (Date.now() - outageStart));
    expect(app.durable?.stats().bufferedRecords).toBeGreaterThan(50);
    const linesInOutage = lines.filter((l) => l.time >= outageStart && l.level >= 40);

    // Back, same port, same data.
    emu = await startEmulator({ port, dataDir });
    await eventually('readiness back to ok', async () => ((await get('/readyz')).status === 200 ? true : undefined));
    expect(await metric('telemetry_producer_degraded')).toBe(0);
    expect(await metric('kinesis_producer_delivery_failing')).toBe(0);
    expect(((await get('/healthz')).json as { status: string }).status).toBe('ok');

    // The log: the outage once, the recovery once, summaries, never a stack; a few lines, not one per record.
    process.stdout.write(`outage log: ${linesInOutage.length} warn+ lines in 3 s; ${lines.length} lines in all\n${linesInOutage.map((l) => `  ${l.msg}`).join('\n')}\n`);
    expect(lines.filter((l) => /^Kinesis unreachable/.test(l.msg))).toHaveLength(1);
    expect(lines.filter((l) => /^Kinesis reachable again/.test(l.msg))).toHaveLength(1);
    expect(lines.filter((l) => l.msg === 'durable buffer drained: sending directly again')).toHaveLength(1);
    expect(linesInOutage.length).toBeLessThanOrEqual(8);
    expect(lines.every((l) => !('err' in l) && !('stack' in l))).toBe(true);

    const sim = app.simulator;
    await app.close();
    app = undefined;
    const stats = sim?.stats();
    expect(stats?.failed).toBe(0);
    expect(stats?.buffered).toBeGreaterThan(50);

    // Every record the simulator sent is in the stream once, each device's seq consecutive and in order.
    const kinesis = new KinesisClient({ endpoint: emu.url, region: REGION, credentials: CREDENTIALS });
    const stored = await readStream(kinesis, stream);
    kinesis.destroy();
    const byDevice = new Map<string, number[]>();
    for (const s of stored) {
      const decoded = decodeTelemetry(s.data);
      if (!decoded.ok) throw new Error('invalid record in the stream');
      const list = byDevice.get(decoded.value.deviceId) ?? [];
      list.push(decoded.value.seq);
      byDevice.set(decoded.value.deviceId, list);
    }
    expect(stored).toHaveLength(stats?.sent ?? -1);
    for (const [, seqs] of byDevice) expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => seqs[0] + i));
  }, 60_000);
});
