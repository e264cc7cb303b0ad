/**
 * Slow consumer and backpressure in the PutMedia pipeline (issue 5), with real sockets: PutMediaSession → a TCP
 * proxy that drains client→server bytes through a slow Writable (640 KB/s) → the emulator. The producer writes
 * ~7 MB of fragments (more than loopback kernel buffers absorb) as fast as writeFragment() lets it.
 * writeFragment() must wait for the socket (backpressure events fire; the writer cannot run ahead of the link by
 * more than socket buffers), what Node buffers in the producer's socket stays at about one fragment, the session
 * queues almost nothing, and every fragment still reaches PERSISTED, in order, each listed exactly once.
 */
import { CreateStreamCommand, KinesisVideoClient } from '@aws-sdk/client-kinesis-video';
import type { Fragment } from '@aws-sdk/client-kinesis-video-archived-media';
import * as diagnostics from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import { startEmulator, type RunningEmulator } from '@tributary/emulator';
import { writeFragment } from '@tributary/media';
import { PutMediaClient } from './putmedia-client';
import { makeTempDir, makeTestStream, type TestStream } from '../testing/ffmpeg-fragments';
import { listAllFragments } from '../testing/kvs-stream-readback';
import { startThrottledTcpProxy, type ThrottledTcpProxy } from '../testing/throttled-tcp-proxy';

const region = 'us-east-1';
const credentials = { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' };
// Loopback TCP lets the kernel absorb a few MB (socket send + receive buffers) before the producer's socket
// reports full, so the producer must send well beyond that for backpressure to be visible in the process.
const BYTES_PER_SECOND = 640 * 1024;
const TOTAL_BYTES_TARGET = 7 * 1024 * 1024;

let emulator: RunningEmulator;
let proxy: ThrottledTcpProxy;
let tmp: ReturnType<typeof makeTempDir>;
let source: TestStream;

interface Payload {
  timecode: number;
  bytes: Uint8Array;
}

/** The ffmpeg fragments repeated, retimed one source-length later each round, until about `targetBytes`. */
function repeatedFragments(stream: TestStream, targetBytes: number): Payload[] {
  const scale = stream.header.timecodeScaleNs;
  const first = stream.fragments[0].frames[0].timestampMs;
  const last = stream.fragments[stream.fragments.length - 1];
  const periodMs = last.frames[last.frames.length - 1].timestampMs - first + 40;
  const out: Payload[] = [];
  let total = 0;
  for (let round = 0; total < targetBytes; round++) {
    const shift = round * periodMs;
    for (const f of stream.fragments) {
      const frames = f.frames.map((fr) => ({ ...fr, timestampMs: fr.timestampMs + shift }));
      const bytes = writeFragment({ timestampMs: frames[0].timestampMs, durationMs: 1000, frames, keyframe: true }, scale);
      out.push({ timecode: f.timecode + shift, bytes });
      total += bytes.length;
    }
  }
  return out;
}

function listAll(streamName: string): Promise<Fragment[]> {
  return listAllFragments({ endpoint: emulator.url, region, credentials }, streamName);
}

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, dynamodb: false });
  proxy = await startThrottledTcpProxy(Number(new URL(emulator.url).port), BYTES_PER_SECOND);
  tmp = makeTempDir();
  source = makeTestStream(tmp.path('pattern.mkv'), { seconds: 4, originMs: Date.now() - 3_600_000 });
});

afterAll(async () => {
  await proxy?.close();
  await emulator?.close();
  tmp?.cleanup();
});

