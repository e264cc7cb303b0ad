/**
 * `--copy auto` end to end, in process against the emulator (started here on port 0), with real ffmpeg/ffprobe:
 *
 * - H.265 + AAC (a file made here by libx265, B-frames on, a keyframe every 2 s, and the aac encoder) is copied,
 *   not re-encoded — the log says so — in fragments cut at its keyframes, video as track 1 (V_MPEGH/ISO/HEVC) and the AAC as track 2 (A_AAC); then
 *   GetMedia, HLS fMP4 (`hvc1`), GetClip and GetImages each come back readable by ffprobe, every frame decodable.
 * - An H.264 source whose keyframes are further apart than a fragment may be is re-encoded, the log naming why.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { GetDataEndpointCommand, KinesisVideoClient, type APIName } from '@aws-sdk/client-kinesis-video';
import {
  GetClipCommand,
  GetHLSStreamingSessionURLCommand,
  GetImagesCommand,
  KinesisVideoArchivedMediaClient,
} from '@aws-sdk/client-kinesis-video-archived-media';
import pino from 'pino';
import { startEmulator, type RunningEmulator } from '@tributary/emulator';
import { listAllFragments, readFragments } from '@tributary/kvs/testing';
import { waitUntil } from '@tributary/runtime/testing';
import { loadConfig, type VideoProducerConfig } from './video-producer-config';
import { startVideoProducer } from './video-producer-app';

const region = 'us-east-1';
const credentials = { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' };
const FPS = 25;
const SECONDS = 6;
/** The source's keyframe interval: longer than --fragment-ms (1000), so the fragments show whose keyframes cut them. */
const GOP_SECONDS = 2;

let dir: string;
let counter = 0;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'video-producer-copy-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function ffmpeg(args: string[]): void {
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
}

function ffprobeJson(file: string, args: string[]): Record<string, Array<Record<string, unknown>>> {
  return JSON.parse(execFileSync('ffprobe', ['-v', 'error', ...args, '-of', 'json', file], { encoding: 'utf8' })) as Record<string, Array<Record<string, unknown>>>;
}

/** Streams of a file (codec, tag, size) and the number of video frames decoded. */
function probeFile(file: string): { streams: Array<{ codec: string; tag: string; type: string; width?: number }>; decodedFrames: number } {
  const s = ffprobeJson(file, ['-show_entries', 'stream=codec_name,codec_tag_string,codec_type,width']).streams ?? [];
  const frames = ffprobeJson(file, ['-select_streams', 'v:0', '-show_entries', 'frame=pts_time']).frames ?? [];
  return {
    streams: s.map((x) => ({ codec: String(x['codec_name']), tag: String(x['codec_tag_string']), type: String(x['codec_type']), ...(typeof x['width'] === 'number' ? { width: x['width'] } : {}) })),
    decodedFrames: frames.length,
  };
}

/** The app's log lines, as objects. */
function capturingLogger(): { logger: pino.Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString('utf8').split('\n')) if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'info' }, sink), lines };
}

function configFor(stream: string, source: string): VideoProducerConfig {
  const loaded = loadConfig(
    [
      ...['--stream', stream, '--source', `file:${source}`, '--loop', 'off', '--fragment-ms', '1000', '--copy', 'auto'],
      ...['--spool-dir', join(dir, 'spool'), '--spool-fsync', 'off', '--create-stream', 'on'],
      ...['--port', '0', '--host', '127.0.0.1', '--shutdown-timeout', '10000'],
    ],
    {},
  );
  if (loaded.help) throw new Error('unexpected --help');
  return loaded.config;
}

async function dataClient(control: KinesisVideoClient, stream: string, api: APIName): Promise<KinesisVideoArchivedMediaClient> {
  const out = await control.send(new GetDataEndpointCommand({ StreamName: stream, APIName: api }));
  return new KinesisVideoArchivedMediaClient({ endpoint: out.DataEndpoint, region, credentials });
}

async function bytesOf(url: string): Promise<Buffer> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  return Buffer.from(await res.arrayBuffer());
}

