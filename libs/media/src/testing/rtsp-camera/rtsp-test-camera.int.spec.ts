/**
 * The test camera itself, read by a client this project did not write (ffprobe): H.264 and H.265 with AAC, the
 * asked size, rate and keyframe interval, Basic auth, a power cut and the restart on the same port.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startRtspTestCamera, type RtspTestCamera } from '../../testing';

const run = promisify(execFile);
const cameras: RtspTestCamera[] = [];

afterEach(async () => {
  for (const c of cameras.splice(0)) await c.stop();
});

async function start(options: Parameters<typeof startRtspTestCamera>[0]): Promise<RtspTestCamera> {
  const camera = await startRtspTestCamera(options);
  cameras.push(camera);
  return camera;
}

interface Probed {
  streams: Array<{ codec_type: string; codec_name: string; width?: number; height?: number; r_frame_rate?: string; sample_rate?: string }>;
  frames?: Array<{ key_frame: number; pts_time?: string }>;
}

async function probe(url: string, extra: string[] = []): Promise<Probed> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-rtsp_transport', 'tcp', '-timeout', '10000000', ...extra, '-of', 'json', url], { timeout: 30_000 });
  return JSON.parse(stdout) as Probed;
}

describe('RTSP test camera (GStreamer RTSP server)', () => {
  it('serves H.264 + AAC at the asked size, rate and keyframe interval, behind Basic auth, and counts the frames it sends', async () => {
    const camera = await start({ codec: 'h264', width: 320, height: 180, fps: 10, keyframeInterval: 5, user: 'admin', password: 'p@ss:w/rd' });
    const probed = await probe(camera.urlWith('admin', 'p@ss:w/rd'), ['-show_streams', '-show_frames', '-select_streams', 'v:0', '-read_intervals', '%+#20']);
    // -select_streams limits the streams shown; list both in a second probe.
    const all = await probe(camera.urlWith('admin', 'p@ss:w/rd'), ['-show_streams']);
    expect(all.streams.map((s) => s.codec_name).sort()).toEqual(['aac', 'h264']);
    expect(all.streams.find((s) => s.codec_type === 'audio')?.sample_rate).toBe('16000');
    const video = probed.streams[0];
    expect(video).toMatchObject({ codec_name: 'h264', width: 320, height: 180, r_frame_rate: '10/1' });
    const keys = (probed.frames ?? []).map((f, i) => (f.key_frame === 1 ? i : -1)).filter((i) => i >= 0);
    expect(probed.frames?.length).toBe(20);
    // A keyframe every 5 frames from the first (each client's encoder starts on one).
    expect(keys).toEqual([0, 5, 10, 15]);
    expect(camera.framesSent()).toBeGreaterThanOrEqual(20);

    await expect(probe(camera.urlWith('admin', 'wrong'), ['-show_streams'])).rejects.toThrow(/401 Unauthorized/);
    await expect(probe(camera.url, ['-show_streams'])).rejects.toThrow(/401 Unauthorized/);
  }, 60_000);

  it('serves H.265 (hevc) + AAC that ffprobe decodes', async () => {
    const camera = await start({ codec: 'h265', fps: 10 });
    const probed = await probe(camera.url, ['-show_streams', '-show_frames', '-select_streams', 'v:0', '-read_intervals', '%+#10']);
    expect(probed.streams[0]).toMatchObject({ codec_name: 'hevc', width: 640, height: 360, r_frame_rate: '10/1' });
    expect(probed.frames?.length).toBe(10);
    expect(probed.frames?.[0]?.key_frame).toBe(1);
    const all = await probe(camera.url, ['-show_streams']);
    expect(all.streams.map((s) => s.codec_name).sort()).toEqual(['aac', 'hevc']);
  }, 60_000);

  it('a power cut refuses connections; the restart serves again on the same port', async () => {
    const camera = await start({ codec: 'h264', fps: 10, audio: false });
    const port = camera.port;
    await camera.kill();
    expect(camera.running).toBe(false);
    await expect(probe(camera.url, ['-show_streams'])).rejects.toThrow(/Connection refused/);
    await camera.restart();
    expect(camera.port).toBe(port);
    const probed = await probe(camera.url, ['-show_streams']);
    expect(probed.streams.map((s) => s.codec_name)).toEqual(['h264']);
  }, 60_000);
});
