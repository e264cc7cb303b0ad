/**
 * What a camera already sends, asked of ffprobe before ffmpeg starts (copy-decision.ts decides from it whether the
 * stream can be copied into KVS as it is).
 *
 * Two short ffprobe runs per probe:
 * 1. the streams (`-show_entries stream=…`): codec, profile, size, frame rate, B-frame reorder depth, audio
 *    rate/channels;
 * 2. the first video packets (`-show_entries packet=pts_time,dts_time,flags`, compact output, read line by line):
 *    keyframe times (the GOP) and whether presentation order differs from decode order (B-frames, CTS ≠ 0). The run
 *    is killed as soon as three keyframes (two intervals) were seen, so a 1–2 s GOP camera is probed in about its
 *    GOP twice; a GOP longer than `maxKeyframeIntervalMs` ends it as soon as that much source time passed without
 *    a keyframe (the answer is known: too long).
 *
 * The pure parts (argument lists, output parsing, the summary) are exported for unit tests; runSourceProbe is the
 * I/O. ffprobe comes with every Debian/Alpine ffmpeg package; the static @ffmpeg-installer build has none (then the
 * probe fails and `--copy auto` re-encodes, saying why).
 */
import { spawn } from 'node:child_process';
import { delimiter, dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { VideoProducerError } from '../video-producer-error';
import { executable, type CameraSource } from './ffmpeg-adapter';

export interface ProbedStream {
  index: number;
  type: 'video' | 'audio' | 'other';
  /** ffprobe's codec_name: h264, hevc, mjpeg, aac, pcm_alaw, … */
  codec: string;
  profile?: string;
  width?: number;
  height?: number;
  /** Frames per second (ffprobe's avg_frame_rate, else r_frame_rate); video only, when known. */
  fps?: number;
  /** Reorder depth of the decoder (> 0: B-frames). */
  hasBFrames: number;
  sampleRate?: number;
  channels?: number;
}

export interface ProbedPacket {
  ptsMs?: number;
  dtsMs?: number;
  keyframe: boolean;
}

export interface SourceProbe {
  /** The first video and first audio stream (what ffmpeg maps as 0:v:0 and 0:a:0). */
  video?: ProbedStream;
  audio?: ProbedStream;
  /** Video keyframes seen in the packets read. */
  keyframes: number;
  /** Longest distance between two consecutive video keyframes seen, ms; undefined with fewer than two. */
  keyframeIntervalMs?: number;
  /** Source time read after the last keyframe (with one keyframe: how long it went without a second). */
  sinceLastKeyframeMs: number;
  /** Presentation order differs from decode order (B-frames): the stream header says so or a packet's pts ≠ dts. */
  bFrames: boolean;
  packets: number;
}

/**
 * How the source is opened, the same way the ffmpeg adapter opens it (minus -re and looping): a v4l2 device with
 * the capture size and rate asked for, since those are the camera's own output then.
 */
export function probeInputArgs(source: CameraSource, capture: { width?: number; height?: number; fps?: number } = {}): { inputOptions: string[]; input: string } {
  switch (source.kind) {
    case 'file':
      return { inputOptions: [], input: source.path };
    case 'rtsp':
      // The camera's own transport and socket timeout, as ffmpeg will open it (ffmpeg-adapter.ts).
      return {
        inputOptions: ['-rtsp_transport', source.transport ?? 'tcp', ...(source.timeoutMs !== undefined && source.timeoutMs > 0 ? ['-timeout', String(source.timeoutMs * 1000)] : [])],
        input: source.url,
      };
    case 'v4l2':
      return {
        inputOptions: [
          ...['-f', 'v4l2'],
          ...(capture.fps !== undefined ? ['-framerate', String(capture.fps)] : []),
          ...(capture.width !== undefined && capture.height !== undefined ? ['-video_size', `${capture.width}x${capture.height}`] : []),
        ],
        input: source.device,
      };
    case 'testsrc':
      throw new Error('the test pattern is generated, not probed');
  }
}

export type CaptureSettings = Parameters<typeof probeInputArgs>[1];

export function streamsArgs(source: CameraSource, capture: CaptureSettings = {}): string[] {
  const { inputOptions, input } = probeInputArgs(source, capture);
  const entries = 'stream=index,codec_type,codec_name,profile,width,height,avg_frame_rate,r_frame_rate,has_b_frames,sample_rate,channels';
  return ['-v', 'error', ...inputOptions, '-show_entries', entries, '-of', 'json', input];
}

export function packetsArgs(source: CameraSource, readSeconds: number, capture: CaptureSettings = {}): string[] {
  const { inputOptions, input } = probeInputArgs(source, capture);
  return [
    ...['-v', 'error', ...inputOptions, '-select_streams', 'v:0', '-read_intervals', `%+${Math.ceil(readSeconds)}`],
    ...['-show_entries', 'packet=pts_time,dts_time,flags', '-of', 'compact=p=0', input],
  ];
}

/** ffprobe's `-of json` stream list → the first video and audio streams. */
export function parseStreams(json: string): { video?: ProbedStream; audio?: ProbedStream } {
  // ffprobe's own output, but its values come from the camera's stream: anything not as documented is left out
  // rather than trusted (a non-finite number, a stream that is not an object); only text that is not JSON at all
  // or not ffprobe's shape is an error, the probe's failure.
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new VideoProducerError('FFMPEG_FAILED', 'ffprobe printed no readable stream list (not JSON)', true);
  }
  const list = isRecord(parsed) ? (parsed['streams'] ?? []) : undefined;
  if (!Array.isArray(list)) throw new VideoProducerError('FFMPEG_FAILED', 'ffprobe printed no readable stream list (no streams array)', true);
  const streams = list.filter(isRecord).map((s): ProbedStream => {
    const type = s['codec_type'] === 'video' ? 'video' : s['codec_type'] === 'audio' ? 'audio' : 'other';
    const out: ProbedStream = { index: count(s['index']) ?? 0, type, codec: typeof s['codec_name'] === 'string' ? s['codec_name'] : 'unknown', hasBFrames: count(s['has_b_frames']) ?? 0 };
    if (typeof s['profile'] === 'string') out.profile = s['profile'];
    const width = count(s['width']);
    const height = count(s['height']);
    if (width !== undefined) out.width = width;
    if (height !== undefined) out.height = height;
    const fps = type === 'video' ? (rate(s['avg_frame_rate']) ?? rate(s['r_frame_rate'])) : undefined;
    if (fps !== undefined) out.fps = fps;
    // ffprobe prints sample_rate as a string ("48000").
    const sampleRate = count(typeof s['sample_rate'] === 'string' ? Number(s['sample_rate']) : s['sample_rate']);
    if (sampleRate !== undefined) out.sampleRate = sampleRate;
    const channels = count(s['channels']);
    if (channels !== undefined) out.channels = channels;
    return out;
  });
  return { video: streams.find((s) => s.type === 'video'), audio: streams.find((s) => s.type === 'audio') };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A whole number ≥ 0 as ffprobe prints counts and sizes, else undefined. */
function count(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : undefined;
}

/** ffprobe's "25/1" rate → 25; "0/0" and junk → undefined. */
function rate(v: unknown): number | undefined {
  if (typeof v !== 'string') return undefined;
  const [n, d] = v.split('/').map(Number);
  const r = d === undefined ? n : n / d;
  return Number.isFinite(r) && r > 0 ? Math.round(r * 1000) / 1000 : undefined;
}

/** One `-of compact=p=0` packet line (`pts_time=0.040000|dts_time=0.000000|flags=K__`); undefined for other lines. */
export function parsePacketLine(line: string): ProbedPacket | undefined {
  const fields = new Map<string, string>();
  for (const part of line.trim().split('|')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq), part.slice(eq + 1));
  }
  const flags = fields.get('flags');
  if (flags === undefined) return undefined;
  const ms = (v: string | undefined): number | undefined => {
    const n = v === undefined || v === 'N/A' ? NaN : Number(v);
    return Number.isFinite(n) ? Math.round(n * 1e6) / 1e3 : undefined;
  };
  return { ptsMs: ms(fields.get('pts_time')), dtsMs: ms(fields.get('dts_time')), keyframe: flags.includes('K') };
}

