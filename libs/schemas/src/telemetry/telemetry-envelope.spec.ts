import { z } from 'zod';
import { parseTelemetry, telemetryEnvelopeSchema, telemetryEnvelopeV1Schema, type TelemetryEnvelopeInput } from './telemetry-envelope';

const T0 = Date.UTC(2025, 0, 31, 12, 0, 0, 0); // 1738324800000

const valid = (patch: Record<string, unknown> = {}): Record<string, unknown> => ({
  schemaVersion: 1,
  deviceId: 'dev-0001',
  seq: 42,
  ts: T0,
  metrics: { temp: 21.5 },
  ...patch,
});

const metricsOf = (n: number): Record<string, number> => Object.fromEntries(Array.from({ length: n }, (_, i) => [`m${i}`, i]));
const tagsOf = (n: number): Record<string, string> => Object.fromEntries(Array.from({ length: n }, (_, i) => [`t${i}`, `v${i}`]));

describe('parseTelemetry: valid records', () => {
  it.each<[string, Record<string, unknown>]>([
    ['minimal', valid()],
    ['with location and tags', valid({ location: { lat: 48.85, lon: 2.35, alt: 35 }, tags: { site: 'paris', fw: '1.2.3' } })],
    ['location without alt', valid({ location: { lat: -90, lon: 180 } })],
    ['location at the other bounds', valid({ location: { lat: 90, lon: -180, alt: -12.5 } })],
    ['seq 0', valid({ seq: 0 })],
    ['seq = MAX_SAFE_INTEGER', valid({ seq: Number.MAX_SAFE_INTEGER })],
    ['deviceId of 128 safe characters', valid({ deviceId: 'aZ09_.:-'.repeat(16) })],
    ['100 metrics', valid({ metrics: metricsOf(100) })],
    ['metric name of 64 characters', valid({ metrics: { ['n'.repeat(64)]: 1 } })],
    ['metric names with . : / -', valid({ metrics: { 'cpu.load:1m/avg-x': 0.5 } })],
    ['negative and fractional metric values', valid({ metrics: { a: -1e-9, b: -273.15, c: 1e300 } })],
    ['20 tags', valid({ tags: tagsOf(20) })],
    ['empty tags and empty tag value', valid({ tags: { empty: '' } })],
    ['tag value of 256 characters', valid({ tags: { k: 'v'.repeat(256) } })],
  ])('%s', (_name, input) => {
    const result = parseTelemetry(input);
    expect(result).toEqual({ ok: true, value: { ...input, ts: T0 } });
  });
});

