/**
 * A slow GetMedia reader (issue 5): ~10 MB of stored fragments read from EARLIEST through the official media client,
 * its payload piped into a slow Writable (~1.25 MB/s). The emulator must write the answer with backpressure: what
 * Node holds in the server's response socket above the kernel (writableLength) stays around one fragment document
 * instead of the whole answer, while the reader still gets every fragment, complete and in order. Meanwhile the
 * emulator keeps serving other clients promptly: ListFragments on the stream being read, and a PutMedia to another
 * stream acknowledged PERSISTED.
 */
import * as diagnostics from 'node:diagnostics_channel';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { Writable, type Readable } from 'node:stream';
import type { KinesisVideoClient } from '@aws-sdk/client-kinesis-video';
import { GetMediaCommand, type KinesisVideoMediaClient } from '@aws-sdk/client-kinesis-video-media';
import { ListFragmentsCommand, type KinesisVideoArchivedMediaClient } from '@aws-sdk/client-kinesis-video-archived-media';
import { writeCluster, writeStreamHeader, type MkvStreamHeader } from '@tributary/media';
import { startEmulator, type RunningEmulator } from '../emulator';
import { uniqueStreamName } from '../testing/kds-test-clients';
import { createActiveVideoStream, createArchivedMediaClient, createKinesisVideoClient, createMediaClient } from '../testing/kvs-test-clients';
import { readMediaChunks, sendPutMedia } from '../testing/kvs-media-fixtures';

const HEADER: MkvStreamHeader = {
  timecodeScaleNs: 1_000_000,
  tracks: [{ number: 1, uid: 1n, type: 'video', codecId: 'V_MPEG4/ISO/AVC', codecPrivate: Uint8Array.of(1, 0x42, 0, 0x1e, 0xff, 0xe0, 0) }],
};
const FRAGMENTS = 32;
const FRAMES = 3;
const FRAME_BYTES = 110_000;
// Loopback TCP lets the kernel absorb a few MB (send + receive buffers) whatever the reader does, so the answer
// must be well beyond that for an emulator that ignores backpressure to show it in the process.
const READER_BYTES_PER_SECOND = 1.25 * 1024 * 1024;

/** Marks each frame with its own byte value, so that order and completeness can be checked on the way out. */
const mark = (fragment: number, frame: number): number => (fragment * FRAMES + frame) % 251;
const cluster = (fragment: number): Uint8Array =>
  writeCluster(
    {
      timestampMs: fragment * 1000,
      frames: Array.from({ length: FRAMES }, (_, i) => ({ track: 1, timestampMs: fragment * 1000 + i * 40, keyframe: i === 0, data: Buffer.alloc(FRAME_BYTES, mark(fragment, i)) })),
    },
    1_000_000,
  );

/** A Writable that takes each chunk after `chunk.length / bytesPerSecond` (so pipe() pauses the payload). */
function slowWritable(bytesPerSecond: number, into: Buffer[]): Writable {
  return new Writable({
    highWaterMark: 16 * 1024,
    write(chunk: Buffer, _enc, callback) {
      into.push(chunk);
      setTimeout(callback, (chunk.length / bytesPerSecond) * 1000);
    },
  });
}

async function* replay(chunks: Buffer[]): AsyncIterable<Uint8Array> {
  yield* chunks;
}