describe('video-producer --copy auto → emulator', () => {
  let emulator: RunningEmulator | undefined;

  afterEach(async () => {
    await emulator?.close();
    emulator = undefined;
  });

  it('copies an H.265 + AAC file (no re-encode); GetMedia, HLS fMP4 (hvc1), GetClip and GetImages read back by ffprobe', async () => {
    const source = join(dir, 'hevc-aac.mp4');
    ffmpeg([
      ...['-f', 'lavfi', '-i', `testsrc2=size=320x240:rate=${FPS}`, '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000'],
      ...['-t', String(SECONDS), '-c:v', 'libx265', '-preset', 'ultrafast', '-x265-params', `keyint=${FPS * GOP_SECONDS}:min-keyint=${FPS * GOP_SECONDS}:scenecut=0:bframes=2:log-level=error`],
      ...['-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '64k', source],
    ]);
    emulator = await startEmulator({ port: 0, dynamodb: false });
    const stream = `vp-copy-${process.pid}-${++counter}`;
    const { logger, lines } = capturingLogger();
    const startedAt = Date.now();
    const producer = await startVideoProducer({ config: configFor(stream, source), logger, kinesisVideo: { endpoint: emulator.url, region, credentials }, defaultMetrics: false });
    const camera = producer.cameras[0];
    // A file that is not looped ends the camera: -re plays it in real time.
    await waitUntil('the file camera to end', () => !camera.pipeline.stats().running, { timeoutMs: 60_000 });
    const report = await producer.close();
    expect(report).toEqual({ left: { [stream]: 0 }, timedOut: false });

    // The decision, in one line, and ffmpeg's command: a copy of both streams.
    const decision = lines.find((l) => typeof l['msg'] === 'string' && (l['msg'] as string).startsWith('copying'));
    expect(decision).toMatchObject({ stream, copy: true, copyAudio: true, probe: { keyframeIntervalMs: 2000, bFrames: true } });
    expect(decision?.['msg']).toBe('copying: hevc 320x240, keyframe every 2000 ms, B-frames; audio AAC 48000 Hz copied as track 2');
    const stats = camera.pipeline.stats();
    expect(stats.fragmentsDropped).toBe(0);
    // Cut at the camera's keyframes: 2-s fragments (not the 1 s asked for, which only a re-encode could give).
    expect(stats.fragmentsWritten).toBe(SECONDS / GOP_SECONDS);

    // GetMedia: the producer's header has H.265 as track 1 and AAC as track 2; every video frame decodes.
    const listed = await listAllFragments({ endpoint: emulator.url, region, credentials }, stream);
    expect(listed).toHaveLength(stats.fragmentsWritten);
    // Each fragment starts on a camera keyframe, 2 s after the previous one; its length (the emulator's, from its
    // frames: B-frames and the AAC tail make it differ by a frame or so) is about that too.
    const starts = listed.map((f) => f.ProducerTimestamp?.getTime() ?? 0).sort((a, b) => a - b);
    for (let i = 1; i < starts.length; i++) expect(Math.abs(starts[i] - starts[i - 1] - GOP_SECONDS * 1000)).toBeLessThanOrEqual(5);
    for (const f of listed) expect(Math.abs(Number(f.FragmentLengthInMilliseconds) - GOP_SECONDS * 1000)).toBeLessThanOrEqual(150);
    const back = await readFragments({ endpoint: emulator.url, region, credentials }, stream, listed.length);
    expect(back[0].header.tracks.map((t) => [t.number, t.codecId])).toEqual([
      [1, 'V_MPEGH/ISO/HEVC'],
      [2, 'A_AAC'],
    ]);
    expect(back[0].header.tracks[1].codecPrivate?.length).toBeGreaterThanOrEqual(2); // the AudioSpecificConfig
    const mkv = join(dir, `${stream}.mkv`);
    writeFileSync(mkv, Buffer.concat([back[0].headerBytes, ...back.map((f) => f.cluster.bytes)]));
    const media = probeFile(mkv);
    expect(media.streams.map((s) => s.codec)).toEqual(['hevc', 'aac']);
    expect(media.decodedFrames).toBe(SECONDS * FPS);
    const producerTs = back.map((f) => f.tags.producerTimestampMs ?? 0);
    expect(producerTs[0]).toBeGreaterThanOrEqual(startedAt - 1000);

    const control = new KinesisVideoClient({ endpoint: emulator.url, region, credentials });
    const range = { StartTimestamp: new Date(producerTs[0] - 1000), EndTimestamp: new Date(Date.now() + 1000) };
    try {
      // HLS fMP4, on demand: hvc1 in the master's CODECS and in the init segment; init + segments decode whole.
      const hls = await dataClient(control, stream, 'GET_HLS_STREAMING_SESSION_URL');
      const session = await hls.send(
        new GetHLSStreamingSessionURLCommand({
          StreamName: stream,
          PlaybackMode: 'ON_DEMAND',
          ContainerFormat: 'FRAGMENTED_MP4',
          HLSFragmentSelector: { FragmentSelectorType: 'PRODUCER_TIMESTAMP', TimestampRange: range },
        }),
      );
      hls.destroy();
      const masterUrl = session.HLSStreamingSessionURL ?? '';
      const master = (await bytesOf(masterUrl)).toString('utf8');
      expect(master).toMatch(/CODECS="hvc1\.[^",]*,mp4a\.40\.2"/);
      const variant = master.split('\n').find((l) => l.startsWith('getHLSMediaPlaylist')) ?? '';
      const mediaUrl = new URL(variant, masterUrl).toString();
      const playlist = (await bytesOf(mediaUrl)).toString('utf8');
      const initUri = /#EXT-X-MAP:URI="([^"]+)"/.exec(playlist)?.[1] ?? '';
      const segmentUris = playlist.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
      expect(segmentUris).toHaveLength(listed.length);
      const init = await bytesOf(new URL(initUri, mediaUrl).toString());
      expect(init.includes(Buffer.from('hvc1'))).toBe(true);
      expect(init.includes(Buffer.from('hvcC'))).toBe(true);
      const segments = await Promise.all(segmentUris.map((u) => bytesOf(new URL(u, mediaUrl).toString())));
      const fmp4 = join(dir, `${stream}-hls.mp4`);
      writeFileSync(fmp4, Buffer.concat([init, ...segments]));
      const hlsProbe = probeFile(fmp4);
      expect(hlsProbe.streams.find((s) => s.type === 'video')).toMatchObject({ codec: 'hevc', tag: 'hvc1', width: 320 });
      expect(hlsProbe.decodedFrames).toBe(SECONDS * FPS);
      // The AAC, track 2: the master's AUDIO rendition, its init + segments read by ffprobe as AAC.
      const audioUri = /#EXT-X-MEDIA:TYPE=AUDIO,[^\n]*URI="([^"]+)"/.exec(master)?.[1] ?? '';
      expect(audioUri).toContain('TrackNumber=2');
      const audioPlaylistUrl = new URL(audioUri, masterUrl).toString();
      const audioPlaylist = (await bytesOf(audioPlaylistUrl)).toString('utf8');
      const audioInit = await bytesOf(new URL(/#EXT-X-MAP:URI="([^"]+)"/.exec(audioPlaylist)?.[1] ?? '', audioPlaylistUrl).toString());
      const audioSegments = await Promise.all(
        audioPlaylist
          .split('\n')
          .filter((l) => l !== '' && !l.startsWith('#'))
          .map((u) => bytesOf(new URL(u, audioPlaylistUrl).toString())),
      );
      const aac = join(dir, `${stream}-hls-audio.mp4`);
      writeFileSync(aac, Buffer.concat([audioInit, ...audioSegments]));
      expect(probeFile(aac).streams).toEqual([{ codec: 'aac', tag: 'mp4a', type: 'audio' }]);

      // GetClip: one MP4, H.265 (hvc1) with every frame, and the AAC.
      const clips = await dataClient(control, stream, 'GET_CLIP');
      const clip = await clips.send(new GetClipCommand({ StreamName: stream, ClipFragmentSelector: { FragmentSelectorType: 'PRODUCER_TIMESTAMP', TimestampRange: range } }));
      const clipBytes = Buffer.from(await (clip.Payload as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
      clips.destroy();
      const clipFile = join(dir, `${stream}-clip.mp4`);
      writeFileSync(clipFile, clipBytes);
      const clipProbe = probeFile(clipFile);
      expect(clipProbe.streams.find((s) => s.type === 'video')).toMatchObject({ codec: 'hevc', tag: 'hvc1', width: 320 });
      expect(clipProbe.streams.map((s) => s.codec)).toContain('aac');
      expect(clipProbe.decodedFrames).toBe(SECONDS * FPS);

      // GetImages: a JPEG every second, each decoded by ffprobe at the stored size.
      const imagesClient = await dataClient(control, stream, 'GET_IMAGES');
      const images = await imagesClient.send(
        new GetImagesCommand({
          StreamName: stream,
          ImageSelectorType: 'PRODUCER_TIMESTAMP',
          StartTimestamp: new Date(producerTs[0]),
          EndTimestamp: new Date(producerTs[0] + (SECONDS - 1) * 1000),
          SamplingInterval: 1000,
          Format: 'JPEG',
        }),
      );
      imagesClient.destroy();
      const got = (images.Images ?? []).filter((i) => i.ImageContent);
      expect(got.length).toBeGreaterThanOrEqual(SECONDS - 1);
      for (const [i, image] of got.entries()) {
        const file = join(dir, `${stream}-image-${i}.jpg`);
        writeFileSync(file, Buffer.from(image.ImageContent ?? '', 'base64'));
        const frames = ffprobeJson(file, ['-show_entries', 'frame=width,height']).frames ?? [];
        expect(frames).toEqual([{ width: 320, height: 240 }]);
      }
    } finally {
      control.destroy();
    }
  }, 120_000);

  it('re-encodes an H.264 source whose keyframes are further apart than a fragment may be, and says why', async () => {
    const source = join(dir, 'long-gop.mkv');
    // 12-s GOP (over the 10-s fragment maximum at --fragment-ms 1000), tiny so the probe reads it fast; the probe stops
    // reading as soon as the source went 10 s without a keyframe (10 100 ms at 10 fps).
    ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=10', '-t', '14', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '120', '-keyint_min', '120', '-sc_threshold', '0', source]);
    emulator = await startEmulator({ port: 0, dynamodb: false });
    const stream = `vp-copy-${process.pid}-${++counter}`;
    const { logger, lines } = capturingLogger();
    const producer = await startVideoProducer({ config: configFor(stream, source), logger, kinesisVideo: { endpoint: emulator.url, region, credentials }, defaultMetrics: false });
    const camera = producer.cameras[0];
    await waitUntil('a fragment', () => camera.pipeline.stats().fragmentsWritten >= 1, { timeoutMs: 60_000 });
    await sleep(200);
    await producer.close();
    const decision = lines.find((l) => typeof l['msg'] === 'string' && (l['msg'] as string).startsWith('re-encoding'));
    expect(decision).toMatchObject({ stream, copy: false, copyAudio: false, probe: { video: expect.stringMatching(/^h264 .* 160x120$/) as unknown } });
    expect(decision?.['msg']).toBe('re-encoding: keyframe interval over 10000 ms (none for 10100 ms), longer than a fragment may be');
    // The re-encode cuts 1-s fragments (its own keyframes), not the source's 12-s GOP.
    const listed = await listAllFragments({ endpoint: emulator.url, region, credentials }, stream);
    expect(listed.length).toBeGreaterThanOrEqual(1);
    for (const f of listed) expect(Number(f.FragmentLengthInMilliseconds)).toBeLessThanOrEqual(2000);
  }, 120_000);
});
