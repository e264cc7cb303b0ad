/**
 * Fuzz inputs for the AWS event stream SubscribeToShard speaks (`application/vnd.amazon.eventstream`, issue 12):
 * frames the emulator's eventStreamSink writes for generated SubscribeToShardEvents and exceptions, read back
 * the way the SDK's Kinesis client reads them: `getChunkedStream` (frame reassembly from arbitrary HTTP/2 DATA
 * chunks) then `EventStreamCodec.decode` (prelude, CRC-32s, headers), both from @smithy/core/event-streams, the
 * module the SDK's event-stream serde uses (a transitive dependency, at the version the pinned SDK brings).
 *
 *   - event-stream-round-trip: what the writer wrote comes back, headers and JSON payload, in any chunking;
 *   - sdk-event-stream-decoder: the same frames mutated: each decodes or is refused with the codec's plain
 *     `Error` (length, checksum, header tag). A TypeError or RangeError is a crash. This target exercises the
 *     SDK's code, not ours: its findings are reported upstream material, and it is opt-in in the soak bench.
 */
import fc from 'fast-check';
import { EventStreamCodec, getChunkedStream } from '@smithy/core/event-streams';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import { chunkCuts, mutatedBytes, splitAt, type FuzzTarget } from '@tributary/runtime/testing';
import type { Res } from './http-exchange';
import { eventStreamSink } from './event-stream-writer';

const codec = new EventStreamCodec(toUtf8, fromUtf8);

export type EventStreamItem = { kind: 'event'; eventType: string; payload: object } | { kind: 'exception'; exceptionType: string; message: string };

const recordArbitrary = fc.record({
  Data: fc.uint8Array({ maxLength: 48 }).map((b) => Buffer.from(b).toString('base64')),
  PartitionKey: fc.string({ minLength: 1, maxLength: 16 }),
  SequenceNumber: fc.bigInt({ min: 0n, max: 10n ** 56n }).map(String),
  ApproximateArrivalTimestamp: fc.integer({ min: 0, max: 2_000_000_000 }),
});

export const eventStreamItemsArbitrary: fc.Arbitrary<EventStreamItem[]> = fc
  .tuple(
    fc.array(
      fc.record({
        kind: fc.constant('event' as const),
        eventType: fc.constant('SubscribeToShardEvent'),
        payload: fc.record({
          Records: fc.array(recordArbitrary, { maxLength: 4 }),
          ContinuationSequenceNumber: fc.bigInt({ min: 0n, max: 10n ** 56n }).map(String),
          MillisBehindLatest: fc.nat(),
        }),
      }),
      { maxLength: 4 },
    ),
    fc.option(
      fc.record({
        kind: fc.constant('exception' as const),
        exceptionType: fc.constantFrom('ResourceNotFoundException', 'ResourceInUseException', 'InternalFailure'),
        message: fc.string({ maxLength: 40 }),
      }),
      { nil: undefined },
    ),
  )
  .map(([events, exception]) => (exception ? [...events, exception] : events));

/** The bytes eventStreamSink writes for `items`, through a response that only records. */
export async function writeEventStream(items: readonly EventStreamItem[]): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  const res = {
    write(bytes: Uint8Array) {
      chunks.push(bytes);
      return true;
    },
    end() {
      // the stream's end: nothing to record
    },
    on() {
      return res;
    },
    off() {
      return res;
    },
  };
  const sink = eventStreamSink(res as unknown as Res);
  for (const item of items) {
    if (item.kind === 'event') await sink.event(item.eventType, item.payload);
    else sink.exception(item.exceptionType, item.message);
  }
  return Buffer.concat(chunks);
}

async function* chunksOf(parts: readonly Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const p of parts) yield p;
}

/** Frames reassembled and decoded as the SDK does, as comparable values. */
export async function readEventStream(parts: readonly Uint8Array[]): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const frame of getChunkedStream(chunksOf(parts))) {
    const message = codec.decode(frame);
    const headers = Object.fromEntries(Object.entries(message.headers).map(([k, v]) => [k, String(v.value)]));
    out.push({ headers, body: JSON.parse(toUtf8(message.body)) as unknown });
  }
  return out;
}

export const eventStreamRoundTripFuzzTarget: FuzzTarget<{ items: EventStreamItem[]; cuts: number[] }> = {
  name: 'event-stream-round-trip',
  arbitrary: fc.record({ items: eventStreamItemsArbitrary, cuts: chunkCuts }),
  async: true,
  async run({ items, cuts }) {
    const bytes = await writeEventStream(items);
    const got = await readEventStream(splitAt(bytes, cuts));
    const expected = items.map((i) =>
      i.kind === 'event'
        ? { headers: { ':message-type': 'event', ':event-type': i.eventType, ':content-type': 'application/json' }, body: i.payload }
        : { headers: { ':message-type': 'exception', ':exception-type': i.exceptionType, ':content-type': 'application/json' }, body: { message: i.message } },
    );
    if (JSON.stringify(got) !== JSON.stringify(expected)) {
      throw new Error(`event stream round trip differs\n written: ${JSON.stringify(expected).slice(0, 600)}\n read:    ${JSON.stringify(got).slice(0, 600)}`);
    }
  },
  isTypedRejection: () => false,
};

/** What the SDK's codec throws on purpose: a plain Error (it has no error class). */
export const isEventStreamCodecRefusal = (err: unknown): boolean => err instanceof Error && err.constructor === Error;

/** One frame as eventStreamSink encodes it (same codec, same headers), synchronously, for the mutation inputs. */
export function encodeEventStreamItem(item: EventStreamItem): Uint8Array {
  const str = (value: string) => ({ type: 'string' as const, value });
  return item.kind === 'event'
    ? codec.encode({
        headers: { ':message-type': str('event'), ':event-type': str(item.eventType), ':content-type': str('application/json') },
        body: fromUtf8(JSON.stringify(item.payload)),
      })
    : codec.encode({
        headers: { ':message-type': str('exception'), ':exception-type': str(item.exceptionType), ':content-type': str('application/json') },
        body: fromUtf8(JSON.stringify({ message: item.message })),
      });
}

/**
 * A mutated frame made consistent again: total length = its length, both CRC-32s recomputed (the header-length
 * field stays as mutated). Without this nearly every mutation stops at the checksum; with it the header parser
 * and the length arithmetic are reached.
 */
export function reframe(bytes: Uint8Array): Uint8Array {
  if (bytes.length < 16) return bytes;
  const out = bytes.slice();
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  view.setUint32(0, out.length, false);
  view.setUint32(8, crc32(out.subarray(0, 8)), false);
  view.setUint32(out.length - 4, crc32(out.subarray(0, out.length - 4)), false);
  return out;
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (ISO-HDLC), the checksum of the event stream prelude and message. */
function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const frameArbitrary = eventStreamItemsArbitrary.filter((items) => items.length > 0).map((items) => encodeEventStreamItem(items[0]));

export const sdkEventStreamDecoderFuzzTarget: FuzzTarget<{ bytes: Uint8Array; cuts: number[] }> = {
  name: 'sdk-event-stream-decoder',
  arbitrary: fc.record({
    bytes: fc.oneof(
      { weight: 3, arbitrary: mutatedBytes(frameArbitrary).map(reframe) },
      { weight: 1, arbitrary: mutatedBytes(frameArbitrary) },
      { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }) },
    ),
    cuts: chunkCuts,
  }),
  async: true,
  async run({ bytes, cuts }) {
    for await (const frame of getChunkedStream(chunksOf(splitAt(bytes, cuts)))) codec.decode(frame);
  },
  isTypedRejection: isEventStreamCodecRefusal,
};
