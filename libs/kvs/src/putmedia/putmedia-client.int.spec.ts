/**
 * PutMediaClient and GetMediaReader against the emulator in process, with the official SDK v3 clients and real
 * ffmpeg output cut into fragments by libs/media.
 */
import { writeFileSync } from 'node:fs';
import { CreateStreamCommand, KinesisVideoClient } from '@aws-sdk/client-kinesis-video';
import type { Fragment } from '@aws-sdk/client-kinesis-video-archived-media';
import { startEmulator, type RunningEmulator } from '@tributary/emulator';
import { GetMediaReader } from '../getmedia/get-media-reader';
import type { GetMediaFragment } from '../getmedia/get-media-chunk-decoder';
import { PutMediaClient } from './putmedia-client';
import type { PutMediaSession } from './session/putmedia-session';
import { countDecodedFrames, makeTempDir, makeTestStream, type TestStream } from '../testing/ffmpeg-fragments';
import { listAllFragments, readFragments } from '../testing/kvs-stream-readback';
import { startTcpProxy, type TcpProxy } from '../testing/tcp-proxy';

const region = 'us-east-1';
const credentials = { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' };
let emulator: RunningEmulator;
let tmp: ReturnType<typeof makeTempDir>;
let testStream: TestStream;
let streamCounter = 0;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, dynamodb: false });
  tmp = makeTempDir();
  testStream = makeTestStream(tmp.path('pattern.mkv'), { seconds: 6, originMs: Date.now() - 60_000 });
});

afterAll(async () => {
  await emulator?.close();
  tmp?.cleanup();
});

function controlClient(endpoint: string): KinesisVideoClient {
  return new KinesisVideoClient({ endpoint, region, credentials });
}

async function createStream(endpoint: string): Promise<string> {
  const name = `kvs-int-${process.pid}-${++streamCounter}`;
  const kvs = controlClient(endpoint);
  await kvs.send(new CreateStreamCommand({ StreamName: name, DataRetentionInHours: 24, MediaType: 'video/h264' }));
  kvs.destroy();
  return name;
}

function listFragments(endpoint: string, streamName: string): Promise<Fragment[]> {
  return listAllFragments({ endpoint, region, credentials }, streamName);
}

function readAll(endpoint: string, streamName: string, count: number): Promise<GetMediaFragment[]> {
  return readFragments({ endpoint, region, credentials }, streamName, count);
}

function persistedTimecodes(session: PutMediaSession): number[] {
  const seen: number[] = [];
  session.on('fragment-persisted', (e) => seen.push(e.timecode));
  return seen;
}

