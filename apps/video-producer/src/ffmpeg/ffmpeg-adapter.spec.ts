import { VideoProducerError } from '../video-producer-error';
import { buildFfmpegPlan, ffmpegArgs, findFont, resolveFfmpegPath, type EncodingSettings } from './ffmpeg-adapter';

const enc: EncodingSettings = { fragmentMs: 2000, width: 640, height: 360, fps: 25, bitrateKbps: 1000, copy: false };

function valueOf(args: string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
}

describe('buildFfmpegPlan', () => {
  it('test pattern: real-time lavfi testsrc2 with the clock, H.264 with a keyframe every fragment, live Matroska', () => {
    const plan = buildFfmpegPlan({ kind: 'testsrc' }, enc, { fontFile: '/fonts/DejaVu Sans.ttf' });
    expect(plan.input).toBe('testsrc2=size=640x360:rate=25');
    expect(plan.inputOptions).toEqual(expect.arrayContaining(['-re', '-f', 'lavfi']));
    const args = ffmpegArgs(plan);
    // An opaque bar over testsrc2's own counter, then the wall clock on it (test-pattern.int.spec.ts renders it).
    expect(valueOf(args, '-vf')).toMatch(/^drawbox=x=0:y=0:w=iw:h=44:color=black:t=fill,drawtext=fontfile='\/fonts\/DejaVu Sans.ttf':.*:y=\(44-th\)\/2:text='%\{localtime\} #%\{n\}'$/);
    expect(valueOf(args, '-c:v')).toBe('libx264');
    expect(valueOf(args, '-tune')).toBe('zerolatency');
    expect(valueOf(args, '-preset')).toBe('veryfast');
    expect(valueOf(args, '-g')).toBe('50');
    expect(valueOf(args, '-keyint_min')).toBe('50');
    expect(valueOf(args, '-force_key_frames')).toBe('expr:gte(t,n_forced*2)');
    expect(valueOf(args, '-bf')).toBe('0');
    expect(valueOf(args, '-b:v')).toBe('1000k');
    expect(valueOf(args, '-f')).toBe('lavfi'); // first -f is the input's
    expect(args.slice(-7)).toEqual(['-f', 'matroska', '-live', '1', '-flush_packets', '1', 'pipe:1']);
    expect(args).toContain('-an');
  });

  it('frame streaming: one Matroska Cluster per frame, so each frame leaves ffmpeg as soon as it is encoded', () => {
    expect(ffmpegArgs(buildFfmpegPlan({ kind: 'testsrc' }, enc))).not.toContain('-cluster_size_limit');
    const args = ffmpegArgs(buildFfmpegPlan({ kind: 'rtsp', url: 'rtsp://cam/1' }, { ...enc, copy: true, frameClusters: true }));
    expect(valueOf(args, '-cluster_size_limit')).toBe('1');
    expect(valueOf(args, '-cluster_time_limit')).toBe('0');
    expect(args.slice(-7)).toEqual(['-f', 'matroska', '-live', '1', '-flush_packets', '1', 'pipe:1']);
  });

  it('test pattern without a font: no drawtext', () => {
    const args = ffmpegArgs(buildFfmpegPlan({ kind: 'testsrc' }, { ...enc, width: undefined, height: undefined, fps: undefined }));
    expect(args).not.toContain('-vf');
    expect(args).toContain('testsrc2=size=640x360:rate=25');
  });

  it('file: looped with -stream_loop -1 and read in real time; scaled when a size is given', () => {
    const looped = buildFfmpegPlan({ kind: 'file', path: '/v/in.mp4', loop: true }, enc);
    expect(looped.input).toBe('/v/in.mp4');
    expect(looped.inputOptions.join(' ')).toContain('-stream_loop -1 -re');
    expect(valueOf(looped.outputOptions, '-vf')).toBe('scale=640:360,fps=25');
    const once = buildFfmpegPlan({ kind: 'file', path: '/v/in.mp4', loop: false }, { ...enc, width: undefined, height: undefined, fps: undefined });
    expect(once.inputOptions).not.toContain('-stream_loop');
    expect(once.outputOptions).not.toContain('-vf');
    expect(once.outputOptions).not.toContain('-g'); // no fps known: -force_key_frames alone sets the keyframes
    expect(valueOf(once.outputOptions, '-force_key_frames')).toBe('expr:gte(t,n_forced*2)');
  });

  it('RTSP over TCP, with stream copy when asked', () => {
    const plan = buildFfmpegPlan({ kind: 'rtsp', url: 'rtsp://cam/stream1' }, { ...enc, copy: true });
    expect(plan.input).toBe('rtsp://cam/stream1');
    expect(valueOf(plan.inputOptions, '-rtsp_transport')).toBe('tcp');
    expect(valueOf(plan.outputOptions, '-c:v')).toBe('copy');
    expect(plan.outputOptions).not.toContain('libx264');
    expect(plan.outputOptions).not.toContain('-vf');
    expect(valueOf(plan.outputOptions, '-f')).toBe('matroska');
  });

  it('copy with audio: video and the first audio stream mapped and copied (KVS tracks 1 and 2); a re-encode never maps audio', () => {
    const plan = buildFfmpegPlan({ kind: 'rtsp', url: 'rtsp://cam/stream1' }, { ...enc, copy: true, copyAudio: true });
    expect(plan.outputOptions.join(' ')).toContain('-map 0:v:0 -map 0:a:0 -c:a copy');
    expect(plan.outputOptions).not.toContain('-an');
    expect(valueOf(plan.outputOptions, '-c:v')).toBe('copy');
    const encoded = buildFfmpegPlan({ kind: 'rtsp', url: 'rtsp://cam/stream1' }, { ...enc, copy: false, copyAudio: true });
    expect(encoded.outputOptions).toContain('-an');
    expect(encoded.outputOptions).not.toContain('0:a:0');
  });

  it('v4l2: device with frame rate and size as input options', () => {
    const plan = buildFfmpegPlan({ kind: 'v4l2', device: '/dev/video2' }, enc);
    expect(plan.input).toBe('/dev/video2');
    expect(valueOf(plan.inputOptions, '-f')).toBe('v4l2');
    expect(valueOf(plan.inputOptions, '-framerate')).toBe('25');
    expect(valueOf(plan.inputOptions, '-video_size')).toBe('640x360');
    expect(plan.outputOptions).not.toContain('-vf');
  });
});

