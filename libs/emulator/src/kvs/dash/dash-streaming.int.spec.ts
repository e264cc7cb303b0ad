/**
 * MPEG-DASH end to end (GetDASHStreamingSessionURL, kvs-reference.md §5.7): media put with the raw PutMedia fixture,
 * sessions made with the official archived-media client on the GET_DASH_STREAMING_SESSION_URL data endpoint, the
 * MPD fetched and read as a player reads it, fragments checked against it (tfdt = S@t), the real ffmpeg reading the
 * MPD URL with its dash demuxer, and the refusals of the session call and of the endpoints.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { CreateStreamCommand, type KinesisVideoClient } from '@aws-sdk/client-kinesis-video';
import {
  GetDASHStreamingSessionURLCommand,
  GetHLSStreamingSessionURLCommand,
  KinesisVideoArchivedMediaClient,
  ListFragmentsCommand,
  type GetDASHStreamingSessionURLCommandInput,
} from '@aws-sdk/client-kinesis-video-archived-media';
import { startEmulator, type RunningEmulator } from '../../emulator';
import { ManualClock } from '@tributary/runtime/testing';
import { errorOf, TEST_CREDENTIALS, TEST_REGION, uniqueStreamName } from '../../testing/kds-test-clients';
import { createActiveVideoStream, createKinesisVideoClient, dataEndpointOf } from '../../testing/kvs-test-clients';
import { ffmpegTestPattern, ffprobeFrameCount, sendPutMedia } from '../../testing/kvs-media-fixtures';
import { readMpd, tfdtOf, type ReadMpd } from '../../testing/mpd-test-reader';

const run = promisify(execFile);
const FFMPEG = fs.existsSync('/usr/bin/ffmpeg') ? '/usr/bin/ffmpeg' : 'ffmpeg';

const persisted = (acks: { EventType: string; FragmentNumber?: string }[]): string[] =>
  acks.filter((a) => a.EventType === 'PERSISTED').map((a) => a.FragmentNumber ?? '');

async function get(url: string, init?: RequestInit): Promise<{ status: number; headers: Headers; text: string; bytes: Buffer }> {
  const res = await fetch(url, init);
  const bytes = Buffer.from(await res.arrayBuffer());
  return { status: res.status, headers: res.headers, text: bytes.toString('utf8'), bytes };
}

const manifest = async (url: string): Promise<ReadMpd> => readMpd((await get(url)).text);

/** The URL of segment `number` of the video AdaptationSet (the template resolved against the MPD's URL). */
const segmentUrl = (mpd: ReadMpd, mpdUrl: string, number: number, set = 0): string =>
  new URL(mpd.sets[set].template.media.replace('$Number$', String(number)), mpdUrl).toString();

