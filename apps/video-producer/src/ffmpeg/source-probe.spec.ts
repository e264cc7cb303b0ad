import { PacketSummary, packetsArgs, parsePacketLine, parseStreams, resolveFfprobePath, streamsArgs } from './source-probe';

describe('source probe: arguments', () => {
  it('opens RTSP over TCP, files as they are, v4l2 by format; reads only the first video stream for packets', () => {
    expect(streamsArgs({ kind: 'rtsp', url: 'rtsp://cam/1' })).toEqual(expect.arrayContaining(['-rtsp_transport', 'tcp', '-of', 'json', 'rtsp://cam/1']));
    const args = packetsArgs({ kind: 'file', path: '/v/a.mkv', loop: true }, 20.5);
    expect(args.join(' ')).toContain('-select_streams v:0 -read_intervals %+21');
    expect(args.join(' ')).toContain('-show_entries packet=pts_time,dts_time,flags -of compact=p=0 /v/a.mkv');
    expect(args).not.toContain('-stream_loop');
    expect(streamsArgs({ kind: 'v4l2', device: '/dev/video0' }).join(' ')).toContain('-f v4l2 -show_entries');
    expect(streamsArgs({ kind: 'v4l2', device: '/dev/video0' }, { width: 1280, height: 720, fps: 15 }).join(' ')).toContain('-f v4l2 -framerate 15 -video_size 1280x720');
    expect(streamsArgs({ kind: 'rtsp', url: 'rtsp://cam/1' }, { width: 1280, height: 720, fps: 15 })).not.toContain('-video_size');
    expect(() => streamsArgs({ kind: 'testsrc' })).toThrow(/not probed/);
  });
});

describe('source probe: output parsing', () => {
  it('takes the first video and the first audio stream', () => {
    const json = JSON.stringify({
      streams: [
        { index: 0, codec_name: 'hevc', codec_type: 'video', profile: 'Main', width: 1920, height: 1080, avg_frame_rate: '30000/1001', r_frame_rate: '30/1', has_b_frames: 2 },
        { index: 1, codec_name: 'aac', codec_type: 'audio', profile: 'LC', sample_rate: '48000', channels: 2 },
        { index: 2, codec_name: 'mp3', codec_type: 'audio', sample_rate: '44100', channels: 1 },
        { index: 3, codec_name: 'bin_data', codec_type: 'data' },
      ],
    });
    expect(parseStreams(json)).toEqual({
      video: { index: 0, type: 'video', codec: 'hevc', profile: 'Main', width: 1920, height: 1080, fps: 29.97, hasBFrames: 2 },
      audio: { index: 1, type: 'audio', codec: 'aac', profile: 'LC', sampleRate: 48000, channels: 2, hasBFrames: 0 },
    });
    expect(parseStreams('{}')).toEqual({ video: undefined, audio: undefined });
    const unknownRate = JSON.stringify({ streams: [{ index: 0, codec_name: 'h264', codec_type: 'video', avg_frame_rate: '0/0', r_frame_rate: '25/1' }] });
    expect(parseStreams(unknownRate).video?.fps).toBe(25);
  });

  it('reads compact packet lines, N/A times as unknown', () => {
    expect(parsePacketLine('pts_time=0.080000|dts_time=0.000000|flags=K__')).toEqual({ ptsMs: 80, dtsMs: 0, keyframe: true });
    expect(parsePacketLine('pts_time=N/A|dts_time=1.5|flags=___')).toEqual({ ptsMs: undefined, dtsMs: 1500, keyframe: false });
    expect(parsePacketLine('garbage')).toBeUndefined();
    expect(parsePacketLine('')).toBeUndefined();
  });
});

describe('PacketSummary', () => {
  function feed(summary: PacketSummary, fps: number, gop: number, frames: number, bFrames = false): number {
    for (let i = 0; i < frames; i++) {
      const pts = (i * 1000) / fps;
      if (summary.add({ ptsMs: pts, dtsMs: bFrames ? pts - 80 : pts, keyframe: i % gop === 0 })) return i + 1;
    }
    return frames;
  }

  it('stops at the third keyframe and reports the longest interval', () => {
    const s = new PacketSummary(10_000);
    expect(feed(s, 25, 50, 1000)).toBe(101); // keyframes at frames 0, 50, 100
    expect(s.result()).toEqual({ keyframes: 3, keyframeIntervalMs: 2000, sinceLastKeyframeMs: 0, packets: 101, reordered: false });
  });

  it('stops once the source went longer than the maximum without a keyframe', () => {
    const s = new PacketSummary(10_000);
    expect(feed(s, 25, 1000, 2000)).toBe(252); // 10 040 ms after the only keyframe
    expect(s.result()).toMatchObject({ keyframes: 1, sinceLastKeyframeMs: 10_040 });
    expect(s.result().keyframeIntervalMs).toBeUndefined();
  });

  it('B-frames: pts differing from dts is reordering', () => {
    const s = new PacketSummary(10_000);
    feed(s, 25, 25, 60, true);
    expect(s.result()).toMatchObject({ keyframes: 3, keyframeIntervalMs: 1000, reordered: true });
  });
});

describe('resolveFfprobePath', () => {
  it('prefers the ffprobe next to ffmpeg, then PATH, else none', () => {
    const exists = (set: string[]) => (p: string) => set.includes(p);
    expect(resolveFfprobePath('/opt/ff/ffmpeg', { pathEnv: '/usr/bin', isExecutable: exists(['/opt/ff/ffprobe', '/usr/bin/ffprobe']) })).toBe('/opt/ff/ffprobe');
    expect(resolveFfprobePath('/opt/ff/ffmpeg', { pathEnv: '/bin:/usr/bin', isExecutable: exists(['/usr/bin/ffprobe']) })).toBe('/usr/bin/ffprobe');
    expect(resolveFfprobePath('/opt/ff/ffmpeg', { pathEnv: '/usr/bin', isExecutable: exists([]) })).toBeUndefined();
  });
});
