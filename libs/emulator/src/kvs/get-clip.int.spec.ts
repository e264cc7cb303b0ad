/**
 * GetClip (kvs-reference.md §5.3) through the official archived-media client on the GET_CLIP data endpoint:
 * ffmpeg's H.264 test pattern put with PutMedia comes back as one non-fragmented MP4 that ffprobe decodes frame for
 * frame (codec, size, frame count, duration, moov before mdat); ranges by producer and server timestamps with
 * inclusive ends; the 200-fragment cut; every validation error and the media errors of the model.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import type { KinesisVideoClient } from '@aws-sdk/client-kinesis-video';
import {
  GetClipCommand,
  KinesisVideoArchivedMediaClient,
  ListFragmentsCommand,
  type ClipFragmentSelector,
} from '@aws-sdk/client-kinesis-video-archived-media';
import { writeCluster, writeStreamHeader, type MkvStreamHeader, type MkvTrack } from '@tributary/media';
import { NodeHttp2Handler } from '@smithy/node-http-handler';
import { startEmulator, type RunningEmulator } from '../emulator';
import { errorOf, TEST_CREDENTIALS, TEST_REGION, uniqueStreamName } from '../testing/kds-test-clients';
import { createActiveVideoStream, createKinesisVideoClient, dataEndpointOf } from '../testing/kvs-test-clients';
import { ffmpegTestPattern, ffprobeFrameCount, sendPutMedia } from '../testing/kvs-media-fixtures';

const ffprobe = fs.existsSync('/usr/bin/ffprobe') ? '/usr/bin/ffprobe' : 'ffprobe';

interface Probe {
  codec: string;
  width: number;
  height: number;
  durationSec: number;
  frames: number;
}

async function probeClip(file: string): Promise<Probe> {
  const { stdout } = await promisify(execFile)(ffprobe, ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=codec_name,width,height,nb_frames:format=duration', '-of', 'json', file]);
  const out = JSON.parse(stdout) as { streams: { codec_name: string; width: number; height: number; nb_frames: string }[]; format: { duration: string } };
  const s = out.streams[0];
  return { codec: s.codec_name, width: s.width, height: s.height, durationSec: Number(out.format.duration), frames: Number(s.nb_frames) };
}

/** Top-level box types of an MP4 file, in order. */
function topLevelBoxes(bytes: Buffer): string[] {
  const types: string[] = [];
  for (let at = 0; at + 8 <= bytes.length; ) {
    const size = bytes.readUInt32BE(at);
    types.push(bytes.toString('latin1', at + 4, at + 8));
    if (size < 8) break;
    at += size;
  }
  return types;
}

const persisted = (acks: { EventType: string; FragmentNumber?: string }[]): string[] =>
  acks.filter((a) => a.EventType === 'PERSISTED').map((a) => a.FragmentNumber ?? '');

