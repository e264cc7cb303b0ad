/**
 * Test-only helpers (this folder may do I/O: lint exempts testing/): real Matroska made by the system ffmpeg from
 * its test sources in a temp dir (conventions.md §18: fixtures are built, not committed), ffprobe's view of a file
 * as the reference, and a seeded chunker to feed decoders in random pieces.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seededRandom } from '@tributary/runtime/testing';
import { MediaError } from '../media-error';

export const FFMPEG = 'ffmpeg';
export const FFPROBE = 'ffprobe';

export interface TempDir {
  dir: string;
  path(name: string): string;
  cleanup(): void;
}

export function makeTempDir(prefix = 'media-test-'): TempDir {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, path: (name) => join(dir, name), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface TestPatternOptions {
  seconds?: number;
  fps?: number;
  /** Keyframe interval in frames (-g). */
  gop?: number;
  size?: string;
  /** Add an AAC sine track. */
  audio?: boolean;
  /** `-live 1` (unknown-size Segment, no Cues) — the producer's mode. */
  live?: boolean;
  /** No B-frames (-bf 0), as the KVS producer recipe recommends. */
  noBFrames?: boolean;
  /** B-frames between references (-bf N; libx264's ultrafast preset has none unless asked). */
  bFrames?: number;
  /** Video encoder, default libx264 (libx265 writes V_MPEGH/ISO/HEVC). */
  videoCodec?: 'libx264' | 'libx265';
  /** -pix_fmt, default yuv420p. */
  pixFmt?: string;
  /** More encoder options, e.g. ['-profile:v', 'main', '-level', '3.1']. */
  videoArgs?: string[];
}

/** Encodes ffmpeg's testsrc (and optionally a sine) to H.264 Matroska at `file`; returns the bytes. */
export function makeTestPattern(file: string, o: TestPatternOptions = {}): Uint8Array {
  const fps = o.fps ?? 25;
  const args = ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `testsrc=size=${o.size ?? '320x240'}:rate=${fps}`];
  if (o.audio) args.push('-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000');
  args.push('-t', String(o.seconds ?? 4), '-c:v', o.videoCodec ?? 'libx264', '-preset', 'ultrafast', '-g', String(o.gop ?? fps), '-pix_fmt', o.pixFmt ?? 'yuv420p');
  if (o.videoCodec === 'libx265') args.push('-x265-params', 'log-level=error');
  if (o.noBFrames) args.push('-bf', '0');
  else if (o.bFrames !== undefined) args.push('-bf', String(o.bFrames));
  if (o.videoArgs) args.push(...o.videoArgs);
  if (o.audio) args.push('-c:a', 'aac', '-b:a', '64k');
  args.push('-f', 'matroska');
  if (o.live) args.push('-live', '1');
  args.push(file);
  execFileSync(FFMPEG, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  return toUint8(readFileSync(file));
}

export interface ProbePacket {
  /** 0-based index of the stream in the file (track number - 1 for ffmpeg's own files). */
  streamIndex: number;
  ptsMs: number;
  keyframe: boolean;
  size: number;
}

/** ffprobe's packets (file order) — the reference the reader is checked against. */
export function probePackets(file: string): ProbePacket[] {
  const out = execFileSync(FFPROBE, ['-v', 'error', '-show_packets', '-show_entries', 'packet=stream_index,pts_time,flags,size', '-of', 'json', file], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const parsed = JSON.parse(out) as { packets?: { stream_index: number; pts_time: string; flags: string; size: string }[] };
  return (parsed.packets ?? []).map((p) => ({ streamIndex: p.stream_index, ptsMs: Math.round(Number(p.pts_time) * 1000), keyframe: p.flags.includes('K'), size: Number(p.size) }));
}

/** Decodes every frame with ffmpeg; returns its stderr (empty when the file is clean) and the frame count. */
export function decodeWithFfmpeg(file: string): { errors: string; videoFrames: number } {
  const out = execFileSync(FFPROBE, ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=nb_read_frames', '-of', 'csv=p=0', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  let errors = '';
  try {
    execFileSync(FFMPEG, ['-v', 'error', '-xerror', '-i', file, '-f', 'null', '-'], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    errors = String((err as { stderr?: unknown }).stderr ?? err);
  }
  return { errors, videoFrames: Number(out.trim()) };
}

export function writeBytes(file: string, ...parts: Uint8Array[]): void {
  writeFileSync(file, Buffer.concat(parts));
}

export function toUint8(buf: Buffer): Uint8Array {
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
}

/** The MediaError `fn` throws (undefined when it throws nothing; anything else is rethrown). */
export function errorOf(fn: () => unknown): MediaError | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof MediaError) return err;
    throw err;
  }
  return undefined;
}

