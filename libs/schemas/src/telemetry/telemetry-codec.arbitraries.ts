/**
 * Fuzz inputs for the telemetry envelope at its trust boundary (issue 12): decodeTelemetry over record bytes
 * (encoded envelopes, mutated; arbitrary JSON; bytes that are not UTF-8) and parseTelemetry over JSON values built
 * around the schema's edges (wrong types, out-of-range numbers, reserved and overlong keys, too many entries).
 * Shared by telemetry-codec.property.spec.ts and the soak bench (through @tributary/schemas/testing).
 *
 * Both functions return a ParseResult and never throw: any exception at all is a crash; a refusal is `ok: false`
 * with issues (zod's, worded).
 */
import fc from 'fast-check';
import { mutatedBytes, type FuzzTarget } from '@tributary/runtime/testing';
import { TELEMETRY_LIMITS as L } from '../defaults';
import { decodeTelemetry, encodeTelemetry } from './telemetry-codec';
import { parseTelemetry, type TelemetryEnvelopeInput } from './telemetry-envelope';

const metricKey = fc.stringMatching(/^[A-Za-z0-9_.:/-]{1,64}$/).filter((k) => k !== '__proto__');
// RFC 3339 has four-digit years: expanded ISO years (+252900-…) are not date-times the schema takes as strings.
const isoTimestamp = fc.date({ min: new Date(L.minTimestampMs), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true }).map((d) => d.toISOString());

export const telemetryEnvelopeArbitrary: fc.Arbitrary<TelemetryEnvelopeInput> = fc.record(
  {
    schemaVersion: fc.constant(1 as const),
    deviceId: fc.stringMatching(/^[A-Za-z0-9_.:-]{1,128}$/),
    seq: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
    ts: fc.oneof(fc.integer({ min: L.minTimestampMs, max: L.maxTimestampMs }), isoTimestamp),
    metrics: fc.dictionary(metricKey, fc.double({ noNaN: true, noDefaultInfinity: true }), { minKeys: 1, maxKeys: 5 }),
    location: fc.record({ lat: fc.double({ min: -90, max: 90, noNaN: true }), lon: fc.double({ min: -180, max: 180, noNaN: true }), alt: fc.double({ noNaN: true, noDefaultInfinity: true }) }, { requiredKeys: ['lat', 'lon'] }),
    tags: fc.dictionary(metricKey, fc.string({ maxLength: 40 }), { maxKeys: 4 }),
  },
  { requiredKeys: ['schemaVersion', 'deviceId', 'seq', 'ts', 'metrics'] },
);

const edgeValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, 0, -0, -1, 1.5, 2 ** 53, 1e308, -1e308, '', '1', '2025-13-45T99:99:99Z', '2025-01-31T12:00:00Z', 'x'.repeat(300), [], {}, { __proto__: null }),
  fc.jsonValue({ maxDepth: 2 }),
);

/** An envelope with one member replaced, removed, or given an odd key. */
const nearEnvelope: fc.Arbitrary<unknown> = fc
  .tuple(
    telemetryEnvelopeArbitrary,
    fc.constantFrom('schemaVersion', 'deviceId', 'seq', 'ts', 'metrics', 'location', 'tags', 'extra'),
    edgeValue,
    fc.option(fc.tuple(fc.constantFrom('metrics', 'tags'), fc.constantFrom('__proto__', 'constructor', '', 'a b', 'k'.repeat(65))), { nil: undefined }),
  )
  .map(([env, member, value, oddKey]) => {
    const out: Record<string, unknown> = JSON.parse(JSON.stringify(env));
    out[member] = value;
    if (oddKey) {
      const target = out[oddKey[0]];
      if (target && typeof target === 'object' && !Array.isArray(target)) Object.defineProperty(target, oddKey[1], { value: 1, enumerable: true, writable: true, configurable: true });
    }
    return out;
  });

const encode = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value) ?? 'null');

export const telemetryBytesArbitrary: fc.Arbitrary<Uint8Array> = fc.oneof(
  { weight: 2, arbitrary: telemetryEnvelopeArbitrary.map(encode) },
  { weight: 3, arbitrary: nearEnvelope.map(encode) },
  { weight: 3, arbitrary: mutatedBytes(telemetryEnvelopeArbitrary.map(encode)) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 128 }) },
  // Many metrics: the entry bound must refuse them without cost growing per key beyond the walk.
  { weight: 1, arbitrary: fc.integer({ min: 90, max: 400 }).map((n) => encode({ schemaVersion: 1, deviceId: 'd', seq: 0, ts: L.minTimestampMs, metrics: Object.fromEntries(Array.from({ length: n }, (_, i) => [`m${i}`, i])) })) },
);

/** decodeTelemetry never throws; an accepted record re-encodes to bytes that decode to the same value. */
export const telemetryCodecFuzzTarget: FuzzTarget<Uint8Array> = {
  name: 'telemetry-envelope',
  arbitrary: telemetryBytesArbitrary,
  run(bytes) {
    const result = decodeTelemetry(bytes);
    if (!result.ok) {
      if (!Array.isArray(result.issues) || result.issues.length === 0) throw new Error('a refusal without issues');
      throw new TelemetryRefusal(result.issues.length);
    }
    const again = decodeTelemetry(encodeTelemetry(result.value));
    if (!again.ok || JSON.stringify(again.value) !== JSON.stringify(result.value)) {
      throw new Error(`re-encoding an accepted envelope changed it: ${JSON.stringify(result.value)} → ${JSON.stringify(again)}`);
    }
  },
  isTypedRejection: (err) => err instanceof TelemetryRefusal,
};

/** `ok: false`, surfaced as a throw so that the drivers count refusals apart from acceptances. */
export class TelemetryRefusal extends Error {
  constructor(readonly issueCount: number) {
    super(`refused with ${issueCount} issue(s)`);
  }
}

/** A valid envelope input parses, and its encoding decodes to the parsed value (timestamps as epoch ms). */
export const telemetryRoundTripFuzzTarget: FuzzTarget<TelemetryEnvelopeInput> = {
  name: 'telemetry-round-trip',
  arbitrary: telemetryEnvelopeArbitrary,
  run(input) {
    const parsed = parseTelemetry(input);
    if (!parsed.ok) throw new Error(`a valid envelope was refused: ${JSON.stringify(parsed.issues)} for ${JSON.stringify(input)}`);
    const expectedTs = typeof input.ts === 'number' ? input.ts : Date.parse(input.ts);
    if (parsed.value.ts !== expectedTs) throw new Error(`ts ${String(input.ts)} parsed as ${parsed.value.ts}`);
    const decoded = decodeTelemetry(encodeTelemetry(parsed.value));
    if (!decoded.ok || JSON.stringify(decoded.value) !== JSON.stringify(parsed.value)) throw new Error(`round trip differs: ${JSON.stringify(parsed.value)} → ${JSON.stringify(decoded)}`);
  },
  isTypedRejection: () => false,
};
