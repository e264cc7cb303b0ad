/**
 * GetImages (kvs-reference.md §5.4) through the official archived-media client on the GET_IMAGES data endpoint,
 * over ffmpeg's H.264 test pattern put with PutMedia: JPEG and PNG images of the requested size (checked by
 * ffprobe), the exact frame on screen at each sample time (compared with ffmpeg's own decode of the source),
 * producer and server timestamps, NO_MEDIA outside the stored media, MEDIA_ERROR for undecodable or audio-only
 * fragments, paging with NextToken, and every validation error.
 */
import { execFile, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import type { KinesisVideoClient } from '@aws-sdk/client-kinesis-video';
import {
  GetImagesCommand,
  KinesisVideoArchivedMediaClient,
  ListFragmentsCommand,
  type GetImagesInput,
  type GetImagesOutput,
} from '@aws-sdk/client-kinesis-video-archived-media';
import { MatroskaStreamReader, writeCluster, writeStreamHeader, type MkvStreamHeader } from '@tributary/media';
import { NodeHttp2Handler } from '@smithy/node-http-handler';
import { startEmulator, type RunningEmulator } from '../emulator';
import { errorOf, TEST_CREDENTIALS, TEST_REGION, uniqueStreamName } from '../testing/kds-test-clients';
import { createActiveVideoStream, createKinesisVideoClient, dataEndpointOf } from '../testing/kvs-test-clients';
import { ffmpegTestPattern, sendPutMedia } from '../testing/kvs-media-fixtures';
import { ffmpegBinary } from './ffmpeg-binary';

const ffprobe = fs.existsSync('/usr/bin/ffprobe') ? '/usr/bin/ffprobe' : 'ffprobe';

/** ffprobe's codec and size of an image. */
async function probeImage(dir: string, bytes: Buffer): Promise<{ codec: string; width: number; height: number }> {
  const file = path.join(dir, `image-${Date.now()}-${Math.random().toString(36).slice(2)}`);
  fs.writeFileSync(file, bytes);
  const { stdout } = await promisify(execFile)(ffprobe, ['-v', 'error', '-show_entries', 'stream=codec_name,width,height', '-of', 'json', file]);
  const s = (JSON.parse(stdout) as { streams: { codec_name: string; width: number; height: number }[] }).streams[0];
  return { codec: s.codec_name, width: s.width, height: s.height };
}

/** Frame `index` of the Matroska file `file` as PNG, decoded by ffmpeg directly: the reference image. */
function referencePng(file: string, index: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const p = spawn(ffmpegBinary(), ['-v', 'error', '-i', file, '-vf', `select='eq(n,${index})'`, '-vsync', 'passthrough', '-frames:v', '1', '-c:v', 'png', '-f', 'image2pipe', 'pipe:1']);
    const out: Buffer[] = [];
    p.stdout.on('data', (c: Buffer) => out.push(c));
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve(Buffer.concat(out)) : reject(new Error(`ffmpeg exited with ${code}`))));
  });
}

const imageBytes = (image: { ImageContent?: string }): Buffer => Buffer.from(image.ImageContent ?? '', 'base64');
const isJpeg = (b: Buffer): boolean => b[0] === 0xff && b[1] === 0xd8 && b[b.length - 2] === 0xff && b[b.length - 1] === 0xd9;
const isPng = (b: Buffer): boolean => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
/** Each image as 'image' or its error, for compact expectations. */
const outcomes = (out: GetImagesOutput): string[] => (out.Images ?? []).map((i) => (i.ImageContent ? 'image' : (i.Error ?? 'nothing')));

