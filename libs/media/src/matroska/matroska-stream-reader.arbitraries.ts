/**
 * Fuzz inputs for MatroskaStreamReader and parseMatroskaFragment (issue 12), shared by the property specs and the
 * soak bench (through @tributary/media/testing). A valid stream is written by matroska-writer.ts from generated
 * values (stream header with 1-2 tracks, clusters of known or unknown size, several EBML+Segment pairs as GetMedia
 * sends them); inputs are such streams as written (round trip), mutated, or EBML trees and random bytes.
 */
import fc from 'fast-check';
import { chunkCuts, hex, mutatedBytes, splitAt, type FuzzTarget } from '@tributary/runtime/testing';
import { encodeTree, ebmlTreeArbitrary } from '../ebml/ebml-stream-decoder.arbitraries';
import { MediaError } from '../media-error';
import { parseMatroskaFragment } from '../mp4/matroska-fragment';
import { MatroskaStreamReader } from './matroska-stream-reader';
import type { MatroskaEvent, MkvFrame, MkvStreamHeader, MkvTrack } from './matroska-types';
import { writeCluster, writeStreamHeader } from './matroska-writer';

export interface MkvSegmentValue {
  header: MkvStreamHeader;
  clusters: Array<{ timestampMs: number; frames: MkvFrame[]; unknownSize: boolean }>;
}

const trackArbitrary = (number: number): fc.Arbitrary<MkvTrack> =>
  fc.oneof(
    fc.record({
      number: fc.constant(number),
      uid: fc.bigInt({ min: 1n, max: (1n << 64n) - 1n }),
      type: fc.constant('video' as const),
      codecId: fc.constantFrom('V_MPEG4/ISO/AVC', 'V_MPEGH/ISO/HEVC'),
      codecPrivate: fc.uint8Array({ maxLength: 32 }),
      width: fc.integer({ min: 1, max: 4096 }),
      height: fc.integer({ min: 1, max: 4096 }),
    }),
    fc.record({
      number: fc.constant(number),
      uid: fc.bigInt({ min: 1n, max: (1n << 64n) - 1n }),
      type: fc.constant('audio' as const),
      codecId: fc.constant('A_AAC'),
      codecPrivate: fc.uint8Array({ minLength: 2, maxLength: 5 }),
      samplingFrequency: fc.constantFrom(8000, 44100, 48000),
      channels: fc.integer({ min: 1, max: 8 }),
    }),
  );

const headerArbitrary: fc.Arbitrary<MkvStreamHeader> = fc
  .integer({ min: 1, max: 2 })
  .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => trackArbitrary(i + 1))))
  .map((tracks) => ({ timecodeScaleNs: 1_000_000, tracks }));

/** Frame times at whole ms (TimecodeScale 1 ms), within int16 ticks of the cluster's timecode. */
const clusterArbitrary = (trackCount: number) =>
  fc.record({
    timestampMs: fc.integer({ min: 0, max: 2 ** 40 }),
    frames: fc.array(
      fc.record({
        track: fc.integer({ min: 1, max: trackCount }),
        offsetMs: fc.integer({ min: 0, max: 32_000 }),
        keyframe: fc.boolean(),
        data: fc.uint8Array({ maxLength: 48 }),
      }),
      { maxLength: 6 },
    ),
    unknownSize: fc.boolean(),
  });

export const mkvSegmentArbitrary: fc.Arbitrary<MkvSegmentValue> = headerArbitrary.chain((header) =>
  fc.array(clusterArbitrary(header.tracks.length), { minLength: 1, maxLength: 3 }).map((clusters) => ({
    header,
    clusters: clusters.map((c) => ({
      timestampMs: c.timestampMs,
      unknownSize: c.unknownSize,
      frames: c.frames.map((f) => ({ track: f.track, timestampMs: c.timestampMs + f.offsetMs, keyframe: f.keyframe, data: f.data })),
    })),
  })),
);

export function encodeSegment(s: MkvSegmentValue): Uint8Array {
  const parts = [writeStreamHeader(s.header), ...s.clusters.map((c) => writeCluster(c, s.header.timecodeScaleNs, { unknownSize: c.unknownSize }))];
  return Buffer.concat(parts);
}

/** One or more EBML + Segment pairs back to back, as GetMedia sends fragments. */
export const mkvStreamArbitrary: fc.Arbitrary<MkvSegmentValue[]> = fc.array(mkvSegmentArbitrary, { minLength: 1, maxLength: 2 });
export const encodeStream = (segments: readonly MkvSegmentValue[]): Uint8Array => Buffer.concat(segments.map(encodeSegment));

/** What a reader's events say, comparable across chunkings (frames as hex; offsets included). */
export function describeEvents(events: readonly MatroskaEvent[]): string[] {
  return events.map((e) => {
    if (e.type === 'header') return `header @${e.offset} ${JSON.stringify(describeHeader(e.header))} ${hex(e.bytes)}`;
    if (e.type === 'cluster') return `cluster @${e.cluster.offset} ${JSON.stringify(describeFrames(e.cluster.timestampMs, e.cluster.frames))} unknown=${e.cluster.unknownSize}`;
    if (e.type === 'tags') return `tags @${e.offset} ${JSON.stringify(e.tags, (_k, v: unknown) => (v instanceof Uint8Array ? hex(v) : v))}`;
    return `segment-end @${e.offset}`;
  });
}

