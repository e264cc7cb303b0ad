/**
 * HLS playback end to end (kvs-reference.md §5.5, §5.6): media put with the raw PutMedia fixture, sessions made
 * with the official archived-media client on the GET_HLS_STREAMING_SESSION_URL data endpoint, playlists and
 * fragments fetched as a player does (fetch, then the real ffmpeg/ffprobe), and every refusal of the session call.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { CreateStreamCommand, DeleteStreamCommand, DescribeStreamCommand, type KinesisVideoClient } from '@aws-sdk/client-kinesis-video';
import {
  GetHLSStreamingSessionURLCommand,
  KinesisVideoArchivedMediaClient,
  ListFragmentsCommand,
  type GetHLSStreamingSessionURLCommandInput,
} from '@aws-sdk/client-kinesis-video-archived-media';
import { parseMediaPlaylist } from '@tributary/media';
import { startEmulator, type RunningEmulator } from '../../emulator';
import { ManualClock } from '@tributary/runtime/testing';
import { errorOf, TEST_CREDENTIALS, TEST_REGION, uniqueStreamName } from '../../testing/kds-test-clients';
import { createActiveVideoStream, createKinesisVideoClient, dataEndpointOf } from '../../testing/kvs-test-clients';
import { ffmpegTestPattern, ffprobeFrameCount, sendPutMedia } from '../../testing/kvs-media-fixtures';

const run = promisify(execFile);
const FFMPEG = fs.existsSync('/usr/bin/ffmpeg') ? '/usr/bin/ffmpeg' : 'ffmpeg';
const FFPROBE = fs.existsSync('/usr/bin/ffprobe') ? '/usr/bin/ffprobe' : 'ffprobe';

const persisted = (acks: { EventType: string; FragmentNumber?: string }[]): string[] =>
  acks.filter((a) => a.EventType === 'PERSISTED').map((a) => a.FragmentNumber ?? '');

async function hlsClient(client: KinesisVideoClient, name: string): Promise<KinesisVideoArchivedMediaClient> {
  return new KinesisVideoArchivedMediaClient({
    endpoint: await dataEndpointOf(client, name, 'GET_HLS_STREAMING_SESSION_URL'),
    region: TEST_REGION,
    credentials: TEST_CREDENTIALS,
  });
}

async function get(url: string, init?: RequestInit): Promise<{ status: number; headers: Headers; text: string; bytes: Buffer }> {
  const res = await fetch(url, init);
  const bytes = Buffer.from(await res.arrayBuffer());
  return { status: res.status, headers: res.headers, text: bytes.toString('utf8'), bytes };
}

/** The URI line after each `#EXT-X-STREAM-INF` / the URI="…" of `#EXT-X-MEDIA`, resolved against `base`. */
const variantUrl = (master: string, base: string): string => new URL(master.split('\n')[3], base).toString();