describe('resolveFfmpegPath', () => {
  it('prefers the configured path, then PATH, then the bundled binary', () => {
    const exe = new Set(['/opt/ff', '/usr/bin/ffmpeg', '/bundle/ffmpeg']);
    const isExecutable = (p: string) => exe.has(p);
    const bundled = () => '/bundle/ffmpeg';
    expect(resolveFfmpegPath({ configured: '/opt/ff', pathEnv: '/usr/bin', isExecutable, bundled })).toEqual({ path: '/opt/ff', origin: 'configured' });
    expect(resolveFfmpegPath({ pathEnv: '/nope:/usr/bin', isExecutable, bundled })).toEqual({ path: '/usr/bin/ffmpeg', origin: 'system' });
    expect(resolveFfmpegPath({ pathEnv: '/nope', isExecutable, bundled })).toEqual({ path: '/bundle/ffmpeg', origin: 'bundled' });
  });

  it('throws FFMPEG_NOT_FOUND when there is none', () => {
    const err = (() => {
      try {
        resolveFfmpegPath({ pathEnv: '/nope', isExecutable: () => false, bundled: () => undefined });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(VideoProducerError);
    expect((err as VideoProducerError).code).toBe('FFMPEG_NOT_FOUND');
  });

  it('finds the bundled @ffmpeg-installer binary on this platform', () => {
    expect(resolveFfmpegPath({ pathEnv: '' }).origin).toBe('bundled');
  });
});

describe('findFont', () => {
  it('returns the first candidate that exists', () => {
    expect(findFont(['/a', '/b', '/c'], (p) => p !== '/a')).toBe('/b');
    expect(findFont(['/a'], () => false)).toBeUndefined();
  });
});
