import { readElementHeader } from '../ebml/ebml-vint';
import { encodeElement, encodeMaster, uintBytes } from '../ebml/ebml-writer';
import { readKvsFragmentTags, writeKvsFragmentTags } from '../kvs/kvs-fragment-tags';
import {
  concatBytes,
  errorOf,
  makeTempDir,
  makeTestPattern,
  probePackets,
  randomChunks,
  type ProbePacket,
  type TempDir,
} from '../testing/media-fixtures';
import { encodeLacedBlock } from './matroska-block-codec';
import { MkvId } from './matroska-ids';
import { MatroskaStreamReader } from './matroska-stream-reader';
import type { MatroskaEvent, MkvFrame, MkvStreamHeader } from './matroska-types';
import { writeCluster, writeStreamHeader } from './matroska-writer';

function readAll(chunks: readonly Uint8Array[]): MatroskaEvent[] {
  const r = new MatroskaStreamReader();
  const out: MatroskaEvent[] = [];
  for (const c of chunks) out.push(...r.push(c));
  out.push(...r.end());
  return out;
}

const framesOf = (events: readonly MatroskaEvent[]): MkvFrame[] => events.flatMap((e) => (e.type === 'cluster' ? e.cluster.frames : []));

/** Frames as ffprobe reports packets: track (stream index + 1), pts, key flag, size. */
const asProbe = (frames: readonly MkvFrame[]): ProbePacket[] => frames.map((f) => ({ streamIndex: f.track - 1, ptsMs: Math.round(f.timestampMs), keyframe: f.keyframe, size: f.data.length }));

describe('MatroskaStreamReader on real ffmpeg output', () => {
  let tmp: TempDir;
  const files: Record<string, { bytes: Uint8Array; probe: ProbePacket[] }> = {};

  beforeAll(() => {
    tmp = makeTempDir();
    const make = (name: string, o: Parameters<typeof makeTestPattern>[1]): void => {
      const path = tmp.path(`${name}.mkv`);
      files[name] = { bytes: makeTestPattern(path, o), probe: probePackets(path) };
    };
    make('live', { live: true, seconds: 4, gop: 25 });
    make('file', { live: false, seconds: 4, gop: 25 });
    make('av', { live: true, seconds: 3, gop: 25, audio: true, noBFrames: true });
  });
  afterAll(() => tmp.cleanup());

  it.each(['live', 'file', 'av'])('%s: frames, timestamps and keyframes match ffprobe, for random chunkings', (name) => {
    const { bytes, probe } = files[name];
    expect(probe.length).toBeGreaterThan(90);
    const whole = readAll([bytes]);
    expect(asProbe(framesOf(whole))).toEqual(probe);
    for (const [maxChunk, seed] of [[7, 1], [500, 2], [4096, 3], [65536, 4]]) {
      expect(asProbe(framesOf(readAll(randomChunks(bytes, maxChunk, seed))))).toEqual(probe);
    }
  });

  it('live: one byte at a time gives the same events as one chunk', () => {
    const { bytes } = files.live;
    const single = readAll([bytes]);
    const bytewise = readAll(Array.from({ length: bytes.length }, (_, i) => bytes.subarray(i, i + 1)));
    expect(bytewise.map((e) => e.type)).toEqual(single.map((e) => e.type));
    expect(framesOf(bytewise).map((f) => Buffer.from(f.data).toString('base64'))).toEqual(framesOf(single).map((f) => Buffer.from(f.data).toString('base64')));
  });

  it('live: header, ffmpeg tags, one cluster per GOP opening on a keyframe, segment-end', () => {
    const events = readAll([files.live.bytes]);
    expect(events.map((e) => e.type)).toEqual(['header', 'tags', 'cluster', 'cluster', 'cluster', 'cluster', 'segment-end']);
    const header = events[0].type === 'header' ? events[0].header : undefined;
    expect(header).toMatchObject({ timecodeScaleNs: 1_000_000, docType: 'matroska', muxingApp: expect.stringMatching(/^Lavf/) });
    expect(header?.tracks).toEqual([expect.objectContaining({ number: 1, type: 'video', codecId: 'V_MPEG4/ISO/AVC', width: 320, height: 240, defaultDurationNs: 40_000_000 })]);
    expect(header?.tracks[0].codecPrivate?.[0]).toBe(1); // avcC configurationVersion
    for (const e of events) {
      if (e.type !== 'cluster') continue;
      expect(e.cluster.frames[0].keyframe).toBe(true);
      expect(e.cluster.timestampMs).toBe(e.cluster.frames[0].timestampMs);
    }
    const tags = events[1].type === 'tags' ? events[1].tags : [];
    expect(tags.map((t) => t.name)).toContain('ENCODER');
  });

  it('live: the bytes of the events are the stream, as received (header + tags + clusters)', () => {
    const { bytes } = files.live;
    const events = readAll(randomChunks(bytes, 3000, 9));
    const parts = events.flatMap((e) => (e.type === 'header' || e.type === 'tags' ? [e.bytes] : e.type === 'cluster' ? [e.cluster.bytes] : []));
    expect(Buffer.from(concatBytes(parts)).equals(Buffer.from(bytes))).toBe(true);
  });

  it('frames are views of the pushed chunk when a cluster sits in one (zero copy)', () => {
    const chunk = files.live.bytes.slice();
    const frames = framesOf(readAll([chunk]));
    expect(frames.every((f) => f.data.buffer === chunk.buffer)).toBe(true);
  });

  it('two EBML header + Segment pairs in one byte stream give two headers (GetMedia-style)', () => {
    const { bytes } = files.live;
    const events = readAll(randomChunks(concatBytes([bytes, bytes]), 10000, 5));
    expect(events.filter((e) => e.type === 'header')).toHaveLength(2);
    expect(events.filter((e) => e.type === 'segment-end')).toHaveLength(2);
    expect(framesOf(events)).toHaveLength(files.live.probe.length * 2);
  });

  it('a stream cut inside a cluster is TRUNCATED at end(); garbage is MALFORMED, not "need more"', () => {
    const { bytes } = files.live;
    const r = new MatroskaStreamReader();
    r.push(bytes.subarray(0, bytes.length - 10));
    expect(errorOf(() => r.end())?.code).toBe('TRUNCATED');

    const garbage = new Uint8Array(4096).map((_, i) => (i * 7919 + 13) % 251);
    expect(errorOf(() => new MatroskaStreamReader().push(garbage))?.code).toBe('MALFORMED_EBML');

    const header = readAll([bytes])[0];
    if (header.type !== 'header') throw new Error('no header');
    const afterHeader = new MatroskaStreamReader();
    afterHeader.push(header.bytes);
    expect(errorOf(() => afterHeader.push(Uint8Array.of(0x00, 0x01, 0x02, 0x03)))?.code).toBe('MALFORMED_EBML');
    expect(errorOf(() => afterHeader.push(Uint8Array.of(1)))?.code).toBe('MALFORMED_EBML'); // stays failed
  });
});

