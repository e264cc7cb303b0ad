import { ConfigError } from '@tributary/schemas';
import { DEFAULTS, loadConfig, parseSource, type VideoProducerConfig } from './video-producer-config';
import { configErrorOf } from '@tributary/schemas/testing';

function load(argv: string[], env: NodeJS.ProcessEnv = {}, files: Record<string, string> = {}): VideoProducerConfig {
  const loaded = loadConfig(argv, env, {
    readFile: (p) => {
      const text = files[p];
      if (text === undefined) throw new Error(`ENOENT: ${p}`);
      return text;
    },
  });
  if (loaded.help) throw new Error('help');
  return loaded.config;
}

const errorOf = (fn: () => unknown): ConfigError => configErrorOf(fn);

describe('parseSource', () => {
  it('reads the four kinds', () => {
    expect(parseSource('testsrc', true)).toEqual({ kind: 'testsrc' });
    expect(parseSource('file:/v/a b.mp4', true)).toEqual({ kind: 'file', path: '/v/a b.mp4', loop: true });
    expect(parseSource('rtsp://user:pw@cam:554/s1', false)).toEqual({ kind: 'rtsp', url: 'rtsp://user:pw@cam:554/s1' });
    expect(parseSource('v4l2:/dev/video0', false)).toEqual({ kind: 'v4l2', device: '/dev/video0' });
    expect(parseSource('http://x', false)).toBeUndefined();
    expect(parseSource('v4l2:/etc/passwd', false)).toBeUndefined();
    expect(parseSource('file:', false)).toBeUndefined();
  });
});

