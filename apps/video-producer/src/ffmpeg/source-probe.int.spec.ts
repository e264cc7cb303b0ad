/**
 * runSourceProbe against the real ffprobe, on small files made here by ffmpeg: what the copy decision is fed.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decideCopy } from './copy-decision';
import { resolveFfprobePath, runSourceProbe } from './source-probe';

let dir: string;
const ffprobePath = resolveFfprobePath('/usr/bin/ffmpeg') ?? 'ffprobe';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'source-probe-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function make(name: string, args: string[]): string {
  const file = join(dir, name);
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=25', ...args, file]);
  return file;
}

describe('runSourceProbe (real ffprobe)', () => {
  it('H.264 with B-frames and AAC: codec, size, rate, keyframe interval, B-frames, audio', async () => {
    const file = make('h264-b.mp4', ['-f', 'lavfi', '-i', 'sine=sample_rate=44100', '-t', '5', '-c:v', 'libx264', '-preset', 'ultrafast', '-bf', '2', '-g', '25', '-keyint_min', '25', '-sc_threshold', '0', '-c:a', 'aac']);
    const probe = await runSourceProbe({ kind: 'file', path: file, loop: true }, { ffprobePath, maxKeyframeIntervalMs: 10_000 });
    expect(probe).toMatchObject({
      video: { codec: 'h264', width: 160, height: 120, fps: 25 },
      audio: { codec: 'aac', sampleRate: 44100 },
      keyframes: 3,
      keyframeIntervalMs: 1000,
      bFrames: true,
    });
    // Stopped at the third keyframe: two GOPs and one packet.
    expect(probe.packets).toBe(51);
    expect(decideCopy({ mode: 'auto', source: { kind: 'file', path: file, loop: true }, probe, maxKeyframeIntervalMs: 10_000 })).toMatchObject({ copy: true, copyAudio: true });
  });

  it('MJPEG with PCM audio: not copyable, the codec named', async () => {
    const file = make('mjpeg.mkv', ['-f', 'lavfi', '-i', 'sine', '-t', '2', '-c:v', 'mjpeg', '-c:a', 'pcm_s16le']);
    const probe = await runSourceProbe({ kind: 'file', path: file, loop: false }, { ffprobePath, maxKeyframeIntervalMs: 10_000 });
    expect(probe).toMatchObject({ video: { codec: 'mjpeg' }, audio: { codec: 'pcm_s16le' }, bFrames: false });
    expect(decideCopy({ mode: 'auto', source: { kind: 'file', path: file, loop: false }, probe, maxKeyframeIntervalMs: 10_000 }).reason).toBe(
      're-encoding: video codec mjpeg is not H.264 or H.265',
    );
  });

  it('rejects with ffprobe’s own message when the source cannot be opened', async () => {
    const notMedia = join(dir, 'not-media.mkv');
    writeFileSync(notMedia, 'not a video');
    await expect(runSourceProbe({ kind: 'file', path: notMedia, loop: false }, { ffprobePath, maxKeyframeIntervalMs: 10_000 })).rejects.toThrow(/^ffprobe exited 1: .*Invalid data/);
    await expect(runSourceProbe({ kind: 'rtsp', url: 'rtsp://127.0.0.1:9/nothing' }, { ffprobePath, maxKeyframeIntervalMs: 10_000 })).rejects.toThrow(/^ffprobe exited 1/);
  });
});
