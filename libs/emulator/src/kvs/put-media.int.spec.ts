/**
 * PutMedia on the emulator (kvs-reference.md §3): real ffmpeg Matroska sent with a raw chunked HTTP/1.1 request
 * (no SDK has PutMedia), acknowledgements parsed as they stream back while the upload goes on; every ERROR code
 * the emulator answers, with hand-built Matroska from @tributary/media's writer; garbage that must not hurt other
 * streams; the one-connection rule; IDLE, connection lifetime, deletion; HTTP/2.
 */
import { CreateStreamCommand, DeleteStreamCommand, type KinesisVideoClient } from '@aws-sdk/client-kinesis-video';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { ListFragmentsCommand } from '@aws-sdk/client-kinesis-video-archived-media';
import { GetMediaCommand } from '@aws-sdk/client-kinesis-video-media';
import {
  KVS_TAG,
  withSizeField,
  writeCluster,
  writeStreamHeader,
  writeTags,
  type MkvFrame,
  type MkvStreamHeader,
} from '@tributary/media';
import { startEmulator, type RunningEmulator } from '../emulator';
import { uniqueStreamName } from '../testing/kds-test-clients';
import { createActiveVideoStream, createArchivedMediaClient, createKinesisVideoClient, createMediaClient, listFragmentsByProducerTime } from '../testing/kvs-test-clients';
import { ffmpegTestPattern, sendPutMedia, type Ack } from '../testing/kvs-media-fixtures';
import { waitUntil } from '@tributary/runtime/testing';

const AVC_PRIVATE = Uint8Array.from([1, 0x42, 0xc0, 0x1e, 0xff, 0xe1, 0, 4, 0x67, 0x42, 0xc0, 0x1e, 1, 0, 4, 0x68, 0xce, 0x3c, 0x80]);
const header = (tracks = 1): MkvStreamHeader => ({
  timecodeScaleNs: 1_000_000,
  tracks: Array.from({ length: tracks }, (_, i) => ({
    number: i + 1,
    uid: BigInt(i + 1),
    type: i === 0 ? ('video' as const) : ('audio' as const),
    codecId: i === 0 ? 'V_MPEG4/ISO/AVC' : 'A_AAC',
    ...(i === 0 ? { codecPrivate: AVC_PRIVATE, width: 320, height: 240 } : {}),
  })),
});
/** A cluster at `ms` of `count` frames 40 ms apart on `track`, the first a keyframe. */
const frames = (ms: number, count = 25, track = 1): MkvFrame[] =>
  Array.from({ length: count }, (_, i) => ({ track, timestampMs: ms + i * 40, keyframe: i === 0, data: Buffer.alloc(200, i) }));
const cluster = (ms: number, f = frames(ms)): Uint8Array => writeCluster({ timestampMs: ms, frames: f }, 1_000_000);

const kinds = (acks: Ack[]): string[] => acks.map((a) => a.EventType);