describe('GetMedia to a slow reader (backpressure)', () => {
  let emu: RunningEmulator;
  let client: KinesisVideoClient;
  let media: KinesisVideoMediaClient;
  let archived: KinesisVideoArchivedMediaClient;
  const name = uniqueStreamName('get-media-slow');
  let numbers: string[] = [];
  let storedBytes = 0;

  beforeAll(async () => {
    emu = await startEmulator({ port: 0, dynamodb: false, kvs: { getMediaIdleTimeoutMs: 300 } });
    client = createKinesisVideoClient(emu.url);
    await createActiveVideoStream(client, name);
    media = await createMediaClient(client, name);
    archived = await createArchivedMediaClient(client, name);
    const clusters = Array.from({ length: FRAGMENTS }, (_, k) => cluster(k));
    storedBytes = clusters.reduce((n, c) => n + c.length, 0);
    const out = await sendPutMedia(emu.url, {
      streamName: name,
      startTimestamp: ((Date.now() - 3_600_000) / 1000).toFixed(3),
      body: [writeStreamHeader(HEADER), ...clusters],
      chunkBytes: 64 * 1024,
    });
    numbers = out.acks.filter((a) => a.EventType === 'PERSISTED').map((a) => a.FragmentNumber ?? '');
    expect(numbers).toHaveLength(FRAGMENTS);
  });

  afterAll(async () => {
    media?.destroy();
    archived?.destroy();
    client?.destroy();
    await emu?.close();
  });

  it('writes the answer at the reader pace, holding about one fragment, complete and in order, and keeps serving others', async () => {
    expect(storedBytes).toBeGreaterThan(10_000_000);

    // The server side of the GetMedia exchange: its socket tells what Node buffers above the kernel.
    let serverSocket: Socket | undefined;
    const onRequest = (message: unknown): void => {
      const { request, socket } = message as { request: IncomingMessage; socket: Socket };
      if (request.url?.startsWith('/getMedia')) serverSocket = socket;
    };
    diagnostics.subscribe('http.server.request.start', onRequest);

    const received: Buffer[] = [];
    let maxServerBuffered = 0;
    const samples: { atMs: number; received: number }[] = [];
    const countReceived = (): number => received.reduce((n, b) => n + b.length, 0);
    const started = Date.now();
    const sampler = setInterval(() => {
      maxServerBuffered = Math.max(maxServerBuffered, serverSocket?.writableLength ?? 0);
      samples.push({ atMs: Date.now() - started, received: countReceived() });
    }, 5);

    let listMs = -1;
    let putMs = -1;
    try {
      const out = await media.send(new GetMediaCommand({ StreamName: name, StartSelector: { StartSelectorType: 'EARLIEST' } }));
      const payload = out.Payload as Readable;
      const reading = new Promise<void>((resolve, reject) => {
        const sink = slowWritable(READER_BYTES_PER_SECOND, received);
        payload.on('error', reject);
        sink.on('error', reject).on('finish', resolve);
        payload.pipe(sink);
      });

      // While the slow reader holds the answer back, other clients are answered promptly.
      await new Promise((r) => setTimeout(r, 1500));
      expect(serverSocket).toBeDefined();
      let t = Date.now();
      const page = await archived.send(
        new ListFragmentsCommand({
          StreamName: name,
          FragmentSelector: { FragmentSelectorType: 'PRODUCER_TIMESTAMP', TimestampRange: { StartTimestamp: new Date(0), EndTimestamp: new Date(Date.now() + 3_600_000) } },
        }),
      );
      listMs = Date.now() - t;
      expect(page.Fragments).toHaveLength(FRAGMENTS);

      const other = uniqueStreamName('get-media-slow-other');
      await createActiveVideoStream(client, other);
      t = Date.now();
      const put = await sendPutMedia(emu.url, { streamName: other, timecodeType: 'ABSOLUTE', body: [writeStreamHeader(HEADER), cluster(1), cluster(2)] });
      putMs = Date.now() - t;
      expect(put.acks.filter((a) => a.EventType === 'PERSISTED')).toHaveLength(2);
      const receivedMeanwhile = countReceived();

      await reading;
      const readMs = Date.now() - started;
      const total = countReceived();
      const stats = { storedBytes, total, receivedMeanwhile, maxServerBuffered, readMs, listMs, putMs };

      // The other clients were not stuck behind the slow reader, which was still being served.
      expect({ ...stats, prompt: listMs < 3000 && putMs < 3000 }).toEqual({ ...stats, prompt: true });
      expect(receivedMeanwhile).toBeLessThan(storedBytes);
      // The emulator held about one fragment document (~330 KB) in the socket, not the ~10 MB answer.
      expect({ ...stats, bounded: maxServerBuffered < 1024 * 1024 }).toEqual({ ...stats, bounded: true });
      // Data kept coming at the reader's pace: it took the time the slow reader needs, with no long stall.
      expect(readMs).toBeGreaterThan((storedBytes / READER_BYTES_PER_SECOND) * 1000 * 0.8);
      let longestStall = 0;
      let lastChangeAt = 0;
      for (let i = 1; i < samples.length; i++) {
        if (samples[i].received === samples[i - 1].received) continue;
        longestStall = Math.max(longestStall, samples[i].atMs - lastChangeAt);
        lastChangeAt = samples[i].atMs;
      }
      expect(longestStall).toBeLessThan(3000); // generous for a loaded 2-core CI machine; without backpressure the read never stalls but the server buffer check fails

      // Everything arrived, complete and in order: one document per fragment, every frame with its own bytes.
      const chunks = await readMediaChunks(replay(received));
      expect(chunks.map((c) => c.tags.fragmentNumber)).toEqual(numbers);
      expect(chunks.map((c) => c.tags.continuationToken)).toEqual(numbers);
      for (const [k, c] of chunks.entries()) {
        expect(c.clusters).toHaveLength(1);
        const frames = c.clusters[0].frames;
        expect(frames.map((f) => f.data.length)).toEqual(Array(FRAMES).fill(FRAME_BYTES));
        expect(frames.map((f) => f.data.every((b) => b === f.data[0]) && f.data[0])).toEqual(Array.from({ length: FRAMES }, (_, i) => mark(k, i)));
      }
      expect(total).toBeGreaterThan(storedBytes);
    } finally {
      clearInterval(sampler);
      diagnostics.unsubscribe('http.server.request.start', onRequest);
    }
  }, 30_000);
});
