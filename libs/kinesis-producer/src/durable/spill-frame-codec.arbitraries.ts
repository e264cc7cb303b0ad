/**
 * Fuzz inputs for the durable buffer's frame codec (spill-frame-codec.ts). Its bytes come from our own segment
 * files, but after a crash, a power cut or a damaged disk they are outside bytes all the same: a torn or corrupted
 * tail must be cut off (tail 'torn' / 'malformed'), never replayed as garbage and never crash the producer's start.
 * Shared by spill-frame-codec.property.spec.ts and the soak bench (through @tributary/kinesis-producer/testing).
 */
import fc from 'fast-check';
import { mutatedBytes, type FuzzTarget } from '@tributary/runtime/testing';
import { ProducerError } from '../errors';
import { decodeSpillSegment, encodeSpillFrame, type SpilledRecord } from './spill-frame-codec';

export const spilledRecordArbitrary: fc.Arbitrary<SpilledRecord> = fc.record(
  {
    seq: fc.maxSafeNat(),
    putAt: fc.integer({ min: 0, max: 4_102_444_800_000 }),
    partitionKey: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 32 }),
    explicitHashKey: fc.bigInt({ min: 0n, max: 2n ** 128n - 1n }).map(String),
    data: fc.uint8Array({ maxLength: 96 }),
  },
  { requiredKeys: ['seq', 'putAt', 'partitionKey', 'data'] },
);

export function encodeSpillSegment(records: readonly SpilledRecord[]): Uint8Array {
  return Buffer.concat(records.map(encodeSpillFrame));
}

const view = (records: readonly SpilledRecord[]): string =>
  JSON.stringify(records.map((r) => [r.seq, r.putAt, r.partitionKey, r.explicitHashKey ?? null, Buffer.from(r.data).toString('hex')]));

export interface SpillSegmentInput {
  bytes: Uint8Array;
}

/** Segments of whole frames, cut anywhere (a torn write), mutated (damage), or noise. */
export const spillSegmentInputArbitrary: fc.Arbitrary<SpillSegmentInput> = fc
  .oneof(
    { weight: 1, arbitrary: fc.array(spilledRecordArbitrary, { maxLength: 6 }).map(encodeSpillSegment) },
    { weight: 2, arbitrary: fc.tuple(fc.array(spilledRecordArbitrary, { minLength: 1, maxLength: 6 }).map(encodeSpillSegment), fc.nat()).map(([b, cut]) => b.subarray(0, cut % (b.length + 1))) },
    { weight: 3, arbitrary: mutatedBytes(fc.array(spilledRecordArbitrary, { minLength: 1, maxLength: 6 }).map(encodeSpillSegment)) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }) },
  )
  .map((bytes) => ({ bytes }));

/**
 * decodeSpillSegment never throws on any bytes; what it keeps is whole frames from the start (validBytes within the
 * input, re-encoding the kept records gives exactly those bytes), and a clean tail means every byte was used.
 */
export const spillSegmentFuzzTarget: FuzzTarget<SpillSegmentInput> = {
  name: 'spill-segment',
  arbitrary: spillSegmentInputArbitrary,
  run({ bytes }) {
    const seg = decodeSpillSegment(bytes);
    if (seg.validBytes < 0 || seg.validBytes > bytes.length) throw new Error(`validBytes ${seg.validBytes} outside 0..${bytes.length}`);
    if (seg.tail === 'clean' && seg.validBytes !== bytes.length) throw new Error('a clean tail that left bytes unread');
    const again = Buffer.from(encodeSpillSegment(seg.records));
    if (!again.equals(Buffer.from(bytes.subarray(0, seg.validBytes)))) throw new Error('the kept records do not re-encode to the kept bytes');
  },
  // The segment decoder turns MALFORMED_SPILL_FRAME into tail 'malformed'; anything thrown is a crash.
  isTypedRejection: () => false,
};

/** Records → segment → records, whole and cut at every frame boundary. */
export const spillRoundTripFuzzTarget: FuzzTarget<SpilledRecord[]> = {
  name: 'spill-round-trip',
  arbitrary: fc.array(spilledRecordArbitrary, { maxLength: 8 }),
  run(records) {
    const bytes = encodeSpillSegment(records);
    const seg = decodeSpillSegment(bytes);
    if (seg.tail !== 'clean' || view(seg.records) !== view(records)) throw new Error(`round trip: ${view(records)} gave ${view(seg.records)} (${seg.tail})`);
    if (bytes.length > 0) {
      const torn = decodeSpillSegment(bytes.subarray(0, bytes.length - 1));
      if (torn.tail !== 'torn' || view(torn.records) !== view(records.slice(0, -1))) throw new Error('a segment missing its last byte must keep every earlier record and say torn');
    }
  },
  isTypedRejection: (err) => err instanceof ProducerError && err.code === 'MALFORMED_SPILL_FRAME',
};