/** Folds packets (decode order) into the GOP and B-frame figures. Pure; `add` says when reading can stop. */
export class PacketSummary {
  private keyframeTimes: number[] = [];
  private maxTime = -Infinity;
  private reordered = false;
  private count = 0;

  constructor(private readonly maxKeyframeIntervalMs: number) {}

  /** Adds a packet; returns true once enough was read: three keyframes, or too long without one. */
  add(p: ProbedPacket): boolean {
    this.count++;
    const t = p.ptsMs ?? p.dtsMs;
    if (p.ptsMs !== undefined && p.dtsMs !== undefined && Math.abs(p.ptsMs - p.dtsMs) > 0.5) this.reordered = true;
    if (t === undefined) return false;
    if (t > this.maxTime) this.maxTime = t;
    if (p.keyframe) this.keyframeTimes.push(t);
    if (this.keyframeTimes.length >= 3) return true;
    const last = this.keyframeTimes[this.keyframeTimes.length - 1];
    return last !== undefined && this.maxTime - last > this.maxKeyframeIntervalMs;
  }

  result(): Pick<SourceProbe, 'keyframes' | 'keyframeIntervalMs' | 'sinceLastKeyframeMs' | 'packets'> & { reordered: boolean } {
    const ts = [...this.keyframeTimes].sort((a, b) => a - b);
    let interval: number | undefined;
    for (let i = 1; i < ts.length; i++) interval = Math.max(interval ?? 0, ts[i] - ts[i - 1]);
    const last = ts[ts.length - 1];
    return {
      keyframes: ts.length,
      ...(interval !== undefined ? { keyframeIntervalMs: Math.round(interval) } : {}),
      sinceLastKeyframeMs: last === undefined ? 0 : Math.round(this.maxTime - last),
      packets: this.count,
      reordered: this.reordered,
    };
  }
}

