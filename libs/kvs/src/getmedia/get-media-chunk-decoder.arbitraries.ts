/**
 * Fuzz inputs for GetMediaChunkDecoder (issue 12): GetMedia payloads as the service writes them (per fragment an
 * EBML header + unknown-size Segment with the producer's header, KVS Tags, the Cluster, KVS Tags with
 * MILLIS_BEHIND_NOW and CONTINUATION_TOKEN; kvs-reference.md §4.3), built with libs/media's writers from generated
 * values, then mutated and cut into arbitrary reads. Shared by the property spec and the soak bench.
 */
import fc from 'fast-check';
import { chunkCuts, hex, mutatedBytes, splitAt, type FuzzTarget } from '@tributary/runtime/testing';
import { MediaError, writeCluster, writeKvsFragmentTags, writeStreamHeader } from '@tributary/media';
import { mkvSegmentArbitrary, type MkvSegmentValue } from '@tributary/media/testing';
import { GetMediaChunkDecoder, type GetMediaItem } from './get-media-chunk-decoder';
import { KvsError } from '../kvs-errors';

export interface GetMediaPayloadValue {
  fragments: Array<{ segment: MkvSegmentValue; fragmentNumber: string; serverTimestampMs: number; errorId?: number }>;
}

export const getMediaPayloadArbitrary: fc.Arbitrary<GetMediaPayloadValue> = fc.record({
  fragments: fc.array(
    fc.record(
      {
        segment: mkvSegmentArbitrary,
        fragmentNumber: fc.stringMatching(/^[1-9][0-9]{0,47}$/),
        serverTimestampMs: fc.integer({ min: 0, max: 4_000_000_000_000 }),
        errorId: fc.constantFrom(3002, 4000, 5000),
      },
      { requiredKeys: ['segment', 'fragmentNumber', 'serverTimestampMs'] },
    ),
    { minLength: 1, maxLength: 3 },
  ),
});

/** One document per fragment (its first cluster only); an error chunk carries the error tags instead. */
export function encodeGetMediaPayload(p: GetMediaPayloadValue): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const f of p.fragments) {
    const scale = f.segment.header.timecodeScaleNs;
    const c = f.segment.clusters[0];
    parts.push(writeStreamHeader(f.segment.header));
    if (f.errorId !== undefined) {
      parts.push(writeKvsFragmentTags({ errorId: f.errorId, errorCode: 'FRAGMENT_ERROR' }));
      continue;
    }
    parts.push(writeKvsFragmentTags({ fragmentNumber: f.fragmentNumber, serverTimestampMs: f.serverTimestampMs, producerTimestampMs: c.timestampMs }));
    parts.push(writeCluster(c, scale, { unknownSize: c.unknownSize }));
    parts.push(writeKvsFragmentTags({ millisBehindNow: 0, continuationToken: f.fragmentNumber }));
  }
  return Buffer.concat(parts);
}

function describe(items: readonly GetMediaItem[]): string[] {
  return items.map((it) =>
    it.type === 'error'
      ? `error ${it.error.errorId} ${it.error.errorCode} ${it.error.fragmentNumber}`
      : `fragment ${JSON.stringify(it.fragment.tags)} ${it.fragment.cluster.timestampMs} ${it.fragment.cluster.frames.map((f) => `${f.track}/${f.timestampMs}/${f.keyframe}/${hex(f.data)}`).join(',')}`,
  );
}

function decodeAll(chunks: readonly Uint8Array[]): { lines: string[]; error?: MediaError } {
  const d = new GetMediaChunkDecoder();
  const items: GetMediaItem[] = [];
  try {
    for (const c of chunks) items.push(...d.push(c));
    items.push(...d.end());
  } catch (err) {
    if (err instanceof MediaError) return { lines: describe(items), error: err };
    throw err;
  }
  return { lines: describe(items) };
}

export interface GetMediaInput {
  bytes: Uint8Array;
  cuts: number[];
}

export const getMediaInputArbitrary: fc.Arbitrary<GetMediaInput> = fc.record({
  bytes: fc.oneof(
    { weight: 1, arbitrary: getMediaPayloadArbitrary.map(encodeGetMediaPayload) },
    { weight: 4, arbitrary: mutatedBytes(getMediaPayloadArbitrary.map(encodeGetMediaPayload)) },
  ),
  cuts: chunkCuts,
});

/**
 * Items or a MediaError for any payload, consistent across chunkings (with an error, push() throws instead of
 * returning what its chunk completed, so one run's items must be a prefix of the other's).
 */
export const getMediaChunkDecoderFuzzTarget: FuzzTarget<GetMediaInput> = {
  name: 'getmedia-chunk-decoder',
  arbitrary: getMediaInputArbitrary,
  run({ bytes, cuts }) {
    const whole = decodeAll([bytes]);
    const chunked = decodeAll(splitAt(bytes, cuts));
    const [short, long] = whole.lines.length <= chunked.lines.length ? [whole.lines, chunked.lines] : [chunked.lines, whole.lines];
    const consistent =
      whole.error?.code === chunked.error?.code &&
      (whole.error ? short.every((l, i) => l === long[i]) : JSON.stringify(whole.lines) === JSON.stringify(chunked.lines));
    if (!consistent) throw new Error(`GetMediaChunkDecoder: chunking changed the result\n whole:   ${JSON.stringify(whole).slice(0, 600)}\n chunked: ${JSON.stringify(chunked).slice(0, 600)}`);
    if (whole.error) throw whole.error;
  },
  isTypedRejection: (err) => err instanceof MediaError || err instanceof KvsError,
};

/** What the emulator's GetMedia writes comes back: one fragment (or error) per document, tags and frames intact. */
export const getMediaRoundTripFuzzTarget: FuzzTarget<GetMediaPayloadValue> = {
  name: 'getmedia-round-trip',
  arbitrary: getMediaPayloadArbitrary,
  run(p) {
    const { lines, error } = decodeAll([encodeGetMediaPayload(p)]);
    if (error) throw new Error(`a GetMedia payload did not decode: ${error.code} ${error.message}`);
    const expected: string[] = [];
    for (const f of p.fragments) {
      const c = f.segment.clusters[0];
      if (f.errorId !== undefined) {
        expected.push(`error ${f.errorId} FRAGMENT_ERROR undefined`);
        continue;
      }
      const tags = { fragmentNumber: f.fragmentNumber, serverTimestampMs: f.serverTimestampMs, producerTimestampMs: c.timestampMs, millisBehindNow: 0, continuationToken: f.fragmentNumber };
      expected.push(`fragment ${JSON.stringify(tags)} ${c.timestampMs} ${c.frames.map((fr) => `${fr.track}/${fr.timestampMs}/${fr.keyframe}/${hex(fr.data)}`).join(',')}`);
    }
    if (JSON.stringify(lines) !== JSON.stringify(expected)) throw new Error(`GetMedia round trip differs\n written: ${JSON.stringify(expected).slice(0, 600)}\n read:    ${JSON.stringify(lines).slice(0, 600)}`);
  },
  isTypedRejection: () => false,
};
