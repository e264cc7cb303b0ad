/**
 * The PutMedia ingest without HTTP: the same acknowledgements whatever the chunking (down to one byte at a time),
 * BUFFERING before a Cluster is whole, the probe stepping over CRC-32 / Void / SeekHead, the stream-header rules,
 * and a fuzz run: mangled Matroska in random chunks never throws and ends with at most one ERROR.
 */
import { LiveClusterWriter, MkvId, encodeElement, encodeMaster, uintBytes, withSizeField, writeCluster, writeStreamHeader, type MkvStreamHeader } from '@tributary/media';
import { ManualClock } from '@tributary/runtime/testing';
import { noopLogger } from '../logger';
import { StorageEngine } from '../storage/storage-engine';
import { KvsRegistry } from './kvs-registry';
import type { KvsSettings } from './kvs-context';
import type { AckEvent } from './ack-events';
import { PutMediaIngest } from './put-media-ingest';
import { ClusterStartProbe } from './cluster-start-probe';

const SETTINGS: KvsSettings = {
  maxStreams: 100,
  putMediaConnectionsPerStream: 1,
  getMediaConnectionsPerStream: 3,
  maxFragmentDurationMs: 20_000,
  maxFragmentBytes: 1024 * 1024,
  maxConnectionDurationMs: 60_000,
  idleAckIntervalMs: 3000,
  idleTimeoutMs: 30_000,
  hostBufferMs: 300_000,
  getMediaIdleTimeoutMs: 1000,
  multipleSegments: 'accept',
  afterFragmentNumberInclusive: false,
  fragmentListTagNames: 'getmedia',
};

const HEADER: MkvStreamHeader = {
  timecodeScaleNs: 1_000_000,
  tracks: [{ number: 1, uid: 1n, type: 'video', codecId: 'V_MPEG4/ISO/AVC', codecPrivate: Uint8Array.of(1, 0x42, 0, 0x1e, 0xff, 0xe0, 0) }],
};
const cluster = (ms: number, frames = 5): Uint8Array =>
  writeCluster(
    { timestampMs: ms, frames: Array.from({ length: frames }, (_, i) => ({ track: 1, timestampMs: ms + i * 40, keyframe: i === 0, data: Buffer.alloc(300, i + ms / 1000) })) },
    1_000_000,
  );
const STREAM = Buffer.concat([writeStreamHeader(HEADER), cluster(1000), cluster(2000), cluster(3000)]);

let seed = 42;
const random = (): number => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x7fffffff;
};

function setup(settings: Partial<KvsSettings> = {}): { ingest: PutMediaIngest; acks: AckEvent[]; registry: KvsRegistry; fragments: () => number } {
  const clock = new ManualClock(Date.UTC(2030, 0, 1));
  const storage = new StorageEngine({});
  const registry = new KvsRegistry(storage, { clock, logger: noopLogger, createDelayMs: 0, deleteDelayMs: 0, updateDelayMs: 0, hostBufferMs: 300_000 });
  const stream = registry.add({ name: 's', arn: 'arn', region: 'us-east-1', accountId: '0', createdAt: clock.now(), kmsKeyId: 'k', retentionHours: 1, tags: {}, storageTier: 'HOT' });
  const acks: AckEvent[] = [];
  const ingest = new PutMediaIngest({
    stream,
    registry,
    settings: { ...SETTINGS, ...settings },
    clock,
    logger: noopLogger,
    timecodeType: 'ABSOLUTE',
    producerStartMs: 0,
    send: (a) => acks.push(a),
  });
  return { ingest, acks, registry, fragments: () => stream.log.length };
}

const summary = (acks: AckEvent[]): string[] => acks.map((a) => `${a.eventType}@${a.fragmentTimecode ?? '-'}${a.errorCode ? `:${a.errorCode}` : ''}`);

function feed(ingest: PutMediaIngest, bytes: Uint8Array, sizes: () => number): void {
  for (let at = 0; at < bytes.length; ) {
    const n = Math.max(1, sizes());
    ingest.push(bytes.subarray(at, at + n));
    at += n;
  }
  ingest.end();
}

