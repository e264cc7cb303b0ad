/**
 * Fuzz inputs for AckParser (issue 12): acknowledgement streams as KVS writes them (JSON objects, one per line,
 * kvs-reference.md §3.7) from generated acks, joined by the separators seen in captures, then mutated; service
 * error bodies; arbitrary JSON; random bytes. Shared by ack-parser.property.spec.ts and the soak bench (through
 * @tributary/kvs/testing).
 *
 * The parser never throws: whatever it cannot use is a `malformed` item. So the properties are that it does not
 * throw at all, that any chunking gives the same items, and that written acks come back as they were.
 */
import fc from 'fast-check';
import { chunkCuts, mutatedBytes, splitAt, type FuzzTarget } from '@tributary/runtime/testing';
import { AckParser, ACK_EVENT_TYPES, type AckStreamItem, type FragmentAck } from './ack-parser';

export const fragmentAckArbitrary: fc.Arbitrary<FragmentAck> = fc
  .record({
    eventType: fc.constantFrom(...ACK_EVENT_TYPES),
    fragmentTimecode: fc.nat(),
    fragmentNumber: fc.stringMatching(/^[1-9][0-9]{0,47}$/),
    errorId: fc.integer({ min: 4000, max: 5999 }),
    errorCode: fc.stringMatching(/^[A-Z_]{1,32}$/),
  })
  .map(({ eventType, fragmentTimecode, fragmentNumber, errorId, errorCode }) =>
    eventType === 'ERROR' ? { eventType, fragmentTimecode, fragmentNumber, errorId, errorCode } : { eventType, fragmentTimecode, fragmentNumber },
  );

/** The service's wire form of one ack. */
export function ackJson(ack: FragmentAck): string {
  return JSON.stringify({
    EventType: ack.eventType,
    FragmentTimecode: ack.fragmentTimecode,
    FragmentNumber: ack.fragmentNumber,
    ...(ack.eventType === 'ERROR' ? { ErrorCode: ack.errorCode, ErrorId: ack.errorId } : {}),
  });
}

const separator = fc.constantFrom('\n', '\r\n', ',', ' ', '', '\n\n');

export const ackStreamArbitrary: fc.Arbitrary<{ acks: FragmentAck[]; bytes: Uint8Array }> = fc
  .array(fc.tuple(fragmentAckArbitrary, separator), { maxLength: 8 })
  .map((pairs) => ({ acks: pairs.map(([a]) => a), bytes: new TextEncoder().encode(pairs.map(([a, s]) => ackJson(a) + s).join('')) }));

const otherObjects = fc.oneof(
  fc.constant('{"Output":{"__type":"com.amazon.coral.service#SerializationException"},"Version":"1.0"}'),
  fc.constant('{"__type":"ResourceNotFoundException","message":"no such stream"}'),
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 60 }).map((s) => `{"EventType":${JSON.stringify(s)},"FragmentNumber":123456789012345678901234567890}`),
);

export interface AckParserInput {
  bytes: Uint8Array;
  cuts: number[];
  maxAckBytes: number;
}

export const ackParserInputArbitrary: fc.Arbitrary<AckParserInput> = fc.record({
  bytes: fc.oneof(
    { weight: 4, arbitrary: mutatedBytes(ackStreamArbitrary.map((s) => s.bytes)) },
    { weight: 2, arbitrary: fc.array(otherObjects, { maxLength: 5 }).map((os) => new TextEncoder().encode(os.join('\n'))) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 512 }) },
    // Braces, quotes and escapes only: depth and string tracking under stress.
    { weight: 1, arbitrary: fc.array(fc.constantFrom(...'{}"\\\n \r:a'), { maxLength: 200 }).map((cs) => new TextEncoder().encode(cs.join(''))) },
  ),
  cuts: chunkCuts,
  maxAckBytes: fc.constantFrom(16, 64, 4096),
});

function parseAll(chunks: readonly Uint8Array[], maxAckBytes: number): AckStreamItem[] {
  const p = new AckParser({ maxAckBytes });
  return chunks.flatMap((c) => p.push(c));
}

/** Never throws; one chunk and any chunking give the same items. */
export const ackParserFuzzTarget: FuzzTarget<AckParserInput> = {
  name: 'putmedia-ack-parser',
  arbitrary: ackParserInputArbitrary,
  run({ bytes, cuts, maxAckBytes }) {
    const whole = JSON.stringify(parseAll([bytes], maxAckBytes));
    const chunked = JSON.stringify(parseAll(splitAt(bytes, cuts), maxAckBytes));
    if (whole !== chunked) throw new Error(`AckParser: chunking changed the items\n whole:   ${whole.slice(0, 600)}\n chunked: ${chunked.slice(0, 600)}`);
  },
  isTypedRejection: () => false,
};

/** Acks written as KVS writes them come back equal, in any chunking. */
export const ackRoundTripFuzzTarget: FuzzTarget<{ stream: { acks: FragmentAck[]; bytes: Uint8Array }; cuts: number[] }> = {
  name: 'putmedia-ack-round-trip',
  arbitrary: fc.record({ stream: ackStreamArbitrary, cuts: chunkCuts }),
  run({ stream, cuts }) {
    const items = parseAll(splitAt(stream.bytes, cuts), 4096);
    const expected = JSON.stringify(stream.acks.map((ack) => ({ kind: 'ack', ack })));
    if (JSON.stringify(items) !== expected) throw new Error(`AckParser round trip differs\n written: ${expected.slice(0, 600)}\n read:    ${JSON.stringify(items).slice(0, 600)}`);
  },
  isTypedRejection: () => false,
};