describe('loadConfig', () => {
  it('one camera from flags, with the defaults', () => {
    const c = load(['--stream', 'cam-1']);
    expect(c.cameras).toEqual([
      { stream: 'cam-1', source: { kind: 'testsrc' }, sourceText: 'testsrc', copy: 'auto', fragmentMs: 2000, width: undefined, height: undefined, fps: undefined, bitrateKbps: 1000, preset: 'veryfast' },
    ]);
    expect(c).toMatchObject({
      spoolDir: DEFAULTS.spoolDir,
      spoolMaxBytes: 512 * 1024 * 1024,
      spoolPolicy: 'drop-oldest',
      spoolFsync: true,
      createStream: false,
      retentionHours: 24,
      sendMode: 'frames',
      port: 8090,
      shutdownTimeoutMs: 30000,
      printCommand: false,
    });
  });

  it('flags win over environment variables', () => {
    const c = load(['--fragment-ms', '1000', '--spool-policy', 'stop-capture'], {
      VIDEO_STREAM: 'env-cam',
      VIDEO_SOURCE: 'rtsp://cam/1',
      VIDEO_FRAGMENT_MS: '4000',
      VIDEO_SPOOL_MAX_BYTES: '2gb',
      VIDEO_COPY: 'yes',
      VIDEO_WIDTH: '1280',
      VIDEO_HEIGHT: '720',
    });
    expect(c.cameras[0]).toMatchObject({ stream: 'env-cam', source: { kind: 'rtsp', url: 'rtsp://cam/1' }, fragmentMs: 1000, copy: 'on', width: 1280, height: 720 });
    expect(c.spoolMaxBytes).toBe(2 * 1024 ** 3);
    expect(c.spoolPolicy).toBe('stop-capture');
  });

  it('cameras from a config file take the flag values as defaults, plus the flag camera', () => {
    const file = JSON.stringify({
      cameras: [
        { stream: 'door', source: 'v4l2:/dev/video0', fps: 15 },
        { stream: 'yard', source: 'file:/v/yard.mkv', loop: false, copy: true, fragmentMs: 4000 },
      ],
    });
    const c = load(['--config', '/etc/cams.json', '--bitrate', '2000', '--stream', 'extra'], {}, { '/etc/cams.json': file });
    expect(c.cameras.map((x) => x.stream)).toEqual(['door', 'yard', 'extra']);
    expect(c.cameras[0]).toMatchObject({ source: { kind: 'v4l2', device: '/dev/video0' }, fps: 15, bitrateKbps: 2000, fragmentMs: 2000 });
    expect(c.cameras[1]).toMatchObject({ source: { kind: 'file', path: '/v/yard.mkv', loop: false }, copy: 'on', fragmentMs: 4000 });
    expect(c.cameras[0]).toMatchObject({ copy: 'auto' });
  });

  it('names every bad setting by flag and variable', () => {
    const err = errorOf(() => load(['--stream', 'bad name!', '--fragment-ms', '50', '--spool-policy', 'panic', '--source', 'ftp://x', '--send-mode', 'bytes']));
    expect(err.message).toContain('--send-mode / VIDEO_SEND_MODE: expected frames or fragments');
    expect(err.message).toContain('--stream / VIDEO_STREAM');
    expect(err.message).toContain('--fragment-ms / VIDEO_FRAGMENT_MS: must be >= 500');
    expect(err.message).toContain('--spool-policy / VIDEO_SPOOL_POLICY: expected drop-oldest or stop-capture');
    expect(err.message).toContain('--source / VIDEO_SOURCE: expected testsrc, file:PATH');
  });

  it('refuses no camera, duplicate streams, half a size, copy of the test pattern, an unreadable file', () => {
    expect(errorOf(() => load([])).message).toContain('no camera configured');
    const dup = JSON.stringify({ cameras: [{ stream: 'a', source: 'testsrc' }] });
    expect(errorOf(() => load(['--config', 'c.json', '--stream', 'a'], {}, { 'c.json': dup })).message).toContain('stream a is used by two cameras');
    expect(errorOf(() => load(['--stream', 'a', '--width', '640'])).message).toContain('give width and height together');
    expect(errorOf(() => load(['--stream', 'a', '--copy', 'on'])).message).toContain('copy needs an H.264 source');
    expect(errorOf(() => load(['--config', 'missing.json'])).message).toContain('cannot read missing.json');
    const badCam = JSON.stringify({ cameras: [{ stream: 'a', source: 'testsrc', colour: 'red' }] });
    expect(errorOf(() => load(['--config', 'c.json'], {}, { 'c.json': badCam })).message).toMatch(/colour/);
  });

  it('--copy: auto by default, on/off and the boolean words as before, auto or a boolean per camera in the file', () => {
    expect(load(['--stream', 'a', '--source', 'rtsp://cam/1']).cameras[0].copy).toBe('auto');
    expect(load(['--stream', 'a', '--source', 'rtsp://cam/1', '--copy', 'off']).cameras[0].copy).toBe('off');
    expect(load(['--stream', 'a', '--source', 'rtsp://cam/1', '--copy', 'AUTO']).cameras[0].copy).toBe('auto');
    expect(load(['--stream', 'a', '--source', 'rtsp://cam/1'], { VIDEO_COPY: 'false' }).cameras[0].copy).toBe('off');
    expect(errorOf(() => load(['--stream', 'a', '--copy', 'sometimes'])).message).toContain('--copy / VIDEO_COPY: expected auto, on or off');
    const file = JSON.stringify({ cameras: [{ stream: 'x', source: 'rtsp://c/1', copy: 'auto' }, { stream: 'y', source: 'rtsp://c/2', copy: false }, { stream: 'z', source: 'rtsp://c/3' }] });
    const c = load(['--config', 'c.json', '--copy', 'on'], {}, { 'c.json': file });
    expect(c.cameras.map((x) => x.copy)).toEqual(['auto', 'off', 'on']);
    // auto with the test pattern is allowed (it encodes): the default works for the default source.
    expect(load(['--stream', 'a', '--copy', 'auto']).cameras[0].copy).toBe('auto');
  });

  it('--help wins; unknown flags are refused', () => {
    expect(loadConfig(['--help', '--port', 'x'], {})).toEqual({ help: true });
    expect(errorOf(() => load(['--nope'])).message).toContain('--help');
  });
});
