// A source outage in the pipeline's stats (what /healthz shows): since when, why, and the recovery; the slow retry
// after a refused password.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import type { FfmpegExit, FfmpegProcess } from '../ffmpeg/ffmpeg-adapter';
import { VideoProducerError } from '../video-producer-error';
import { CameraPipeline, type PipelineSession } from './camera-pipeline';

let dir: string;
let recorded: Uint8Array;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pipeline-outage-spec-'));
  const file = join(dir, 'live.mkv');
  // prettier-ignore
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=25', '-t', '3',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '25', '-bf', '0', '-pix_fmt', 'yuv420p', '-f', 'matroska', '-live', '1', file]);
  recorded = new Uint8Array(readFileSync(file));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A run that gives `bytes` and then ends with `exit`. */
function run(bytes: Uint8Array, exit: FfmpegExit): FfmpegProcess {
  const stdout = Readable.from(bytes.length > 0 ? [bytes] : []);
  const exited = new Promise<FfmpegExit>((resolve) => stdout.on('end', () => resolve(exit)));
  return { stdout, commandLine: 'recorded', exited, stop: () => exited };
}

const session = (): PipelineSession & { written: number } => ({
  state: 'open',
  written: 0,
  writeHeader: () => undefined,
  async writeFragment() {
    this.written++;
  },
});

const until = async (what: () => boolean): Promise<void> => {
  const deadline = Date.now() + 10_000;
  while (!what()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

describe('camera pipeline: source outages', () => {
  it('a live source that ends by itself is an outage (SOURCE_ENDED, since when) until a fragment comes again', async () => {
    const runs = [run(recorded, { requested: false }), run(new Uint8Array(), { requested: false, error: new VideoProducerError('RTSP_UNREACHABLE', 'RTSP_UNREACHABLE: cannot reach the camera', true) })];
    let starts = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const codes: string[] = [];
    const s = session();
    // Each run is recorded bytes read at once: a clock 10 s on per start keeps their timecodes increasing.
    let clock = Date.now();
    const pipeline = new CameraPipeline({ sourceClockWarmupMs: 0,
      stream: 's',
      session: s,
      now: () => clock,
      startSource: () => {
        clock += 10_000;
        starts++;
        if (starts <= runs.length) return runs[starts - 1];
        // The camera is back, once the test has looked at the outage, and streams until stop().
        const stdout = new PassThrough();
        void gate.then(() => stdout.write(recorded));
        const exited = new Promise<FfmpegExit>((resolve) => stdout.on('end', () => resolve({ requested: true })));
        return {
          stdout,
          commandLine: 'recorded',
          exited,
          stop: () => {
            stdout.end();
            return exited;
          },
        };
      },
      fragmentMs: 1000,
      restartOnExit: true,
      restartDelayMs: 1,
      onError: (code) => codes.push(code),
    });
    const before = clock;
    pipeline.start();
    try {
    await until(() => starts >= 3);
    const down = pipeline.stats();
    // The first failure's time is kept; the code and message are the latest.
    expect(down.sourceErrorCode).toBe('RTSP_UNREACHABLE');
    expect(down.sourceError).toMatch(/cannot reach the camera/);
    expect(down.sourceDownSinceMs).toBeGreaterThanOrEqual(before);
    expect(codes).toEqual(['SOURCE_ENDED', 'RTSP_UNREACHABLE']);
    const writtenBefore = s.written;
    release();
    await until(() => s.written > writtenBefore);
    const up = pipeline.stats();
    expect(up.sourceError).toBeUndefined();
    expect(up.sourceErrorCode).toBeUndefined();
    expect(up.sourceDownSinceMs).toBeUndefined();
    } finally {
      await pipeline.stop();
    }
  });

  it('waits unauthorizedRetryDelayMs after a refused password, the short backoff otherwise', async () => {
    const startedAt: number[] = [];
    const pipeline = new CameraPipeline({ sourceClockWarmupMs: 0,
      stream: 's',
      session: session(),
      startSource: () => {
        startedAt.push(Date.now());
        return run(new Uint8Array(), { requested: false, error: new VideoProducerError('RTSP_UNAUTHORIZED', 'RTSP_UNAUTHORIZED: refused', true) });
      },
      fragmentMs: 1000,
      restartOnExit: true,
      restartDelayMs: 1,
      unauthorizedRetryDelayMs: 400,
    });
    pipeline.start();
    await until(() => startedAt.length >= 2);
    await pipeline.stop();
    expect(startedAt[1] - startedAt[0]).toBeGreaterThanOrEqual(390);
    expect(pipeline.stats().sourceErrorCode).toBe('RTSP_UNAUTHORIZED');
  });
});