describe('PutMedia', () => {
  let emu: RunningEmulator;
  let client: KinesisVideoClient;
  let pattern: Buffer;
  beforeAll(async () => {
    [emu, pattern] = await Promise.all([
      startEmulator({ port: 0, dynamodb: false, kvs: { maxFragmentDurationMs: 5_000 } }),
      ffmpegTestPattern({ seconds: 4, fps: 25 }),
    ]);
    client = createKinesisVideoClient(emu.url);
  });
  afterAll(async () => {
    client.destroy();
    await emu.close();
  });

  it('acknowledges every fragment of an ffmpeg stream BUFFERING → RECEIVED → PERSISTED, while the upload goes on', async () => {
    const name = uniqueStreamName('put-ffmpeg');
    await createActiveVideoStream(client, name);
    const start = Date.now();
    const startSeconds = (start / 1000).toFixed(3);
    const out = await sendPutMedia(emu.url, { streamName: name, body: pattern, chunkBytes: 4096, chunkDelayMs: 5, startTimestamp: startSeconds });
    expect(out.status).toBe(200);
    expect(out.headers['content-type']).toBe('application/json');
    expect(out.headers['x-amzn-requestid']).toBeDefined();
    expect(kinds(out.acks)).toEqual(Array.from({ length: 4 }, () => ['BUFFERING', 'RECEIVED', 'PERSISTED']).flat());
    expect(out.acks.map((a) => a.FragmentTimecode)).toEqual([0, 0, 0, 1000, 1000, 1000, 2000, 2000, 2000, 3000, 3000, 3000]);
    const numbers = out.acks.filter((a) => a.EventType === 'PERSISTED').map((a) => a.FragmentNumber ?? '');
    for (const n of numbers) expect(n).toMatch(/^\d{47}$/);
    for (let i = 1; i < numbers.length; i++) expect(BigInt(numbers[i]) > BigInt(numbers[i - 1])).toBe(true);
    // The three events of a fragment carry the same number.
    for (let i = 0; i < out.acks.length; i += 3) expect(new Set(out.acks.slice(i, i + 3).map((a) => a.FragmentNumber)).size).toBe(1);
    // Full duplex: fragments were persisted and acknowledged before the body was done.
    expect(out.acks.filter((a) => a.EventType === 'PERSISTED' && !a.uploadDone).length).toBeGreaterThanOrEqual(3);
    // BUFFERING of a fragment goes out when its first bytes are in, before the rest of it was sent.
    const buffering = out.acks.filter((a) => a.EventType === 'BUFFERING');
    const received = out.acks.filter((a) => a.EventType === 'RECEIVED');
    expect(buffering.some((b, i) => b.sentBytes < received[i].sentBytes)).toBe(true);

    const archived = await createArchivedMediaClient(client, name);
    const listed = await archived.send(
      new ListFragmentsCommand({
        StreamName: name,
        FragmentSelector: { FragmentSelectorType: 'SERVER_TIMESTAMP', TimestampRange: { StartTimestamp: new Date(start - 1000), EndTimestamp: new Date(Date.now() + 1000) } },
      }),
    );
    archived.destroy();
    const fragments = listed.Fragments ?? [];
    expect(fragments.map((f) => f.FragmentNumber)).toEqual(numbers);
    expect(fragments.map((f) => f.ProducerTimestamp?.getTime())).toEqual([0, 1000, 2000, 3000].map((d) => Number(startSeconds) * 1000 + d));
    expect(fragments.map((f) => f.FragmentLengthInMilliseconds)).toEqual([960, 960, 960, 960]);
    for (const f of fragments) expect(f.FragmentSizeInBytes).toBeGreaterThan(5000);
  });

  it('sends BUFFERING as soon as an unknown-size Cluster starts and RECEIVED once the next element shows it ended', async () => {
    const name = uniqueStreamName('put-live');
    await createActiveVideoStream(client, name);
    const live = withSizeField(cluster(0), 'unknown');
    const seen: string[] = [];
    let write: ((b: Uint8Array) => void) | undefined;
    let end: (() => void) | undefined;
    const done = sendPutMedia(emu.url, {
      streamName: name,
      timecodeType: 'ABSOLUTE',
      body: [writeStreamHeader(header()), live.subarray(0, 100)],
      keepOpen: true,
      onAck: (a) => seen.push(a.EventType),
      control: (h) => {
        write = h.write;
        end = h.end;
      },
    });
    await waitFor(() => seen.length === 1);
    expect(seen).toEqual(['BUFFERING']);
    write?.(live.subarray(100));
    await new Promise((r) => setTimeout(r, 50));
    expect(seen).toEqual(['BUFFERING']); // not whole until something follows it
    write?.(withSizeField(cluster(1000), 'unknown'));
    await waitFor(() => seen.length >= 4);
    expect(seen).toEqual(['BUFFERING', 'RECEIVED', 'PERSISTED', 'BUFFERING']);
    end?.();
    const out = await done;
    expect(kinds(out.acks)).toEqual(['BUFFERING', 'RECEIVED', 'PERSISTED', 'BUFFERING', 'RECEIVED', 'PERSISTED']);
  });

  it("accepts ffmpeg's file-mode output too: known-size Segment, SeekHead, Void, Cues", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kvs-filemode-'));
    try {
      const file = await ffmpegTestPattern({ seconds: 3, fps: 25, fileMode: path.join(dir, 'pattern.mkv') });
      const name = uniqueStreamName('put-filemode');
      await createActiveVideoStream(client, name);
      const out = await sendPutMedia(emu.url, { streamName: name, body: file });
      expect(kinds(out.acks)).toEqual(Array.from({ length: 3 }, () => ['BUFFERING', 'RECEIVED', 'PERSISTED']).flat());
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('sends no PERSISTED for a stream without retention', async () => {
    const name = uniqueStreamName('put-noretention');
    await client.send(new CreateStreamCommand({ StreamName: name }));
    const out = await sendPutMedia(emu.url, { streamName: name, timecodeType: 'ABSOLUTE', body: [writeStreamHeader(header()), cluster(0), cluster(1000)] });
    expect(kinds(out.acks)).toEqual(['BUFFERING', 'RECEIVED', 'BUFFERING', 'RECEIVED']);
  });

  it('works over cleartext HTTP/2 and by stream ARN', async () => {
    const name = uniqueStreamName('put-h2');
    const arn = await createActiveVideoStream(client, name);
    const out = await sendPutMedia(emu.url, { streamArn: arn, protocol: 'h2c', timecodeType: 'ABSOLUTE', body: [writeStreamHeader(header()), cluster(5000), cluster(6000)] });
    expect(out.status).toBe(200);
    expect(kinds(out.acks)).toEqual(['BUFFERING', 'RECEIVED', 'PERSISTED', 'BUFFERING', 'RECEIVED', 'PERSISTED']);
  });

  const tooMany = Array.from({ length: 11 }, (_, i) => ({ name: `key${i}`, value: 'v' }));
  const errorCases: Array<[string, number, () => Uint8Array[]]> = [
    ['INVALID_MKV_DATA', 4006, () => [Buffer.from('this is not matroska at all, just text')]],
    ['INVALID_MKV_DATA', 4006, () => {
      const c = Buffer.from(cluster(1000));
      c.fill(0xff, 12, 20); // garbage where the second cluster's Timecode and first block header are
      return [writeStreamHeader(header()), cluster(0), c];
    }],
    ['TRACK_NUMBER_MISMATCH', 4010, () => [writeStreamHeader(header()), cluster(0, frames(0, 5, 2))]],
    ['FRAMES_MISSING_FOR_TRACK', 4011, () => [writeStreamHeader(header(2)), cluster(0)]],
    ['FRAGMENT_TIMECODE_LESSER_THAN_PREVIOUS', 4004, () => [writeStreamHeader(header()), cluster(2000), cluster(1000)]],
    ['MAX_FRAGMENT_DURATION_REACHED', 4002, () => [writeStreamHeader(header()), cluster(0, [...frames(0, 2), ...frames(6000, 1).map((f) => ({ ...f, keyframe: false }))])]],
    ['FRAGMENT_METADATA_LIMIT_REACHED', 4009, () => [writeStreamHeader(header()), writeTags(tooMany, { layout: 'tag-per-simple-tag' }), cluster(0)]],
    ['MORE_THAN_ALLOWED_TRACKS_FOUND', 4012, () => [writeStreamHeader(header(4))]],
  ];
  it.each(errorCases)('answers ERROR %s (%d) and ends the answer', async (code, id, body) => {
    const name = uniqueStreamName('put-error');
    await createActiveVideoStream(client, name);
    const out = await sendPutMedia(emu.url, { streamName: name, timecodeType: 'ABSOLUTE', body: body() });
    expect(out.status).toBe(200);
    const last = out.acks[out.acks.length - 1];
    expect(last).toMatchObject({ EventType: 'ERROR', ErrorCode: code, ErrorId: id });
    expect(out.acks.filter((a) => a.EventType === 'ERROR')).toHaveLength(1);
  });

  it('reports the fragment an ERROR is about', async () => {
    const name = uniqueStreamName('put-error-fragment');
    await createActiveVideoStream(client, name);
    const out = await sendPutMedia(emu.url, { streamName: name, timecodeType: 'ABSOLUTE', body: [writeStreamHeader(header()), cluster(7000), cluster(7000)] });
    expect(kinds(out.acks)).toEqual(['BUFFERING', 'RECEIVED', 'PERSISTED', 'BUFFERING', 'ERROR']);
    expect(out.acks[4]).toMatchObject({ FragmentTimecode: 7000, FragmentNumber: out.acks[3].FragmentNumber, ErrorId: 4004 });
  });

  // What a producer that uploads a recorded backlog beside live video relies on (apps/video-producer
  // upload/backlog-uploader.ts): 4004 is about order *within* one PutMedia request (the API reference: "within a
  // PutMedia call, you cannot send fragments out of order"); a later request may carry producer timestamps older
  // than what the stream already holds (its offline "body camera" case), and ListFragments lists them under them.
  it('takes older producer timestamps on a later request (4004 is per request) and lists them under their own times', async () => {
    const name = uniqueStreamName('put-backfill');
    await createActiveVideoStream(client, name);
    const now = Date.now();
    const live = await sendPutMedia(emu.url, { streamName: name, timecodeType: 'ABSOLUTE', body: [writeStreamHeader(header()), cluster(now), cluster(now + 1000)] });
    expect(kinds(live.acks)).toEqual(['BUFFERING', 'RECEIVED', 'PERSISTED', 'BUFFERING', 'RECEIVED', 'PERSISTED']);
    const hoursAgo = now - 3 * 3_600_000;
    const backlog = await sendPutMedia(emu.url, { streamName: name, timecodeType: 'ABSOLUTE', body: [writeStreamHeader(header()), cluster(hoursAgo), cluster(hoursAgo + 1000)] });
    expect(kinds(backlog.acks)).toEqual(['BUFFERING', 'RECEIVED', 'PERSISTED', 'BUFFERING', 'RECEIVED', 'PERSISTED']);
    const archived = await createArchivedMediaClient(client, name);
    const listed = await listFragmentsByProducerTime(archived, name);
    archived.destroy();
    const byArrival = [...listed].sort((a, b) => (BigInt(a.FragmentNumber ?? '0') < BigInt(b.FragmentNumber ?? '0') ? -1 : 1));
    expect(byArrival.map((f) => f.ProducerTimestamp?.getTime())).toEqual([now, now + 1000, hoursAgo, hoursAgo + 1000]);
  });

  it('keeps producer metadata tags and drops PIC control tags', async () => {
    const name = uniqueStreamName('put-tags');
    await createActiveVideoStream(client, name);
    const eofr = writeTags([{ name: KVS_TAG.endOfFragment, value: '' }]);
    const out = await sendPutMedia(emu.url, {
      streamName: name,
      timecodeType: 'ABSOLUTE',
      body: [writeStreamHeader(header()), writeTags([{ name: 'camera', value: 'front' }]), cluster(0), eofr, cluster(1000), eofr],
    });
    expect(kinds(out.acks)).toEqual(['BUFFERING', 'RECEIVED', 'PERSISTED', 'BUFFERING', 'RECEIVED', 'PERSISTED']);
  });

  it('survives garbage on one stream while another stream ingests', async () => {
    const good = uniqueStreamName('put-good');
    const bad = uniqueStreamName('put-bad');
    await createActiveVideoStream(client, good);
    await createActiveVideoStream(client, bad);
    const noise = Buffer.alloc(256 * 1024);
    for (let i = 0; i < noise.length; i++) noise[i] = (i * 7919 + (i >> 5)) & 0xff;
    const [a, b] = await Promise.all([
      sendPutMedia(emu.url, { streamName: good, body: pattern, chunkDelayMs: 2 }),
      sendPutMedia(emu.url, { streamName: bad, body: [writeStreamHeader(header()), noise] }),
    ]);
    expect(a.acks.filter((x) => x.EventType === 'PERSISTED')).toHaveLength(4);
    expect(b.acks[b.acks.length - 1]).toMatchObject({ EventType: 'ERROR', ErrorCode: 'INVALID_MKV_DATA' });
    const after = await sendPutMedia(emu.url, { streamName: bad, body: pattern });
    expect(after.acks.filter((x) => x.EventType === 'PERSISTED')).toHaveLength(4);
  });

  it('refuses a second connection to the same stream with ConnectionLimitExceededException', async () => {
    const name = uniqueStreamName('put-limit');
    await createActiveVideoStream(client, name);
    let end: (() => void) | undefined;
    const seen: string[] = [];
    const first = sendPutMedia(emu.url, {
      streamName: name,
      timecodeType: 'ABSOLUTE',
      body: [writeStreamHeader(header()), cluster(0), cluster(1000)],
      keepOpen: true,
      onAck: (a) => seen.push(a.EventType),
      control: (h) => (end = h.end),
    });
    await waitFor(() => seen.includes('PERSISTED'));
    const second = await sendPutMedia(emu.url, { streamName: name, timecodeType: 'ABSOLUTE', body: [writeStreamHeader(header()), cluster(5000)] });
    expect(second.status).toBe(400);
    expect(second.headers['x-amzn-errortype']).toMatch(/^ConnectionLimitExceededException:/);
    expect(JSON.parse(second.text)).toMatchObject({ __type: 'ConnectionLimitExceededException' });
    end?.();
    await first;
    const third = await sendPutMedia(emu.url, { streamName: name, timecodeType: 'ABSOLUTE', body: [writeStreamHeader(header()), cluster(9000)] });
    expect(kinds(third.acks)).toEqual(['BUFFERING', 'RECEIVED', 'PERSISTED']);
  });

  it.each([
    ['no stream header', {}, 400, 'InvalidArgumentException'],
    ['both stream name and ARN', { 'x-amzn-stream-arn': 'arn:aws:kinesisvideo:us-east-1:000000000000:stream/x/1' }, 400, 'InvalidArgumentException'],
    ['an unknown timecode type', { 'x-amzn-fragment-timecode-type': 'SOMETIMES' }, 400, 'InvalidArgumentException'],
    ['a malformed start timestamp', { 'x-amzn-producer-start-timestamp': 'yesterday' }, 400, 'InvalidArgumentException'],
  ])('refuses %s before the 200', async (_what, extra, status, error) => {
    const name = uniqueStreamName('put-refused');
    await createActiveVideoStream(client, name);
    const withName = _what === 'no stream header' ? {} : { streamName: name };
    const out = await sendPutMedia(emu.url, { ...withName, headers: extra as Record<string, string>, body: [writeStreamHeader(header())] });
    expect(out.status).toBe(status);
    expect(JSON.parse(out.text)).toMatchObject({ __type: error });
  });

  it('answers 404 for an unknown stream and for one not yet ACTIVE', async () => {
    const out = await sendPutMedia(emu.url, { streamName: uniqueStreamName('put-missing'), body: [writeStreamHeader(header())] });
    expect(out.status).toBe(404);
    expect(JSON.parse(out.text)).toEqual({ __type: 'ResourceNotFoundException', Message: 'The requested stream is not found or not active.' });
    const slow = await startEmulator({ port: 0, dynamodb: false, kvs: { delays: { create: 60_000 } } });
    const c = createKinesisVideoClient(slow.url);
    try {
      const name = uniqueStreamName('put-creating');
      await c.send(new CreateStreamCommand({ StreamName: name }));
      const creating = await sendPutMedia(slow.url, { streamName: name, body: [writeStreamHeader(header())] });
      expect(creating.status).toBe(404);
    } finally {
      c.destroy();
      await slow.close();
    }
  });

  it('sends ERROR STREAM_DELETED when the stream is deleted under a live connection', async () => {
    const name = uniqueStreamName('put-deleted');
    const arn = await createActiveVideoStream(client, name);
    const seen: string[] = [];
    const live = sendPutMedia(emu.url, {
      streamName: name,
      timecodeType: 'ABSOLUTE',
      body: [writeStreamHeader(header()), cluster(0), cluster(1000)],
      keepOpen: true,
      onAck: (a) => seen.push(a.EventType),
    });
    await waitFor(() => seen.includes('PERSISTED'));
    await client.send(new DeleteStreamCommand({ StreamARN: arn }));
    const out = await live;
    expect(out.acks[out.acks.length - 1]).toMatchObject({ EventType: 'ERROR', ErrorCode: 'STREAM_DELETED', ErrorId: 4507 });
  });
});

describe('PutMedia connection timers', () => {
  let emu: RunningEmulator;
  let client: KinesisVideoClient;
  beforeAll(async () => {
    emu = await startEmulator({ port: 0, dynamodb: false, kvs: { idleAckIntervalMs: 100, idleTimeoutMs: 450, maxConnectionDurationMs: 60_000 } });
    client = createKinesisVideoClient(emu.url);
  });
  afterAll(async () => {
    client.destroy();
    await emu.close();
  });

  it('sends IDLE while no data arrives, then closes the request', async () => {
    const name = uniqueStreamName('put-idle');
    await createActiveVideoStream(client, name);
    const out = await sendPutMedia(emu.url, { streamName: name, timecodeType: 'ABSOLUTE', body: [writeStreamHeader(header()), cluster(0)], keepOpen: true });
    const idle = out.acks.filter((a) => a.EventType === 'IDLE');
    expect(kinds(out.acks).slice(0, 3)).toEqual(['BUFFERING', 'RECEIVED', 'PERSISTED']);
    expect(idle.length).toBeGreaterThanOrEqual(2);
    expect(idle[0]).toEqual({ EventType: 'IDLE', sentBytes: expect.any(Number), uploadDone: false });
  });

  it('ends a connection older than maxConnectionDurationMs with ERROR 4003', async () => {
    const short = await startEmulator({ port: 0, dynamodb: false, kvs: { maxConnectionDurationMs: 300 } });
    const c = createKinesisVideoClient(short.url);
    try {
      const name = uniqueStreamName('put-lifetime');
      await createActiveVideoStream(c, name);
      const out = await sendPutMedia(short.url, { streamName: name, timecodeType: 'ABSOLUTE', body: [writeStreamHeader(header()), cluster(0)], keepOpen: true });
      expect(out.acks[out.acks.length - 1]).toMatchObject({
        EventType: 'ERROR',
        ErrorCode: 'MAX_CONNECTION_DURATION_REACHED',
        ErrorId: 4003,
        FragmentTimecode: 0,
      });
    } finally {
      c.destroy();
      await short.close();
    }
  });

  it('drops live PutMedia and GetMedia connections when the emulator closes, without an ERROR ack', async () => {
    const e = await startEmulator({ port: 0, dynamodb: false });
    const c = createKinesisVideoClient(e.url);
    const name = uniqueStreamName('put-shutdown');
    await createActiveVideoStream(c, name);
    const seen: string[] = [];
    const put = sendPutMedia(e.url, {
      streamName: name,
      timecodeType: 'ABSOLUTE',
      body: [writeStreamHeader(header()), cluster(0)],
      keepOpen: true,
      onAck: (a) => seen.push(a.EventType),
    }).catch(() => undefined);
    await waitFor(() => seen.includes('PERSISTED'));
    const media = await createMediaClient(c, name);
    const reading = media.send(new GetMediaCommand({ StreamName: name, StartSelector: { StartSelectorType: 'NOW' } }));
    const payload = (await reading).Payload as Readable;
    const ended = new Promise<void>((resolve) => {
      payload.on('error', () => resolve());
      payload.on('end', () => resolve());
      payload.on('close', () => resolve());
      payload.resume();
    });
    const started = Date.now();
    await e.close();
    expect(Date.now() - started).toBeLessThan(3000);
    await put;
    await ended;
    expect(seen).not.toContain('ERROR');
    media.destroy();
    c.destroy();
  });

  it('answers MAX_FRAGMENT_SIZE_REACHED as soon as a fragment outgrows the limit', async () => {
    const small = await startEmulator({ port: 0, dynamodb: false, kvs: { maxFragmentBytes: 4096 } });
    const c = createKinesisVideoClient(small.url);
    try {
      const name = uniqueStreamName('put-size');
      await createActiveVideoStream(c, name);
      const big = withSizeField(cluster(0), 'unknown');
      const out = await sendPutMedia(small.url, { streamName: name, timecodeType: 'ABSOLUTE', body: [writeStreamHeader(header()), big], keepOpen: true, chunkBytes: 1024 });
      expect(kinds(out.acks)).toEqual(['BUFFERING', 'ERROR']);
      expect(out.acks[1]).toMatchObject({ ErrorCode: 'MAX_FRAGMENT_SIZE_REACHED', ErrorId: 4001, FragmentNumber: out.acks[0].FragmentNumber });
    } finally {
      c.destroy();
      await small.close();
    }
  });
});

/** The acks arrive on the same connection within moments: poll often, give up after 5 s. */
const waitFor = (check: () => boolean): Promise<void> => waitUntil('the acks', check, { timeoutMs: 5_000, intervalMs: 5 });