describe('GetDASHStreamingSessionURL and the DASH endpoints', () => {
  let emu: RunningEmulator;
  let client: KinesisVideoClient;
  let dash: KinesisVideoArchivedMediaClient;
  let tmp: string;
  const clock = new ManualClock(Date.now());
  const name = uniqueStreamName('dash');
  let startMs = 0;
  let numbers: string[] = [];

  const session = async (input: Omit<GetDASHStreamingSessionURLCommandInput, 'StreamName'>): Promise<string> => {
    const out = await dash.send(new GetDASHStreamingSessionURLCommand({ StreamName: name, ...input }));
    return out.DASHStreamingSessionURL ?? '';
  };
  const range = (s: number, e?: number): GetDASHStreamingSessionURLCommandInput['DASHFragmentSelector'] => ({
    FragmentSelectorType: 'PRODUCER_TIMESTAMP',
    TimestampRange: { StartTimestamp: new Date(s), ...(e !== undefined ? { EndTimestamp: new Date(e) } : {}) },
  });
  const onDemand = (extra: Partial<GetDASHStreamingSessionURLCommandInput> = {}): Promise<string> =>
    session({ PlaybackMode: 'ON_DEMAND', DASHFragmentSelector: range(startMs - 1000, startMs + 60_000), ...extra });
  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kvs-dash-'));
    emu = await startEmulator({ port: 0, dynamodb: false, clock, dataDir: path.join(tmp, 'data') });
    client = createKinesisVideoClient(emu.url);
    await createActiveVideoStream(client, name);
    dash = new KinesisVideoArchivedMediaClient({
      endpoint: await dataEndpointOf(client, name, 'GET_DASH_STREAMING_SESSION_URL'),
      region: TEST_REGION,
      credentials: TEST_CREDENTIALS,
    });
    startMs = Math.floor(clock.now() / 1000) * 1000 - 60_000;
    const pattern = await ffmpegTestPattern({ seconds: 4, fps: 25 });
    numbers = persisted((await sendPutMedia(emu.url, { streamName: name, body: pattern, startTimestamp: (startMs / 1000).toFixed(3) })).acks);
    expect(numbers).toHaveLength(4);
  });
  afterAll(async () => {
    dash.destroy();
    client.destroy();
    await emu.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('answers a manifest URL on the data endpoint the caller used', async () => {
    expect(await session({})).toMatch(new RegExp(`^${emu.url}/dash/v1/getDASHManifest\\.mpd\\?SessionToken=[A-Za-z0-9_.-]+$`));
  });

  it('serves a LIVE manifest: dynamic, the newest fragments, numbers that keep naming the same fragment', async () => {
    const url = await session({ PlaybackMode: 'LIVE', DisplayFragmentNumber: 'ALWAYS' });
    const res = await get(url, { headers: { origin: 'http://127.0.0.1:8080' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/dash+xml');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(res.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:8080');
    const m1 = readMpd(res.text);
    expect(m1.root).toMatchObject({ type: 'dynamic', profiles: 'urn:mpeg:dash:profile:isoff-live:2011', minimumUpdatePeriod: 'PT1.000S' });
    expect(m1.root['xmlns:kvs']).toBeDefined();
    expect(m1.sets).toHaveLength(1);
    expect(m1.sets[0].set).toMatchObject({ contentType: 'video', mimeType: 'video/mp4' });
    expect(m1.sets[0].representation).toMatchObject({ width: '320', height: '240', frameRate: '25' });
    expect(m1.sets[0].representation['codecs']).toMatch(/^avc1\.[0-9a-f]{6}$/);
    expect(m1.sets[0].template.startNumber).toBe('1');
    expect(m1.sets[0].segments.map((s) => s['kvs:fn'])).toEqual(numbers);
    // Each fragment (1 s GOPs at 25 fps) lasts its stored 960 ms plus a frame; the timeline has no gap.
    expect(m1.sets[0].segments.map((s) => [Number(s['t']), Number(s['d'])])).toEqual([[0, 1000], [1000, 1000], [2000, 1000], [3000, 1000]]);

    clock.advance(4000);
    const pattern = await ffmpegTestPattern({ seconds: 4, fps: 25 });
    const added = persisted((await sendPutMedia(emu.url, { streamName: name, body: pattern, startTimestamp: ((startMs + 4000) / 1000).toFixed(3) })).acks);
    expect(added).toHaveLength(4);
    numbers = [...numbers, ...added];
    const m2 = await manifest(url);
    // The default window is 5 fragments: numbers 4..8 (the 4th is still fragment numbers[3]).
    expect(m2.sets[0].template.startNumber).toBe('4');
    expect(m2.sets[0].segments.map((s) => s['kvs:fn'])).toEqual(numbers.slice(3));
    expect(m2.sets[0].segments.map((s) => Number(s['t']))).toEqual([3000, 4000, 5000, 6000, 7000]);
    expect(m2.root['timeShiftBufferDepth']).toBe('PT5.000S');
  });

  it('serves ON_DEMAND as a static presentation; kvs:fn and kvs:ts only when asked', async () => {
    const plain = await manifest(await onDemand());
    expect(plain.root).toMatchObject({ type: 'static', mediaPresentationDuration: 'PT8.000S' });
    expect(plain.root['minimumUpdatePeriod']).toBeUndefined();
    expect(plain.root['xmlns:kvs']).toBeUndefined();
    expect(plain.sets[0].segments).toHaveLength(8);
    expect(plain.sets[0].segments.every((s) => s['kvs:fn'] === undefined && s['kvs:ts'] === undefined)).toBe(true);
    expect(plain.root['availabilityStartTime']).toBe(new Date(startMs).toISOString());

    const shown = await manifest(await onDemand({ DisplayFragmentNumber: 'ALWAYS', DisplayFragmentTimestamp: 'ALWAYS', MaxManifestFragmentResults: 6 }));
    const listed = await dash.send(
      new ListFragmentsCommand({
        StreamName: name,
        FragmentSelector: { FragmentSelectorType: 'PRODUCER_TIMESTAMP', TimestampRange: { StartTimestamp: new Date(startMs - 1000), EndTimestamp: new Date(startMs + 60_000) } },
      }),
    );
    const producer = new Map((listed.Fragments ?? []).map((f) => [f.FragmentNumber, f.ProducerTimestamp?.getTime()]));
    const segments = shown.sets[0].segments;
    // MaxManifestFragmentResults: the oldest 6 for ON_DEMAND.
    expect(segments.map((s) => s['kvs:fn'])).toEqual(numbers.slice(0, 6));
    for (const s of segments) expect(Date.parse(s['kvs:ts'] ?? '')).toBe(producer.get(s['kvs:fn']));
    expect(shown.root['mediaPresentationDuration']).toBe('PT6.000S');
  });

  it('serves init and media fragments whose tfdt is the manifest S@t, immutable, and refuses what is not in the session', async () => {
    const url = await onDemand();
    const mpd = await manifest(url);
    const init = await get(new URL(mpd.sets[0].template.initialization, url).toString());
    expect(init.status).toBe(200);
    expect(init.headers.get('content-type')).toBe('video/mp4');
    expect(init.headers.get('cache-control')).toContain('immutable');
    expect(init.bytes.subarray(4, 8).toString('latin1')).toBe('ftyp');
    for (const n of [1, 5, 8]) {
      const seg = await get(segmentUrl(mpd, url, n));
      expect(seg.status).toBe(200);
      expect(seg.bytes.subarray(4, 8).toString('latin1')).toBe('moof');
      expect(Number(seg.headers.get('content-length'))).toBe(seg.bytes.length);
      // Video timescale 90 kHz, manifest timescale 1 kHz.
      expect(tfdtOf(seg.bytes)).toBe(Number(mpd.sets[0].segments[n - 1]['t']) * 90);
    }
    for (const [n, status] of [[9, 404], [0, 400]] as const) {
      const res = await get(segmentUrl(mpd, url, n));
      expect(res.status).toBe(status);
    }
    const token = new URL(url).searchParams.get('SessionToken') ?? '';
    const at = (q: string): string => new URL(`getMP4MediaFragment.mp4?${q}`, url).toString();
    expect((await get(at(`SessionToken=${token}&TrackNumber=1`))).status).toBe(400);
    const noTrack = await get(at(`SequenceNumber=1&SessionToken=${token}&TrackNumber=2`));
    expect(noTrack.status).toBe(400);
    expect(JSON.parse(noTrack.text)).toMatchObject({ __type: 'InvalidArgumentException' });
  });

  it('is read by the real ffmpeg through its dash demuxer: every frame, H.264', async () => {
    const url = await onDemand();
    const out = path.join(tmp, 'out.mp4');
    await run(FFMPEG, ['-v', 'error', '-y', '-i', url, '-c', 'copy', '-f', 'mp4', out]);
    expect(await ffprobeFrameCount(out)).toBe(200);
  }, 60_000);

  it('releases LIVE_REPLAY fragments as time passes, then ends as a static presentation', async () => {
    const url = await session({ PlaybackMode: 'LIVE_REPLAY', DASHFragmentSelector: range(startMs, startMs + 7_500), MaxManifestFragmentResults: 3 });
    const state = async (): Promise<[string, string, number]> => {
      const m = await manifest(url);
      return [m.root['type'] ?? '', m.sets[0].template.startNumber, m.sets[0].segments.length];
    };
    expect(await state()).toEqual(['dynamic', '1', 1]);
    clock.advance(2000);
    expect(await state()).toEqual(['dynamic', '1', 3]);
    clock.advance(3000);
    expect(await state()).toEqual(['dynamic', '4', 3]);
    clock.advance(5000);
    expect(await state()).toEqual(['static', '6', 3]);
    clock.advance(-10_000);
  });

  it('answers 403 for tampered, expired and HLS tokens', async () => {
    const url = await session({ Expires: 300 });
    const token = new URL(url).searchParams.get('SessionToken') ?? '';
    const flipped = token.slice(0, 5) + (token[5] === 'A' ? 'B' : 'A') + token.slice(6);
    for (const bad of [flipped, 'abc']) {
      const res = await get(url.replace(token, bad));
      expect(res.status).toBe(403);
      expect(JSON.parse(res.text)).toMatchObject({ __type: 'NotAuthorizedException' });
    }
    const hls = await dash.send(new GetHLSStreamingSessionURLCommand({ StreamName: name }));
    const hlsToken = new URL(hls.HLSStreamingSessionURL ?? '').searchParams.get('SessionToken') ?? '';
    expect((await get(url.replace(token, hlsToken))).status).toBe(403);
    expect((await get(url)).status).toBe(200);
    clock.advance(300_000);
    try {
      const expired = await get(url);
      expect(expired.status).toBe(403);
      expect(JSON.parse(expired.text)).toMatchObject({ __type: 'NotAuthorizedException', Message: 'Streaming session token is expired' });
    } finally {
      clock.advance(-300_000);
    }
  });

  describe('refuses bad session requests', () => {
    const day = 24 * 3600_000;
    it.each<[string, () => Partial<GetDASHStreamingSessionURLCommandInput>, string]>([
      ['a range with LIVE', () => ({ PlaybackMode: 'LIVE', DASHFragmentSelector: range(startMs, startMs + 1000) }), 'InvalidArgumentException'],
      ['ON_DEMAND without a range', () => ({ PlaybackMode: 'ON_DEMAND' }), 'InvalidArgumentException'],
      ['ON_DEMAND without an end', () => ({ PlaybackMode: 'ON_DEMAND', DASHFragmentSelector: range(startMs) }), 'InvalidArgumentException'],
      ['LIVE_REPLAY without a start', () => ({ PlaybackMode: 'LIVE_REPLAY', DASHFragmentSelector: { FragmentSelectorType: 'SERVER_TIMESTAMP' } }), 'InvalidArgumentException'],
      ['an end before the start', () => ({ PlaybackMode: 'ON_DEMAND', DASHFragmentSelector: range(startMs, startMs - 1) }), 'InvalidArgumentException'],
      ['a range over 24 h', () => ({ PlaybackMode: 'ON_DEMAND', DASHFragmentSelector: range(startMs - day, startMs + 1) }), 'InvalidArgumentException'],
      ['an unknown PlaybackMode', () => ({ PlaybackMode: 'LATER' as 'LIVE' }), 'InvalidArgumentException'],
      ['an unknown DisplayFragmentNumber', () => ({ DisplayFragmentNumber: 'SOMETIMES' as 'ALWAYS' }), 'InvalidArgumentException'],
      ['Expires 299', () => ({ Expires: 299 }), 'InvalidArgumentException'],
      ['Expires 43201', () => ({ Expires: 43201 }), 'InvalidArgumentException'],
      ['MaxManifestFragmentResults 0', () => ({ MaxManifestFragmentResults: 0 }), 'InvalidArgumentException'],
      ['MaxManifestFragmentResults 5001', () => ({ MaxManifestFragmentResults: 5001 }), 'InvalidArgumentException'],
      ['a range with no fragment', () => ({ PlaybackMode: 'ON_DEMAND', DASHFragmentSelector: range(startMs - 3_600_000, startMs - 1_800_000) }), 'ResourceNotFoundException'],
      ['an unknown stream', () => ({ StreamName: 'no-such-stream' }), 'ResourceNotFoundException'],
    ])('%s', async (_, input, code) => {
      const err = await errorOf(dash.send(new GetDASHStreamingSessionURLCommand({ StreamName: name, ...input() })));
      expect(err.name).toBe(code);
    });

    it('LIVE with no fragment in the last 30 s → ResourceNotFoundException', async () => {
      clock.advance(31_000 + 8_000);
      try {
        const err = await errorOf(dash.send(new GetDASHStreamingSessionURLCommand({ StreamName: name })));
        expect(err.name).toBe('ResourceNotFoundException');
        expect(err.message).toBe('No fragments found in the stream for the streaming request.');
      } finally {
        clock.advance(-39_000);
      }
    });

    it('a stream without fragments, one without retention, no stream named', async () => {
      const empty = uniqueStreamName('dash-empty');
      await createActiveVideoStream(client, empty);
      expect((await errorOf(dash.send(new GetDASHStreamingSessionURLCommand({ StreamName: empty })))).name).toBe('ResourceNotFoundException');
      const noRetention = uniqueStreamName('dash-r0');
      await client.send(new CreateStreamCommand({ StreamName: noRetention, DataRetentionInHours: 0 }));
      expect((await errorOf(dash.send(new GetDASHStreamingSessionURLCommand({ StreamName: noRetention })))).name).toBe('NoDataRetentionException');
      expect((await errorOf(dash.send(new GetDASHStreamingSessionURLCommand({})))).name).toBe('InvalidArgumentException');
    });
  });
});

describe('DASH with an AAC track and with H.265', () => {
  /** testsrc 320x240 at 25 fps, 1 s GOPs, no B-frames, as Matroska on a pipe; `audio` adds a 48 kHz mono AAC sine. */
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

  let emu: RunningEmulator;
  let client: KinesisVideoClient;
  let tmp: string;
  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kvs-dash-av-'));
    emu = await startEmulator({ port: 0, dynamodb: false });
    client = createKinesisVideoClient(emu.url);
  });
  afterAll(async () => {
    client.destroy();
    await emu.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  /** A stream holding `body`, and an ON_DEMAND session URL over it. */
  async function onDemandOver(body: Buffer, prefix: string): Promise<string> {
    const name = uniqueStreamName(prefix);
    await createActiveVideoStream(client, name);
    const t0 = Math.floor(Date.now() / 1000) * 1000 - 60_000;
    expect(persisted((await sendPutMedia(emu.url, { streamName: name, body, startTimestamp: (t0 / 1000).toFixed(3) })).acks)).toHaveLength(4);
    const dash = new KinesisVideoArchivedMediaClient({
      endpoint: await dataEndpointOf(client, name, 'GET_DASH_STREAMING_SESSION_URL'),
      region: TEST_REGION,
      credentials: TEST_CREDENTIALS,
    });
    try {
      const out = await dash.send(
        new GetDASHStreamingSessionURLCommand({
          StreamName: name,
          PlaybackMode: 'ON_DEMAND',
          DASHFragmentSelector: { FragmentSelectorType: 'PRODUCER_TIMESTAMP', TimestampRange: { StartTimestamp: new Date(t0), EndTimestamp: new Date(t0 + 60_000) } },
        }),
      );
      return out.DASHStreamingSessionURL ?? '';
    } finally {
      dash.destroy();
    }
  }

  const probe = async (file: string): Promise<string> =>
    (await run('/usr/bin/ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_name,codec_type', '-of', 'csv=p=0', file])).stdout.trim();

  it('lists video then audio, each its own AdaptationSet, and ffmpeg reads both', async () => {
    const url = await onDemandOver(await mkv(4, 'libx264', true), 'dash-av');
    const mpd = await manifest(url);
    expect(mpd.sets.map((s) => s.set['contentType'])).toEqual(['video', 'audio']);
    expect(mpd.sets[1].set['mimeType']).toBe('audio/mp4');
    expect(mpd.sets[1].representation).toMatchObject({ codecs: 'mp4a.40.2', audioSamplingRate: '48000' });
    expect(mpd.sets[1].template.media).toContain('TrackNumber=2');
    expect(mpd.sets[1].segments).toEqual(mpd.sets[0].segments);
    const audioSegment = await get(segmentUrl(mpd, url, 2, 1));
    expect(audioSegment.status).toBe(200);
    expect(tfdtOf(audioSegment.bytes)).toBe(Math.round((Number(mpd.sets[1].segments[1]['t']) * 48000) / 1000));
    const out = path.join(tmp, 'av.mp4');
    await run(FFMPEG, ['-v', 'error', '-y', '-i', url, '-map', '0', '-c', 'copy', '-f', 'mp4', out]);
    expect((await probe(out)).split('\n').sort()).toEqual(['aac,audio', 'h264,video']);
  }, 60_000);

  it('serves H.265 with an hvc1 codec string, and ffmpeg reads it', async () => {
    const url = await onDemandOver(await mkv(4, 'libx265', false), 'dash-hevc');
    const mpd = await manifest(url);
    expect(mpd.sets[0].representation['codecs']).toMatch(/^hvc1\./);
    const out = path.join(tmp, 'hevc.mp4');
    await run(FFMPEG, ['-v', 'error', '-y', '-i', url, '-c', 'copy', '-f', 'mp4', out]);
    expect(await probe(out)).toBe('hevc,video');
    expect(await ffprobeFrameCount(out)).toBe(100);
  }, 60_000);
});
