/**
 * main.ts as operators run it: a child process (tsx) configured by environment alone against an in-process
 * emulator. SIGTERM must stop intake, answer the requests in progress, flush every accepted record to the
 * stream and exit 0; a second signal must exit at once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { generateApiKey } from '@tributary/auth';
import { startEmulator, type RunningEmulator } from '@tributary/emulator';
import { decodeTelemetry } from '@tributary/schemas';
import { request } from './testing/http-test-client';
import { readStream } from './testing/kinesis-stream-reader';

const ROOT = path.resolve(__dirname, '../../..');
const REGION = 'us-east-1';
let counter = 0;
const unique = (prefix: string): string => `${prefix}-${process.pid}-${Date.now().toString(36)}-${++counter}`;

interface LogLine {
  msg?: string;
  [key: string]: unknown;
}

interface Child {
  process: ChildProcess;
  logs: LogLine[];
  output: () => string;
  /** Resolves with the first log line whose msg is `msg`. */
  waitFor(msg: string): Promise<LogLine>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function startChild(args: string[], env: Record<string, string>): Child {
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', 'apps/telemetry-producer/src/main.ts', ...args], {
    cwd: ROOT,
    env: {
      PATH: process.env['PATH'] ?? '',
      HOME: process.env['HOME'] ?? '',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: LogLine[] = [];
  let text = '';
  let pending = '';
  const waiters: { msg: string; resolve: (l: LogLine) => void }[] = [];
  child.stdout?.on('data', (d: Buffer) => {
    text += d.toString();
    pending += d.toString();
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      try {
        const parsed = JSON.parse(line) as LogLine;
        logs.push(parsed);
        for (const w of waiters.filter((w) => w.msg === parsed.msg)) w.resolve(parsed);
      } catch {
        // not a log line
      }
    }
  });
  child.stderr?.on('data', (d: Buffer) => (text += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return {
    process: child,
    logs,
    output: () => text,
    waitFor: (msg) => {
      const seen = logs.find((l) => l.msg === msg);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        waiters.push({ msg, resolve });
        void exited.then(({ code }) => reject(new Error(`the app exited (${code}) before logging "${msg}":\n${text}`)));
      });
    },
    exited,
  };
}

describe('telemetry-producer process: shutdown', () => {
  let emu: RunningEmulator;
  let kinesis: KinesisClient;
  const key = generateApiKey({ scopes: ['telemetry:write'] });
  const children: Child[] = [];

  const env = (): Record<string, string> => ({
    AWS_ENDPOINT_URL: emu.url,
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    TELEMETRY_API_KEYS: `${key.record.id}:${key.record.hash}:telemetry:write`,
    LOG_LEVEL: 'info',
    // The simulator's durable buffer in a directory of the test's own, not under the repository's .data/.
    TELEMETRY_BUFFER_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'tp-shutdown-buffer-')),
  });

  beforeAll(async () => {
    emu = await startEmulator({ port: 0 });
    kinesis = new KinesisClient({ endpoint: emu.url, region: REGION, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  });

  afterAll(async () => {
    for (const c of children) if (c.process.exitCode === null && c.process.signalCode === null) c.process.kill('SIGKILL');
    kinesis?.destroy();
    await emu?.close();
  });

  it('on SIGTERM answers the request in progress, flushes every accepted record and exits 0', async () => {
    const stream = unique('shutdown');
    const child = startChild(
      ['--mode', 'both', '--stream', stream, '--create-stream', '2', '--host', '127.0.0.1', '--port', '0', '--devices', '20', '--rate', '20'],
      env(),
    );
    children.push(child);
    const ready = await child.waitFor('ready');
    const url = ready['url'] as string;
    // Kinesis slows down, so that records sit in the producer's buffer when the signal arrives.
    emu.faults.add({ operations: ['PutRecords'], streamName: stream, latencyMs: 300 });

    const devices = [0, 1, 2, 3].map((i) => unique(`http-${i}`));
    const records = Array.from({ length: 40 }, (_, i) => ({ schemaVersion: 1, deviceId: devices[i % 4], seq: i >> 2, ts: Date.now(), metrics: { v: i } }));
    const answer = request(url, {
      path: '/v1/telemetry',
      headers: { 'x-api-key': key.key, 'content-type': 'application/x-ndjson' },
      body: records.map((r) => JSON.stringify(r)).join('\n'),
    });
    await new Promise((r) => setTimeout(r, 100));
    child.process.kill('SIGTERM');

    const res = await answer;
    expect(res.status).toBe(200);
    const results = (res.json as { accepted: number; results: Array<{ shardId: string; sequenceNumber: string; subSequenceNumber?: number }> });
    expect(results.accepted).toBe(40);
    expect(await child.exited).toEqual({ code: 0, signal: null });
    const stopping = await child.waitFor('stopping: no new records, flushing what was accepted');
    // The signal came while records were still buffered: the flush is what delivered them.
    expect(stopping['bufferedRecords']).toBeGreaterThan(0);
    const stopped = await child.waitFor('stopped');
    const sim = stopped['simulator'] as { sent: number; acknowledged: number; failed: number; inFlight: number };
    expect(sim.failed).toBe(0);
    expect(sim.inFlight).toBe(0);
    expect(sim.acknowledged).toBe(sim.sent);
    expect(sim.sent).toBeGreaterThan(0);
    expect(stopped['recordsPut']).toBe(sim.sent + 40);

    emu.faults.clear();
    const stored = await readStream(kinesis, stream);
    const simulated = stored.filter((s) => s.partitionKey.startsWith('sim-'));
    expect(simulated).toHaveLength(sim.sent);
    for (const s of simulated) expect(decodeTelemetry(s.data).ok).toBe(true);
    for (const r of results.results) {
      expect(stored.some((s) => s.shardId === r.shardId && s.sequenceNumber === r.sequenceNumber && s.subSequenceNumber === r.subSequenceNumber)).toBe(true);
    }
    expect(stored.filter((s) => devices.includes(s.partitionKey))).toHaveLength(40);
  });

  it('exits at once on a second signal, without waiting for the flush', async () => {
    const stream = unique('second-signal');
    const child = startChild(['--mode', 'simulate', '--stream', stream, '--create-stream', '1', '--host', '127.0.0.1', '--port', '0', '--devices', '5', '--rate', '50'], env());
    children.push(child);
    await child.waitFor('ready');
    // Kinesis stops answering for a while: the flush cannot finish.
    emu.faults.add({ operations: ['PutRecords'], streamName: stream, latencyMs: 3_000 });
    await new Promise((r) => setTimeout(r, 200));
    child.process.kill('SIGTERM');
    await child.waitFor('stopping: no new records, flushing what was accepted');
    const started = Date.now();
    child.process.kill('SIGTERM');
    expect(await child.exited).toEqual({ code: 143, signal: null });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(child.logs.some((l) => l.msg === 'second signal: exiting without waiting for the flush')).toBe(true);
    expect(child.logs.some((l) => l.msg === 'stopped')).toBe(false);
    emu.faults.clear();
  });
});