/** mulberry32, shared with every other spec that needs replayable randomness. */
export { seededRandom };

/** Splits `bytes` into views of random sizes in [1, maxChunk]. */
export function randomChunks(bytes: Uint8Array, maxChunk: number, seed: number): Uint8Array[] {
  const rnd = seededRandom(seed);
  const out: Uint8Array[] = [];
  for (let p = 0; p < bytes.length; ) {
    const n = 1 + Math.floor(rnd() * maxChunk);
    out.push(bytes.subarray(p, p + n));
    p += n;
  }
  return out;
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** What ffprobe says about a file's streams and container (the reference for the MP4 writers' output). */
export interface ProbeStream {
  index: number;
  codecType: string;
  codecName: string;
  codecTag: string;
  profile?: string;
  level?: number;
  width?: number;
  height?: number;
  sampleRate?: number;
  channels?: number;
  avgFrameRate?: string;
}

export function probeStreams(file: string): { streams: ProbeStream[]; formatName: string; durationSec: number } {
  const out = execFileSync(FFPROBE, ['-v', 'error', '-show_streams', '-show_format', '-of', 'json', file], { encoding: 'utf8' });
  type Raw = { index: number; codec_type: string; codec_name: string; codec_tag_string: string; profile?: string; level?: number; width?: number; height?: number; sample_rate?: string; channels?: number; avg_frame_rate?: string };
  const parsed = JSON.parse(out) as { streams: Raw[]; format: { format_name: string; duration?: string } };
  const streams = parsed.streams.map((s) => {
    const p: ProbeStream = { index: s.index, codecType: s.codec_type, codecName: s.codec_name, codecTag: s.codec_tag_string };
    if (s.profile !== undefined) p.profile = s.profile;
    if (s.level !== undefined) p.level = s.level;
    if (s.width !== undefined) p.width = s.width;
    if (s.height !== undefined) p.height = s.height;
    if (s.sample_rate !== undefined) p.sampleRate = Number(s.sample_rate);
    if (s.channels !== undefined) p.channels = s.channels;
    if (s.avg_frame_rate !== undefined) p.avgFrameRate = s.avg_frame_rate;
    return p;
  });
  return { streams, formatName: parsed.format.format_name, durationSec: Number(parsed.format.duration ?? NaN) };
}

export interface ProbeTimedPacket {
  ptsMs: number;
  dtsMs: number;
  keyframe: boolean;
  size: number;
}

/** One stream's packets (`v:0`, `a:0`, …) with PTS and DTS in ms, file order. */
export function probePacketTimes(file: string, select: string): ProbeTimedPacket[] {
  const out = execFileSync(FFPROBE, ['-v', 'error', '-select_streams', select, '-show_entries', 'packet=pts_time,dts_time,flags,size', '-of', 'json', file], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const parsed = JSON.parse(out) as { packets?: { pts_time: string; dts_time: string; flags: string; size: string }[] };
  return (parsed.packets ?? []).map((p) => ({ ptsMs: Math.round(Number(p.pts_time) * 1000), dtsMs: Math.round(Number(p.dts_time) * 1000), keyframe: p.flags.includes('K'), size: Number(p.size) }));
}
