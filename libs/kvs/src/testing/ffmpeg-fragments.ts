/**
 * Test input made the way the video producer will make it: the system ffmpeg encodes its test pattern to live
 * Matroska (H.264, a keyframe every second, no B-frames: kvs-reference.md §3.9), libs/media reads it and cuts it
 * into KVS fragments (one known-size Cluster each, ABSOLUTE timecodes). Test-only (spawns ffmpeg).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Fragmenter, MatroskaStreamReader, msToTicks, writeFragment, type MkvFrame, type MkvStreamHeader } from '@tributary/media';

export const FFMPEG = '/usr/bin/ffmpeg';
export const FFPROBE = '/usr/bin/ffprobe';

export interface TestFragment {
  /** Cluster Timecode (1 ms scale: epoch ms). */
  timecode: number;
  bytes: Uint8Array;
  frames: MkvFrame[];
}

export interface TestStream {
  header: MkvStreamHeader;
  headerBytes: Uint8Array;
  fragments: TestFragment[];
  frameCount: number;
}

export function makeTempDir(prefix = 'kvs-test-'): { dir: string; path(name: string): string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, path: (name) => join(dir, name), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** `seconds` of ffmpeg's testsrc at `fps`, one keyframe per second, cut into 1-s fragments starting at `originMs`. */
export function makeTestStream(file: string, options: { seconds?: number; fps?: number; originMs: number }): TestStream {
  const fps = options.fps ?? 25;
  // prettier-ignore
  execFileSync(FFMPEG, [
    '-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', `testsrc=size=320x240:rate=${fps}`,
    '-t', String(options.seconds ?? 6),
    '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', String(fps), '-bf', '0', '-pix_fmt', 'yuv420p',
    '-f', 'matroska', '-live', '1', file,
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  const bytes = new Uint8Array(readFileSync(file));
  const reader = new MatroskaStreamReader();
  const fragmenter = new Fragmenter({ originMs: options.originMs });
  let header: MkvStreamHeader | undefined;
  let headerBytes: Uint8Array | undefined;
  const cut = [];
  let frameCount = 0;
  for (const ev of [...reader.push(bytes), ...reader.end()]) {
    if (ev.type === 'header') {
      header = ev.header;
      headerBytes = ev.bytes.slice();
    } else if (ev.type === 'cluster') {
      for (const frame of ev.cluster.frames) {
        frameCount++;
        cut.push(...fragmenter.push(frame));
      }
    }
  }
  cut.push(...fragmenter.flush());
  if (!header || !headerBytes) throw new Error('ffmpeg output had no header');
  const scale = header.timecodeScaleNs;
  const fragments = cut.map((f) => ({ timecode: msToTicks(f.timestampMs, scale), bytes: writeFragment(f, scale), frames: f.frames }));
  return { header, headerBytes, fragments, frameCount };
}

/** ffprobe's count of decodable video frames in a file. */
export function countDecodedFrames(file: string): number {
  const out = execFileSync(FFPROBE, ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=nb_read_frames', '-of', 'csv=p=0', file], {
    encoding: 'utf8',
  });
  return Number(out.trim());
}
