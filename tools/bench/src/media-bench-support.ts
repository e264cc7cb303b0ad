/**
 * What the video benches (video ingest, remux, HLS latency, gateway serving) share beyond bench-support.ts: the
 * ffmpeg and ffprobe binaries, cached H.264 test-pattern recordings cut into KVS fragments as the video producer
 * cuts them, the emulator with a data dir, KVS streams and their fragments, the real video producer and playback
 * gateway in child processes, and HLS sessions.
 */
// @tributary/emulator/testing also exports jest fixtures (useKdsTestEmulator registers beforeAll/afterAll when
// called): jest's global declarations let this file typecheck; nothing here calls them.
/// <reference types="jest" />
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CreateStreamCommand, DescribeStreamCommand, GetDataEndpointCommand, KinesisVideoClient } from '@aws-sdk/client-kinesis-video';
import { GetHLSStreamingSessionURLCommand, KinesisVideoArchivedMediaClient, type Fragment, type GetHLSStreamingSessionURLInput } from '@aws-sdk/client-kinesis-video-archived-media';
import { generateApiKey } from '@tributary/auth';
import { listFragmentsByProducerTime } from '@tributary/emulator/testing';
import { Fragmenter, MatroskaStreamReader, writeFragment, writeStreamHeader, type MkvFrame, type MkvStreamHeader } from '@tributary/media';
import { BENCH_CREDENTIALS, BENCH_REGION, ROOT, sleep, startListeningProcess, startServerProcess, type ServerProcess } from './bench-support';

export function ffmpegPath(): string {
  if (fs.existsSync('/usr/bin/ffmpeg')) return '/usr/bin/ffmpeg';
  return (require('@ffmpeg-installer/ffmpeg') as { path: string }).path;
}

export function ffprobePath(): string {
  return fs.existsSync('/usr/bin/ffprobe') ? '/usr/bin/ffprobe' : 'ffprobe';
}

/** ffprobe's count of decoded video frames of `file`, and its codec name. */
export function ffprobeVideo(file: string): { codec: string; frames: number; width: number; height: number } {
  const out = execFileSync(
    ffprobePath(),
    ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=codec_name,width,height,nb_read_frames', '-of', 'json', file],
    { encoding: 'utf8' },
  );
  const s = (JSON.parse(out) as { streams?: Array<{ codec_name?: string; width?: number; height?: number; nb_read_frames?: string }> }).streams?.[0];
  return { codec: s?.codec_name ?? '', frames: Number(s?.nb_read_frames ?? 0), width: s?.width ?? 0, height: s?.height ?? 0 };
}

// ---------------------------------------------------------------------------------------------------------
// Recordings cut into fragments

export interface PatternSettings {
  /** e.g. 640x360 */
  size: string;
  fps: number;
  /** kbit/s */
  bitrateKbps: number;
  /** Keyframe interval = fragment length. */
  fragmentMs: number;
  seconds: number;
}

/**
 * A test-pattern recording as the video producer's ffmpeg makes it (libx264 veryfast, zerolatency, no B-frames, a
 * keyframe every fragment, live Matroska), with temporal noise so that the encoder spends its bit rate; cached in
 * os.tmpdir()/tributary-video-bench/, keyed by its settings.
 */
export function patternRecording(p: PatternSettings): { file: string; args: string[] } {
  const gop = Math.max(1, Math.round((p.fps * p.fragmentMs) / 1000));
  // prettier-ignore
  const args = [
    '-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', `testsrc2=size=${p.size}:rate=${p.fps}`,
    '-vf', 'noise=alls=20:allf=t',
    '-t', String(p.seconds),
    '-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p',
    '-b:v', `${p.bitrateKbps}k`, '-maxrate', `${p.bitrateKbps}k`, '-bufsize', `${p.bitrateKbps * 2}k`,
    '-g', String(gop), '-keyint_min', String(gop), '-sc_threshold', '0', '-bf', '0',
    '-f', 'matroska', '-live', '1',
  ];
  const { file, args: made } = cachedRecording(`pattern-${p.size}-${p.fragmentMs}ms-${p.seconds}s`, args);
  return { file, args: made };
}

/**
 * An ffmpeg recording made once and kept in os.tmpdir()/tributary-video-bench/, its name keyed by `args` (the output
 * file is appended): made into a `.part` file and renamed, so a bench stopped meanwhile leaves no half recording.
 * Returns the path, the whole command and how long the making took (0 when it was cached).
 */
export function cachedRecording(name: string, args: string[]): { file: string; args: string[]; madeInSeconds: number } {
  const dir = path.join(os.tmpdir(), 'tributary-video-bench');
  fs.mkdirSync(dir, { recursive: true });
  const key = Buffer.from(args.join(' ')).toString('base64url').slice(-24);
  const file = path.join(dir, `${name}-${key}.mkv`);
  let madeInSeconds = 0;
  if (!fs.existsSync(file)) {
    const started = Date.now();
    const part = `${file}.${process.pid}.part`;
    execFileSync(ffmpegPath(), [...args, part], { stdio: ['ignore', 'ignore', 'inherit'] });
    fs.renameSync(part, file);
    madeInSeconds = (Date.now() - started) / 1000;
  }
  return { file, args: [...args, file], madeInSeconds };
}