describe('GetHLSStreamingSessionURL and the HLS endpoints', () => {
  let emu: RunningEmulator;
  let client: KinesisVideoClient;
  let hls: KinesisVideoArchivedMediaClient;
  let tmp: string;
  const clock = new ManualClock(Date.now());
  const name = uniqueStreamName('hls');
  let startMs = 0;
  let numbers: string[] = [];

  const session = async (input: Omit<GetHLSStreamingSessionURLCommandInput, 'StreamName'>): Promise<string> => {
    const out = await hls.send(new GetHLSStreamingSessionURLCommand({ StreamName: name, ...input }));
    return out.HLSStreamingSessionURL ?? '';
  };
  const onDemand = (extra: Partial<GetHLSStreamingSessionURLCommandInput> = {}): Promise<string> =>
    session({
      PlaybackMode: 'ON_DEMAND',
      HLSFragmentSelector: { FragmentSelectorType: 'PRODUCER_TIMESTAMP', TimestampRange: { StartTimestamp: new Date(startMs - 1000), EndTimestamp: new Date(startMs + 60_000) } },
      ...extra,
    });

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kvs-hls-'));
    const pattern = ffmpegTestPattern({ seconds: 4, fps: 25 });
    emu = await startEmulator({ port: 0, dynamodb: false, clock, dataDir: path.join(tmp, 'data') });
    client = createKinesisVideoClient(emu.url);
    await createActiveVideoStream(client, name);
    hls = await hlsClient(client, name);
    startMs = Math.floor(clock.now() / 1000) * 1000 - 60_000;
    const out = await sendPutMedia(emu.url, { streamName: name, body: await pattern, startTimestamp: (startMs / 1000).toFixed(3) });
    numbers = persisted(out.acks);
    expect(numbers).toHaveLength(4);
  });
  afterAll(async () => {
    hls.destroy();
    client.destroy();
    await emu.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('answers a session URL on the data endpoint the caller used', async () => {
    const url = await session({});
    expect(url).toMatch(new RegExp(`^${emu.url}/hls/v1/getHLSMasterPlaylist\\.m3u8\\?SessionToken=[A-Za-z0-9_.-]+$`));
  });

  it('serves a LIVE master playlist with codec, resolution, frame rate and bandwidth', async () => {
    const url = await session({ PlaybackMode: 'LIVE' });
    // As hls.js in the gateway's page (another port on loopback) fetches it.
    const master = await get(url, { headers: { origin: 'http://127.0.0.1:8080' } });
    expect(master.status).toBe(200);
    expect(master.headers.get('content-type')).toBe('application/vnd.apple.mpegurl');
    expect(master.headers.get('cache-control')).toBe('no-cache');
    expect(master.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:8080');
    const lines = master.text.split('\n');
    expect(lines.slice(0, 2)).toEqual(['#EXTM3U', '#EXT-X-VERSION:1']);
    expect(lines[2]).toMatch(/^#EXT-X-STREAM-INF:CODECS="avc1\.[0-9a-f]{6}",RESOLUTION=320x240,FRAME-RATE=25\.0,BANDWIDTH=[1-9][0-9]*$/);
    const token = new URL(url).searchParams.get('SessionToken');
    expect(lines[3]).toBe(`getHLSMediaPlaylist.m3u8?SessionToken=${token}&TrackNumber=1`);
  });

  it('slides the LIVE window over the newest fragments, a discontinuity before each (ALWAYS)', async () => {
    const url = await session({ PlaybackMode: 'LIVE' });
    const mediaUrl = variantUrl((await get(url)).text, url);
    const first = await get(mediaUrl);
    expect(first.headers.get('cache-control')).toBe('no-cache');
    const p1 = parseMediaPlaylist(first.text);
    expect(p1.mediaSequence).toBe(0);
    expect(p1.endList).toBe(false);
    expect(p1.playlistType).toBeUndefined();
    expect(p1.segments.map((s) => new URL(s.uri, mediaUrl).searchParams.get('FragmentNumber'))).toEqual(numbers);
    expect(p1.segments.every((s) => s.discontinuity === true)).toBe(true);
    expect(first.text).not.toContain('#EXT-X-DISCONTINUITY-SEQUENCE');
    expect(first.text.match(/#EXT-X-MAP/g)).toHaveLength(1);
    expect(p1.targetDurationSec).toBe(Math.ceil(Math.max(...p1.segments.map((s) => s.durationSec))));

    clock.advance(4000);
    const more = await sendPutMedia(emu.url, { streamName: name, body: await ffmpegTestPattern({ seconds: 4, fps: 25 }), startTimestamp: ((startMs + 4000) / 1000).toFixed(3) });
    const added = persisted(more.acks);
    expect(added).toHaveLength(4);
    const p2 = parseMediaPlaylist((await get(mediaUrl)).text);
    expect(p2.mediaSequence).toBe(3);
    expect(p2.segments.map((s) => new URL(s.uri, mediaUrl).searchParams.get('FragmentNumber'))).toEqual([...numbers, ...added].slice(3));
    numbers = [...numbers, ...added];
  });

  it('serves ON_DEMAND as VOD with ENDLIST, program date times equal to the producer timestamps', async () => {
    const url = await onDemand({ DisplayFragmentTimestamp: 'ALWAYS' });
    const mediaUrl = variantUrl((await get(url)).text, url);
    const text = (await get(mediaUrl)).text;
    const p = parseMediaPlaylist(text);
    expect(p.playlistType).toBe('VOD');
    expect(p.endList).toBe(true);
    expect(text.trimEnd().endsWith('#EXT-X-ENDLIST')).toBe(true);
    expect(p.segments.some((s) => s.discontinuity)).toBe(false); // PRODUCER_TIMESTAMP defaults to NEVER
    const listed = await hls.send(
      new ListFragmentsCommand({
        StreamName: name,
        FragmentSelector: { FragmentSelectorType: 'PRODUCER_TIMESTAMP', TimestampRange: { StartTimestamp: new Date(startMs - 1000), EndTimestamp: new Date(startMs + 60_000) } },
      }),
    );
    const producer = new Map((listed.Fragments ?? []).map((f) => [f.FragmentNumber, f.ProducerTimestamp?.getTime()]));
    expect(p.segments).toHaveLength(8);
    for (const s of p.segments) {
      const n = new URL(s.uri, mediaUrl).searchParams.get('FragmentNumber') ?? '';
      expect(s.programDateTimeMs).toBe(producer.get(n));
    }
    expect(p.segments[0].programDateTimeMs).toBe(startMs);
    // EXTINF = stored length (first to last frame start, 0.96 s) + the last frame (1/25 s), the newest included;
    // media sequence 1 and EXTINFs to the ms without trailing zeros, as in KVS's captured VOD playlist.
    expect(p.segments.map((s) => s.durationSec)).toEqual([1, 1, 1, 1, 1, 1, 1, 1]);
    expect(p.mediaSequence).toBe(1);
    expect(text).toContain('#EXTINF:1,\n');
  });

  it('adds EXT-X-DISCONTINUITY only at gaps for ON_DISCONTINUITY', async () => {
    const url = await onDemand({ DiscontinuityMode: 'ON_DISCONTINUITY' });
    const p = parseMediaPlaylist((await get(variantUrl((await get(url)).text, url))).text);
    // The second upload starts 4 s after the first: contiguous, so no discontinuity at all.
    expect(p.segments.map((s) => s.discontinuity ?? false)).toEqual(new Array(8).fill(false));
  });

  it('plays with the real ffmpeg: all frames, H.264', async () => {
    const url = await onDemand();
    const out = path.join(tmp, 'out.mp4');
    await run(FFMPEG, ['-v', 'error', '-y', '-i', url, '-c', 'copy', '-f', 'mp4', out]);
    expect(await ffprobeFrameCount(out)).toBe(200);
    const { stdout } = await run(FFPROBE, ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=codec_name,width,height', '-of', 'csv=p=0', out]);
    expect(stdout.trim()).toBe('h264,320,240');
  }, 60_000);

  it('serves init and media fragments as immutable MP4 with CORS', async () => {
    const url = await onDemand();
    const p = parseMediaPlaylist((await get(variantUrl((await get(url)).text, url))).text);
    const base = new URL('.', url);
    const init = await get(new URL(p.segments[0].map?.uri ?? '', base).toString());
    expect(init.status).toBe(200);
    expect(init.headers.get('content-type')).toBe('video/mp4');
    expect(init.headers.get('cache-control')).toContain('immutable');
    expect(init.bytes.subarray(4, 8).toString('latin1')).toBe('ftyp');
    const seg = await get(new URL(p.segments[1].uri, base).toString());
    expect(seg.status).toBe(200);
    expect(Number(seg.headers.get('content-length'))).toBe(seg.bytes.length);
    expect(seg.bytes.subarray(4, 8).toString('latin1')).toBe('moof');
    const preflight = await fetch(new URL(p.segments[1].uri, base), {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:3000', 'access-control-request-method': 'GET' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('http://localhost:3000');
    // A page of another site gets nothing (browser-guard.int.spec.ts covers the refusals).
    const foreign = await fetch(new URL(p.segments[1].uri, base), { headers: { origin: 'https://evil.example' } });
    expect(foreign.status).toBe(403);
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('refuses unknown fragments, fragments outside the session and bad parameters', async () => {
    const url = await session({
      PlaybackMode: 'ON_DEMAND',
      HLSFragmentSelector: { FragmentSelectorType: 'PRODUCER_TIMESTAMP', TimestampRange: { StartTimestamp: new Date(startMs), EndTimestamp: new Date(startMs + 500) } },
    });
    const token = new URL(url).searchParams.get('SessionToken') ?? '';
    const at = (q: string): string => new URL(`getMP4MediaFragment.mp4?${q}`, url).toString();
    const unknown = await get(at(`FragmentNumber=12345&SessionToken=${token}&TrackNumber=1`));
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.text)).toMatchObject({ __type: 'ResourceNotFoundException' });
    const outside = await get(at(`FragmentNumber=${numbers[5]}&SessionToken=${token}&TrackNumber=1`));
    expect(outside.status).toBe(404);
    const inside = await get(at(`FragmentNumber=${numbers[0]}&SessionToken=${token}&TrackNumber=1`));
    expect(inside.status).toBe(200);
    expect((await get(at(`SessionToken=${token}`))).status).toBe(400);
    expect((await get(at(`FragmentNumber=${numbers[0]}&SessionToken=${token}&TrackNumber=x`))).status).toBe(400);
    const noTrack = await get(at(`FragmentNumber=${numbers[0]}&SessionToken=${token}&TrackNumber=2`));
    expect(noTrack.status).toBe(400);
    expect(JSON.parse(noTrack.text)).toMatchObject({ __type: 'InvalidArgumentException' });
  });

  it('answers 403 for tampered, missing and expired tokens', async () => {
    const url = await session({ Expires: 300 });
    const token = new URL(url).searchParams.get('SessionToken') ?? '';
    const flipped = token.slice(0, 5) + (token[5] === 'A' ? 'B' : 'A') + token.slice(6);
    for (const bad of [flipped, 'abc', `${token}x`]) {
      const res = await get(url.replace(token, bad));
      expect(res.status).toBe(403);
      expect(JSON.parse(res.text)).toMatchObject({ __type: 'NotAuthorizedException' });
    }
    expect((await get(url.split('?')[0])).status).toBe(403);
    expect((await get(url)).status).toBe(200);
    clock.advance(300_000);
    const expired = await get(url);
    expect(expired.status).toBe(403);
    expect(JSON.parse(expired.text)).toMatchObject({ __type: 'NotAuthorizedException', Message: 'Streaming session token is expired' });
    clock.advance(-300_000);
  });

  it('releases LIVE_REPLAY fragments as time passes', async () => {
    const url = await session({
      PlaybackMode: 'LIVE_REPLAY',
      HLSFragmentSelector: { FragmentSelectorType: 'PRODUCER_TIMESTAMP', TimestampRange: { StartTimestamp: new Date(startMs) } },
      MaxMediaPlaylistFragmentResults: 3,
    });
    const mediaUrl = variantUrl((await get(url)).text, url);
    const count = async (): Promise<[number, number, boolean]> => {
      const p = parseMediaPlaylist((await get(mediaUrl)).text);
      return [p.mediaSequence, p.segments.length, p.endList];
    };
    expect(await count()).toEqual([0, 1, false]);
    clock.advance(2000);
    expect(await count()).toEqual([0, 3, false]);
    clock.advance(3000);
    expect(await count()).toEqual([3, 3, false]);
    clock.advance(-5000);
  });

  it('keeps sessions valid across a restart (the key is kept in the data dir)', async () => {
    const url = await onDemand();
    const token = new URL(url).searchParams.get('SessionToken') ?? '';
    await emu.close();
    emu = await startEmulator({ port: 0, dynamodb: false, clock, dataDir: path.join(tmp, 'data') });
    client.destroy();
    hls.destroy();
    client = createKinesisVideoClient(emu.url);
    hls = await hlsClient(client, name);
    const res = await get(`${emu.url}/hls/v1/getHLSMasterPlaylist.m3u8?SessionToken=${token}`);
    expect(res.status).toBe(200);
  });

  describe('refuses bad session requests', () => {
    const day = 24 * 3600_000;
    const range = (s: number, e?: number): GetHLSStreamingSessionURLCommandInput['HLSFragmentSelector'] => ({
      FragmentSelectorType: 'PRODUCER_TIMESTAMP',
      TimestampRange: { StartTimestamp: new Date(s), ...(e !== undefined ? { EndTimestamp: new Date(e) } : {}) },
    });
    it.each<[string, () => Partial<GetHLSStreamingSessionURLCommandInput>, string]>([
      ['a range with LIVE', () => ({ PlaybackMode: 'LIVE', HLSFragmentSelector: range(startMs, startMs + 1000) }), 'InvalidArgumentException'],
      ['ON_DEMAND without a range', () => ({ PlaybackMode: 'ON_DEMAND' }), 'InvalidArgumentException'],
      ['ON_DEMAND without an end', () => ({ PlaybackMode: 'ON_DEMAND', HLSFragmentSelector: range(startMs) }), 'InvalidArgumentException'],
      ['LIVE_REPLAY without a start', () => ({ PlaybackMode: 'LIVE_REPLAY', HLSFragmentSelector: { FragmentSelectorType: 'SERVER_TIMESTAMP' } }), 'InvalidArgumentException'],
      ['an end before the start', () => ({ PlaybackMode: 'ON_DEMAND', HLSFragmentSelector: range(startMs, startMs - 1) }), 'InvalidArgumentException'],
      ['a range over 24 h', () => ({ PlaybackMode: 'ON_DEMAND', HLSFragmentSelector: range(startMs - day, startMs + 1) }), 'InvalidArgumentException'],
      ['Expires 299', () => ({ Expires: 299 }), 'InvalidArgumentException'],
      ['Expires 43201', () => ({ Expires: 43201 }), 'InvalidArgumentException'],
      ['MaxMediaPlaylistFragmentResults 0', () => ({ MaxMediaPlaylistFragmentResults: 0 }), 'InvalidArgumentException'],
      ['MaxMediaPlaylistFragmentResults 5001', () => ({ MaxMediaPlaylistFragmentResults: 5001 }), 'InvalidArgumentException'],
      ['a range with no fragment', () => ({ PlaybackMode: 'ON_DEMAND', HLSFragmentSelector: range(startMs - 3_600_000, startMs - 1_800_000) }), 'ResourceNotFoundException'],
      ['an unknown stream', () => ({ StreamName: 'no-such-stream' }), 'ResourceNotFoundException'],
    ])('%s', async (_, input, code) => {
      const err = await errorOf(hls.send(new GetHLSStreamingSessionURLCommand({ StreamName: name, ...input() })));
      expect(err.name).toBe(code);
    });

    it('LIVE with no fragment in the last 30 s → ResourceNotFoundException', async () => {
      clock.advance(31_000 + 8_000);
      try {
        const err = await errorOf(hls.send(new GetHLSStreamingSessionURLCommand({ StreamName: name })));
        expect(err.name).toBe('ResourceNotFoundException');
        expect(err.message).toBe('No fragments found in the stream for the streaming request.');
      } finally {
        clock.advance(-39_000);
      }
    });

    it('a stream without fragments, one without retention, no stream named', async () => {
      const empty = uniqueStreamName('hls-empty');
      await createActiveVideoStream(client, empty);
      expect((await errorOf(hls.send(new GetHLSStreamingSessionURLCommand({ StreamName: empty })))).name).toBe('ResourceNotFoundException');
      const noRetention = uniqueStreamName('hls-r0');
      await client.send(new CreateStreamCommand({ StreamName: noRetention, DataRetentionInHours: 0 }));
      expect((await errorOf(hls.send(new GetHLSStreamingSessionURLCommand({ StreamName: noRetention })))).name).toBe('NoDataRetentionException');
      expect((await errorOf(hls.send(new GetHLSStreamingSessionURLCommand({})))).name).toBe('InvalidArgumentException');
    });
  });
});

describe('HLS emulator options and discontinuities', () => {
  it('marks gaps (ON_DISCONTINUITY), counts them in EXT-X-DISCONTINUITY-SEQUENCE when asked; other emulators refuse the token', async () => {
    const emu = await startEmulator({ port: 0, dynamodb: false, kvs: { hlsDiscontinuitySequence: true } });
    const other = await startEmulator({ port: 0, dynamodb: false });
    const client = createKinesisVideoClient(emu.url);
    try {
      const name = uniqueStreamName('hls-dseq');
      await createActiveVideoStream(client, name);
      const t0 = Math.floor(Date.now() / 1000) * 1000 - 60_000;
      const pattern = await ffmpegTestPattern({ seconds: 4, fps: 25 });
      await sendPutMedia(emu.url, { streamName: name, body: pattern, startTimestamp: (t0 / 1000).toFixed(3) });
      const hls = await hlsClient(client, name);
      const live = await hls.send(new GetHLSStreamingSessionURLCommand({ StreamName: name, MaxMediaPlaylistFragmentResults: 3, DiscontinuityMode: 'ON_DISCONTINUITY' }));
      const onDemand = await hls.send(
        new GetHLSStreamingSessionURLCommand({
          StreamName: name,
          PlaybackMode: 'ON_DEMAND',
          DiscontinuityMode: 'ON_DISCONTINUITY',
          HLSFragmentSelector: { FragmentSelectorType: 'PRODUCER_TIMESTAMP', TimestampRange: { StartTimestamp: new Date(t0), EndTimestamp: new Date(t0 + 60_000) } },
        }),
      );
      hls.destroy();
      // A second connection 10 s later in producer time: a 6 s gap before its first fragment.
      await sendPutMedia(emu.url, { streamName: name, body: pattern, startTimestamp: ((t0 + 10_000) / 1000).toFixed(3) });
      const liveUrl = live.HLSStreamingSessionURL ?? '';
      const p = parseMediaPlaylist((await get(variantUrl((await get(liveUrl)).text, liveUrl))).text);
      // Window = ordinals 5, 6, 7; the session began at ordinal 1; ordinal 4 (gone from the window) had the gap.
      expect(p.mediaSequence).toBe(5);
      expect(p.discontinuitySequence).toBe(1);
      expect(p.segments.map((s) => s.discontinuity ?? false)).toEqual([false, false, false]);
      const vodUrl = onDemand.HLSStreamingSessionURL ?? '';
      const vod = parseMediaPlaylist((await get(variantUrl((await get(vodUrl)).text, vodUrl))).text);
      expect(vod.segments.map((s) => s.discontinuity ?? false)).toEqual([false, false, false, false, true, false, false, false]);
      expect(vod.discontinuitySequence).toBe(0);
      expect((await get(liveUrl.replace(emu.url, other.url))).status).toBe(403);
      // The token names the stream by ARN (creation time included): a stream made again under the name is another.
      await client.send(new DeleteStreamCommand({ StreamARN: (await client.send(new DescribeStreamCommand({ StreamName: name }))).StreamInfo?.StreamARN }));
      await createActiveVideoStream(client, name);
      await sendPutMedia(emu.url, { streamName: name, body: pattern });
      const gone = await get(liveUrl);
      expect(gone.status).toBe(404);
      expect(JSON.parse(gone.text)).toMatchObject({ __type: 'ResourceNotFoundException' });
    } finally {
      client.destroy();
      await emu.close();
      await other.close();
    }
  });

  it('serves an AAC track 2 as an audio rendition that ffmpeg plays', async () => {
    const emu = await startEmulator({ port: 0, dynamodb: false });
    const client = createKinesisVideoClient(emu.url);
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kvs-hls-audio-'));
    try {
      const name = uniqueStreamName('hls-audio');
      await createActiveVideoStream(client, name);
      const { stdout: mkv } = await run(
        FFMPEG,
        [
          ...['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000'],
          ...['-t', '4', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '25', '-keyint_min', '25', '-sc_threshold', '0', '-bf', '0', '-pix_fmt', 'yuv420p'],
          ...['-c:a', 'aac', '-b:a', '64k', '-f', 'matroska', 'pipe:1'],
        ],
        { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 },
      );
      const put = await sendPutMedia(emu.url, { streamName: name, body: mkv });
      expect(persisted(put.acks).length).toBeGreaterThanOrEqual(4);
      const hls = await hlsClient(client, name);
      const out = await hls.send(
        new GetHLSStreamingSessionURLCommand({
          StreamName: name,
          PlaybackMode: 'ON_DEMAND',
          HLSFragmentSelector: { FragmentSelectorType: 'SERVER_TIMESTAMP', TimestampRange: { StartTimestamp: new Date(Date.now() - 60_000), EndTimestamp: new Date() } },
        }),
      );
      hls.destroy();
      const url = out.HLSStreamingSessionURL ?? '';
      const master = (await get(url)).text;
      expect(master).toMatch(/#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",NAME="audio",DEFAULT=YES,AUTOSELECT=YES,URI="getHLSMediaPlaylist\.m3u8\?SessionToken=[^"]+&TrackNumber=2"/);
      expect(master).toMatch(/#EXT-X-STREAM-INF:CODECS="avc1\.[0-9a-f]{6},mp4a\.40\.2",RESOLUTION=320x240,FRAME-RATE=25\.0,BANDWIDTH=\d+,AUDIO="audio"/);
      const file = path.join(tmp, 'av.mp4');
      await run(FFMPEG, ['-v', 'error', '-y', '-i', url, '-map', '0', '-c', 'copy', '-f', 'mp4', file]);
      const { stdout } = await run(FFPROBE, ['-v', 'error', '-show_entries', 'stream=codec_name', '-of', 'csv=p=0', file]);
      expect(stdout.trim().split('\n').sort()).toEqual(['aac', 'h264']);
      expect(await ffprobeFrameCount(file)).toBe(100);
    } finally {
      client.destroy();
      await emu.close();
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }, 60_000);
});