describe('GetClip', () => {
  let emu: RunningEmulator;
  let client: KinesisVideoClient;
  let clips: KinesisVideoArchivedMediaClient;
  let tmp: string;
  const name = uniqueStreamName('get-clip');
  let startMs = 0;
  let serverMs: number[] = [];

  const clipOf = async (selector: ClipFragmentSelector, stream = name): Promise<{ file: string; bytes: Buffer; contentType?: string }> => {
    const out = await clips.send(new GetClipCommand({ StreamName: stream, ClipFragmentSelector: selector }));
    const bytes = Buffer.from(await (out.Payload as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
    const file = path.join(tmp, `${stream}-${Date.now()}-${Math.random().toString(36).slice(2)}.mp4`);
    fs.writeFileSync(file, bytes);
    return { file, bytes, contentType: out.ContentType };
  };
  const producer = (from: number, to: number): ClipFragmentSelector => ({
    FragmentSelectorType: 'PRODUCER_TIMESTAMP',
    TimestampRange: { StartTimestamp: new Date(from), EndTimestamp: new Date(to) },
  });

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kvs-get-clip-'));
    const pattern = ffmpegTestPattern({ seconds: 4, fps: 25 });
    emu = await startEmulator({ port: 0, dynamodb: false });
    client = createKinesisVideoClient(emu.url);
    await createActiveVideoStream(client, name);
    clips = new KinesisVideoArchivedMediaClient({ endpoint: await dataEndpointOf(client, name, 'GET_CLIP'), region: TEST_REGION, credentials: TEST_CREDENTIALS });
    startMs = Date.now() - 60_000;
    // Small pieces, a little apart: the fragments get distinct server timestamps.
    const out = await sendPutMedia(emu.url, { streamName: name, body: await pattern, startTimestamp: (startMs / 1000).toFixed(3), chunkBytes: 2048, chunkDelayMs: 2 });
    expect(persisted(out.acks)).toHaveLength(4);
    const listed = await clips.send(
      new ListFragmentsCommand({ StreamName: name, FragmentSelector: { FragmentSelectorType: 'PRODUCER_TIMESTAMP', TimestampRange: { StartTimestamp: new Date(0), EndTimestamp: new Date(startMs + 10_000) } } }),
    );
    serverMs = (listed.Fragments ?? []).map((f) => f.ServerTimestamp?.getTime() ?? 0).sort((a, b) => a - b);
  });
  afterAll(async () => {
    clips.destroy();
    client.destroy();
    await emu.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('answers the whole range as one MP4 (moov before mdat) that ffprobe decodes: H.264, 320x240, 100 frames, 4 s', async () => {
    const clip = await clipOf(producer(startMs, startMs + 3000));
    expect(clip.contentType).toBe('video/mp4');
    expect(topLevelBoxes(clip.bytes)).toEqual(['ftyp', 'moov', 'mdat']);
    const probe = await probeClip(clip.file);
    expect(probe).toMatchObject({ codec: 'h264', width: 320, height: 240, frames: 100 });
    expect(probe.durationSec).toBeCloseTo(4, 1);
    expect(await ffprobeFrameCount(clip.file)).toBe(100);
  });

  it('streams the same clip over HTTP/2 (NodeHttp2Handler)', async () => {
    const h2 = new KinesisVideoArchivedMediaClient({
      endpoint: await dataEndpointOf(client, name, 'GET_CLIP'),
      region: TEST_REGION,
      credentials: TEST_CREDENTIALS,
      requestHandler: new NodeHttp2Handler(),
    });
    try {
      const out = await h2.send(new GetClipCommand({ StreamName: name, ClipFragmentSelector: producer(startMs, startMs + 3000) }));
      const bytes = Buffer.from(await (out.Payload as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
      expect(bytes.equals((await clipOf(producer(startMs, startMs + 3000))).bytes)).toBe(true);
    } finally {
      h2.destroy();
    }
  });

  it('takes the fragments that start in the range, both ends included (producer timestamps)', async () => {
    const clip = await clipOf(producer(startMs + 500, startMs + 2000));
    expect(await ffprobeFrameCount(clip.file)).toBe(50);
    const probe = await probeClip(clip.file);
    expect(probe.durationSec).toBeCloseTo(2, 1);
  });

  it('selects by server timestamps', async () => {
    expect(new Set(serverMs).size).toBe(4);
    const clip = await clipOf({
      FragmentSelectorType: 'SERVER_TIMESTAMP',
      TimestampRange: { StartTimestamp: new Date(serverMs[1]), EndTimestamp: new Date(serverMs[3]) },
    });
    expect(await ffprobeFrameCount(clip.file)).toBe(75);
  });

  it('keeps the first ingested of fragments with equal producer timestamps, and ends the clip where the codec changes', async () => {
    const again = uniqueStreamName('get-clip-again');
    await createActiveVideoStream(client, again);
    const t0 = Date.now() - 90_000;
    const [big, small] = await Promise.all([ffmpegTestPattern({ seconds: 2, fps: 25 }), ffmpegTestPattern({ seconds: 2, fps: 25, size: '160x120' })]);
    const put = (body: Buffer, at: number): Promise<unknown> => sendPutMedia(emu.url, { streamName: again, body, startTimestamp: (at / 1000).toFixed(3) });
    await put(big, t0);
    await put(small, t0); // the same producer timestamps again: dropped
    const deduplicated = await clipOf(producer(t0, t0 + 5000), again);
    expect(await probeClip(deduplicated.file)).toMatchObject({ width: 320, height: 240, frames: 50 });
    await put(small, t0 + 2000); // new SPS/PPS (another size) right after the first two fragments
    const cut = await clipOf(producer(t0, t0 + 5000), again);
    expect(await probeClip(cut.file)).toMatchObject({ width: 320, height: 240, frames: 50 });
    const later = await clipOf(producer(t0 + 2000, t0 + 5000), again);
    expect(await probeClip(later.file)).toMatchObject({ width: 160, height: 120, frames: 50 });
  });

  it('answers ResourceNotFoundException when no fragment starts in the range, or the stream does not exist', async () => {
    const none = await errorOf(clips.send(new GetClipCommand({ StreamName: name, ClipFragmentSelector: producer(startMs - 5000, startMs - 1) })));
    expect(none.name).toBe('ResourceNotFoundException');
    expect(none.$metadata.httpStatusCode).toBe(404);
    const missing = await errorOf(clips.send(new GetClipCommand({ StreamName: `${name}-x`, ClipFragmentSelector: producer(startMs, startMs + 1000) })));
    expect(missing.name).toBe('ResourceNotFoundException');
  });

  it.each<[string, () => Partial<ClipFragmentSelector> | undefined]>([
    ['no ClipFragmentSelector', () => undefined],
    ['an unknown FragmentSelectorType', () => ({ FragmentSelectorType: 'NOW' as never, TimestampRange: producer(startMs, startMs + 1).TimestampRange })],
    ['no TimestampRange', () => ({ FragmentSelectorType: 'PRODUCER_TIMESTAMP' })],
    ['an EndTimestamp equal to the StartTimestamp', () => producer(startMs, startMs)],
    ['an EndTimestamp before the StartTimestamp', () => producer(startMs, startMs - 1000)],
    ['a range over 24 hours', () => producer(startMs - 24 * 3600_000 - 1, startMs)],
    [
      'a SERVER_TIMESTAMP EndTimestamp in the future',
      () => ({ FragmentSelectorType: 'SERVER_TIMESTAMP', TimestampRange: { StartTimestamp: new Date(startMs), EndTimestamp: new Date(Date.now() + 60_000) } }),
    ],
  ])('refuses %s with InvalidArgumentException', async (_what, selector) => {
    const err = await errorOf(clips.send(new GetClipCommand({ StreamName: name, ClipFragmentSelector: selector() as ClipFragmentSelector })));
    expect(err.name).toBe('InvalidArgumentException');
    expect(err.$metadata.httpStatusCode).toBe(400);
  });

  it('answers NoDataRetentionException for a stream without retention', async () => {
    const none = uniqueStreamName('get-clip-no-retention');
    await createActiveVideoStream(client, none, 0);
    const err = await errorOf(clips.send(new GetClipCommand({ StreamName: none, ClipFragmentSelector: producer(startMs, startMs + 1000) })));
    expect(err.name).toBe('NoDataRetentionException');
  });

  describe('media the clip cannot carry', () => {
    const video = (over: Partial<MkvTrack>): MkvStreamHeader => ({
      timecodeScaleNs: 1_000_000,
      tracks: [{ number: 1, uid: 1n, type: 'video', codecId: 'V_MPEG4/ISO/AVC', ...over }],
    });
    const cluster = (ms: number): Uint8Array =>
      writeCluster({ timestampMs: ms, frames: [0, 40].map((d, i) => ({ track: 1, timestampMs: ms + d, keyframe: i === 0, data: Buffer.alloc(50, i) })) }, 1_000_000);

    it.each<[string, string, MkvStreamHeader]>([
      ['no CodecPrivate', 'MissingCodecPrivateDataException', video({})],
      ['a CodecPrivate that is no avcC', 'InvalidCodecPrivateDataException', video({ codecPrivate: Uint8Array.of(9, 9, 9) })],
      ['VP8 video', 'UnsupportedStreamMediaTypeException', video({ codecId: 'V_VP8' })],
      ['audio as track 1', 'UnsupportedStreamMediaTypeException', { timecodeScaleNs: 1_000_000, tracks: [{ number: 1, uid: 1n, type: 'audio', codecId: 'A_OPUS', samplingFrequency: 48000, channels: 2 }] }],
    ])('answers a stream with %s with %s', async (_what, expected, header) => {
      const stream = uniqueStreamName('get-clip-media');
      await createActiveVideoStream(client, stream);
      const t0 = Date.now() - 30_000;
      const put = await sendPutMedia(emu.url, { streamName: stream, timecodeType: 'ABSOLUTE', body: [writeStreamHeader(header), cluster(t0), cluster(t0 + 1000)] });
      expect(persisted(put.acks)).toHaveLength(2);
      const err = await errorOf(clips.send(new GetClipCommand({ StreamName: stream, ClipFragmentSelector: producer(t0, t0 + 1000) })));
      expect(err.name).toBe(expected);
      expect(err.$metadata.httpStatusCode).toBe(400);
    });
  });

  it('cuts the clip after the first 200 fragments', async () => {
    const many = uniqueStreamName('get-clip-200');
    await createActiveVideoStream(client, many);
    // Every frame a keyframe: ffmpeg starts a Cluster, and so a fragment, at a keyframe once the Cluster holds 4 KiB.
    const body = await ffmpegTestPattern({ seconds: 45, fps: 5, gop: 1 });
    const t0 = Date.now() - 120_000;
    const put = await sendPutMedia(emu.url, { streamName: many, body, startTimestamp: (t0 / 1000).toFixed(3), chunkBytes: 65536 });
    const timecodes = put.acks.filter((a) => a.EventType === 'PERSISTED').map((a) => a.FragmentTimecode ?? 0);
    expect(timecodes.length).toBeGreaterThan(200);
    // The frames of the first 200 fragments: 5 per second up to the 201st fragment's start.
    const expected = (timecodes[200] - timecodes[0]) / 200;
    const clip = await clipOf(producer(t0, t0 + 60_000), many);
    expect(await probeClip(clip.file)).toMatchObject({ codec: 'h264', width: 320, height: 240, frames: expected });
    expect(await ffprobeFrameCount(clip.file)).toBe(expected);
  });
});