describe('PutMediaClient → emulator → GetMediaReader', () => {
  it('streams an ffmpeg test pattern: every fragment PERSISTED, and GetMedia returns the same fragments and frames', async () => {
    const streamName = await createStream(emulator.url);
    const client = new PutMediaClient({ endpoint: emulator.url, region, credentials });
    const session = client.createSession({ streamName });
    const persisted = persistedTimecodes(session);
    const latencies: number[] = [];
    session.on('fragment-persisted', (e) => latencies.push(e.ackLatencyMs));
    await session.open();
    session.writeHeader(testStream.headerBytes);
    for (const f of testStream.fragments) await session.writeFragment(f.bytes, f.timecode);
    await session.end();
    client.destroy();

    expect(testStream.fragments.length).toBeGreaterThanOrEqual(5);
    expect(persisted).toEqual(testStream.fragments.map((f) => f.timecode));
    expect(session.stats().totals).toMatchObject({ fragmentsSent: testStream.fragments.length, reconnects: 0, ackErrors: 0, malformedAcks: 0 });
    expect(latencies.every((ms) => ms >= 0 && ms < 5_000)).toBe(true);

    const back = await readAll(emulator.url, streamName, testStream.fragments.length);
    expect(back.map((f) => f.tags.producerTimestampMs)).toEqual(testStream.fragments.map((f) => f.timecode));
    expect(back.map((f) => f.cluster.frames.length)).toEqual(testStream.fragments.map((f) => f.frames.length));
    expect(back.flatMap((f) => f.cluster.frames.map((fr) => fr.timestampMs))).toEqual(testStream.fragments.flatMap((f) => f.frames.map((fr) => fr.timestampMs)));
    expect(back.every((f) => /^\d+$/.test(f.tags.fragmentNumber ?? '') && f.tags.serverTimestampMs !== undefined)).toBe(true);
    expect(back[0].header.tracks[0].codecId).toBe('V_MPEG4/ISO/AVC');

    // What came back plays: ffprobe decodes every frame of the returned Matroska.
    const file = tmp.path(`${streamName}.mkv`);
    writeFileSync(file, Buffer.concat([back[0].headerBytes, ...back.map((f) => f.cluster.bytes)]));
    expect(countDecodedFrames(file)).toBe(testStream.frameCount);
  });

  it('resumes after the network is cut mid-stream: no fragment lost, none duplicated in ListFragments', async () => {
    const proxy: TcpProxy = await startTcpProxy(emulator.port);
    try {
      const streamName = await createStream(proxy.url);
      const client = new PutMediaClient({ endpoint: proxy.url, region, credentials, sessionDefaults: { reconnectBaseDelayMs: 50 } });
      const session = client.createSession({ streamName });
      const persisted = persistedTimecodes(session);
      const connected: number[] = [];
      session.on('connected', (e) => connected.push(e.resumeTimecode ?? -1));
      await session.open();
      session.writeHeader(testStream.headerBytes);

      // Paced like a live camera: the next fragment goes once the previous one is persisted. The cut comes right
      // after fragment #2 is written (before the proxy could forward it), so #2 is the first one not persisted.
      const frags = testStream.fragments;
      const waitPersisted = (timecode: number): Promise<void> =>
        new Promise((resolve) => {
          if (persisted.includes(timecode)) return resolve();
          const on = (e: { timecode: number }): void => {
            if (e.timecode === timecode) {
              session.off('fragment-persisted', on);
              resolve();
            }
          };
          session.on('fragment-persisted', on);
        });
      for (let i = 0; i < frags.length; i++) {
        await session.writeFragment(frags[i].bytes, frags[i].timecode);
        if (i === 2) {
          expect(proxy.cut()).toBeGreaterThan(0);
        }
        await waitPersisted(frags[i].timecode);
      }
      await session.end();
      client.destroy();

      expect(connected).toEqual([frags[0].timecode, frags[2].timecode]);
      expect(session.stats().totals.reconnects).toBe(1);
      expect(persisted).toEqual(frags.map((f) => f.timecode));

      const listed = await listFragments(emulator.url, streamName);
      const producerMs = listed.map((f) => f.ProducerTimestamp?.getTime());
      expect(producerMs).toEqual(frags.map((f) => f.timecode));
      const back = await readAll(emulator.url, streamName, frags.length);
      expect(back.map((f) => f.tags.producerTimestampMs)).toEqual(frags.map((f) => f.timecode));
    } finally {
      await proxy.close();
    }
  });

  it('drops a fragment the service refuses (INVALID_MKV_DATA), reconnects and delivers the rest', async () => {
    const streamName = await createStream(emulator.url);
    const client = new PutMediaClient({ endpoint: emulator.url, region, credentials, sessionDefaults: { reconnectBaseDelayMs: 50 } });
    const session = client.createSession({ streamName });
    const persisted = persistedTimecodes(session);
    const failed: { timecode: number; code: string }[] = [];
    session.on('fragment-failed', (e) => failed.push({ timecode: e.timecode, code: e.code }));
    const ackErrors: string[] = [];
    session.on('ack-error', (e) => ackErrors.push(`${e.errorId} ${e.errorCode}`));
    await session.open();
    session.writeHeader(testStream.headerBytes);
    const frags = testStream.fragments;
    const garbageTimecode = frags[1].timecode + 1;
    for (const [i, f] of frags.entries()) {
      await session.writeFragment(f.bytes, f.timecode);
      if (i === 1) await session.writeFragment(new Uint8Array([0x1f, 0x43, 0xb6, 0x75, 0x00, 0xde, 0xad, 0xbe, 0xef]), garbageTimecode);
    }
    await session.end();
    client.destroy();

    // One ERROR when the service names the bad fragment; two when the first names none (the emulator can fail a
    // whole read, good fragments included) and the session isolates it by sending one fragment at a time.
    expect(ackErrors.length === 1 || ackErrors.length === 2).toBe(true);
    expect(new Set(ackErrors)).toEqual(new Set(['4006 INVALID_MKV_DATA']));
    expect(failed).toEqual([{ timecode: garbageTimecode, code: 'INVALID_MKV_DATA' }]);
    expect(persisted).toEqual(frags.map((f) => f.timecode));
    const listed = await listFragments(emulator.url, streamName);
    expect(listed.map((f) => f.ProducerTimestamp?.getTime())).toEqual(frags.map((f) => f.timecode));
  });

  it('keeps to one connection per stream: a second session is refused with ConnectionLimitExceededException and retries until the first ends', async () => {
    const streamName = await createStream(emulator.url);
    const first = new PutMediaClient({ endpoint: emulator.url, region, credentials });
    const second = new PutMediaClient({ endpoint: emulator.url, region, credentials, sessionDefaults: { reconnectBaseDelayMs: 20, reconnectMaxDelayMs: 100 } });
    const a = first.createSession({ streamName });
    const b = second.createSession({ streamName });
    const reasons: string[] = [];
    b.on('reconnect', (e) => reasons.push(e.reason));
    const bPersisted = persistedTimecodes(b);
    await a.open();
    await b.open();
    const frags = testStream.fragments;
    a.writeHeader(testStream.headerBytes);
    b.writeHeader(testStream.headerBytes);
    await a.writeFragment(frags[0].bytes, frags[0].timecode);
    await new Promise((resolve) => a.once('fragment-persisted', resolve));
    await b.writeFragment(frags[1].bytes, frags[1].timecode);
    while (reasons.length < 2) await new Promise((resolve) => b.once('reconnect', resolve));
    expect(reasons.every((r) => r === 'ConnectionLimitExceededException')).toBe(true);
    await a.end();
    await b.end();
    first.destroy();
    second.destroy();
    expect(bPersisted).toEqual([frags[1].timecode]);
  });

  it('fails open() for a stream that does not exist (GetDataEndpoint: ResourceNotFoundException)', async () => {
    const client = new PutMediaClient({ endpoint: emulator.url, region, credentials });
    const session = client.createSession({ streamName: `missing-${process.pid}` });
    await expect(session.open()).rejects.toMatchObject({ code: 'ENDPOINT_ERROR', retriable: false });
    expect(session.state).toBe('failed');
    client.destroy();
  });

  it('GetMedia NOW tails the stream live: each fragment arrives while the producer is still sending', async () => {
    const streamName = await createStream(emulator.url);
    const reader = new GetMediaReader({ endpoint: emulator.url, region, credentials });
    const client = new PutMediaClient({ endpoint: emulator.url, region, credentials });
    const session = client.createSession({ streamName });
    await session.open();
    session.writeHeader(testStream.headerBytes);
    const frags = testStream.fragments.slice(0, 3);
    await session.writeFragment(frags[0].bytes, frags[0].timecode); // the stream must hold a fragment for NOW
    await new Promise((resolve) => session.once('fragment-persisted', resolve));

    let writtenCount = 1;
    const got: { timecode: number; writtenCount: number }[] = [];
    const last = frags[frags.length - 1].timecode;
    const consume = (async () => {
      for await (const f of reader.fragments({ streamName, startSelector: { StartSelectorType: 'NOW' } })) {
        got.push({ timecode: f.tags.producerTimestampMs ?? -1, writtenCount });
        if (f.tags.producerTimestampMs === last) break;
      }
    })();
    for (const f of frags.slice(1)) {
      await new Promise((resolve) => setTimeout(resolve, 300));
      writtenCount++;
      await session.writeFragment(f.bytes, f.timecode);
    }
    await consume;
    await session.end();
    client.destroy();
    reader.destroy();
    // Fragment #1 reached the reader before #2 was written: delivered live, not at the end of the payload.
    expect(got.slice(-2)).toEqual([
      { timecode: frags[1].timecode, writtenCount: 2 },
      { timecode: frags[2].timecode, writtenCount: 3 },
    ]);
  });
});
