/**
 * HLS with ContainerFormat MPEG_TS end to end: an ffmpeg-made H.264 + AAC (and an H.265) stream put with PutMedia,
 * sessions made with the official archived-media client, playlists and getTSFragment.ts segments fetched as a
 * player does, then read by the real ffprobe (segments) and ffmpeg's HLS demuxer (the playlist).
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import type { KinesisVideoClient } from '@aws-sdk/client-kinesis-video';
import { GetHLSStreamingSessionURLCommand, KinesisVideoArchivedMediaClient, type GetHLSStreamingSessionURLCommandInput } from '@aws-sdk/client-kinesis-video-archived-media';
import { parseMediaPlaylist } from '@tributary/media';
import { startEmulator, type RunningEmulator } from '../../emulator';
import { TEST_CREDENTIALS, TEST_REGION, uniqueStreamName } from '../../testing/kds-test-clients';
import { createActiveVideoStream, createKinesisVideoClient, dataEndpointOf } from '../../testing/kvs-test-clients';
import { sendPutMedia } from '../../testing/kvs-media-fixtures';

const run = promisify(execFile);
const FFMPEG = fs.existsSync('/usr/bin/ffmpeg') ? '/usr/bin/ffmpeg' : 'ffmpeg';
const FFPROBE = fs.existsSync('/usr/bin/ffprobe') ? '/usr/bin/ffprobe' : 'ffprobe';

/** testsrc 320x240 at 25 fps, 1 s GOPs, no B-frames, as Matroska on a pipe; `audio` adds a 48 kHz AAC sine. */
async function mkv(seconds: number, codec: 'libx264' | 'libx265', audio: boolean): Promise<Buffer> {
  const args = ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25'];
  if (audio) args.push('-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000');
  args.push('-t', String(seconds), '-c:v', codec, '-preset', 'ultrafast', '-g', '25', '-keyint_min', '25', '-sc_threshold', '0', '-bf', '0', '-pix_fmt', 'yuv420p');
  if (codec === 'libx265') args.push('-x265-params', 'log-level=error:scenecut=0');
  if (audio) args.push('-c:a', 'aac', '-b:a', '64k');
  args.push('-f', 'matroska', 'pipe:1');
  const { stdout } = await run(FFMPEG, args, { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

async function get(url: string): Promise<{ status: number; headers: Headers; text: string; bytes: Buffer }> {
  const res = await fetch(url);
  const bytes = Buffer.from(await res.arrayBuffer());
  return { status: res.status, headers: res.headers, text: bytes.toString('utf8'), bytes };
}

interface Probed {
  streams: { codec_name: string; codec_type: string; width?: number; height?: number; sample_rate?: string }[];
  packets: { codec_type: string; pts_time: string; dts_time: string }[];
}

async function probe(file: string): Promise<Probed> {
  const { stdout } = await run(FFPROBE, ['-v', 'error', '-show_streams', '-show_packets', '-show_entries', 'packet=codec_type,pts_time,dts_time:stream=codec_name,codec_type,width,height,sample_rate', '-of', 'json', file], { maxBuffer: 64 * 1024 * 1024 });
  return JSON.parse(stdout) as Probed;
}

const times = (p: Probed, type: string, key: 'pts_time' | 'dts_time'): number[] => p.packets.filter((x) => x.codec_type === type).map((x) => Number(x[key]));
const increasing = (xs: number[]): boolean => xs.every((x, i) => i === 0 || x > xs[i - 1]);

describe('HLS with ContainerFormat MPEG_TS', () => {
  let emu: RunningEmulator;
  let client: KinesisVideoClient;
  let hls: KinesisVideoArchivedMediaClient;
  let tmp: string;
  const name = uniqueStreamName('hls-ts');
  const hevcName = uniqueStreamName('hls-ts-hevc');
  const t0 = Math.floor(Date.now() / 1000) * 1000 - 60_000;
  let numbers: string[] = [];

  const session = async (stream: string, input: Partial<GetHLSStreamingSessionURLCommandInput>): Promise<string> => {
    const out = await hls.send(new GetHLSStreamingSessionURLCommand({ StreamName: stream, ContainerFormat: 'MPEG_TS', ...input }));
    return out.HLSStreamingSessionURL ?? '';
  };
  const onDemand = (stream = name): Promise<string> =>
    session(stream, {
      PlaybackMode: 'ON_DEMAND',
      HLSFragmentSelector: { FragmentSelectorType: 'PRODUCER_TIMESTAMP', TimestampRange: { StartTimestamp: new Date(t0 - 1000), EndTimestamp: new Date(t0 + 60_000) } },
    });
  const mediaUrlOf = async (url: string): Promise<string> => new URL((await get(url)).text.split('\n').find((l) => l.startsWith('getHLSMediaPlaylist')) ?? '', url).toString();

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kvs-hls-ts-'));
    emu = await startEmulator({ port: 0, dynamodb: false });
    client = createKinesisVideoClient(emu.url);
    await createActiveVideoStream(client, name);
    await createActiveVideoStream(client, hevcName);
    hls = new KinesisVideoArchivedMediaClient({ endpoint: await dataEndpointOf(client, name, 'GET_HLS_STREAMING_SESSION_URL'), region: TEST_REGION, credentials: TEST_CREDENTIALS });
    const put = await sendPutMedia(emu.url, { streamName: name, body: await mkv(4, 'libx264', true), startTimestamp: (t0 / 1000).toFixed(3) });
    numbers = put.acks.filter((a) => a.EventType === 'PERSISTED').map((a) => a.FragmentNumber ?? '');
    expect(numbers).toHaveLength(4);
    const hevc = await sendPutMedia(emu.url, { streamName: hevcName, body: await mkv(2, 'libx265', false), startTimestamp: (t0 / 1000).toFixed(3) });
    expect(hevc.acks.filter((a) => a.EventType === 'PERSISTED')).toHaveLength(2);
  }, 60_000);
  afterAll(async () => {
    hls.destroy();
    client.destroy();
    await emu.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('master playlist: one variant whose CODECS name video and audio (muxed into the TS), no audio rendition', async () => {
    const url = await onDemand();
    const token = new URL(url).searchParams.get('SessionToken');
    const lines = (await get(url)).text.trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines.slice(0, 2)).toEqual(['#EXTM3U', '#EXT-X-VERSION:1']);
    expect(lines[2]).toMatch(/^#EXT-X-STREAM-INF:CODECS="avc1\.[0-9a-f]{6},mp4a\.40\.2",RESOLUTION=320x240,FRAME-RATE=25\.0,BANDWIDTH=[1-9][0-9]*$/);
    expect(lines[3]).toBe(`getHLSMediaPlaylist.m3u8?SessionToken=${token}&TrackNumber=1`);
  });

  it('media playlist: no EXT-X-MAP, getTSFragment.ts URIs for every fragment, VOD from media sequence 1', async () => {
    const url = await onDemand();
    const token = new URL(url).searchParams.get('SessionToken') ?? '';
    const mediaUrl = await mediaUrlOf(url);
    const res = await get(mediaUrl);
    expect(res.status).toBe(200);
    expect(res.text).not.toContain('#EXT-X-MAP');
    expect(res.text.split('\n').slice(0, 2)).toEqual(['#EXTM3U', '#EXT-X-VERSION:3']);
    const p = parseMediaPlaylist(res.text);
    expect([p.mediaSequence, p.playlistType, p.endList]).toEqual([1, 'VOD', true]);
    expect(p.segments.map((s) => s.uri)).toEqual(numbers.map((n) => `getTSFragment.ts?FragmentNumber=${n}&SessionToken=${token}&TrackNumber=1`));
    expect(p.segments.map((s) => s.durationSec)).toEqual([1, 1, 1, 1]);
    // All tracks are in one playlist: there is no audio one.
    const audio = await get(mediaUrl.replace('TrackNumber=1', 'TrackNumber=2'));
    expect(audio.status).toBe(400);
    expect(JSON.parse(audio.text)).toMatchObject({ __type: 'InvalidArgumentException' });
  });

  it('segments are MPEG-TS (video/mp2t, 188-octet packets) that ffprobe reads: h264 + aac, every frame, timestamps continuous', async () => {
    const url = await onDemand();
    const p = parseMediaPlaylist((await get(await mediaUrlOf(url))).text);
    const segments = [];
    for (const s of p.segments) {
      const seg = await get(new URL(s.uri, url).toString());
      expect(seg.status).toBe(200);
      expect(seg.headers.get('content-type')).toBe('video/mp2t');
      expect(seg.headers.get('cache-control')).toContain('immutable');
      expect(seg.bytes.length % 188).toBe(0);
      expect(seg.bytes[0]).toBe(0x47);
      segments.push(seg.bytes);
    }
    const file = path.join(tmp, 'segments.ts');
    fs.writeFileSync(file, Buffer.concat(segments));
    const probed = await probe(file);
    expect(probed.streams.map((s) => [s.codec_type, s.codec_name]).sort()).toEqual([['audio', 'aac'], ['video', 'h264']]);
    expect(probed.streams.find((s) => s.codec_type === 'video')).toMatchObject({ width: 320, height: 240 });
    expect(probed.streams.find((s) => s.codec_type === 'audio')).toMatchObject({ sample_rate: '48000' });
    const video = times(probed, 'video', 'pts_time');
    expect(video).toHaveLength(100);
    expect(increasing(video)).toBe(true);
    expect(increasing(times(probed, 'video', 'dts_time'))).toBe(true);
    // The producer timeline at 90 kHz (mod 2^33): frame k 40 k ms after the first, across segment boundaries; the
    // first at t0 + what ffmpeg put before it (the AAC encoder's priming: under 50 ms).
    const base = ((t0 * 90) % 2 ** 33) / 90_000;
    expect(video[0] - base).toBeGreaterThanOrEqual(0);
    expect(video[0] - base).toBeLessThan(0.05);
    video.forEach((t, k) => expect(Math.abs(t - (video[0] + k * 0.04))).toBeLessThan(0.0015));
    const audio = times(probed, 'audio', 'pts_time');
    expect(audio.length).toBeGreaterThan(180); // 4 s of 1024-sample frames at 48 kHz: ~187
    expect(increasing(audio)).toBe(true);
    expect(Math.abs(audio[0] - base)).toBeLessThan(0.05);
  });

  it("ffmpeg's HLS demuxer plays the playlist: both tracks, all 100 frames", async () => {
    const out = path.join(tmp, 'remux.ts');
    await run(FFMPEG, ['-v', 'error', '-y', '-i', await onDemand(), '-map', '0', '-c', 'copy', '-f', 'mpegts', out]);
    const probed = await probe(out);
    expect(probed.streams.map((s) => s.codec_name).sort()).toEqual(['aac', 'h264']);
    expect(times(probed, 'video', 'pts_time')).toHaveLength(100);
  }, 60_000);

  it('H.265: hvc1 in the master, VPS/SPS/PPS in the segments; ffmpeg and ffprobe read hevc, every frame', async () => {
    const url = await onDemand(hevcName);
    expect((await get(url)).text).toMatch(/CODECS="hvc1\.[0-9A-Z.]+",RESOLUTION=320x240/);
    const out = path.join(tmp, 'hevc.ts');
    await run(FFMPEG, ['-v', 'error', '-y', '-i', url, '-map', '0', '-c', 'copy', '-f', 'mpegts', out]);
    const probed = await probe(out);
    expect(probed.streams.map((s) => [s.codec_name, s.width, s.height])).toEqual([['hevc', 320, 240]]);
    const pts = times(probed, 'video', 'pts_time');
    expect(pts).toHaveLength(50);
    expect(increasing(pts)).toBe(true);
  }, 60_000);

  it('LIVE: the newest fragments as TS segments, no ENDLIST', async () => {
    const url = await session(name, { PlaybackMode: 'LIVE', MaxMediaPlaylistFragmentResults: 3 });
    const p = parseMediaPlaylist((await get(await mediaUrlOf(url))).text);
    expect(p.endList).toBe(false);
    expect(p.segments.map((s) => new URL(s.uri, url).searchParams.get('FragmentNumber'))).toEqual(numbers.slice(1));
    expect(p.segments.every((s) => s.uri.startsWith('getTSFragment.ts?'))).toBe(true);
    const seg = await get(new URL(p.segments[2].uri, url).toString());
    expect(seg.status).toBe(200);
  });

  it('serves a session its own container only', async () => {
    const ts = await onDemand();
    const token = new URL(ts).searchParams.get('SessionToken') ?? '';
    const mp4 = await get(new URL(`getMP4MediaFragment.mp4?FragmentNumber=${numbers[0]}&SessionToken=${token}&TrackNumber=1`, ts).toString());
    expect(mp4.status).toBe(400);
    expect((await get(new URL(`getMP4InitFragment.mp4?SessionToken=${token}&TrackNumber=1`, ts).toString())).status).toBe(400);
    const fmp4 = await session(name, { ContainerFormat: 'FRAGMENTED_MP4' });
    const fmp4Token = new URL(fmp4).searchParams.get('SessionToken') ?? '';
    const wrong = await get(new URL(`getTSFragment.ts?FragmentNumber=${numbers[3]}&SessionToken=${fmp4Token}&TrackNumber=1`, fmp4).toString());
    expect(wrong.status).toBe(400);
    expect(JSON.parse(wrong.text)).toMatchObject({ __type: 'InvalidArgumentException' });
    expect((await get(new URL(`getTSFragment.ts?FragmentNumber=12345&SessionToken=${token}&TrackNumber=1`, ts).toString())).status).toBe(404);
    expect((await get(new URL(`getTSFragment.ts?SessionToken=${token}`, ts).toString())).status).toBe(400);
  });
});