/** ffprobe next to the ffmpeg binary (same build), else on PATH; undefined when there is none. */
export function resolveFfprobePath(ffmpegPath: string, options: { pathEnv?: string; isExecutable?: (path: string) => boolean } = {}): string | undefined {
  const isExecutable = options.isExecutable ?? executable;
  const name = process.platform === 'win32' ? 'ffprobe.exe' : 'ffprobe';
  const sibling = join(dirname(ffmpegPath), name);
  if (ffmpegPath.includes('/') && isExecutable(sibling)) return sibling;
  for (const dir of (options.pathEnv ?? process.env['PATH'] ?? '').split(delimiter)) {
    if (dir && isExecutable(join(dir, name))) return join(dir, name);
  }
  return undefined;
}


export interface ProbeOptions {
  ffprobePath: string;
  /** A GOP longer than this cannot be copied; reading stops once it is exceeded. */
  maxKeyframeIntervalMs: number;
  /** v4l2: the capture size and rate asked for (input options, as ffmpeg opens the device). */
  capture?: CaptureSettings;
  /** Wall-clock bound of each ffprobe run on top of the source time read (a live source reads in real time). Default 15 s. */
  slackMs?: number;
}

/** Runs the two ffprobe passes; rejects when ffprobe fails (source unreachable, not media). */
export async function runSourceProbe(source: CameraSource, options: ProbeOptions): Promise<SourceProbe> {
  const slackMs = options.slackMs ?? 15_000;
  // Two intervals of the longest usable GOP, plus a second for the first keyframe to arrive.
  const readSeconds = (2 * options.maxKeyframeIntervalMs + 1000) / 1000;
  const streamsJson = await runToEnd(options.ffprobePath, streamsArgs(source, options.capture), slackMs);
  const { video, audio } = parseStreams(streamsJson);
  const summary = new PacketSummary(options.maxKeyframeIntervalMs);
  if (video !== undefined) await readPackets(options.ffprobePath, packetsArgs(source, readSeconds, options.capture), readSeconds * 1000 + slackMs, summary);
  const { reordered, ...gop } = summary.result();
  return { ...(video ? { video } : {}), ...(audio ? { audio } : {}), ...gop, bFrames: reordered || (video?.hasBFrames ?? 0) > 0 };
}

function runToEnd(ffprobe: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(ffprobe, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`ffprobe ${signal ? `killed (${signal})` : `exited ${code}`}${err.trim() ? `: ${lastLine(err)}` : ''}`));
    });
  });
}

function readPackets(ffprobe: string, args: string[], timeoutMs: number, summary: PacketSummary): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(ffprobe, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let enough = false;
    let err = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      if (enough) return;
      const packet = parsePacketLine(line);
      if (packet && summary.add(packet)) {
        enough = true;
        child.kill('SIGTERM');
      }
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      // Killed by us once the answer was known, or ended by -read_intervals: both are a result.
      if (enough || code === 0 || summary.result().packets > 0) resolve();
      else reject(new Error(`ffprobe ${signal ? `killed (${signal})` : `exited ${code}`}${err.trim() ? `: ${lastLine(err)}` : ''}`));
    });
  });
}

function lastLine(text: string): string {
  return text.trim().split('\n').slice(-1)[0] ?? '';
}
