/**
 * Reading video back (kvs-reference.md §4, §5.1, §5.2) through the official media and archived-media SDK
 * clients, built on GetDataEndpoint's answer: GetMedia with every start selector, tailing live fragments, chunk
 * layout and KVS tags, ffprobe decoding what came back; ListFragments by both timestamp kinds with paging;
 * GetMediaForFragmentList; the GetMedia connection limit; retention; fragments kept across a restart.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { CreateStreamCommand, UpdateDataRetentionCommand, DescribeStreamCommand, type KinesisVideoClient } from '@aws-sdk/client-kinesis-video';
import { GetMediaCommand, type KinesisVideoMediaClient, type StartSelector } from '@aws-sdk/client-kinesis-video-media';
import {
  GetMediaForFragmentListCommand,
  ListFragmentsCommand,
  type KinesisVideoArchivedMediaClient,
} from '@aws-sdk/client-kinesis-video-archived-media';
import { writeCluster, writeStreamHeader, type MkvStreamHeader } from '@tributary/media';
import { startEmulator, type RunningEmulator } from '../emulator';
import { ManualClock } from '@tributary/runtime/testing';
import { errorOf, uniqueStreamName } from '../testing/kds-test-clients';
import { createActiveVideoStream, createArchivedMediaClient, createKinesisVideoClient, createMediaClient } from '../testing/kvs-test-clients';
import { ffmpegTestPattern, ffprobeFrameCount, readMediaChunks, sendPutMedia, type MediaChunk } from '../testing/kvs-media-fixtures';

const persisted = (acks: { EventType: string; FragmentNumber?: string }[]): string[] =>
  acks.filter((a) => a.EventType === 'PERSISTED').map((a) => a.FragmentNumber ?? '');

const HEADER: MkvStreamHeader = {
  timecodeScaleNs: 1_000_000,
  tracks: [{ number: 1, uid: 1n, type: 'video', codecId: 'V_MPEG4/ISO/AVC', codecPrivate: Uint8Array.of(1, 0x42, 0, 0x1e, 0xff, 0xe0, 0) }],
};
const cluster = (ms: number): Uint8Array =>
  writeCluster({ timestampMs: ms, frames: [0, 40, 80].map((d, i) => ({ track: 1, timestampMs: ms + d, keyframe: i === 0, data: Buffer.alloc(100, i) })) }, 1_000_000);

async function getMedia(media: KinesisVideoMediaClient, stream: string, selector: StartSelector, count: number, collect?: Buffer[]): Promise<MediaChunk[]> {
  const out = await media.send(new GetMediaCommand({ StreamName: stream, StartSelector: selector }));
  expect(out.ContentType).toBe('video/webm');
  const payload = out.Payload as Readable & AsyncIterable<Uint8Array>;
  try {
    return await readMediaChunks(payload, count, collect);
  } finally {
    payload.destroy();
  }
}

describe('GetMedia, ListFragments, GetMediaForFragmentList', () => {
  let emu: RunningEmulator;
  let client: KinesisVideoClient;
  let media: KinesisVideoMediaClient;
  let archived: KinesisVideoArchivedMediaClient;
  let tmp: string;
  const name = uniqueStreamName('get-media');
  let numbers: string[] = [];
  let startMs = 0;
  let before = 0;
  let after = 0;

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kvs-get-media-'));
    const pattern = ffmpegTestPattern({ seconds: 4, fps: 25 });
    emu = await startEmulator({ port: 0, dynamodb: false, kvs: { getMediaIdleTimeoutMs: 400 } });
    client = createKinesisVideoClient(emu.url);
    await createActiveVideoStream(client, name);
    media = await createMediaClient(client, name);
    archived = await createArchivedMediaClient(client, name);
    startMs = Date.now() - 60_000;
    before = Date.now();
    const out = await sendPutMedia(emu.url, { streamName: name, body: await pattern, startTimestamp: (startMs / 1000).toFixed(3), chunkDelayMs: 1 });
    after = Date.now();
    numbers = persisted(out.acks);
    expect(numbers).toHaveLength(4);
  });
  afterAll(async () => {
    media.destroy();
    archived.destroy();
    client.destroy();
    await emu.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('sends every fragment from EARLIEST as a self-contained document with KVS tags, and ffprobe decodes all frames', async () => {
    const bytes: Buffer[] = [];
    const chunks = await getMedia(media, name, { StartSelectorType: 'EARLIEST' }, 4, bytes);
    expect(chunks.map((c) => c.tags.fragmentNumber)).toEqual(numbers);
    for (const [i, c] of chunks.entries()) {
      expect(c.headers).toBe(1);
      expect(c.clusters).toHaveLength(1);
      expect(c.clusters[0].frames).toHaveLength(25);
      expect(c.clusters[0].timecode).toBe(i * 1000); // Cluster Timecodes are not rewritten
      expect(c.tags.producerTimestampMs).toBe(startMs + i * 1000);
      expect(c.tags.serverTimestampMs).toBeGreaterThanOrEqual(before - 1);
      expect(c.tags.serverTimestampMs).toBeLessThanOrEqual(after + 1);
      expect(c.tags.continuationToken).toBe(numbers[i]);
      expect(c.tags.millisBehindNow).toBeGreaterThanOrEqual(0);
    }
    const file = path.join(tmp, 'earliest.mkv');
    fs.writeFileSync(file, Buffer.concat(bytes));
    expect(await ffprobeFrameCount(file)).toBe(100);
  });

  it.each<[string, () => StartSelector, number]>([
    ['FRAGMENT_NUMBER (after the fragment)', () => ({ StartSelectorType: 'FRAGMENT_NUMBER', AfterFragmentNumber: numbers[1] }), 2],
    ['CONTINUATION_TOKEN (after the fragment that carried it)', () => ({ StartSelectorType: 'CONTINUATION_TOKEN', ContinuationToken: numbers[0] }), 1],
    ['PRODUCER_TIMESTAMP (the fragment containing it)', () => ({ StartSelectorType: 'PRODUCER_TIMESTAMP', StartTimestamp: new Date(startMs + 1500) }), 1],
    ['PRODUCER_TIMESTAMP (before the first fragment)', () => ({ StartSelectorType: 'PRODUCER_TIMESTAMP', StartTimestamp: new Date(startMs - 10_000) }), 0],
    ['SERVER_TIMESTAMP (before the first fragment)', () => ({ StartSelectorType: 'SERVER_TIMESTAMP', StartTimestamp: new Date(before - 10_000) }), 0],
  ])('starts at the right fragment for %s', async (_what, selector, first) => {
    const chunks = await getMedia(media, name, selector(), 4 - first);
    expect(chunks.map((c) => c.tags.fragmentNumber)).toEqual(numbers.slice(first));
  });

  it('answers an unknown fragment number in band with ERROR_ID 4000, and a missing member with InvalidArgumentException', async () => {
    const unknown = `${numbers[0].slice(0, -3)}000`;
    const chunks = await getMedia(media, name, { StartSelectorType: 'FRAGMENT_NUMBER', AfterFragmentNumber: unknown }, 1);
    expect(chunks).toHaveLength(1);
    expect(chunks[0].tags).toEqual({ fragmentNumber: unknown, errorId: 4000, errorCode: 'Requested fragment is not found' });
    const err = await errorOf(media.send(new GetMediaCommand({ StreamName: name, StartSelector: { StartSelectorType: 'FRAGMENT_NUMBER' } })));
    expect(err.name).toBe('InvalidArgumentException');
    const missing = await errorOf(media.send(new GetMediaCommand({ StreamName: `${name}-x`, StartSelector: { StartSelectorType: 'NOW' } })));
    expect(missing.name).toBe('ResourceNotFoundException');
    expect(missing.$metadata.httpStatusCode).toBe(404);
  });

  it('tails live fragments from NOW as they are persisted', async () => {
    const live = uniqueStreamName('get-media-now');
    await createActiveVideoStream(client, live);
    await sendPutMedia(emu.url, { streamName: live, timecodeType: 'ABSOLUTE', body: [writeStreamHeader(HEADER), cluster(1000)] });
    const reading = getMedia(media, live, { StartSelectorType: 'NOW' }, 2);
    await new Promise((r) => setTimeout(r, 100));
    const put = await sendPutMedia(emu.url, { streamName: live, timecodeType: 'ABSOLUTE', body: [writeStreamHeader(HEADER), cluster(5000), cluster(6000)], chunkDelayMs: 20, chunkBytes: 64 });
    const chunks = await reading;
    expect(chunks.map((c) => c.tags.fragmentNumber)).toEqual(persisted(put.acks));
    expect(chunks.map((c) => c.clusters[0].timecode)).toEqual([5000, 6000]);
  });

  it('ends a tail that sees no new fragment for getMediaIdleTimeoutMs', async () => {
    const out = await media.send(new GetMediaCommand({ StreamName: name, StartSelector: { StartSelectorType: 'NOW' } }));
    const started = Date.now();
    const chunks = await readMediaChunks(out.Payload as AsyncIterable<Uint8Array>);
    expect(chunks).toEqual([]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(350);
  });

  it('refuses a fourth concurrent GetMedia with ConnectionLimitExceededException', async () => {
    const open = await Promise.all(
      [0, 1, 2].map(() => media.send(new GetMediaCommand({ StreamName: name, StartSelector: { StartSelectorType: 'NOW' } }))),
    );
    const err = await errorOf(media.send(new GetMediaCommand({ StreamName: name, StartSelector: { StartSelectorType: 'NOW' } })));
    expect(err.name).toBe('ConnectionLimitExceededException');
    for (const o of open) (o.Payload as Readable).destroy();
    // Readers that went away free their places.
    for (let i = 0; ; i++) {
      const again = await media.send(new GetMediaCommand({ StreamName: name, StartSelector: { StartSelectorType: 'NOW' } })).catch((e: Error) => e);
      if (!(again instanceof Error)) {
        (again.Payload as Readable).destroy();
        break;
      }
      expect(i).toBeLessThan(100);
      await new Promise((r) => setTimeout(r, 20));
    }
  });

  it('lists fragments by server and producer timestamp, in pages', async () => {
    const byServer = await archived.send(
      new ListFragmentsCommand({
        StreamName: name,
        MaxResults: 3,
        FragmentSelector: { FragmentSelectorType: 'SERVER_TIMESTAMP', TimestampRange: { StartTimestamp: new Date(before - 1000), EndTimestamp: new Date(after + 1000) } },
      }),
    );
    expect(byServer.Fragments?.map((f) => f.FragmentNumber)).toEqual(numbers.slice(0, 3));
    expect(byServer.NextToken).toBeDefined();
    const next = await archived.send(new ListFragmentsCommand({ StreamName: name, NextToken: byServer.NextToken }));
    expect(next.Fragments?.map((f) => f.FragmentNumber)).toEqual(numbers.slice(3));
    expect(next.NextToken).toBeUndefined();
    const byProducer = await archived.send(
      new ListFragmentsCommand({
        StreamName: name,
        FragmentSelector: { FragmentSelectorType: 'PRODUCER_TIMESTAMP', TimestampRange: { StartTimestamp: new Date(startMs + 1000), EndTimestamp: new Date(startMs + 2000) } },
      }),
    );
    expect(byProducer.Fragments?.map((f) => f.FragmentNumber)).toEqual(numbers.slice(1, 3));
    expect(byProducer.Fragments?.[0]).toEqual({
      FragmentNumber: numbers[1],
      FragmentSizeInBytes: expect.any(Number),
      ProducerTimestamp: new Date(startMs + 1000),
      ServerTimestamp: expect.any(Date),
      FragmentLengthInMilliseconds: 960,
    });
    const none = await errorOf(archived.send(new ListFragmentsCommand({ StreamName: name })));
    expect(none.name).toBe('InvalidArgumentException');
  });

  it('sends the listed fragments, in the order asked, with GetMediaForFragmentList', async () => {
    const out = await archived.send(new GetMediaForFragmentListCommand({ StreamName: name, Fragments: [numbers[2], numbers[0]] }));
    expect(out.ContentType).toBe('video/webm');
    const chunks = await readMediaChunks(out.Payload as AsyncIterable<Uint8Array>);
    expect(chunks.map((c) => c.tags.fragmentNumber)).toEqual([numbers[2], numbers[0]]);
    expect(chunks[0].tags.producerTimestampMs).toBe(startMs + 2000);
    expect(chunks[0].tags).not.toHaveProperty('continuationToken');
    expect(chunks[0].clusters[0].frames).toHaveLength(25);
    const missing = await errorOf(archived.send(new GetMediaForFragmentListCommand({ StreamName: name, Fragments: ['123'] })));
    expect(missing.name).toBe('ResourceNotFoundException');
  });
});

describe('GetMedia SERVER_TIMESTAMP', () => {
  it('starts with the fragment containing the timestamp: from its server time up to the next fragment', async () => {
    const clock = new ManualClock(Date.UTC(2030, 0, 1));
    const t0 = clock.now();
    const emu = await startEmulator({ port: 0, dynamodb: false, clock, kvs: { getMediaIdleTimeoutMs: 100 } });
    const client = createKinesisVideoClient(emu.url);
    try {
      const name = uniqueStreamName('server-ts');
      await createActiveVideoStream(client, name);
      const numbers: string[] = [];
      for (const ms of [1000, 2000, 3000]) {
        numbers.push(...persisted((await sendPutMedia(emu.url, { streamName: name, timecodeType: 'ABSOLUTE', body: [writeStreamHeader(HEADER), cluster(ms)] })).acks));
        clock.advance(10_000);
      }
      const media = await createMediaClient(client, name);
      const from = async (ms: number): Promise<(string | undefined)[]> =>
        (await getMedia(media, name, { StartSelectorType: 'SERVER_TIMESTAMP', StartTimestamp: new Date(ms) }, 3)).map((c) => c.tags.fragmentNumber);
      expect(await from(t0 + 10_000)).toEqual(numbers.slice(1));
      expect(await from(t0 + 15_000)).toEqual(numbers.slice(1));
      expect(await from(t0 + 9_999)).toEqual(numbers);
      expect(await from(t0 + 20_080)).toEqual(numbers.slice(2));
      expect(await from(t0 + 20_081)).toEqual([]);
      media.destroy();
    } finally {
      client.destroy();
      await emu.close();
    }
  });
});

describe('Fragment retention and durability', () => {
  it('hides fragments outside retention and deletes them when retention decreases', async () => {
    const clock = new ManualClock(Date.UTC(2030, 0, 1));
    const emu = await startEmulator({ port: 0, dynamodb: false, clock, kvs: { getMediaIdleTimeoutMs: 100 } });
    const client = createKinesisVideoClient(emu.url);
    try {
      const name = uniqueStreamName('retention');
      await client.send(new CreateStreamCommand({ StreamName: name, DataRetentionInHours: 2 }));
      await sendPutMedia(emu.url, { streamName: name, timecodeType: 'ABSOLUTE', body: [writeStreamHeader(HEADER), cluster(1000), cluster(2000)] });
      const archived = await createArchivedMediaClient(client, name);
      const range = { FragmentSelectorType: 'SERVER_TIMESTAMP' as const, TimestampRange: { StartTimestamp: new Date(0), EndTimestamp: new Date(Date.UTC(2040, 0, 1)) } };
      expect((await archived.send(new ListFragmentsCommand({ StreamName: name, FragmentSelector: range }))).Fragments).toHaveLength(2);
      clock.advance(3600_000);
      expect((await archived.send(new ListFragmentsCommand({ StreamName: name, FragmentSelector: range }))).Fragments).toHaveLength(2);
      const version = (await client.send(new DescribeStreamCommand({ StreamName: name }))).StreamInfo?.Version;
      await client.send(new UpdateDataRetentionCommand({ StreamName: name, CurrentVersion: version, Operation: 'DECREASE_DATA_RETENTION', DataRetentionChangeInHours: 1 }));
      clock.advance(1);
      expect((await archived.send(new ListFragmentsCommand({ StreamName: name, FragmentSelector: range }))).Fragments).toEqual([]);
      const media = await createMediaClient(client, name);
      expect(await getMedia(media, name, { StartSelectorType: 'EARLIEST' }, 1)).toEqual([]);
      media.destroy();
      archived.destroy();
    } finally {
      client.destroy();
      await emu.close();
    }
  });

  it('keeps fragments across a restart on the same data dir, and numbers go on increasing', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kvs-fragments-'));
    try {
      let emu = await startEmulator({ port: 0, dynamodb: false, dataDir, fsync: 'always' });
      let client = createKinesisVideoClient(emu.url);
      const name = uniqueStreamName('restart');
      await createActiveVideoStream(client, name);
      const first = persisted((await sendPutMedia(emu.url, { streamName: name, timecodeType: 'ABSOLUTE', body: [writeStreamHeader(HEADER), cluster(1000), cluster(2000)] })).acks);
      client.destroy();
      await emu.close();

      emu = await startEmulator({ port: 0, dynamodb: false, dataDir, kvs: { getMediaIdleTimeoutMs: 100 } });
      client = createKinesisVideoClient(emu.url);
      const media = await createMediaClient(client, name);
      const chunks = await getMedia(media, name, { StartSelectorType: 'EARLIEST' }, 2);
      expect(chunks.map((c) => c.tags.fragmentNumber)).toEqual(first);
      expect(chunks.map((c) => c.clusters[0].frames.length)).toEqual([3, 3]);
      const second = persisted((await sendPutMedia(emu.url, { streamName: name, timecodeType: 'ABSOLUTE', body: [writeStreamHeader(HEADER), cluster(3000)] })).acks);
      expect(BigInt(second[0]) > BigInt(first[1])).toBe(true);
      const archived = await createArchivedMediaClient(client, name);
      const all = await archived.send(
        new ListFragmentsCommand({ StreamName: name, FragmentSelector: { FragmentSelectorType: 'PRODUCER_TIMESTAMP', TimestampRange: { StartTimestamp: new Date(0), EndTimestamp: new Date(10_000) } } }),
      );
      expect(all.Fragments?.map((f) => f.FragmentNumber)).toEqual([...first, ...second]);
      media.destroy();
      archived.destroy();
      client.destroy();
      await emu.close();
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