describe('parseTelemetry: each invalid field, with its path', () => {
  it.each<[string, Record<string, unknown>, string, string]>([
    ['deviceId missing', valid({ deviceId: undefined }), 'deviceId', 'expected a string'],
    ['deviceId empty', valid({ deviceId: '' }), 'deviceId', 'must not be empty'],
    ['deviceId too long', valid({ deviceId: 'd'.repeat(129) }), 'deviceId', 'must be at most 128 characters'],
    ['deviceId with a space', valid({ deviceId: 'dev 1' }), 'deviceId', 'may contain only letters, digits and _ . : -'],
    ['deviceId with a slash', valid({ deviceId: '../etc' }), 'deviceId', 'may contain only letters, digits and _ . : -'],
    ['deviceId a number', valid({ deviceId: 7 }), 'deviceId', 'expected a string'],
    ['seq negative', valid({ seq: -1 }), 'seq', 'must be >= 0'],
    ['seq fractional', valid({ seq: 1.5 }), 'seq', 'expected an integer'],
    ['seq unsafe', valid({ seq: 2 ** 53 }), 'seq', 'must be <= 9007199254740991 (a safe integer)'],
    ['seq a string', valid({ seq: '1' }), 'seq', 'expected an integer'],
    ['ts missing', valid({ ts: undefined }), 'ts', 'expected epoch milliseconds (number) or an ISO-8601 date-time (string)'],
    ['ts a boolean', valid({ ts: true }), 'ts', 'expected epoch milliseconds (number) or an ISO-8601 date-time (string)'],
    [
      'ts in epoch seconds',
      valid({ ts: 1738324800 }),
      'ts',
      'must be epoch milliseconds >= 100000000000 (1973-03-03); epoch seconds are not accepted',
    ],
    ['ts fractional ms', valid({ ts: T0 + 0.5 }), 'ts', 'expected an integer number of epoch milliseconds'],
    ['ts past the Date range', valid({ ts: 8.64e15 + 1 }), 'ts', 'must be epoch milliseconds <= 8640000000000000'],
    ['ts date only', valid({ ts: '2025-01-31' }), 'ts', 'expected an ISO-8601 date-time with a time zone, e.g. 2025-01-31T12:00:00.000Z'],
    ['ts without a zone', valid({ ts: '2025-01-31T12:00:00' }), 'ts', 'expected an ISO-8601 date-time with a time zone, e.g. 2025-01-31T12:00:00.000Z'],
    ['ts not a date', valid({ ts: 'yesterday' }), 'ts', 'expected an ISO-8601 date-time with a time zone, e.g. 2025-01-31T12:00:00.000Z'],
    ['ts ISO before 1973', valid({ ts: '1970-01-01T00:00:00Z' }), 'ts', 'must be on or after 1973-03-03T09:46:40Z'],
    ['metrics missing', valid({ metrics: undefined }), 'metrics', 'expected an object of metric name → number'],
    ['metrics an array', valid({ metrics: [1, 2] }), 'metrics', 'expected an object of metric name → number'],
    ['metrics empty', valid({ metrics: {} }), 'metrics', 'must have 1 to 100 entries (got 0)'],
    ['metrics 101 entries', valid({ metrics: metricsOf(101) }), 'metrics', 'must have 1 to 100 entries (got 101)'],
    ['metric value a string', valid({ metrics: { temp: '21.5' } }), 'metrics.temp', 'expected a finite number'],
    ['metric value NaN', valid({ metrics: { temp: NaN } }), 'metrics.temp', 'expected a finite number'],
    ['metric value Infinity', valid({ metrics: { temp: -Infinity } }), 'metrics.temp', 'expected a finite number'],
    ['metric value null', valid({ metrics: { temp: null } }), 'metrics.temp', 'expected a finite number'],
    ['metric value of a dotted name', valid({ metrics: { 'cpu.load': 'high' } }), 'metrics["cpu.load"]', 'expected a finite number'],
    ['metric name empty', valid({ metrics: { '': 1 } }), 'metrics[""]', 'key: must not be empty'],
    ['metric name too long', valid({ metrics: { ['n'.repeat(65)]: 1 } }), `metrics.${'n'.repeat(65)}`, 'key: must be at most 64 characters'],
    ['metric name with a space', valid({ metrics: { 'a b': 1 } }), 'metrics["a b"]', 'key: may contain only letters, digits and _ . : / -'],
    ['metric named __proto__', JSON.parse('{"schemaVersion":1,"deviceId":"d","seq":1,"ts":1738324800000,"metrics":{"__proto__":1,"a":2}}'), 'metrics["__proto__"]', 'key: "__proto__" is a reserved name'],
    ['location not an object', valid({ location: 'paris' }), 'location', 'expected an object { lat, lon, alt? }'],
    ['lat below -90', valid({ location: { lat: -90.0001, lon: 0 } }), 'location.lat', 'must be >= -90'],
    ['lat above 90', valid({ location: { lat: 91, lon: 0 } }), 'location.lat', 'must be <= 90'],
    ['lon below -180', valid({ location: { lat: 0, lon: -181 } }), 'location.lon', 'must be >= -180'],
    ['lon above 180', valid({ location: { lat: 0, lon: 180.5 } }), 'location.lon', 'must be <= 180'],
    ['lat missing', valid({ location: { lon: 0 } }), 'location.lat', 'expected a number'],
    ['alt Infinity', valid({ location: { lat: 0, lon: 0, alt: Infinity } }), 'location.alt', 'expected a finite number'],
    ['tags not an object', valid({ tags: ['a'] }), 'tags', 'expected an object of tag name → string'],
    ['tags 21 entries', valid({ tags: tagsOf(21) }), 'tags', 'must have at most 20 entries (got 21)'],
    ['tag value a number', valid({ tags: { site: 7 } }), 'tags.site', 'expected a string'],
    ['tag value too long', valid({ tags: { site: 'v'.repeat(257) } }), 'tags.site', 'must be at most 256 characters'],
    ['tag key empty', valid({ tags: { '': 'x' } }), 'tags[""]', 'key: must not be empty'],
    ['schemaVersion 2 (unknown to this reader)', valid({ schemaVersion: 2 }), 'schemaVersion', 'unsupported version 2 (supported: 1)'],
    ['schemaVersion as a string', valid({ schemaVersion: '1' }), 'schemaVersion', 'unsupported version "1" (supported: 1)'],
    ['schemaVersion missing', valid({ schemaVersion: undefined }), 'schemaVersion', 'is required (supported: 1)'],
  ])('%s', (_name, input, path, message) => {
    expect(parseTelemetry(input)).toEqual({ ok: false, issues: [{ path, message }] });
  });

  it.each<[string, unknown]>([
    ['null', null],
    ['a number', 5],
    ['a string', '{"schemaVersion":1}'],
    ['an array', [valid()]],
    ['undefined', undefined],
  ])('the whole value is %s → path ""', (_name, input) => {
    expect(parseTelemetry(input)).toEqual({ ok: false, issues: [{ path: '', message: 'expected a telemetry object' }] });
  });
});