describe('GetImages', () => {
  let emu: RunningEmulator;
  let client: KinesisVideoClient;
  let images: KinesisVideoArchivedMediaClient;
  let tmp: string;
  let source: string;
  let header: MkvStreamHeader;
  const name = uniqueStreamName('get-images');
  let startMs = 0;
  let serverMs: number[] = [];

  const get = (input: Partial<GetImagesInput>): Promise<GetImagesOutput> =>
    images.send(
      new GetImagesCommand({
        StreamName: name,
        ImageSelectorType: 'PRODUCER_TIMESTAMP',
        StartTimestamp: new Date(startMs),
        EndTimestamp: new Date(startMs + 3000),
        SamplingInterval: 1000,
        Format: 'JPEG',
        ...input,
      }),
    );

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kvs-get-images-'));
    source = path.join(tmp, 'source.mkv');
    const pattern = await ffmpegTestPattern({ seconds: 4, fps: 25 });
    fs.writeFileSync(source, pattern);
    const reader = new MatroskaStreamReader();
    for (const e of reader.push(pattern)) if (e.type === 'header') header = e.header;
    emu = await startEmulator({ port: 0, dynamodb: false });
    client = createKinesisVideoClient(emu.url);
    await createActiveVideoStream(client, name);
    images = new KinesisVideoArchivedMediaClient({ endpoint: await dataEndpointOf(client, name, 'GET_IMAGES'), region: TEST_REGION, credentials: TEST_CREDENTIALS });
    startMs = Date.now() - 60_000;
    // Small pieces, a little apart: the fragments get distinct server timestamps.
    const out = await sendPutMedia(emu.url, { streamName: name, body: pattern, startTimestamp: (startMs / 1000).toFixed(3), chunkBytes: 2048, chunkDelayMs: 10 });
    expect(out.acks.filter((a) => a.EventType === 'PERSISTED')).toHaveLength(4);
    const listed = await images.send(
      new ListFragmentsCommand({ StreamName: name, FragmentSelector: { FragmentSelectorType: 'PRODUCER_TIMESTAMP', TimestampRange: { StartTimestamp: new Date(0), EndTimestamp: new Date(startMs + 10_000) } } }),
    );
    serverMs = (listed.Fragments ?? []).map((f) => f.ServerTimestamp?.getTime() ?? 0).sort((a, b) => a - b);
  });
  afterAll(async () => {
    images.destroy();
    client.destroy();
    await emu.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('answers a JPEG of the stored size (default quality) at every sample time, with its TimeStamp', async () => {
    const out = await get({});
    expect(out.NextToken).toBeUndefined();
    expect(out.Images?.map((i) => i.TimeStamp?.getTime())).toEqual([0, 1000, 2000, 3000].map((d) => startMs + d));
    expect(outcomes(out)).toEqual(['image', 'image', 'image', 'image']);
    for (const image of out.Images ?? []) {
      const bytes = imageBytes(image);
      expect(isJpeg(bytes)).toBe(true);
      expect(await probeImage(tmp, bytes)).toEqual({ codec: 'mjpeg', width: 320, height: 240 });
    }
    // The test pattern moves: images a second apart differ.
    expect(imageBytes(out.Images?.[0] ?? {}).equals(imageBytes(out.Images?.[1] ?? {}))).toBe(false);
  });

  it('shows the frame on screen at each time: PNGs equal to ffmpeg decoding the source, NO_MEDIA after the last frame', async () => {
    // Offsets 280, 1520 and 2760 ms are frames 7, 38 and 69 at 25 fps; 4000 ms is past the last frame's end.
    const out = await get({ Format: 'PNG', StartTimestamp: new Date(startMs + 280), EndTimestamp: new Date(startMs + 4000), SamplingInterval: 1240 });
    expect(outcomes(out)).toEqual(['image', 'image', 'image', 'NO_MEDIA']);
    for (const [i, frame] of [7, 38, 69].entries()) {
      const bytes = imageBytes(out.Images?.[i] ?? {});
      expect(isPng(bytes)).toBe(true);
      expect(bytes.equals(await referencePng(source, frame))).toBe(true);
    }
  });

  it('selects by server timestamps', async () => {
    expect(new Set(serverMs).size).toBe(4);
    // 40 ms after the third fragment arrived, before the fourth did: its second frame, frame 51 of the source.
    const at = serverMs[2] + 40;
    expect(serverMs[3]).toBeGreaterThan(at);
    const out = await get({ ImageSelectorType: 'SERVER_TIMESTAMP', Format: 'PNG', StartTimestamp: new Date(at), EndTimestamp: new Date(at) });
    expect(outcomes(out)).toEqual(['image']);
    expect(imageBytes(out.Images?.[0] ?? {}).equals(await referencePng(source, 51))).toBe(true);
  });

  it('answers the same over HTTP/2 (NodeHttp2Handler)', async () => {
    const h2 = new KinesisVideoArchivedMediaClient({
      endpoint: await dataEndpointOf(client, name, 'GET_IMAGES'),
      region: TEST_REGION,
      credentials: TEST_CREDENTIALS,
      requestHandler: new NodeHttp2Handler(),
    });
    try {
      const input = { StreamName: name, ImageSelectorType: 'PRODUCER_TIMESTAMP', StartTimestamp: new Date(startMs), EndTimestamp: new Date(startMs + 1000), Format: 'PNG' } as const;
      const out = await h2.send(new GetImagesCommand({ ...input, SamplingInterval: 1000 }));
      expect(outcomes(out)).toEqual(['image', 'image']);
      expect(imageBytes(out.Images?.[1] ?? {}).equals(await referencePng(source, 25))).toBe(true);
    } finally {
      h2.destroy();
    }
  });

  it('answers NO_MEDIA for times before the first fragment', async () => {
    const out = await get({ StartTimestamp: new Date(startMs - 2000), EndTimestamp: new Date(startMs) });
    expect(outcomes(out)).toEqual(['NO_MEDIA', 'NO_MEDIA', 'image']);
  });

  it.each<[string, Partial<GetImagesInput>, { width: number; height: number }]>([
    ['both sizes: stretched', { WidthPixels: 100, HeightPixels: 50 }, { width: 100, height: 50 }],
    ['the width alone: the aspect ratio kept', { WidthPixels: 160 }, { width: 160, height: 120 }],
    ['the height alone: the aspect ratio kept', { HeightPixels: 60 }, { width: 80, height: 60 }],
  ])('scales to %s', async (_what, size, expected) => {
    for (const format of ['JPEG', 'PNG'] as const) {
      const out = await get({ ...size, Format: format, EndTimestamp: new Date(startMs) });
      expect(await probeImage(tmp, imageBytes(out.Images?.[0] ?? {}))).toEqual({ codec: format === 'PNG' ? 'png' : 'mjpeg', ...expected });
    }
  });

  it('encodes with the requested JPEGQuality', async () => {
    const size = async (quality: string): Promise<number> =>
      imageBytes((await get({ EndTimestamp: new Date(startMs), FormatConfig: { JPEGQuality: quality } })).Images?.[0] ?? {}).length;
    const [low, standard, best] = [await size('5'), await size('80'), await size('100')];
    expect(low).toBeLessThan(standard);
    expect(standard).toBeLessThan(best);
    // No FormatConfig is JPEGQuality 80.
    expect(imageBytes((await get({ EndTimestamp: new Date(startMs) })).Images?.[0] ?? {}).length).toBe(standard);
  });

  it('pages with NextToken: MaxResults images per page, at most 25', async () => {
    const times: number[] = [];
    const pages: string[][] = [];
    let token: string | undefined;
    do {
      const out = await get({ SamplingInterval: 200, MaxResults: 5, NextToken: token });
      pages.push(outcomes(out));
      times.push(...(out.Images ?? []).map((i) => i.TimeStamp?.getTime() ?? 0));
      token = out.NextToken;
    } while (token !== undefined);
    expect(pages.map((p) => p.length)).toEqual([5, 5, 5, 1]);
    expect(times).toEqual(Array.from({ length: 16 }, (_, i) => startMs + i * 200));
    expect(pages.flat().every((o) => o === 'image')).toBe(true);

    const wide = { SamplingInterval: 200, EndTimestamp: new Date(startMs + 6000), MaxResults: 100 };
    const first = await get(wide);
    expect(first.Images).toHaveLength(25);
    expect(first.NextToken).toBeDefined();
    const second = await get({ ...wide, NextToken: first.NextToken });
    expect(second.Images?.map((i) => i.TimeStamp?.getTime())).toEqual(Array.from({ length: 6 }, (_, i) => startMs + (25 + i) * 200));
    // Beyond 4 s there is no media.
    expect(outcomes(second)).toEqual(['NO_MEDIA', 'NO_MEDIA', 'NO_MEDIA', 'NO_MEDIA', 'NO_MEDIA', 'NO_MEDIA']);
    expect(second.NextToken).toBeUndefined();
    // The default page is 25 too.
    expect((await get({ SamplingInterval: 200, EndTimestamp: new Date(startMs + 6000) })).Images).toHaveLength(25);

    const mismatched = await errorOf(get({ SamplingInterval: 400, NextToken: first.NextToken }));
    expect(mismatched.name).toBe('InvalidArgumentException');
  });

  it.each<[string, Partial<GetImagesInput>]>([
    ['an EndTimestamp before the StartTimestamp', { EndTimestamp: new Date(0) }],
    ['a range over 300 seconds', { EndTimestamp: new Date(Date.now()), StartTimestamp: new Date(Date.now() - 300_001) }],
    ['a SamplingInterval under 200 ms', { SamplingInterval: 199 }],
    ['an unknown Format', { Format: 'GIF' as never }],
    ['no Format', { Format: undefined }],
    ['an unknown ImageSelectorType', { ImageSelectorType: 'NOW' as never }],
    ['no StartTimestamp', { StartTimestamp: undefined }],
    ['JPEGQuality 0', { FormatConfig: { JPEGQuality: '0' } }],
    ['JPEGQuality 101', { FormatConfig: { JPEGQuality: '101' } }],
    ['JPEGQuality "best"', { FormatConfig: { JPEGQuality: 'best' } }],
    ['an unknown FormatConfig key', { FormatConfig: { Colour: '1' } as never }],
    ['WidthPixels 0', { WidthPixels: 0 }],
    ['WidthPixels 3841', { WidthPixels: 3841 }],
    ['HeightPixels 2161', { HeightPixels: 2161 }],
    ['MaxResults 0', { MaxResults: 0 }],
    ['MaxResults 101', { MaxResults: 101 }],
    ['a NextToken that is not one', { NextToken: 'bm90IGEgdG9rZW4=' }],
    ['a NextToken outside the alphabet', { NextToken: '!!' }],
  ])('refuses %s with InvalidArgumentException', async (_what, input) => {
    const err = await errorOf(get(input));
    expect(err.name).toBe('InvalidArgumentException');
    expect(err.$metadata.httpStatusCode).toBe(400);
  });

  it('answers ResourceNotFoundException for an unknown stream and NoDataRetentionException without retention', async () => {
    const missing = await errorOf(get({ StreamName: `${name}-x` }));
    expect(missing.name).toBe('ResourceNotFoundException');
    expect(missing.$metadata.httpStatusCode).toBe(404);
    const none = uniqueStreamName('get-images-no-retention');
    await createActiveVideoStream(client, none, 0);
    const err = await errorOf(get({ StreamName: none }));
    expect(err.name).toBe('NoDataRetentionException');
  });

  it('answers MEDIA_ERROR for fragments ffmpeg cannot decode and for audio-only fragments', async () => {
    const cluster = (ms: number, track = 1): Uint8Array =>
      writeCluster({ timestampMs: ms, frames: [0, 40, 80].map((d, i) => ({ track, timestampMs: ms + d, keyframe: i === 0, data: Buffer.alloc(200, 0x5a + i) })) }, 1_000_000);
    const audio: MkvStreamHeader = { timecodeScaleNs: 1_000_000, tracks: [{ number: 1, uid: 1n, type: 'audio', codecId: 'A_OPUS', samplingFrequency: 48000, channels: 2 }] };
    for (const streamHeader of [header, audio]) {
      const stream = uniqueStreamName('get-images-bad');
      await createActiveVideoStream(client, stream);
      const t0 = Date.now() - 30_000;
      const put = await sendPutMedia(emu.url, { streamName: stream, timecodeType: 'ABSOLUTE', body: [writeStreamHeader(streamHeader), cluster(t0), cluster(t0 + 1000)] });
      expect(put.acks.filter((a) => a.EventType === 'PERSISTED')).toHaveLength(2);
      const out = await get({ StreamName: stream, StartTimestamp: new Date(t0), EndTimestamp: new Date(t0 + 1000) });
      expect(outcomes(out)).toEqual(['MEDIA_ERROR', 'MEDIA_ERROR']);
    }
  });
});