describe('MatroskaStreamReader on hand-built streams', () => {
  const header: MkvStreamHeader = {
    timecodeScaleNs: 1_000_000,
    tracks: [
      { number: 1, uid: 1n, type: 'video', codecId: 'V_MPEG4/ISO/AVC', width: 64, height: 48 },
      { number: 2, uid: 2n, type: 'audio', codecId: 'A_AAC', samplingFrequency: 48000, channels: 1, defaultDurationNs: 20_000_000 },
    ],
  };
  const frame = (track: number, ts: number, keyframe: boolean, n: number): MkvFrame => ({ track, timestampMs: ts, keyframe, data: new Uint8Array(n).fill(track * 16 + (ts % 16)) });

  it('PIC-style unknown-size clusters with KVS tags between them (GetMedia layout)', () => {
    const clusters = [0, 1000, 2000].map((t) => writeCluster({ timestampMs: 1_700_000_000_000 + t, frames: [frame(1, 1_700_000_000_000 + t, true, 30), frame(2, 1_700_000_000_000 + t + 5, true, 8), frame(1, 1_700_000_000_000 + t + 40, false, 10)] }, 1_000_000, { unknownSize: true }));
    const parts: Uint8Array[] = [writeStreamHeader(header)];
    clusters.forEach((c, i) => {
      parts.push(writeKvsFragmentTags({ fragmentNumber: `9134${i}`, serverTimestampMs: 1_700_000_000_500 + i, producerTimestampMs: 1_700_000_000_000 + i * 1000 }));
      parts.push(c);
      parts.push(writeKvsFragmentTags({ millisBehindNow: 100 - i, continuationToken: `9134${i}` }));
    });
    const events = readAll(randomChunks(concatBytes(parts), 50, 11));
    expect(events.map((e) => e.type)).toEqual(['header', ...Array(3).fill(['tags', 'cluster', 'tags']).flat(), 'segment-end']);
    const cl = events.filter((e) => e.type === 'cluster');
    expect(cl.map((e) => e.type === 'cluster' && e.cluster.unknownSize)).toEqual([true, true, true]);
    expect(cl.map((e) => (e.type === 'cluster' ? Buffer.from(e.cluster.bytes).equals(Buffer.from(clusters[cl.indexOf(e)])) : false))).toEqual([true, true, true]);
    expect(framesOf(events).map((f) => [f.track, f.timestampMs - 1_700_000_000_000, f.keyframe])).toEqual([
      [1, 0, true], [2, 5, true], [1, 40, false], [1, 1000, true], [2, 1005, true], [1, 1040, false], [1, 2000, true], [2, 2005, true], [1, 2040, false],
    ]);
    const tagEvents = events.filter((e) => e.type === 'tags').map((e) => (e.type === 'tags' ? readKvsFragmentTags(e.tags) : {}));
    expect(tagEvents[0]).toEqual({ fragmentNumber: '91340', serverTimestampMs: 1_700_000_000_500, producerTimestampMs: 1_700_000_000_000 });
    expect(tagEvents[1]).toEqual({ millisBehindNow: 100, continuationToken: '91340' });
  });

  it.each(['xiph', 'ebml', 'fixed'] as const)('%s lacing: frames split, later frames spaced by DefaultDuration', (lacing) => {
    const sizes = lacing === 'fixed' ? [40, 40, 40, 40] : [300, 12, 255, 700];
    const laced = sizes.map((n, i) => new Uint8Array(n).fill(i + 1));
    const block = encodeLacedBlock(2, 10, 0x80, laced, lacing);
    const cluster = encodeMaster(MkvId.Cluster, [encodeElement(MkvId.Timecode, uintBytes(1000)), encodeElement(MkvId.SimpleBlock, block)]);
    const frames = framesOf(readAll([writeStreamHeader(header), cluster]));
    expect(frames.map((f) => [f.track, f.timestampMs, f.keyframe, f.data.length, f.data[0]])).toEqual(sizes.map((n, i) => [2, 1010 + 20 * i, true, n, i + 1]));
  });

  it('BlockGroup: a Block with a ReferenceBlock is not a keyframe, one without is', () => {
    const group = (tc: number, ref: boolean): Uint8Array =>
      encodeMaster(MkvId.BlockGroup, [encodeElement(MkvId.Block, Uint8Array.of(0x81, 0, tc, 0, 0xee)), ...(ref ? [encodeElement(MkvId.ReferenceBlock, Uint8Array.of(0xd8))] : [])]);
    const cluster = encodeMaster(MkvId.Cluster, [encodeElement(MkvId.Timecode, uintBytes(0)), group(0, false), group(40, true)]);
    expect(framesOf(readAll([writeStreamHeader(header), cluster])).map((f) => [f.timestampMs, f.keyframe])).toEqual([[0, true], [40, false]]);
  });

  it('bounds what it holds while waiting for Tracks (maxElementBytes), instead of growing without limit', () => {
    const full = writeStreamHeader(header);
    const ebml = readElementHeader(full, 0);
    if (ebml === undefined) throw new Error('no EBML header');
    const r = new MatroskaStreamReader({ maxElementBytes: 10_000 });
    r.push(full.subarray(0, ebml.headerLength + ebml.size + 12));
    const voids = encodeElement(MkvId.Void, new Uint8Array(1000));
    expect(errorOf(() => {
      for (let i = 0; i < 20; i++) r.push(voids);
    })?.code).toBe('UNSUPPORTED_MKV');
  });

  it('rejects a Cluster before Tracks and a block before the Cluster Timecode (MALFORMED_MKV)', () => {
    const full = writeStreamHeader(header);
    const ebml = readElementHeader(full, 0);
    if (ebml === undefined) throw new Error('no EBML header');
    const ebmlAndSegment = full.subarray(0, ebml.headerLength + ebml.size + 12); // EBML header + Segment head (4 + 8 octets)
    const cluster = writeCluster({ timestampMs: 0, frames: [frame(1, 0, true, 4)] }, 1_000_000);
    expect(errorOf(() => readAll([ebmlAndSegment, cluster]))?.code).toBe('MALFORMED_MKV');
    const noTimecode = encodeMaster(MkvId.Cluster, [encodeElement(MkvId.SimpleBlock, Uint8Array.of(0x81, 0, 0, 0x80, 1))]);
    expect(errorOf(() => readAll([writeStreamHeader(header), noTimecode]))?.code).toBe('MALFORMED_MKV');
  });
});
