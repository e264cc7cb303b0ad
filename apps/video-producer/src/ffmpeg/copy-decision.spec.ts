import { decideCopy, type DecideOptions } from './copy-decision';
import type { SourceProbe } from './source-probe';

const VIDEO = { index: 0, type: 'video' as const, codec: 'h264', profile: 'High', width: 1920, height: 1080, hasBFrames: 0 };
const rtsp = { kind: 'rtsp' as const, url: 'rtsp://cam/1' };
const h264: SourceProbe = {
  video: VIDEO,
  audio: { index: 1, type: 'audio', codec: 'aac', hasBFrames: 0, sampleRate: 48000, channels: 2 },
  keyframes: 3,
  keyframeIntervalMs: 2000,
  sinceLastKeyframeMs: 0,
  bFrames: false,
  packets: 101,
};

function decide(probe: DecideOptions['probe'], mode: DecideOptions['mode'] = 'auto', source: DecideOptions['source'] = rtsp) {
  return decideCopy({ mode, source, probe, maxKeyframeIntervalMs: 10_000 });
}

describe('decideCopy', () => {
  it('auto copies H.264 and H.265 with a usable GOP, and their AAC as track 2', () => {
    expect(decide(h264)).toEqual({ copy: true, copyAudio: true, reason: 'copying: h264 1920x1080, keyframe every 2000 ms; audio AAC 48000 Hz copied as track 2' });
    const hevc = { ...h264, video: { ...VIDEO, codec: 'hevc' }, audio: undefined, bFrames: true };
    expect(decide(hevc)).toEqual({ copy: true, copyAudio: false, reason: 'copying: hevc 1920x1080, keyframe every 2000 ms, B-frames; no audio' });
  });

  it('auto leaves non-AAC audio out but still copies the video', () => {
    const d = decide({ ...h264, audio: { index: 1, type: 'audio', codec: 'pcm_alaw', hasBFrames: 0 } });
    expect(d).toMatchObject({ copy: true, copyAudio: false });
    expect(d.reason).toContain('audio pcm_alaw is not AAC: left out');
  });

  it('auto re-encodes and names the property: codec, GOP too long, GOP unknown, no keyframe, no video, probe failure', () => {
    expect(decide({ ...h264, video: { ...VIDEO, codec: 'mjpeg' } })).toEqual({ copy: false, copyAudio: false, reason: 're-encoding: video codec mjpeg is not H.264 or H.265' });
    expect(decide({ ...h264, keyframeIntervalMs: 12_000 }).reason).toBe('re-encoding: keyframe interval 12000 ms is longer than a fragment may be (10000 ms)');
    expect(decide({ ...h264, keyframes: 1, keyframeIntervalMs: undefined, sinceLastKeyframeMs: 10_040 }).reason).toBe(
      're-encoding: keyframe interval over 10000 ms (none for 10040 ms), longer than a fragment may be',
    );
    expect(decide({ ...h264, keyframes: 1, keyframeIntervalMs: undefined, sinceLastKeyframeMs: 3_000 }).reason).toContain('only one keyframe in the 3000 ms read');
    expect(decide({ ...h264, keyframes: 0, keyframeIntervalMs: undefined, sinceLastKeyframeMs: 0, packets: 40 }).reason).toBe('re-encoding: no keyframe in the first 40 packets read');
    expect(decide({ ...h264, video: undefined }).reason).toBe('re-encoding: no video stream in the source');
    expect(decide({ error: 'ffprobe exited 1: Connection refused' })).toEqual({
      copy: false,
      copyAudio: false,
      reason: 're-encoding: the source could not be probed (ffprobe exited 1: Connection refused)',
    });
    for (const d of [decide({ ...h264, keyframeIntervalMs: 12_000 }), decide({ ...h264, video: { ...VIDEO, codec: 'mjpeg' } })]) expect(d.copyAudio).toBe(false);
  });

  it('auto re-encodes a file or RTSP source given another size or rate; a v4l2 device is probed at those', () => {
    const src = { ...h264, video: { ...VIDEO, fps: 25 } };
    const withOutput = (output: DecideOptions['output'], source: DecideOptions['source'] = rtsp) => decideCopy({ mode: 'auto', source, probe: src, maxKeyframeIntervalMs: 10_000, output });
    expect(withOutput({ width: 1280, height: 720 }).reason).toBe('re-encoding: 1280x720 asked (--width/--height), the source is 1920x1080');
    expect(withOutput({ fps: 15 }).reason).toBe('re-encoding: 15 fps asked (--fps), the source has 25');
    expect(withOutput({ width: 1920, height: 1080, fps: 25 }).copy).toBe(true);
    expect(withOutput({ width: 1280, height: 720, fps: 15 }, { kind: 'v4l2', device: '/dev/video0' }).copy).toBe(true);
  });

  it('a GOP exactly at the fragment maximum is still copied', () => {
    expect(decide({ ...h264, keyframeIntervalMs: 10_000 }).copy).toBe(true);
  });

  it('on copies whatever the probe says (audio when AAC), even when the probe failed; off and the test pattern encode', () => {
    expect(decide({ ...h264, video: { ...VIDEO, codec: 'mjpeg' } }, 'on')).toMatchObject({ copy: true, copyAudio: true });
    expect(decide({ error: 'no ffprobe next to ffmpeg or on PATH' }, 'on')).toEqual({
      copy: true,
      copyAudio: false,
      reason: 'copying: --copy on (probe failed: no ffprobe next to ffmpeg or on PATH); audio unknown (no probe): not copied',
    });
    expect(decide(h264, 'off')).toEqual({ copy: false, copyAudio: false, reason: 're-encoding: --copy off' });
    expect(decide(undefined, 'auto', { kind: 'testsrc' })).toMatchObject({ copy: false, copyAudio: false });
  });
});