describe('PutMediaIngest', () => {
  const expected = ['BUFFERING@1000', 'RECEIVED@1000', 'PERSISTED@1000', 'BUFFERING@2000', 'RECEIVED@2000', 'PERSISTED@2000', 'BUFFERING@3000', 'RECEIVED@3000', 'PERSISTED@3000'];

  it.each<[string, () => number]>([
    ['one chunk', () => STREAM.length],
    ['one byte at a time', () => 1],
    ['7-byte chunks', () => 7],
    ['random chunks', () => 1 + Math.floor(random() * 900)],
  ])('acknowledges the same way whatever the chunking: %s', (_name, sizes) => {
    const { ingest, acks, fragments } = setup();
    feed(ingest, STREAM, sizes);
    expect(summary(acks)).toEqual(expected);
    expect(fragments()).toBe(3);
    expect(acks[0].fragmentNumber).toBe(acks[2].fragmentNumber);
  });

  it('sends BUFFERING once a Cluster Timecode is in, long before the Cluster is whole', () => {
    const { ingest, acks } = setup();
    const head = writeStreamHeader(HEADER);
    ingest.push(head);
    const c = cluster(1000, 20);
    let pushedWhenBuffering = -1;
    for (let i = 0; i < c.length; i++) {
      ingest.push(c.subarray(i, i + 1));
      if (pushedWhenBuffering < 0 && acks.length > 0) pushedWhenBuffering = i + 1;
    }
    expect(pushedWhenBuffering).toBeGreaterThan(0);
    expect(pushedWhenBuffering).toBeLessThan(40);
    expect(summary(acks)).toEqual(['BUFFERING@1000', 'RECEIVED@1000', 'PERSISTED@1000']);
  });

  it('answers INVALID_MKV_DATA at once when the body does not open with an EBML header', () => {
    const { ingest, acks } = setup();
    ingest.push(Buffer.from('GET / HTTP/1.1\r\n'));
    ingest.push(STREAM);
    expect(summary(acks)).toEqual(['ERROR@-:INVALID_MKV_DATA']);
    expect(ingest.failed).toBe('INVALID_MKV_DATA');
  });

  it('accepts a second EBML header + Segment by default and refuses it under multipleSegments: reject', () => {
    const second = Buffer.concat([writeStreamHeader(HEADER), cluster(5000)]);
    const lenient = setup();
    feed(lenient.ingest, Buffer.concat([STREAM, second]), () => 1000);
    expect(summary(lenient.acks).slice(-3)).toEqual(['BUFFERING@5000', 'RECEIVED@5000', 'PERSISTED@5000']);
    const strict = setup({ multipleSegments: 'reject' });
    feed(strict.ingest, Buffer.concat([STREAM, second]), () => 1000);
    expect(summary(strict.acks).slice(-1)).toEqual(['ERROR@3000:INVALID_MKV_DATA']);
  });

  it('ends a truncated known-size Cluster with INVALID_MKV_DATA about that fragment', () => {
    const { ingest, acks } = setup();
    ingest.push(STREAM.subarray(0, STREAM.length - 50));
    ingest.end();
    expect(summary(acks).slice(-2)).toEqual(['BUFFERING@3000', 'ERROR@3000:INVALID_MKV_DATA']);
  });

  it('frames streamed into Clusters of unknown size (kvssink, the producer\'s frame streaming): BUFFERING on the first bytes, RECEIVED and PERSISTED once the next Cluster begins', () => {
    const { ingest, acks, fragments } = setup();
    ingest.push(writeStreamHeader(HEADER));
    const frame = (ms: number, i: number) => ({ track: 1, timestampMs: ms + i * 40, keyframe: i === 0, data: Buffer.alloc(300, i) });
    for (const ms of [1000, 2000]) {
      const w = new LiveClusterWriter(ms, 1_000_000);
      ingest.push(w.start());
      expect(summary(acks).slice(-1)).toEqual([`BUFFERING@${ms}`]);
      expect(fragments()).toBe(ms === 1000 ? 0 : 1); // the previous fragment completed with this Cluster's start
      for (let i = 0; i < 5; i++) ingest.push(w.block(frame(ms, i)));
      expect(summary(acks).slice(-1)).toEqual([`BUFFERING@${ms}`]); // nothing more while frames come
    }
    ingest.end();
    expect(summary(acks)).toEqual(['BUFFERING@1000', 'RECEIVED@1000', 'PERSISTED@1000', 'BUFFERING@2000', 'RECEIVED@2000', 'PERSISTED@2000']);
    expect(fragments()).toBe(2);
  });

  it('completes an unknown-size Cluster at the end of the body', () => {
    const { ingest, acks } = setup();
    ingest.push(writeStreamHeader(HEADER));
    ingest.push(withSizeField(cluster(1000), 'unknown'));
    expect(summary(acks)).toEqual(['BUFFERING@1000']);
    ingest.end();
    expect(summary(acks)).toEqual(['BUFFERING@1000', 'RECEIVED@1000', 'PERSISTED@1000']);
  });

  it('never throws on mangled input and ends with at most one ERROR, the last acknowledgement', () => {
    for (let run = 0; run < 300; run++) {
      const bytes = Buffer.from(STREAM);
      const edits = 1 + Math.floor(random() * 4);
      for (let e = 0; e < edits; e++) bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
      const cut = random() < 0.3 ? Math.floor(random() * bytes.length) : bytes.length;
      const { ingest, acks } = setup();
      expect(() => feed(ingest, bytes.subarray(0, cut), () => 1 + Math.floor(random() * 300))).not.toThrow();
      const errors = acks.filter((a) => a.eventType === 'ERROR');
      expect(errors.length).toBeLessThanOrEqual(1);
      if (errors.length === 1) expect(acks[acks.length - 1].eventType).toBe('ERROR');
      // Per fragment, RECEIVED never comes before BUFFERING.
      const buffering = new Set(acks.filter((a) => a.eventType === 'BUFFERING').map((a) => a.fragmentNumber));
      for (const a of acks.filter((x) => x.eventType === 'RECEIVED')) expect(buffering.has(a.fragmentNumber)).toBe(true);
    }
  });
});

