import { PassThrough } from 'node:stream';
import type { CameraConfig } from '../video-producer-config';
import type { CopyDecision } from './copy-decision';
import type { FfmpegExit, FfmpegPlan, FfmpegProcess } from './ffmpeg-adapter';
import { startProbedFfmpeg } from './probed-ffmpeg';
import type { SourceProbe } from './source-probe';

const camera: CameraConfig = {
  stream: 'yard',
  source: { kind: 'rtsp', url: 'rtsp://cam/1' },
  sourceText: 'rtsp://cam/1',
  copy: 'auto',
  fragmentMs: 2000,
  bitrateKbps: 1000,
  preset: 'veryfast',
};

const usable: SourceProbe = {
  video: { index: 0, type: 'video', codec: 'h264', width: 1920, height: 1080, fps: 25, hasBFrames: 0 },
  audio: { index: 1, type: 'audio', codec: 'aac', sampleRate: 48000, hasBFrames: 0 },
  keyframes: 3,
  keyframeIntervalMs: 2000,
  sinceLastKeyframeMs: 0,
  bFrames: false,
  packets: 101,
};

/** A fake ffmpeg: records its plan, its stdout is ours to write, its exit ours to resolve. */
function fakeStart() {
  const started: Array<{ plan: FfmpegPlan; stdout: PassThrough; exit: (e: FfmpegExit) => void; stops: number }> = [];
  const start = (plan: FfmpegPlan): FfmpegProcess => {
    const stdout = new PassThrough();
    let exit: (e: FfmpegExit) => void = () => undefined;
    const exited = new Promise<FfmpegExit>((resolve) => (exit = resolve));
    const entry = { plan, stdout, exit, stops: 0 };
    started.push(entry);
    return {
      stdout,
      commandLine: `ffmpeg ${plan.outputOptions.join(' ')}`,
      exited,
      stop: () => {
        entry.stops++;
        stdout.end();
        exit({ requested: true });
        return exited;
      },
    };
  };
  return { start, started };
}

function logger() {
  const info: Array<[Record<string, unknown>, string]> = [];
  const warn: Array<[Record<string, unknown>, string]> = [];
  return {
    info,
    warn,
    log: { info: (o: object, m?: string) => info.push([o as Record<string, unknown>, m ?? '']), warn: (o: object, m?: string) => warn.push([o as Record<string, unknown>, m ?? '']), debug: () => undefined },
  };
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  let out = '';
  for await (const chunk of stream) out += String(chunk);
  return out;
}

