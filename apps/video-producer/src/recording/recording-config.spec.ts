import { configErrorOf } from '@tributary/schemas/testing';
import { HELP, loadConfig, type VideoProducerConfig } from '../video-producer-config';
import { bytesPerSecondFromMbps } from './camera-recording';

function load(argv: string[], env: NodeJS.ProcessEnv = {}, files: Record<string, string> = {}): VideoProducerConfig {
  const loaded = loadConfig(argv, env, { readFile: (p) => files[p] ?? '' });
  if (loaded.help) throw new Error('help');
  return loaded.config;
}

describe('recording settings', () => {
  it('a camera does not record by default (no recording field: nothing changes for it)', () => {
    expect(load(['--stream', 'cam-1']).cameras[0].recording).toBeUndefined();
  });

  it('flags over variables over defaults', () => {
    const c = load(['--stream', 'cam-1', '--record', 'on', '--upload-max-mbps', '2.5', '--upload-schedule', '0 0 2 * * ?'], {
      VIDEO_RECORD_DIR: '/var/lib/rec',
      VIDEO_RECORD_MAX_AGE_HOURS: '168',
      VIDEO_UPLOAD_MAX_MBPS: '9',
      VIDEO_LIVE_UPLOAD: 'off',
    });
    expect(c.cameras[0].recording).toEqual({
      enabled: true,
      dir: '/var/lib/rec',
      maxBytes: 8 * 1024 ** 3,
      maxAgeHours: 168,
      uploadSchedule: '0 0 2 * * ?',
      uploadWindowSeconds: 3600,
      uploadMaxMbps: 2.5,
      liveUpload: false,
      liveWindowMs: 30_000,
    });
  });

  it('a camera\'s recording object in the config file overrides the flags; null clears a schedule or a cap', () => {
    const file = JSON.stringify({
      cameras: [
        { stream: 'yard', source: 'testsrc', recording: { enabled: true, maxBytes: 2 * 1024 ** 3, uploadSchedule: null, uploadMaxMbps: null, uploadWindowSeconds: 900 } },
        { stream: 'gate', source: 'testsrc' },
        { stream: 'door', source: 'testsrc', recording: { enabled: false } },
      ],
    });
    const c = load(['--config', 'c.json', '--record', 'on', '--upload-schedule', '*/15 * * * *', '--upload-max-mbps', '1'], {}, { 'c.json': file });
    const [yard, gate, door] = c.cameras;
    expect(yard.recording).toMatchObject({ enabled: true, maxBytes: 2 * 1024 ** 3, uploadWindowSeconds: 900 });
    expect(yard.recording?.uploadSchedule).toBeUndefined();
    expect(yard.recording?.uploadMaxMbps).toBeUndefined();
    expect(gate.recording).toMatchObject({ uploadSchedule: '*/15 * * * *', uploadMaxMbps: 1, maxBytes: 8 * 1024 ** 3 });
    expect(door.recording).toBeUndefined();
  });

  it('names each bad setting', () => {
    const err = configErrorOf(() =>
      load(['--stream', 'c', '--record', 'maybe', '--upload-schedule', '61 * * * *', '--upload-max-mbps', 'fast', '--record-max-age-hours', '0', '--live-window-ms', '10']),
    );
    expect(err.message).toContain('--record / VIDEO_RECORD: expected true/false');
    expect(err.message).toContain('--upload-schedule / VIDEO_UPLOAD_SCHEDULE: expected a cron expression');
    expect(err.message).toContain('--upload-max-mbps / VIDEO_UPLOAD_MAX_MBPS: expected a number of Mbit/s');
    expect(err.message).toContain('--record-max-age-hours / VIDEO_RECORD_MAX_AGE_HOURS');
    expect(err.message).toContain('--live-window-ms / VIDEO_LIVE_WINDOW_MS');
    const file = JSON.stringify({ cameras: [{ stream: 'x', source: 'testsrc', recording: { enabled: true, uploadSchedule: 'never' } }] });
    expect(configErrorOf(() => load(['--config', 'c.json'], {}, { 'c.json': file })).message).toContain('expected a cron expression');
  });

  it('--help lists the settings', () => {
    for (const flag of ['--record ', '--record-dir', '--record-max-bytes', '--record-max-age-hours', '--upload-schedule', '--upload-window-seconds', '--upload-max-mbps', '--live-upload', '--live-window-ms']) {
      expect(HELP).toContain(flag);
    }
  });

  it('reads the upload cap as links are rated: Mbit/s of 10^6 bits, in bytes per second', () => {
    expect(bytesPerSecondFromMbps(8)).toBe(1_000_000);
  });
});