describe('PutMedia through a slow uplink (backpressure)', () => {
  it('makes writeFragment wait for the socket, bounds what is buffered, and loses or duplicates nothing', async () => {
    const payloads = repeatedFragments(source, TOTAL_BYTES_TARGET);
    const totalBytes = payloads.reduce((n, p) => n + p.bytes.length, 0);

    const streamName = `kvs-backpressure-${process.pid}-${Date.now().toString(36)}`;
    const control = new KinesisVideoClient({ endpoint: emulator.url, region, credentials });
    await control.send(new CreateStreamCommand({ StreamName: streamName, DataRetentionInHours: 24, MediaType: 'video/h264' }));
    control.destroy();

    // Everything, the data plane included, goes through the throttled proxy (GetDataEndpoint answers its origin).
    const client = new PutMediaClient({ endpoint: proxy.url, region, credentials });
    const session = client.createSession({ streamName });
    const backpressure: boolean[] = [];
    const persisted: number[] = [];
    session.on('backpressure', (e) => backpressure.push(e.waiting));
    session.on('fragment-persisted', (e) => persisted.push(e.timecode));
    await session.open();
    session.writeHeader(source.headerBytes);

    // The producer's own sockets, to read what Node buffers in the process above the kernel (writableLength).
    const sockets: Socket[] = [];
    const onSocket = (message: unknown): void => void sockets.push((message as { socket: Socket }).socket);
    diagnostics.subscribe('net.client.socket', onSocket);
    const buffered = (): number => sockets.reduce((n, s) => n + s.writableLength, 0);

    const forwardedAtStart = proxy.bytesForwarded;
    let accepted = 0;
    let maxAhead = 0;
    let maxQueued = 0;
    let maxBuffered = 0;
    // Sampled after every write and on a timer until the end (a writer that never yields would not be seen).
    const sampler = setInterval(() => (maxBuffered = Math.max(maxBuffered, buffered())), 5);
    let writerMs = 0;
    let forwardedWhenWriterDone = 0;
    try {
      const started = Date.now();
      for (const p of payloads) {
        await session.writeFragment(p.bytes, p.timecode);
        accepted += p.bytes.length;
        // Bytes the producer was let go of that the slow link has not passed on yet: they can only be in socket
        // buffers (the producer's in Node, the kernel's, the proxy's throttle).
        maxAhead = Math.max(maxAhead, accepted - (proxy.bytesForwarded - forwardedAtStart));
        maxQueued = Math.max(maxQueued, session.stats().queued);
        maxBuffered = Math.max(maxBuffered, buffered());
      }
      writerMs = Date.now() - started;
      forwardedWhenWriterDone = proxy.bytesForwarded - forwardedAtStart;
      await session.end();
    } finally {
      clearInterval(sampler);
      diagnostics.unsubscribe('net.client.socket', onSocket);
      client.destroy();
    }

    const stats = { totalBytes, fragments: payloads.length, maxAhead, maxQueued, maxBuffered, writerMs, forwardedWhenWriterDone, waits: backpressure.length / 2 };
    expect(totalBytes).toBeGreaterThan(6 * 1024 * 1024);
    // What Node holds in the producer's sockets (above the kernel) stayed at about one fragment plus the
    // high-water mark, while MB went through: without backpressure it grows to what the kernel did not take.
    expect({ ...stats, maxBuffered: maxBuffered < 256 * 1024 }).toEqual({ ...stats, maxBuffered: true });
    // The writer was held back by the link: it could not finish before the slow link had passed on well over
    // a MB (it only gets ahead by what the loopback kernel buffers absorb, ~4 MB), i.e. it ran for seconds.
    expect({ ...stats, forwardedWhenWriterDone: forwardedWhenWriterDone > 1024 * 1024 }).toEqual({ ...stats, forwardedWhenWriterDone: true });
    expect(maxAhead).toBeLessThan(totalBytes - 1024 * 1024);
    // The session did not pile fragments up waiting to be sent either.
    expect(maxQueued).toBeLessThanOrEqual(4);
    // Each fragment is bigger than the socket's high-water mark: writeFragment() was made to wait for 'drain'
    // again and again (the 'backpressure' events say so), and every wait ended.
    expect(backpressure.filter((w) => w).length).toBeGreaterThanOrEqual(payloads.length / 2);
    expect(backpressure.filter((w) => !w).length).toBe(backpressure.filter((w) => w).length);

    // Every fragment PERSISTED, in order, once; ListFragments lists each one exactly once.
    const timecodes = payloads.map((p) => p.timecode);
    expect(persisted).toEqual(timecodes);
    expect(session.stats().totals).toMatchObject({ fragmentsPersisted: payloads.length, fragmentsFailed: 0, fragmentsResent: 0, reconnects: 0 });
    const listed = await listAll(streamName);
    const listedTimes = listed.map((f) => f.ProducerTimestamp?.getTime() ?? -1).sort((a, b) => a - b);
    expect(listedTimes).toEqual(timecodes);
    expect(new Set(listed.map((f) => f.FragmentNumber)).size).toBe(payloads.length);
  }, 30_000);
});
