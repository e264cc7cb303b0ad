/**
 * Real RTSP cameras into the producer: GStreamer's RTSP server (@tributary/media/testing's startRtspTestCamera) →
 * real ffmpeg (stream copy) → camera pipeline → PutMedia → the emulator, read back with ListFragments, GetMedia,
 * HLS through the official SDK v3 clients, and decoded by ffprobe. TCP and UDP, a camera power cut and a hung
 * camera, a refused password (and that no password reaches a log, /healthz or /metrics).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { GetDataEndpointCommand, KinesisVideoClient } from '@aws-sdk/client-kinesis-video';
import { GetHLSStreamingSessionURLCommand, KinesisVideoArchivedMediaClient, type Fragment } from '@aws-sdk/client-kinesis-video-archived-media';
import pino from 'pino';
import { startEmulator, type RunningEmulator } from '@tributary/emulator';
import { parseMediaPlaylist } from '@tributary/media';
import { startRtspTestCamera, type RtspTestCamera, type RtspTestCameraOptions } from '@tributary/media/testing';
import { listAllFragments, readFragments } from '@tributary/kvs/testing';
import { waitUntil } from '@tributary/runtime/testing';
import { loadConfig, type VideoProducerConfig } from '../video-producer-config';
import { startVideoProducer, type HealthReport, type RunningVideoProducer } from '../video-producer-app';

const region = 'us-east-1';
const credentials = { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' };
const FPS = 15;

let dir: string;
let emulator: RunningEmulator;
let counter = 0;
const cameras: RtspTestCamera[] = [];
const producers: RunningVideoProducer[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'video-rtsp-int-'));
  emulator = await startEmulator({ port: 0, dynamodb: false });
});
afterEach(async () => {
  for (const p of producers.splice(0)) await p.close().catch(() => undefined);
  for (const c of cameras.splice(0)) await c.stop();
});
afterAll(async () => {
  await emulator?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function camera(options: RtspTestCameraOptions): Promise<RtspTestCamera> {
  // 640×360 at 15 fps, a keyframe a second: a small IP camera's sub-stream, cheap to encode on a loaded CI machine.
  const c = await startRtspTestCamera({ fps: FPS, keyframeInterval: FPS, ...options });
  cameras.push(c);
  return c;
}

const streamName = (): string => `rtsp-int-${process.pid}-${++counter}`;

function configFor(args: string[], env: NodeJS.ProcessEnv = {}): VideoProducerConfig {
  const loaded = loadConfig(
    [
      ...['--copy', 'on', '--fragment-ms', '1000', '--spool-dir', join(dir, `spool-${counter}`), '--spool-fsync', 'off', '--create-stream', 'on'],
      ...['--port', '0', '--host', '127.0.0.1', '--shutdown-timeout', '10000', '--log-level', 'silent'],
      ...args,
    ],
    env,
  );
  if (loaded.help) throw new Error('unexpected --help');
  return loaded.config;
}

/** The producer with every log line captured raw (trace level: ffmpeg's command line too), before any redaction a runtime logger would add. */
async function producerFor(config: VideoProducerConfig, extra: { unauthorizedRetryDelayMs?: number } = {}): Promise<{ producer: RunningVideoProducer; logs: string[] }> {
  const logs: string[] = [];
  const producer = await startVideoProducer({
    config,
    kinesisVideo: { endpoint: emulator.url, region, credentials },
    reconnectBaseDelayMs: 100,
    reconnectMaxDelayMs: 500,
    defaultMetrics: false,
    logger: pino({ level: 'trace' }, { write: (line: string) => void logs.push(line) }),
    ...extra,
  });
  producers.push(producer);
  return { producer, logs };
}

async function health(producer: RunningVideoProducer): Promise<{ status: number; text: string; body: HealthReport }> {
  const res = await fetch(`${producer.url}/healthz`);
  const text = await res.text();
  return { status: res.status, text, body: JSON.parse(text) as HealthReport };
}

async function fragmentsOf(stream: string): Promise<Fragment[]> {
  const listed = await listAllFragments({ endpoint: emulator.url, region, credentials }, stream);
  return listed.sort((a, b) => (a.ProducerTimestamp?.getTime() ?? 0) - (b.ProducerTimestamp?.getTime() ?? 0));
}

