/**
 * Connection lifetime against the emulator, shrunk to fit a test: rotation before the limit (the old body is
 * ended, its last acks read, then a new connection opens), and the service's own ERROR 4003
 * MAX_CONNECTION_DURATION_REACHED when the producer does not rotate in time. Either way no fragment is lost or
 * stored twice.
 */
import { CreateStreamCommand, KinesisVideoClient } from '@aws-sdk/client-kinesis-video';
import { startEmulator, type RunningEmulator } from '@tributary/emulator';
import { PutMediaClient } from './putmedia-client';
import type { PutMediaSession } from './session/putmedia-session';
import { makeTempDir, makeTestStream, type TestStream } from '../testing/ffmpeg-fragments';
import { listAllFragments } from '../testing/kvs-stream-readback';

const region = 'us-east-1';
const credentials = { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' };
const CONNECTION_LIMIT_MS = 600;
let emulator: RunningEmulator;
let tmp: ReturnType<typeof makeTempDir>;
let testStream: TestStream;
let counter = 0;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, dynamodb: false, kvs: { maxConnectionDurationMs: CONNECTION_LIMIT_MS } });
  tmp = makeTempDir();
  testStream = makeTestStream(tmp.path('pattern.mkv'), { seconds: 8, originMs: Date.now() - 60_000 });
});

afterAll(async () => {
  await emulator?.close();
  tmp?.cleanup();
});

async function createStream(): Promise<string> {
  const name = `kvs-rotation-${process.pid}-${++counter}`;
  const kvs = new KinesisVideoClient({ endpoint: emulator.url, region, credentials });
  await kvs.send(new CreateStreamCommand({ StreamName: name, DataRetentionInHours: 24 }));
  kvs.destroy();
  return name;
}

async function listedProducerTimestamps(streamName: string): Promise<number[]> {
  const listed = await listAllFragments({ endpoint: emulator.url, region, credentials }, streamName);
  return listed.map((f) => f.ProducerTimestamp?.getTime() ?? -1).sort((a, b) => a - b);
}

/** Writes every fragment, 120 ms apart, like a (fast) live source. */
async function stream(session: PutMediaSession): Promise<void> {
  session.writeHeader(testStream.headerBytes);
  for (const f of testStream.fragments) {
    await session.writeFragment(f.bytes, f.timecode);
    await new Promise((resolve) => setTimeout(resolve, 120));
  }
  await session.end();
}

describe('PutMedia connection lifetime', () => {
  it('rotates before the limit: several connections, no ERROR, every fragment stored once', async () => {
    const streamName = await createStream();
    const client = new PutMediaClient({ endpoint: emulator.url, region, credentials });
    const session = client.createSession({ streamName, rotateAfterMs: 250 });
    const rotations: number[] = [];
    const ackErrors: number[] = [];
    session.on('rotation', (e) => rotations.push(e.connection));
    session.on('ack-error', (e) => ackErrors.push(e.errorId));
    await session.open();
    await stream(session);
    client.destroy();

    expect(rotations.length).toBeGreaterThanOrEqual(2);
    expect(ackErrors).toEqual([]);
    expect(session.stats().totals).toMatchObject({ reconnects: 0, fragmentsPersisted: testStream.fragments.length });
    expect(await listedProducerTimestamps(streamName)).toEqual(testStream.fragments.map((f) => f.timecode));
  });

  it('reconnects after the service ends the connection with ERROR 4003, resending what was not persisted', async () => {
    const streamName = await createStream();
    const client = new PutMediaClient({ endpoint: emulator.url, region, credentials, sessionDefaults: { reconnectBaseDelayMs: 20 } });
    const session = client.createSession({ streamName }); // default rotation (40 min): the service's limit comes first
    const ackErrors: string[] = [];
    session.on('ack-error', (e) => ackErrors.push(`${e.errorId} ${e.disposition}`));
    await session.open();
    await stream(session);
    client.destroy();

    expect(ackErrors.length).toBeGreaterThanOrEqual(1);
    expect(new Set(ackErrors)).toEqual(new Set(['4003 reconnect']));
    expect(session.stats().totals.fragmentsPersisted).toBe(testStream.fragments.length);
    expect(await listedProducerTimestamps(streamName)).toEqual(testStream.fragments.map((f) => f.timecode));
  });
});
