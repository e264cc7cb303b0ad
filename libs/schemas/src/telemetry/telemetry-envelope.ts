/**
 * The telemetry envelope: what a device or HTTP client sends, what goes into Kinesis, what consumers read.
 *
 * Versioning. Every record carries `schemaVersion`, and `telemetryEnvelopeSchema` is a discriminated union on it.
 * Today it has one member; a v2 is added as a second member (`z.discriminatedUnion('schemaVersion', [V1, V2])`)
 * and the v1 member is never changed or removed, so records written by a v1 producer stay readable by every later
 * consumer for as long as they sit in a stream (up to a year of retention). Consumers are upgraded before
 * producers: a v1 consumer refuses `schemaVersion: 2` with a clear issue instead of misreading it.
 *
 * Unknown fields are tolerated and STRIPPED (zod's default for `z.object`), not passed through:
 * - tolerated, so a newer producer that adds an optional field does not break an older validator;
 * - stripped, because the parsed value is what the ingest API re-encodes into Kinesis: passing unknown members
 *   through would put unvalidated, unbounded data into the stream and make the output type a lie. A field that
 *   consumers must see is a schema change, and a schema change is a new `schemaVersion`.
 *
 * `ts` accepts an ISO-8601 date-time with a zone or epoch milliseconds and is always epoch milliseconds after
 * parsing, so that everything downstream compares numbers.
 */
import { z } from 'zod';
import { DEVICE_ID_PATTERN, METRIC_NAME_PATTERN, TELEMETRY_LIMITS as L } from '../defaults';
import { toValidationIssues, type ParseResult, type ValidationIssue } from '../validation-issues';

const deviceId = z
  .string({ error: 'expected a string' })
  .min(1, { error: 'must not be empty' })
  .max(L.deviceIdMaxLength, { error: `must be at most ${L.deviceIdMaxLength} characters` })
  .regex(DEVICE_ID_PATTERN, { error: 'may contain only letters, digits and _ . : -' });

const seq = z
  .int({
    // zod's safe-integer check reports both "not an integer" and "too big" for 2^53 and above; one message suffices.
    error: (iss) =>
      typeof iss.input === 'number' && Number.isInteger(iss.input) && iss.input > 0
        ? `must be <= ${Number.MAX_SAFE_INTEGER} (a safe integer)`
        : 'expected an integer',
  })
  .min(0, { error: 'must be >= 0' });

const epochMillis = z
  .number()
  .int({ error: 'expected an integer number of epoch milliseconds' })
  .min(L.minTimestampMs, {
    error: `must be epoch milliseconds >= ${L.minTimestampMs} (1973-03-03); epoch seconds are not accepted`,
  })
  .max(L.maxTimestampMs, { error: `must be epoch milliseconds <= ${L.maxTimestampMs}` });

const isoDateTime = z
  .iso.datetime({ offset: true, error: 'expected an ISO-8601 date-time with a time zone, e.g. 2025-01-31T12:00:00.000Z' })
  .transform((s) => Date.parse(s))
  .pipe(
    z
      .number()
      .min(L.minTimestampMs, { error: 'must be on or after 1973-03-03T09:46:40Z' })
      .max(L.maxTimestampMs, { error: 'is after the last instant a Date can hold' }),
  );

/**
 * Picks the rule by the value's type, then reports that rule's first problem. (A plain `z.union` of the two rules
 * would often answer only "matches neither", hiding the useful message.)
 */
const timestamp = z
  .union([z.number(), z.string()], {
    error: 'expected epoch milliseconds (number) or an ISO-8601 date-time (string)',
  })
  .transform((value, ctx): number => {
    const result = typeof value === 'number' ? epochMillis.safeParse(value) : isoDateTime.safeParse(value);
    if (result.success) return result.data;
    ctx.issues.push({ code: 'custom', message: result.error.issues[0]?.message ?? 'invalid timestamp', input: value });
    return z.NEVER;
  });

const mapKey = (maxLength: number) =>
  z
    .string()
    .min(1, { error: 'must not be empty' })
    .max(maxLength, { error: `must be at most ${maxLength} characters` })
    .regex(METRIC_NAME_PATTERN, { error: 'may contain only letters, digits and _ . : / -' });

const isPlainObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * The key and entry-count rules of a map (metrics, tags). They run over the whole map after its values, with
 * `when` forcing them to run even if a value already failed, and with the keys accepted as any string by the
 * record itself: a record whose key schema fails drops that entry before later rules see it, which would both
 * hide the bad key from the count and report "0 entries" for `{ "": 1 }`.
 */