describe('parseTelemetry: all problems at once', () => {
  it('reports every bad field of one record, each with its path', () => {
    const result = parseTelemetry({
      schemaVersion: 1,
      deviceId: '',
      seq: -3,
      ts: 'soon',
      metrics: { temp: 'hot', 'bad name': 1, ok: 1 },
      location: { lat: 100, lon: -200 },
      tags: { site: 1 },
    });
    expect(result).toEqual({
      ok: false,
      issues: [
        { path: 'deviceId', message: 'must not be empty' },
        { path: 'seq', message: 'must be >= 0' },
        { path: 'ts', message: 'expected an ISO-8601 date-time with a time zone, e.g. 2025-01-31T12:00:00.000Z' },
        { path: 'metrics.temp', message: 'expected a finite number' },
        { path: 'metrics["bad name"]', message: 'key: may contain only letters, digits and _ . : / -' },
        { path: 'location.lat', message: 'must be <= 90' },
        { path: 'location.lon', message: 'must be >= -180' },
        { path: 'tags.site', message: 'expected a string' },
      ],
    });
  });

  it('reports a bad value and a bad count of the same map together', () => {
    const metrics: Record<string, unknown> = metricsOf(101);
    metrics['m7'] = 'x';
    const result = parseTelemetry(valid({ metrics }));
    expect(result).toEqual({
      ok: false,
      issues: [
        { path: 'metrics.m7', message: 'expected a finite number' },
        { path: 'metrics', message: 'must have 1 to 100 entries (got 101)' },
      ],
    });
  });
});

describe('parseTelemetry: ts normalisation to epoch milliseconds', () => {
  it.each<[string | number, number]>([
    [T0, T0],
    ['2025-01-31T12:00:00Z', T0],
    ['2025-01-31T12:00:00.000Z', T0],
    ['2025-01-31T12:00:00.123Z', T0 + 123],
    // Sub-millisecond digits are truncated, as Date.parse does.
    ['2025-01-31T12:00:00.123999Z', T0 + 123],
    ['2025-01-31T14:00:00+02:00', T0],
    ['2025-01-31T07:30:00.5-04:30', T0 + 500],
    ['1973-03-03T09:46:40Z', 100_000_000_000],
    [100_000_000_000, 100_000_000_000],
  ])('%j → %d', (ts, expected) => {
    const result = parseTelemetry(valid({ ts }));
    expect(result.ok && result.value.ts).toBe(expected);
  });
});

describe('versioning', () => {
  it('tolerates an unknown top-level field in a v1 record and strips it from the output', () => {
    const input = { ...valid(), firmware: '2.0.0', nested: { deep: true } };
    const result = parseTelemetry(input);
    expect(result).toEqual({ ok: true, value: valid() });
    expect(result.ok && Object.keys(result.value)).toEqual(['schemaVersion', 'deviceId', 'seq', 'ts', 'metrics']);
  });

  it('tolerates and strips an unknown field inside location', () => {
    const result = parseTelemetry(valid({ location: { lat: 1, lon: 2, accuracy: 5 } }));
    expect(result).toEqual({ ok: true, value: valid({ location: { lat: 1, lon: 2 } }) });
  });

  it('a consumer that adds v2 to the union still reads v1 records unchanged', () => {
    // What the next version will look like: v1 stays a member of the union, untouched.
    const v2 = z.object({
      schemaVersion: z.literal(2),
      deviceId: z.string(),
      seq: z.int(),
      ts: z.int(),
      samples: z.array(z.object({ name: z.string(), value: z.number() })),
    });
    const v2Reader = z.discriminatedUnion('schemaVersion', [telemetryEnvelopeV1Schema, v2]);
    const v1Record: TelemetryEnvelopeInput = { schemaVersion: 1, deviceId: 'd1', seq: 1, ts: '2025-01-31T12:00:00Z', metrics: { a: 1 } };
    expect(v2Reader.parse(v1Record)).toEqual({ ...v1Record, ts: T0 });
    expect(v2Reader.parse({ schemaVersion: 2, deviceId: 'd1', seq: 2, ts: T0, samples: [] }).schemaVersion).toBe(2);
  });

  it('the exported union and parseTelemetry agree', () => {
    expect(telemetryEnvelopeSchema.parse(valid({ ts: '2025-01-31T12:00:00Z' }))).toEqual(valid());
  });
});
