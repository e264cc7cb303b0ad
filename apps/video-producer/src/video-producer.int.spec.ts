/**
 * The producer end to end, in process: ffmpeg's test pattern → camera pipeline → spool → PutMedia → the emulator
 * (started here on port 0), then read back with GetMedia / ListFragments through the official SDK v3 clients
 * and decoded by ffprobe.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Fragment } from '@aws-sdk/client-kinesis-video-archived-media';
import pino from 'pino';
import { startEmulator, type RunningEmulator } from '@tributary/emulator';
import type { GetMediaFragment } from '@tributary/kvs';
import { listAllFragments, readFragments } from '@tributary/kvs/testing';
import { loadConfig, type VideoProducerConfig } from './video-producer-config';
import { startVideoProducer, type RunningVideoProducer } from './video-producer-app';
import { setTimeout as sleep } from 'node:timers/promises';
import { waitUntil } from '@tributary/runtime/testing';

const region = 'us-east-1';
const credentials = { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' };
const FPS = 25;

let dir: string;
let counter = 0;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'video-producer-int-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function configFor(stream: string, extra: string[] = []): VideoProducerConfig {
  const loaded = loadConfig(
    [
      ...['--stream', stream, '--source', 'testsrc', '--fragment-ms', '1000', '--width', '320', '--height', '240', '--fps', String(FPS)],
      ...['--bitrate', '300', '--preset', 'ultrafast', '--spool-dir', join(dir, 'spool'), '--spool-fsync', 'off', '--create-stream', 'on'],
      ...['--port', '0', '--host', '127.0.0.1', '--shutdown-timeout', '10000', '--log-level', 'silent'],
      ...extra,
    ],
    {},
  );
  if (loaded.help) throw new Error('unexpected --help');
  return loaded.config;
}

function start(endpoint: string, config: VideoProducerConfig): Promise<RunningVideoProducer> {
  return startVideoProducer({ config, kinesisVideo: { endpoint, region, credentials }, reconnectBaseDelayMs: 100, reconnectMaxDelayMs: 500, defaultMetrics: false });
}


async function listFragments(endpoint: string, streamName: string): Promise<Fragment[]> {
  const listed = await listAllFragments({ endpoint, region, credentials }, streamName);
  return listed.sort((a, b) => (a.ProducerTimestamp?.getTime() ?? 0) - (b.ProducerTimestamp?.getTime() ?? 0));
}

function readAll(endpoint: string, streamName: string, count: number): Promise<GetMediaFragment[]> {
  return readFragments({ endpoint, region, credentials }, streamName, count);
}

function ffprobeFrames(file: string): { count: number; pts: number[] } {
  const out = execFileSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'frame=pts_time', '-of', 'csv=p=0', file], { encoding: 'utf8' });
  const pts = out
    .split('\n')
    .map((l) => l.trim().split(',')[0])
    .filter((l) => l !== '')
    .map(Number);
  return { count: pts.length, pts };
}

describe('video-producer → emulator', () => {
  let emulator: RunningEmulator;

  afterEach(async () => {
    await emulator?.close();
  });

  it('streams the test pattern: GetMedia returns every frame ffmpeg produced, decodable, with increasing timestamps', async () => {
    emulator = await startEmulator({ port: 0, dynamodb: false });
    const stream = `vp-int-${process.pid}-${++counter}`;
    const startedAt = Date.now();
    const producer = await start(emulator.url, configFor(stream));
    await sleep(4000);
    const health = (await (await fetch(`${producer.url}/healthz`)).json()) as { status: string };
    expect(health.status).toBe('ok');
    const metricsText = await (await fetch(`${producer.url}/metrics`)).text();
    expect(metricsText).toContain(`video_producer_fragments_persisted_total{stream="${stream}"}`);
    const report = await producer.close();
    expect(report).toEqual({ left: { [stream]: 0 }, timedOut: false });

    const camera = producer.cameras[0];
    const stats = camera.pipeline.stats();
    const totals = camera.session.stats().totals;
    expect(stats.fragmentsDropped).toBe(0);
    expect(totals.fragmentsPersisted).toBe(stats.fragmentsWritten);
    expect(totals.reconnects).toBe(0);
    // ~4 s at 25 fps, cut into 1-s fragments.
    expect(stats.framesIn).toBeGreaterThanOrEqual(3 * FPS);
    expect(stats.fragmentsWritten).toBeGreaterThanOrEqual(3);

    const listed = await listFragments(emulator.url, stream);
    expect(listed).toHaveLength(stats.fragmentsWritten);
    const back = await readAll(emulator.url, stream, listed.length);
    const producerTs = back.map((f) => f.tags.producerTimestampMs ?? 0);
    // Absolute producer timestamps from the wall clock, increasing.
    expect(producerTs[0]).toBeGreaterThanOrEqual(startedAt - 1000);
    expect(producerTs[0]).toBeLessThanOrEqual(Date.now());
    for (let i = 1; i < producerTs.length; i++) expect(producerTs[i]).toBeGreaterThan(producerTs[i - 1]);
    const frames = back.flatMap((f) => f.cluster.frames.map((fr) => fr.timestampMs));
    for (let i = 1; i < frames.length; i++) expect(frames[i]).toBeGreaterThan(frames[i - 1]);
    expect(frames).toHaveLength(stats.framesIn);

    const file = join(dir, `${stream}.mkv`);
    writeFileSync(file, Buffer.concat([back[0].headerBytes, ...back.map((f) => f.cluster.bytes)]));
    const probed = ffprobeFrames(file);
    // Every frame ffmpeg produced comes back decodable (±1 fragment at the tail is what the task allows; here the
    // drain on close() sends the tail too).
    expect(Math.abs(probed.count - stats.framesIn)).toBeLessThanOrEqual(FPS);
    expect(probed.count).toBe(stats.framesIn);
    for (let i = 1; i < probed.pts.length; i++) expect(probed.pts[i]).toBeGreaterThan(probed.pts[i - 1]);
  });

  it('survives an emulator restart on the same dataDir mid-stream: no fragment lost, none duplicated', async () => {
    const dataDir = join(dir, 'emulator-data');
    emulator = await startEmulator({ port: 0, dynamodb: false, dataDir });
    const port = emulator.port;
    const stream = `vp-int-${process.pid}-${++counter}`;
    const producer = await start(emulator.url, configFor(stream));
    await sleep(2000);
    await emulator.close();
    await sleep(1500); // the camera keeps capturing into the spool
    const spooledDuringOutage = producer.cameras[0].spool.size;
    emulator = await startEmulator({ port, dynamodb: false, dataDir });
    await sleep(2000);
    const report = await producer.close();
    expect(report).toEqual({ left: { [stream]: 0 }, timedOut: false });

    const camera = producer.cameras[0];
    const stats = camera.pipeline.stats();
    const totals = camera.session.stats().totals;
    expect(spooledDuringOutage).toBeGreaterThan(0);
    expect(totals.reconnects).toBeGreaterThanOrEqual(1);
    expect(stats.fragmentsDropped).toBe(0);

    const listed = await listFragments(emulator.url, stream);
    const producerTs = listed.map((f) => f.ProducerTimestamp?.getTime() ?? 0);
    expect(new Set(producerTs).size).toBe(producerTs.length); // no duplicate
    expect(listed).toHaveLength(stats.fragmentsWritten); // none lost
    const back = await readAll(emulator.url, stream, listed.length);
    expect(back.reduce((n, f) => n + f.cluster.frames.length, 0)).toBe(stats.framesIn);
  });

  it('resumes from the spool after a producer restart: what was not persisted goes first, nothing lost or duplicated', async () => {
    const dataDir = join(dir, 'emulator-data-2');
    emulator = await startEmulator({ port: 0, dynamodb: false, dataDir });
    const port = emulator.port;
    const stream = `vp-int-${process.pid}-${++counter}`;
    const spoolDir = join(dir, 'spool-restart');
    const first = await start(emulator.url, configFor(stream, ['--spool-dir', spoolDir, '--shutdown-timeout', '500']));
    await sleep(1500);
    await emulator.close(); // the network goes away; the producer is stopped before it comes back
    await sleep(1200);
    const firstReport = await first.close();
    const firstStats = first.cameras[0].pipeline.stats();
    expect(firstReport.timedOut).toBe(true);
    expect(firstReport.left[stream]).toBeGreaterThan(0);

    emulator = await startEmulator({ port, dynamodb: false, dataDir });
    const second = await start(emulator.url, configFor(stream, ['--spool-dir', spoolDir]));
    await sleep(1500);
    const secondReport = await second.close();
    expect(secondReport).toEqual({ left: { [stream]: 0 }, timedOut: false });
    const secondStats = second.cameras[0].pipeline.stats();

    const listed = await listFragments(emulator.url, stream);
    const producerTs = listed.map((f) => f.ProducerTimestamp?.getTime() ?? 0);
    expect(new Set(producerTs).size).toBe(producerTs.length);
    expect(listed).toHaveLength(firstStats.fragmentsWritten + secondStats.fragmentsWritten);
  });

  // Regression (issue 12, item 14): /healthz answered 200 ok through a 61-s KVS outage while the video waited in
  // the spool; nobody was told. Here the emulator stops for a few seconds and comes back on the same port.
  it('reports an unreachable KVS on /healthz (503 degraded, since when, spool depth) and in /metrics, and logs the outage and the recovery once each', async () => {
    const dataDir = join(dir, 'emulator-data-outage');
    emulator = await startEmulator({ port: 0, dynamodb: false, dataDir });
    const port = emulator.port;
    const stream = `vp-int-${process.pid}-${++counter}`;
    const lines: Array<{ msg: string; stream?: string; reason?: string; spooled?: number; downForMs?: number }> = [];
    const producer = await startVideoProducer({
      config: configFor(stream),
      kinesisVideo: { endpoint: emulator.url, region, credentials },
      reconnectBaseDelayMs: 100,
      reconnectMaxDelayMs: 300,
      defaultMetrics: false,
      logger: pino({ level: 'info' }, { write: (l: string) => void lines.push(JSON.parse(l) as (typeof lines)[number]) }),
    });
    const health = async () => {
      const res = await fetch(`${producer.url}/healthz`);
      return { status: res.status, body: (await res.json()) as { status: string; cameras: Array<{ error?: string; backend: { reachable: boolean; unreachableSince?: string } }> } };
    };
    const gauge = async (): Promise<string | undefined> =>
      (await (await fetch(`${producer.url}/metrics`)).text()).split('\n').find((l) => l.startsWith(`video_producer_putmedia_reachable{stream="${stream}"}`))?.split(' ')[1];
    await waitUntil('a fragment persisted', () => producer.cameras[0].session.stats().totals.fragmentsPersisted >= 1, { timeoutMs: 15_000 });
    expect((await health()).status).toBe(200);
    expect(await gauge()).toBe('1');

    const stoppedAt = Date.now();
    await emulator.close();
    await waitUntil('/healthz to answer 503', async () => (await health()).status === 503, { timeoutMs: 15_000 });
    await sleep(1500); // several reconnect attempts fail meanwhile
    const down = await health();
    expect(down.body.status).toBe('degraded');
    expect(down.body.cameras[0].backend.reachable).toBe(false);
    expect(Date.parse(down.body.cameras[0].backend.unreachableSince ?? '')).toBeGreaterThanOrEqual(stoppedAt - 1000);
    expect(down.body.cameras[0].error).toMatch(/^PutMedia unreachable since \S+ \(.+\); [1-9]\d* fragments spooled$/);
    expect(await gauge()).toBe('0');
    expect((await fetch(`${producer.url}/readyz`)).status).toBe(503);

    emulator = await startEmulator({ port, dynamodb: false, dataDir });
    await waitUntil('/healthz to answer 200', async () => (await health()).status === 200, { timeoutMs: 15_000 });
    expect((await health()).body.cameras[0].backend.reachable).toBe(true);
    expect(await gauge()).toBe('1');
    expect(await producer.close()).toEqual({ left: { [stream]: 0 }, timedOut: false });

    const outage = lines.filter((l) => l.msg.startsWith('PutMedia unreachable'));
    const recovery = lines.filter((l) => l.msg === 'PutMedia reachable again');
    expect(producer.cameras[0].session.stats().totals.reconnects).toBeGreaterThan(2);
    expect(outage).toHaveLength(1);
    expect(outage[0]).toMatchObject({ stream });
    expect(recovery).toHaveLength(1);
    expect(recovery[0]?.downForMs).toBeGreaterThan(1500);
  });

  it('answers /healthz, /metrics and unknown paths with the security headers the other apps send', async () => {
    emulator = await startEmulator({ port: 0, dynamodb: false });
    const stream = `vp-int-${process.pid}-${++counter}`;
    const producer = await start(emulator.url, configFor(stream, ['--source', 'rtsp://admin:camera-password@127.0.0.1:9/nothing']));
    try {
      for (const path of ['/healthz', '/metrics', '/nothing']) {
        const res = await fetch(`${producer.url}${path}`);
        expect(Object.fromEntries(['x-content-type-options', 'content-security-policy', 'x-frame-options', 'referrer-policy', 'cross-origin-resource-policy', 'cache-control'].map((h) => [h, res.headers.get(h)]))).toEqual({
          'x-content-type-options': 'nosniff',
          'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
          'x-frame-options': 'DENY',
          'referrer-policy': 'no-referrer',
          'cross-origin-resource-policy': 'same-origin',
          'cache-control': 'no-store',
        });
        const text = await res.text();
        // The camera URL's password is not served either.
        expect(text).not.toContain('camera-password');
      }
    } finally {
      await producer.close();
    }
  });

  it('reports a failing source on /healthz (503 degraded) and in the metrics, and keeps retrying it', async () => {
    emulator = await startEmulator({ port: 0, dynamodb: false });
    const stream = `vp-int-${process.pid}-${++counter}`;
    const producer = await start(emulator.url, configFor(stream, ['--source', 'rtsp://127.0.0.1:9/nothing']));
    await sleep(1500);
    const res = await fetch(`${producer.url}/healthz`);
    const health = (await res.json()) as { status: string; cameras: { error?: string; capturing: boolean }[] };
    expect(res.status).toBe(503);
    expect(health.status).toBe('degraded');
    expect(health.cameras[0].capturing).toBe(true);
    // Typed from ffmpeg's stderr (src/rtsp/rtsp-failure.ts): nothing listens on port 9.
    expect(health.cameras[0].error).toMatch(/^RTSP_UNREACHABLE: cannot reach the camera/);
    const metricsText = await (await fetch(`${producer.url}/metrics`)).text();
    expect(metricsText).toMatch(new RegExp(`video_producer_errors_total\\{stream="${stream}",code="RTSP_UNREACHABLE"\\} [1-9]`));
    expect(await producer.close()).toEqual({ left: { [stream]: 0 }, timedOut: false });
  });
});