const mapRules = (maxKeyLength: number, min: number, max: number) => {
  const keyRule = mapKey(maxKeyLength);
  return z.superRefine<Record<string, unknown>>(
    (value, ctx) => {
      for (const key of Object.keys(value)) {
        // Fast path for the common, valid key: a safeParse per key would double the cost of a whole record.
        if (key.length >= 1 && key.length <= maxKeyLength && METRIC_NAME_PATTERN.test(key)) continue;
        const result = keyRule.safeParse(key);
        if (!result.success) {
          for (const issue of result.error.issues) ctx.addIssue({ code: 'custom', path: [key], message: `key: ${issue.message}`, input: key });
        }
      }
      const n = Object.keys(value).length;
      if (n < min || n > max) {
        const message = min === 0 ? `must have at most ${max} entries (got ${n})` : `must have ${min} to ${max} entries (got ${n})`;
        ctx.addIssue({ code: 'custom', message, input: value });
      }
    },
    { when: (payload) => isPlainObject(payload.value) },
  );
};

const metrics = z
  .record(z.string(), z.number({ error: 'expected a finite number' }), { error: 'expected an object of metric name → number' })
  .check(mapRules(L.metricNameMaxLength, L.metricsMinEntries, L.metricsMaxEntries));

const location = z.object(
  {
    lat: z.number({ error: 'expected a number' }).min(-90, { error: 'must be >= -90' }).max(90, { error: 'must be <= 90' }),
    lon: z.number({ error: 'expected a number' }).min(-180, { error: 'must be >= -180' }).max(180, { error: 'must be <= 180' }),
    /** Metres above the WGS 84 ellipsoid (what GPS receivers report). */
    alt: z.number({ error: 'expected a finite number' }).optional(),
  },
  { error: 'expected an object { lat, lon, alt? }' },
);

const tags = z
  .record(
    z.string(),
    z.string({ error: 'expected a string' }).max(L.tagValueMaxLength, { error: `must be at most ${L.tagValueMaxLength} characters` }),
    { error: 'expected an object of tag name → string' },
  )
  .check(mapRules(L.tagKeyMaxLength, 0, L.tagsMaxEntries));

/** Version 1 of the envelope. Frozen: change it only by adding a new version beside it. */
export const telemetryEnvelopeV1Schema = z.object(
  {
    schemaVersion: z.literal(1),
    deviceId,
    seq,
    ts: timestamp,
    metrics,
    location: location.optional(),
    tags: tags.optional(),
  },
  { error: 'expected a telemetry object' },
);

/** The versions this build understands, newest last. */
export const TELEMETRY_SCHEMA_VERSIONS = [1] as const;

/** Every envelope version this build reads, discriminated by `schemaVersion`. */
export const telemetryEnvelopeSchema = z.discriminatedUnion('schemaVersion', [telemetryEnvelopeV1Schema], {
  error: (iss) => {
    // Typed as union issues only, but zod also routes the union's own "not an object" issue here.
    const code: string = iss.code;
    if (code === 'invalid_type') return 'expected a telemetry object';
    if (code !== 'invalid_union') return undefined;
    const got = (iss.input as Record<string, unknown>)['schemaVersion'];
    const supported = TELEMETRY_SCHEMA_VERSIONS.join(', ');
    return got === undefined
      ? `is required (supported: ${supported})`
      : `unsupported version ${JSON.stringify(got)} (supported: ${supported})`;
  },
});

/** A v1 record as a producer may write it (`ts` as a string or a number). */
export type TelemetryEnvelopeV1Input = z.input<typeof telemetryEnvelopeV1Schema>;
/** A v1 record after parsing (`ts` in epoch milliseconds, unknown fields stripped). */
export type TelemetryEnvelopeV1 = z.output<typeof telemetryEnvelopeV1Schema>;
/** Any record a producer may write, of any supported version. */
export type TelemetryEnvelopeInput = z.input<typeof telemetryEnvelopeSchema>;
/** Any parsed record, of any supported version; narrow on `schemaVersion`. */
export type TelemetryEnvelope = z.output<typeof telemetryEnvelopeSchema>;
export type TelemetryLocation = z.output<typeof location>;

/**
 * Validates one record and returns every problem with its field path, or the normalised record.
 * Never throws for any value JSON.parse can produce.
 */
export function parseTelemetry(input: unknown): ParseResult<TelemetryEnvelope> {
  const result = telemetryEnvelopeSchema.safeParse(input);
  const reserved = reservedKeyIssues(input);
  if (result.success && reserved.length === 0) return { ok: true, value: result.data };
  return { ok: false, issues: [...(result.success ? [] : toValidationIssues(result.error.issues)), ...reserved] };
}

/**
 * zod drops a `__proto__` key from records without a word (a guard against prototype pollution, which JSON.parse
 * makes possible by creating it as an own property). A dropped metric would be a silent loss, so it is reported.
 */
function reservedKeyIssues(input: unknown): ValidationIssue[] {
  const out: ValidationIssue[] = [];
  if (input === null || typeof input !== 'object') return out;
  for (const field of ['metrics', 'tags'] as const) {
    const value = (input as Record<string, unknown>)[field];
    if (value !== null && typeof value === 'object' && Object.prototype.hasOwnProperty.call(value, '__proto__')) {
      out.push({ path: `${field}["__proto__"]`, message: 'key: "__proto__" is a reserved name' });
    }
  }
  return out;
}
