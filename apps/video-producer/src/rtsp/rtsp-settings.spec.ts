// The RTSP settings through the app's config and into ffmpeg's command.
import { buildFfmpegPlan, ffmpegArgs } from '../ffmpeg/ffmpeg-adapter';
import { HELP, loadConfig, type CameraConfig } from '../video-producer-config';

function cameras(argv: string[], env: NodeJS.ProcessEnv = {}, file?: object): CameraConfig[] {
  const loaded = loadConfig(argv, env, { readFile: () => JSON.stringify(file) });
  if (loaded.help) throw new Error('unexpected --help');
  return loaded.config.cameras;
}

const enc = { fragmentMs: 1000, bitrateKbps: 500, copy: true };

describe('RTSP settings', () => {
  it('defaults to TCP with a 10-s socket timeout (ffmpeg -timeout is in microseconds)', () => {
    const [c] = cameras(['--stream', 'cam', '--source', 'rtsp://cam.local/s']);
    expect(c.source).toEqual({ kind: 'rtsp', url: 'rtsp://cam.local/s', transport: 'tcp', timeoutMs: 10_000 });
    const args = ffmpegArgs(buildFfmpegPlan(c.source, enc));
    expect(args.join(' ')).toContain('-rtsp_transport tcp -timeout 10000000 -i rtsp://cam.local/s');
  });

  it('takes UDP and the timeout from flags, variables and per camera from the file; 0 turns the timeout off', () => {
    expect(cameras(['--stream', 'cam', '--source', 'rtsp://h/s', '--rtsp-transport', 'udp', '--rtsp-timeout', '3000'])[0].source).toMatchObject({ transport: 'udp', timeoutMs: 3000 });
    expect(cameras(['--stream', 'cam', '--source', 'rtsp://h/s'], { VIDEO_RTSP_TRANSPORT: 'udp', VIDEO_RTSP_TIMEOUT_MS: '0' })[0].source).toMatchObject({ transport: 'udp', timeoutMs: 0 });
    const fromFile = cameras(['--config', 'cameras.json'], {}, { cameras: [{ stream: 'a', source: 'rtsp://h/a', rtspTransport: 'udp', rtspTimeoutMs: 5000 }, { stream: 'b', source: 'rtsp://h/b' }] });
    expect(fromFile.map((c) => c.source)).toEqual([
      { kind: 'rtsp', url: 'rtsp://h/a', transport: 'udp', timeoutMs: 5000 },
      { kind: 'rtsp', url: 'rtsp://h/b', transport: 'tcp', timeoutMs: 10_000 },
    ]);
    const off = buildFfmpegPlan({ kind: 'rtsp', url: 'rtsp://h/s', transport: 'udp', timeoutMs: 0 }, enc);
    expect(off.inputOptions).toContain('udp');
    expect(off.inputOptions).not.toContain('-timeout');
    expect(() => cameras(['--stream', 'cam', '--source', 'rtsp://h/s', '--rtsp-transport', 'http'])).toThrow(/--rtsp-transport \/ VIDEO_RTSP_TRANSPORT: expected tcp or udp/);
  });

  it('merges VIDEO_RTSP_USER / VIDEO_RTSP_PASSWORD into the URL ffmpeg gets; the source text keeps no password', () => {
    const [c] = cameras(['--stream', 'cam', '--source', 'rtsp://cam.local/s'], { VIDEO_RTSP_USER: 'admin', VIDEO_RTSP_PASSWORD: 'p@ss word' });
    expect(c.source).toMatchObject({ url: 'rtsp://admin:p%40ss%20word@cam.local/s' });
    expect(c.sourceText).toBe('rtsp://cam.local/s');
    const [inUrl] = cameras(['--stream', 'cam', '--source', 'rtsp://admin:hunter2@cam.local/s']);
    expect(inUrl.sourceText).toBe('rtsp://admin:***@cam.local/s');
    expect(JSON.stringify(inUrl.sourceText)).not.toContain('hunter2');
  });

  it('lists the settings in --help', () => {
    for (const v of ['--rtsp-transport', 'VIDEO_RTSP_TRANSPORT', '--rtsp-timeout', 'VIDEO_RTSP_TIMEOUT_MS', '--rtsp-user', 'VIDEO_RTSP_USER', '--rtsp-password', 'VIDEO_RTSP_PASSWORD']) expect(HELP).toContain(v);
  });
});