const describeHeader = (h: MkvStreamHeader): unknown => ({
  scale: h.timecodeScaleNs,
  tracks: h.tracks.map((t) => [t.number, t.uid.toString(), t.type, t.codecId, t.codecPrivate ? hex(t.codecPrivate) : null, t.width ?? null, t.height ?? null]),
});
const describeFrames = (timestampMs: number, frames: readonly MkvFrame[]): unknown => [timestampMs, frames.map((f) => [f.track, f.timestampMs, f.keyframe, hex(f.data)])];

export function readEvents(chunks: readonly Uint8Array[]): { lines: string[]; error?: MediaError } {
  const reader = new MatroskaStreamReader({ maxElementBytes: 1 << 20 });
  const events: MatroskaEvent[] = [];
  try {
    for (const c of chunks) events.push(...reader.push(c));
    events.push(...reader.end());
  } catch (err) {
    if (err instanceof MediaError) return { lines: describeEvents(events), error: err };
    throw err;
  }
  return { lines: describeEvents(events) };
}

export interface MkvReadInput {
  bytes: Uint8Array;
  cuts: number[];
}

export const mkvReadInputArbitrary: fc.Arbitrary<MkvReadInput> = fc.record({
  bytes: fc.oneof(
    { weight: 2, arbitrary: mkvStreamArbitrary.map(encodeStream) },
    { weight: 6, arbitrary: mutatedBytes(mkvStreamArbitrary.map(encodeStream)) },
    { weight: 1, arbitrary: mutatedBytes(ebmlTreeArbitrary.map(encodeTree)) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 512 }) },
  ),
  cuts: chunkCuts,
});

/** Events or a MediaError; the same in one chunk and in any chunking. */
export const matroskaStreamReaderFuzzTarget: FuzzTarget<MkvReadInput> = {
  name: 'matroska-stream-reader',
  arbitrary: mkvReadInputArbitrary,
  run({ bytes, cuts }) {
    const whole = readEvents([bytes]);
    const chunked = readEvents(splitAt(bytes, cuts));
    // push() throws instead of returning the events its chunk completed before the bad bytes (the reader's
    // contract), so with an error the two runs may have delivered different numbers of events: one list must
    // then be a prefix of the other. Without an error they must be equal.
    const [short, long] = whole.lines.length <= chunked.lines.length ? [whole.lines, chunked.lines] : [chunked.lines, whole.lines];
    const consistent =
      whole.error?.code === chunked.error?.code &&
      (whole.error ? short.every((line, i) => line === long[i]) : JSON.stringify(whole.lines) === JSON.stringify(chunked.lines));
    if (!consistent) {
      const a = JSON.stringify([whole.lines, whole.error?.code]);
      const b = JSON.stringify([chunked.lines, chunked.error?.code]);
      throw new Error(`MatroskaStreamReader: chunking changed the result\n whole:   ${a.slice(0, 600)}\n chunked: ${b.slice(0, 600)}`);
    }
    if (whole.error) throw whole.error;
  },
  isTypedRejection: (err) => err instanceof MediaError,
};

/** writeStreamHeader + writeCluster → reader: the same tracks and frames come back. */
export const matroskaRoundTripFuzzTarget: FuzzTarget<MkvSegmentValue[]> = {
  name: 'matroska-round-trip',
  arbitrary: mkvStreamArbitrary,
  run(segments) {
    const { lines, error } = readEvents([encodeStream(segments)]);
    if (error) throw new Error(`A stream matroska-writer wrote did not read back: ${error.code} ${error.message}`);
    const got = lines.filter((l) => !l.startsWith('segment-end')).map((l) => l.replace(/^(header|cluster) @\d+ /, '$1 ').replace(/ [0-9a-f]*$/, (m) => (l.startsWith('header') ? '' : m)));
    const expected = segments.flatMap((s) => [
      `header ${JSON.stringify(describeHeader(s.header))}`,
      ...s.clusters.map((c) => `cluster ${JSON.stringify(describeFrames(c.timestampMs, c.frames))} unknown=${c.unknownSize}`),
    ]);
    if (JSON.stringify(got) !== JSON.stringify(expected)) {
      throw new Error(`Matroska round trip differs\n written: ${JSON.stringify(expected).slice(0, 600)}\n read:    ${JSON.stringify(got).slice(0, 600)}`);
    }
  },
  isTypedRejection: () => false,
};

export interface MkvFragmentInput {
  header: Uint8Array;
  cluster: Uint8Array;
}

/** A stored fragment (header bytes + one Cluster), whole or with either part mutated. */
export const mkvFragmentInputArbitrary: fc.Arbitrary<MkvFragmentInput> = mkvSegmentArbitrary.chain((s) => {
  const header = writeStreamHeader(s.header);
  const c = s.clusters[0];
  const cluster = writeCluster(c, s.header.timecodeScaleNs, { unknownSize: c.unknownSize });
  return fc.oneof(
    fc.constant({ header, cluster }),
    mutatedBytes(fc.constant(header)).map((h) => ({ header: h, cluster })),
    mutatedBytes(fc.constant(cluster)).map((cl) => ({ header, cluster: cl })),
    fc.record({ header: fc.uint8Array({ maxLength: 128 }), cluster: fc.uint8Array({ maxLength: 128 }) }),
  );
});

export const matroskaFragmentFuzzTarget: FuzzTarget<MkvFragmentInput> = {
  name: 'matroska-fragment',
  arbitrary: mkvFragmentInputArbitrary,
  run({ header, cluster }) {
    parseMatroskaFragment(header, cluster);
  },
  isTypedRejection: (err) => err instanceof MediaError,
};