describe('ClusterStartProbe', () => {
  const clusterWith = (children: Uint8Array[]): Uint8Array => encodeMaster(MkvId.Cluster, children, { unknownSize: true });

  it('reads the Timecode after a CRC-32 and a Void, across chunk boundaries', () => {
    const bytes = clusterWith([encodeElement(MkvId.CRC32, Uint8Array.of(1, 2, 3, 4)), encodeElement(MkvId.Void, new Uint8Array(3)), encodeElement(MkvId.Timecode, uintBytes(123456))]);
    const probe = new ClusterStartProbe();
    probe.elementEnded(0);
    const found = [];
    for (let i = 0; i < bytes.length; i++) {
      probe.feed(bytes.subarray(i, i + 1));
      const start = probe.probe();
      if (start) found.push({ ...start, at: i });
    }
    expect(found).toEqual([{ offset: 0, timecode: 123456, at: bytes.length - 1 }]);
  });

  it('steps over Void and SeekHead between top-level elements, and gives up on anything else', () => {
    const voidEl = encodeElement(MkvId.Void, new Uint8Array(100));
    const seekHead = encodeMaster(MkvId.SeekHead, [encodeElement(MkvId.Void, new Uint8Array(10))]);
    const c = clusterWith([encodeElement(MkvId.Timecode, uintBytes(7))]);
    const probe = new ClusterStartProbe();
    probe.feed(Buffer.concat([voidEl, seekHead, c]));
    probe.elementEnded(0);
    expect(probe.probe()).toEqual({ offset: voidEl.length + seekHead.length, timecode: 7 });
    const other = new ClusterStartProbe();
    other.feed(Buffer.concat([encodeMaster(MkvId.Tags, []), c]));
    other.elementEnded(0);
    expect(other.probe()).toBeUndefined();
  });

  it('finds a boundary that lies in the previous chunk', () => {
    const c = clusterWith([encodeElement(MkvId.Timecode, uintBytes(99))]);
    const probe = new ClusterStartProbe();
    probe.feed(Buffer.concat([Buffer.alloc(1000), c.subarray(0, 3)]));
    probe.feed(c.subarray(3));
    probe.elementEnded(1000);
    expect(probe.probe()).toEqual({ offset: 1000, timecode: 99 });
  });
});