/** One stored KVS fragment: the stream-header bytes and the Cluster bytes, as PutMedia carried them. */
export interface StoredFragment {
  header: Uint8Array;
  cluster: Uint8Array;
  frames: number;
  durationMs: number;
  timestampMs: number;
}

/**
 * The recording cut into fragments the way the producer cuts them (libs/media MatroskaStreamReader → Fragmenter
 * → writeStreamHeader / writeFragment, absolute timestamps from `originMs`).
 */
export function fragmentsOf(file: string, fragmentMs: number, originMs: number): { header: MkvStreamHeader; fragments: StoredFragment[] } {
  const reader = new MatroskaStreamReader();
  const events = [...reader.push(fs.readFileSync(file)), ...reader.end()];
  let header: MkvStreamHeader | undefined;
  const frames: MkvFrame[] = [];
  for (const ev of events) {
    if (ev.type === 'header') header = ev.header;
    else if (ev.type === 'cluster') frames.push(...ev.cluster.frames);
  }
  if (header === undefined) throw new Error(`${file}: no Matroska header`);
  const headerBytes = writeStreamHeader(header);
  const fragmenter = new Fragmenter({ minDurationMs: fragmentMs, originMs });
  const cut = [...frames.flatMap((f) => fragmenter.push(f)), ...fragmenter.flush()];
  const scale = header.timecodeScaleNs;
  return {
    header,
    fragments: cut.map((f) => ({
      header: headerBytes,
      cluster: writeFragment(f, scale),
      frames: f.frames.length,
      durationMs: f.durationMs,
      timestampMs: f.timestampMs,
    })),
  };
}

// ---------------------------------------------------------------------------------------------------------
// KVS on the emulator

export function kinesisVideoClient(url: string): KinesisVideoClient {
  return new KinesisVideoClient({ endpoint: url, region: BENCH_REGION, credentials: BENCH_CREDENTIALS, maxAttempts: 1 });
}

/**
 * The emulator in a child process (`limits: false`) on a data dir in a fresh temp folder (`<dataDirPrefix>…`, the
 * default fsync policy) with a KVS control-plane client of it, for the time of `body`; closed and removed after it.
 */
export async function withVideoEmulator<T>(
  dataDirPrefix: string,
  options: { profile?: boolean },
  body: (emulator: ServerProcess, admin: KinesisVideoClient) => Promise<T>,
): Promise<T> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), dataDirPrefix));
  const emulator = await startServerProcess('emulator', [dataDir], { profile: options.profile });
  const admin = kinesisVideoClient(emulator.url);
  try {
    return await body(emulator, admin);
  } finally {
    admin.destroy();
    await emulator.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function createVideoStream(client: KinesisVideoClient, name: string): Promise<void> {
  await client.send(new CreateStreamCommand({ StreamName: name, DataRetentionInHours: 24, MediaType: 'video/h264' }));
  for (let i = 0; i < 500; i++) {
    const out = await client.send(new DescribeStreamCommand({ StreamName: name }));
    if (out.StreamInfo?.Status === 'ACTIVE') return;
    await sleep(10);
  }
  throw new Error(`video stream ${name} did not become ACTIVE`);
}

async function archivedClient(client: KinesisVideoClient, name: string, api: 'LIST_FRAGMENTS' | 'GET_HLS_STREAMING_SESSION_URL'): Promise<KinesisVideoArchivedMediaClient> {
  const { DataEndpoint } = await client.send(new GetDataEndpointCommand({ StreamName: name, APIName: api }));
  return new KinesisVideoArchivedMediaClient({ endpoint: DataEndpoint, region: BENCH_REGION, credentials: BENCH_CREDENTIALS, maxAttempts: 1 });
}

/**
 * The fragments whose producer timestamps lie in the last `seconds` (default: every fragment, from the epoch to an
 * hour ahead), oldest first, through the SDK's ListFragments paginator (listFragmentsByProducerTime of the
 * emulator's testing entry).
 */
export async function recentFragments(client: KinesisVideoClient, name: string, seconds?: number): Promise<Fragment[]> {
  const archived = await archivedClient(client, name, 'LIST_FRAGMENTS');
  try {
    if (seconds === undefined) return await listFragmentsByProducerTime(archived, name);
    return await listFragmentsByProducerTime(archived, name, new Date(Date.now() - seconds * 1000), new Date(Date.now() + 60_000));
  } finally {
    archived.destroy();
  }
}

/** Waits until the stream holds at least `count` fragments of the last minute. */
export async function waitForFragments(client: KinesisVideoClient, name: string, count: number, timeoutMs = 60_000): Promise<Fragment[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const fragments = await recentFragments(client, name, 60).catch(() => []);
    if (fragments.length >= count) return fragments;
    if (Date.now() > deadline) throw new Error(`stream ${name}: ${fragments.length} fragments after ${timeoutMs} ms, expected ${count}`);
    await sleep(250);
  }
}