describe('startProbedFfmpeg', () => {
  it('probes, logs the decision in one line, starts ffmpeg with the copy plan and passes its bytes and exit through', async () => {
    const { start, started } = fakeStart();
    const l = logger();
    const decisions: CopyDecision[] = [];
    const proc = startProbedFfmpeg({ camera, ffmpegPath: 'ffmpeg', ffprobePath: 'ffprobe', maxKeyframeIntervalMs: 10_000, logger: l.log, probe: async () => usable, start, onDecision: (d) => decisions.push(d) });
    expect(proc.commandLine).toBe('(probing)');
    await new Promise((r) => setImmediate(r));
    expect(started).toHaveLength(1);
    const options = started[0].plan.outputOptions.join(' ');
    expect(options).toContain('-map 0:v:0 -map 0:a:0 -c:a copy');
    expect(options).toContain('-c:v copy');
    expect(proc.commandLine).toContain('-c:v copy');
    expect(decisions).toEqual([{ copy: true, copyAudio: true, reason: 'copying: h264 1920x1080, keyframe every 2000 ms; audio AAC 48000 Hz copied as track 2' }]);
    expect(l.info).toEqual([
      [{ copy: true, copyAudio: true, probe: { video: 'h264 1920x1080', audio: 'aac 48000 Hz', fps: 25, keyframeIntervalMs: 2000, bFrames: false } }, decisions[0].reason],
    ]);
    const bytes = readAll(proc.stdout);
    started[0].stdout.end('matroska bytes');
    started[0].exit({ requested: false });
    expect(await bytes).toBe('matroska bytes');
    expect(await proc.exited).toEqual({ requested: false });
  });

  it('a failed probe under auto is a failed start (retried by the pipeline), not a re-encode; under on it copies', async () => {
    const refused = () => Promise.reject(new Error('ffprobe exited 1: Connection refused'));
    const auto = fakeStart();
    const proc = startProbedFfmpeg({ camera, ffmpegPath: 'ffmpeg', ffprobePath: 'ffprobe', maxKeyframeIntervalMs: 10_000, logger: logger().log, probe: refused, start: auto.start });
    const exit = await proc.exited;
    expect(exit.requested).toBe(false);
    // Typed as ffmpeg's own failure would be (rtsp-failure.ts): the pipeline's retry policy reads the code.
    expect(exit.error).toMatchObject({ code: 'RTSP_UNREACHABLE', retriable: true, message: expect.stringContaining('(ffprobe: ffprobe exited 1: Connection refused)') });
    expect(await readAll(proc.stdout)).toBe('');
    expect(auto.started).toHaveLength(0);

    const on = fakeStart();
    const l = logger();
    startProbedFfmpeg({ camera: { ...camera, copy: 'on' }, ffmpegPath: 'ffmpeg', ffprobePath: 'ffprobe', maxKeyframeIntervalMs: 10_000, logger: l.log, probe: refused, start: on.start });
    await new Promise((r) => setImmediate(r));
    expect(valueAfter(on.started[0].plan.outputOptions, '-c:v')).toBe('copy');
    expect(l.info[0][1]).toContain('probe failed: ffprobe exited 1: Connection refused');
  });

  it('a probe refused for its password is RTSP_UNAUTHORIZED, and the password is masked in the error', async () => {
    const secret = 'hunter2';
    const url = `rtsp://admin:${secret}@cam/1`;
    const refused = () => Promise.reject(new Error(`ffprobe exited 1: ${url}: Server returned 401 Unauthorized (authorization failed)`));
    const mask = (text: string): string => text.split(secret).join('***');
    const proc = startProbedFfmpeg({ camera: { ...camera, source: { kind: 'rtsp', url } }, ffmpegPath: 'ffmpeg', ffprobePath: 'ffprobe', maxKeyframeIntervalMs: 10_000, logger: logger().log, probe: refused, start: fakeStart().start, mask });
    const exit = await proc.exited;
    expect(exit.error).toMatchObject({ code: 'RTSP_UNAUTHORIZED', retriable: true });
    expect(exit.error?.message).toContain('rtsp://admin:***@cam/1');
    expect(exit.error?.message).not.toContain(secret);
  });

  it('without ffprobe, auto re-encodes; --copy on still copies', async () => {
    for (const copy of ['auto', 'on'] as const) {
      const { start, started } = fakeStart();
      const l = logger();
      startProbedFfmpeg({ camera: { ...camera, copy }, ffmpegPath: 'ffmpeg', ffprobePath: undefined, maxKeyframeIntervalMs: 10_000, logger: l.log, start });
      await new Promise((r) => setImmediate(r));
      expect(valueAfter(started[0].plan.outputOptions, '-c:v')).toBe(copy === 'auto' ? 'libx264' : 'copy');
      expect(l.info[0][1]).toContain('no ffprobe next to ffmpeg or on PATH');
    }
  });

  it('stop() while probing: ffmpeg never starts, the output ends, exited says requested', async () => {
    const { start, started } = fakeStart();
    let answer: (p: SourceProbe) => void = () => undefined;
    const proc = startProbedFfmpeg({ camera, ffmpegPath: 'ffmpeg', ffprobePath: 'ffprobe', maxKeyframeIntervalMs: 10_000, logger: logger().log, probe: () => new Promise((r) => (answer = r)), start });
    const stopped = proc.stop(100);
    answer(usable);
    expect(await stopped).toEqual({ requested: true });
    expect(await readAll(proc.stdout)).toBe('');
    expect(started).toHaveLength(0);
  });

  it('stop() once running stops ffmpeg', async () => {
    const { start, started } = fakeStart();
    const proc = startProbedFfmpeg({ camera, ffmpegPath: 'ffmpeg', ffprobePath: 'ffprobe', maxKeyframeIntervalMs: 10_000, logger: logger().log, probe: async () => usable, start });
    await new Promise((r) => setImmediate(r));
    expect(await proc.stop()).toEqual({ requested: true });
    expect(started[0].stops).toBe(1);
  });

  it('the test pattern is neither probed nor logged: it is encoded', async () => {
    const { start, started } = fakeStart();
    const l = logger();
    const probe = jest.fn(async () => usable);
    startProbedFfmpeg({ camera: { ...camera, source: { kind: 'testsrc' }, sourceText: 'testsrc' }, ffmpegPath: 'ffmpeg', ffprobePath: 'ffprobe', maxKeyframeIntervalMs: 10_000, logger: l.log, probe, start });
    await new Promise((r) => setImmediate(r));
    expect(probe).not.toHaveBeenCalled();
    expect(l.info).toEqual([]);
    expect(started[0].plan.outputOptions).toContain('libx264');
  });
});

function valueAfter(list: string[], flag: string): string | undefined {
  const i = list.indexOf(flag);
  return i >= 0 ? list[i + 1] : undefined;
}