/** GetMedia of every fragment, written as one Matroska file, decoded by ffprobe: the frame count. */
async function framesBack(stream: string, fragments: number): Promise<{ getMedia: number; ffprobe: number; codec: string; allTracks: number }> {
  const back = await readFragments({ endpoint: emulator.url, region, credentials }, stream, fragments);
  const file = join(dir, `${stream}.mkv`);
  writeFileSync(file, Buffer.concat([back[0].headerBytes, ...back.map((f) => f.cluster.bytes)]));
  const out = execFileSync('ffprobe', ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=codec_name,nb_read_frames', '-of', 'csv=p=0', file], { encoding: 'utf8' });
  const [codec, frames] = out.trim().split(',');
  // Video (track 1) against ffprobe's video count; allTracks adds the camera's AAC, copied as track 2.
  const video = back.reduce((n, f) => n + f.cluster.frames.filter((fr) => fr.track === 1).length, 0);
  return { getMedia: video, ffprobe: Number(frames), codec, allTracks: back.reduce((n, f) => n + f.cluster.frames.length, 0) };
}

async function persisted(producer: RunningVideoProducer, atLeast: number, timeoutMs = 45_000): Promise<void> {
  await waitUntil(`${atLeast} fragments persisted`, () => producer.cameras[0].session.stats().totals.fragmentsPersisted >= atLeast, { timeoutMs, intervalMs: 100 });
}

describe('RTSP cameras → video-producer → emulator', () => {
  it('TCP: GetMedia and ffprobe give back the frames the camera sent, one fragment per camera GOP', async () => {
    const cam = await camera({ user: 'admin', password: 'Cam-Pass-1' });
    const stream = streamName();
    const { producer } = await producerFor(configFor(['--stream', stream, '--source', cam.urlWith('admin', 'Cam-Pass-1')]));
    await persisted(producer, 5);
    // The producer's ffmpeg is the camera's newest client: the copy decision's ffprobe probes came before it.
    const sentBefore = cam.framesSentToLatestClient();
    const report = await producer.close();
    await sleep(400); // the camera's next count report (every 200 ms)
    const sentAfter = cam.framesSentToLatestClient();
    expect(report).toEqual({ left: { [stream]: 0 }, timedOut: false });

    const stats = producer.cameras[0].pipeline.stats();
    expect(stats.fragmentsDropped).toBe(0);
    expect(stats.sourceRestarts).toBe(0);
    // The camera counts frames as its encoder outputs them; ffmpeg gets them a few ms later over loopback. What the
    // producer received lies between the count read just before close() and the count after it, less frames in
    // flight when ffmpeg was stopped: over loopback that is one or two, but on a loaded 2-core CI machine ffmpeg or
    // the camera can be descheduled for a few hundred ms, so up to half a second of frames (FPS / 2) is allowed.
    expect(stats.videoFramesIn).toBeLessThanOrEqual(sentAfter);
    expect(stats.videoFramesIn).toBeGreaterThanOrEqual(sentBefore - FPS / 2);
    const listed = await fragmentsOf(stream);
    expect(listed).toHaveLength(stats.fragmentsWritten);
    const back = await framesBack(stream, listed.length);
    expect(back).toEqual({ getMedia: stats.videoFramesIn, ffprobe: stats.videoFramesIn, codec: 'h264', allTracks: stats.framesIn });
    // The camera's AAC is copied too (track 2): more frames in all than video alone.
    expect(stats.framesIn).toBeGreaterThan(stats.videoFramesIn);
    // Copy: fragments are cut at the camera's keyframes, one a second, so every full fragment holds one GOP.
    const lengths = listed.slice(0, -1).map((f) => f.FragmentLengthInMilliseconds ?? 0);
    for (const ms of lengths) expect(Math.abs(ms - 1000)).toBeLessThanOrEqual(1000 / FPS + 1);
  }, 90_000);

  it('a camera reboot (power cut, back on the same port): the producer reconnects, the gap is a discontinuity, /healthz shows the outage and the recovery', async () => {
    const cam = await camera({ user: 'viewer', password: 'Reboot-Pass-2' });
    const stream = streamName();
    // Credentials from the settings, not the URL.
    const { producer, logs } = await producerFor(configFor(['--stream', stream, '--source', cam.url], { VIDEO_RTSP_USER: 'viewer', VIDEO_RTSP_PASSWORD: 'Reboot-Pass-2' }));
    await persisted(producer, 3);
    expect((await health(producer)).status).toBe(200);

    const cutAt = Date.now();
    await cam.kill();
    await waitUntil('/healthz to show the camera down', async () => (await health(producer)).body.cameras[0].sourceDownSince !== undefined, { timeoutMs: 20_000, intervalMs: 100 });
    await sleep(Math.max(0, cutAt + 3000 - Date.now())); // a 3-s reboot
    const down = await health(producer);
    expect(down.status).toBe(503);
    expect(down.body.status).toBe('degraded');
    expect(['SOURCE_ENDED', 'RTSP_UNREACHABLE']).toContain(down.body.cameras[0].errorCode);
    expect(down.body.cameras[0].error).toBeDefined();
    expect(Date.parse(down.body.cameras[0].sourceDownSince ?? '')).toBeGreaterThanOrEqual(cutAt - 50);
    expect(down.body.cameras[0].capturing).toBe(true);
    const writtenDuringOutage = producer.cameras[0].pipeline.stats().fragmentsWritten;

    const backAt = Date.now();
    await cam.restart();
    await waitUntil('/healthz to answer 200 again', async () => (await health(producer)).status === 200, { timeoutMs: 45_000, intervalMs: 200 });
    const up = await health(producer);
    expect(up.body.cameras[0].errorCode).toBeUndefined();
    expect(up.body.cameras[0].sourceDownSince).toBeUndefined();
    await waitUntil('video after the reboot', () => producer.cameras[0].pipeline.stats().fragmentsWritten >= writtenDuringOutage + 2, { timeoutMs: 30_000, intervalMs: 100 });
    const report = await producer.close();
    expect(report).toEqual({ left: { [stream]: 0 }, timedOut: false });
    const stats = producer.cameras[0].pipeline.stats();
    expect(producer.cameras[0].pipeline.error).toBeUndefined();
    expect(stats.sourceRestarts).toBeGreaterThanOrEqual(1);
    expect(stats.fragmentsDropped).toBe(0);

    // ListFragments: one gap of about the outage between consecutive fragments' producer times, none elsewhere.
    const listed = await fragmentsOf(stream);
    const gaps = listed.slice(1).map((f, i) => (f.ProducerTimestamp?.getTime() ?? 0) - ((listed[i].ProducerTimestamp?.getTime() ?? 0) + (listed[i].FragmentLengthInMilliseconds ?? 0)));
    const big = gaps.map((g, i) => ({ g, i: i + 1 })).filter(({ g }) => g > 1000 / FPS + 1);
    expect(big).toHaveLength(1);
    expect(big[0].g).toBeGreaterThanOrEqual(backAt - cutAt - 1000);
    // HLS from the emulator, ON_DISCONTINUITY: EXT-X-DISCONTINUITY before the first segment after the reboot only.
    const endpoint = await new KinesisVideoClient({ endpoint: emulator.url, region, credentials }).send(new GetDataEndpointCommand({ StreamName: stream, APIName: 'GET_HLS_STREAMING_SESSION_URL' }));
    const hls = new KinesisVideoArchivedMediaClient({ endpoint: endpoint.DataEndpoint, region, credentials });
    const session = await hls.send(
      new GetHLSStreamingSessionURLCommand({
        StreamName: stream,
        PlaybackMode: 'ON_DEMAND',
        DiscontinuityMode: 'ON_DISCONTINUITY',
        HLSFragmentSelector: {
          FragmentSelectorType: 'PRODUCER_TIMESTAMP',
          TimestampRange: { StartTimestamp: new Date((listed[0].ProducerTimestamp?.getTime() ?? 0) - 1000), EndTimestamp: new Date(Date.now() + 1000) },
        },
      }),
    );
    const master = await (await fetch(session.HLSStreamingSessionURL ?? '')).text();
    const variant = new URL(master.split('\n').find((l) => l !== '' && !l.startsWith('#')) ?? '', session.HLSStreamingSessionURL).toString();
    const playlist = parseMediaPlaylist(await (await fetch(variant)).text());
    expect(playlist.segments).toHaveLength(listed.length);
    expect(playlist.segments.map((s, i) => (s.discontinuity ? i : -1)).filter((i) => i >= 0)).toEqual([big[0].i]);
    // Nothing logged the password either.
    expect(logs.join('\n')).not.toContain('Reboot-Pass-2');
    expect(logs.some((l) => l.includes('"msg":"video source back"'))).toBe(true);
  }, 120_000);

  it('UDP: RTP over UDP streams; a hung camera (frozen, sockets open) is detected by --rtsp-timeout, restarted, and recovers', async () => {
    const cam = await camera({ audio: true });
    const stream = streamName();
    const { producer, logs } = await producerFor(configFor(['--stream', stream, '--source', cam.url, '--rtsp-transport', 'udp', '--rtsp-timeout', '2000']));
    await persisted(producer, 3);
    expect(logs.some((l) => l.includes('ffmpeg started') && l.includes('-rtsp_transport udp') && l.includes('-timeout 2000000'))).toBe(true);

    cam.freeze();
    const frozenAt = Date.now();
    await waitUntil('RTSP_TIMEOUT on /healthz', async () => (await health(producer)).body.cameras[0].errorCode === 'RTSP_TIMEOUT', { timeoutMs: 30_000, intervalMs: 200 });
    const detectedMs = Date.now() - frozenAt;
    const down = await health(producer);
    expect(down.status).toBe(503);
    expect(down.body.cameras[0].error).toMatch(/^RTSP_TIMEOUT: /);
    const written = producer.cameras[0].pipeline.stats().fragmentsWritten;
    cam.thaw();
    await waitUntil('/healthz to answer 200 again', async () => (await health(producer)).status === 200, { timeoutMs: 60_000, intervalMs: 200 });
    await waitUntil('video after the thaw', () => producer.cameras[0].pipeline.stats().fragmentsWritten >= written + 2, { timeoutMs: 30_000, intervalMs: 100 });
    const report = await producer.close();
    expect(report).toEqual({ left: { [stream]: 0 }, timedOut: false });
    const stats = producer.cameras[0].pipeline.stats();
    expect(stats.fragmentsDropped).toBe(0);
    const listed = await fragmentsOf(stream);
    expect(listed).toHaveLength(stats.fragmentsWritten);
    const back = await framesBack(stream, listed.length);
    expect(back).toEqual({ getMedia: stats.videoFramesIn, ffprobe: stats.videoFramesIn, codec: 'h264', allTracks: stats.framesIn });
    // With a 2-s socket timeout, ffmpeg notices within a few seconds (ffmpeg 5.1 waits about twice the timeout).
    expect(detectedMs).toBeLessThan(20_000);
  }, 150_000);

  it('a wrong password: RTSP_UNAUTHORIZED in the log (error) and /healthz, retried slowly; no form of the password in any log line, /healthz or /metrics', async () => {
    const cam = await camera({ user: 'admin', password: 'Right-Pass-9', audio: false });
    const fromEnv = 'Wr0ng:P@ss/word';
    const inUrl = 'Url-Wrong-77';
    const file = join(dir, 'cameras-wrong-password.json');
    const envStream = streamName();
    const urlStream = streamName();
    writeFileSync(file, JSON.stringify({ cameras: [{ stream: envStream, source: cam.url }, { stream: urlStream, source: cam.urlWith('admin', inUrl) }] }));
    const { producer, logs } = await producerFor(configFor(['--config', file], { VIDEO_RTSP_USER: 'admin', VIDEO_RTSP_PASSWORD: fromEnv }), { unauthorizedRetryDelayMs: 1000 });
    const metricsText = async (): Promise<string> => (await fetch(`${producer.url}/metrics`)).text();
    const unauthorized = (text: string, s: string): number => Number(new RegExp(`video_producer_errors_total\\{stream="${s}",code="RTSP_UNAUTHORIZED"\\} (\\d+)`).exec(text)?.[1] ?? 0);
    await waitUntil('two refused attempts per camera', async () => {
      const text = await metricsText();
      return unauthorized(text, envStream) >= 2 && unauthorized(text, urlStream) >= 2;
    }, { timeoutMs: 45_000, intervalMs: 250 });
    const h = await health(producer);
    expect(h.status).toBe(503);
    for (const c of h.body.cameras) {
      expect(c.errorCode).toBe('RTSP_UNAUTHORIZED');
      expect(c.error).toMatch(/^RTSP_UNAUTHORIZED: the camera refused the user name or password \(RTSP 401 Unauthorized\)/);
    }
    const metrics = await metricsText();
    const errorLines = logs.map((l) => JSON.parse(l) as { level: number; msg: string; code?: string; err?: string; stream?: string }).filter((l) => l.code === 'RTSP_UNAUTHORIZED');
    expect(new Set(errorLines.map((l) => l.stream))).toEqual(new Set([envStream, urlStream]));
    for (const l of errorLines) expect(l).toMatchObject({ level: 50, msg: 'video source failed' });
    // ffmpeg's own 401 lines were logged (masked), and its command line at trace/debug.
    expect(logs.some((l) => l.includes('401 Unauthorized') && l.includes('"ffmpeg"'))).toBe(true);
    expect(logs.some((l) => l.includes('ffmpeg started') && l.includes('admin:***@127.0.0.1'))).toBe(true);
    // Retried slowly, not at the 1-s backoff: 1 s, then 2 s, … in this test (60 s, then doubling, by default).
    expect(producer.cameras[0].pipeline.stats().sourceRestarts).toBeLessThanOrEqual(4);

    const everything = [...logs, h.text, metrics].join('\n');
    for (const pw of [fromEnv, inUrl]) {
      for (const form of [pw, encodeURIComponent(pw), Buffer.from(`admin:${pw}`).toString('base64')]) expect(everything).not.toContain(form);
    }
    // The right password was never in play; the camera's is not known to the producer at all.
    expect(everything).not.toContain('Right-Pass-9');
  }, 90_000);
});