/** GetHLSStreamingSessionURL through the official client on the stream's data endpoint. */
export async function hlsSessionUrl(client: KinesisVideoClient, input: GetHLSStreamingSessionURLInput & { StreamName: string }): Promise<string> {
  const archived = await archivedClient(client, input.StreamName, 'GET_HLS_STREAMING_SESSION_URL');
  try {
    const out = await archived.send(new GetHLSStreamingSessionURLCommand(input));
    if (!out.HLSStreamingSessionURL) throw new Error('GetHLSStreamingSessionURL gave no URL');
    return out.HLSStreamingSessionURL;
  } finally {
    archived.destroy();
  }
}

// ---------------------------------------------------------------------------------------------------------
// The video producer, as deployed, in a child process

export const VIDEO_PRODUCER_SCRIPT = path.join(ROOT, 'apps/video-producer/src/main.ts');

export interface ProducerSettings {
  stream: string;
  fragmentMs: number;
  width: number;
  height: number;
  fps: number;
  bitrateKbps: number;
  preset?: string;
  /** `--send-mode`: frames (each frame as it comes) or fragments (each fragment whole); the producer's default when absent. */
  sendMode?: 'frames' | 'fragments';
}

/**
 * `apps/video-producer/src/main.ts` with the test pattern, pointed at the emulator by AWS's own variables (tools
 * may not import apps). Ready when it logs `ready`; its spool lives in a temp folder removed on stop.
 */
export async function startVideoProducer(emulatorUrl: string, s: ProducerSettings): Promise<ServerProcess & { spoolDir: string }> {
  const spoolDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-bench-spool-'));
  // prettier-ignore
  const args = [
    '--stream', s.stream, '--source', 'testsrc', '--fragment-ms', String(s.fragmentMs),
    '--width', String(s.width), '--height', String(s.height), '--fps', String(s.fps),
    '--bitrate', String(s.bitrateKbps), '--preset', s.preset ?? 'veryfast',
    '--spool-dir', spoolDir, '--create-stream', 'on', '--host', '127.0.0.1', '--port', '0', '--log-level', 'info',
    ...(s.sendMode ? ['--send-mode', s.sendMode] : []),
  ];
  const proc = await startListeningProcess({
    label: `video-producer ${s.stream}`,
    script: VIDEO_PRODUCER_SCRIPT,
    args,
    env: {
      AWS_ENDPOINT_URL: emulatorUrl,
      AWS_REGION: BENCH_REGION,
      AWS_ACCESS_KEY_ID: BENCH_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: BENCH_CREDENTIALS.secretAccessKey,
    },
    urlFrom: (line) => {
      const entry = JSON.parse(line) as { msg?: string; url?: string };
      return entry.msg === 'ready' ? (entry.url ?? '') : undefined;
    },
  });
  return {
    ...proc,
    spoolDir,
    stop: async () => {
      const code = await proc.stop();
      fs.rmSync(spoolDir, { recursive: true, force: true });
      return code;
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// The playback gateway, as deployed, in a child process

export const GATEWAY_SCRIPT = path.join(ROOT, 'apps/playback-gateway/src/main.ts');
/** The bench gateway's GATEWAY_PLAYBACK_KEY: a bench may sign playback tokens of its own with it (many viewers). */
export const BENCH_PLAYBACK_KEY = 'bench-playback-key-0123456789abcdef0123456789';

/**
 * `apps/playback-gateway/src/main.ts` pointed at the emulator by AWS's own variables, with one generated API key
 * (`video:read`) in GATEWAY_API_KEYS, the /api rate limit off and the /hls limit at its maximum (every client of a
 * bench shares one address: the /hls limiter still counts every request, as in a deployment where it is on, but this
 * one client is never over it). Ready when
 * it logs `ready`. `apiKey` is the key to send as X-Api-Key. `profile`: a CPU profile in PROFILE_DIR when it exits.
 */
export async function startGateway(emulatorUrl: string, extraArgs: string[] = [], options: { profile?: boolean } = {}): Promise<ServerProcess & { apiKey: string }> {
  const key = generateApiKey({ scopes: ['video:read'], name: 'bench' });
  const proc = await startListeningProcess({
    label: 'playback-gateway',
    script: GATEWAY_SCRIPT,
    profile: options.profile,
    args: ['--host', '127.0.0.1', '--port', '0', '--api-rate-limit', '0', '--hls-rate-limit', '10000000', '--log-level', 'info', ...extraArgs],
    env: {
      AWS_ENDPOINT_URL: emulatorUrl,
      AWS_REGION: BENCH_REGION,
      AWS_ACCESS_KEY_ID: BENCH_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: BENCH_CREDENTIALS.secretAccessKey,
      GATEWAY_API_KEYS: `${key.record.id}:${key.record.hash}:video:read`,
      GATEWAY_PLAYBACK_KEY: BENCH_PLAYBACK_KEY,
    },
    urlFrom: (line) => {
      const entry = JSON.parse(line) as { msg?: string; url?: string };
      return entry.msg === 'ready' ? entry.url : undefined;
    },
  });
  return { ...proc, apiKey: key.key };
}
