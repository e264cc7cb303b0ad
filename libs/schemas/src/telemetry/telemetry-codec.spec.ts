import { decodeTelemetry, encodeTelemetry } from './telemetry-codec';
import { parseTelemetry, type TelemetryEnvelope } from './telemetry-envelope';

const T0 = Date.UTC(2025, 0, 31, 12, 0, 0, 0);

const parsed = (input: unknown): TelemetryEnvelope => {
  const result = parseTelemetry(input);
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.value;
};

describe('encodeTelemetry / decodeTelemetry', () => {
  it.each<[string, unknown]>([
    ['minimal', { schemaVersion: 1, deviceId: 'd', seq: 0, ts: T0, metrics: { a: 1 } }],
    [
      'every field',
      {
        schemaVersion: 1,
        deviceId: 'dev:42',
        seq: Number.MAX_SAFE_INTEGER,
        ts: '2025-01-31T12:00:00.007Z',
        metrics: { temp: -3.25, 'cpu.load': 0.1 + 0.2, big: 1.7976931348623157e308, tiny: 5e-324 },
        location: { lat: -33.8688, lon: 151.2093, alt: 58 },
        tags: { site: 'Zürich', emoji: '📡', empty: '' },
      },
    ],
  ])('round trips %s exactly', (_name, input) => {
    const value = parsed(input);
    const bytes = encodeTelemetry(value);
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect(decodeTelemetry(bytes)).toEqual({ ok: true, value });
  });

  it('writes ts as epoch milliseconds, JSON in UTF-8', () => {
    const bytes = encodeTelemetry(parsed({ schemaVersion: 1, deviceId: 'd', seq: 1, ts: '2025-01-31T12:00:00Z', metrics: { a: 1 } }));
    expect(Buffer.from(bytes).toString('utf8')).toBe(`{"schemaVersion":1,"deviceId":"d","seq":1,"ts":${T0},"metrics":{"a":1}}`);
    const withTag = encodeTelemetry(parsed({ schemaVersion: 1, deviceId: 'd', seq: 1, ts: T0, metrics: { a: 1 }, tags: { t: 'é' } }));
    // "é" is two bytes in UTF-8 (0xC3 0xA9).
    expect(Buffer.from(withTag).subarray(-5)).toEqual(Buffer.from([0xc3, 0xa9, 0x22, 0x7d, 0x7d]));
  });

  it.each<[string, Uint8Array, string, string]>([
    ['malformed UTF-8', Uint8Array.from([0x7b, 0xff, 0x7d]), '', 'not valid UTF-8'],
    ['not JSON', new TextEncoder().encode('{"schemaVersion":1,'), '', 'not valid JSON: '],
    ['empty', new Uint8Array(0), '', 'not valid JSON: '],
    ['valid JSON, invalid record', new TextEncoder().encode('{"schemaVersion":1,"deviceId":"d","seq":-1,"ts":1738324800000,"metrics":{"a":1}}'), 'seq', 'must be >= 0'],
  ])('decoding %s fails with an issue', (_name, bytes, path, messageStart) => {
    const result = decodeTelemetry(bytes);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues).toHaveLength(1);
    expect(result.issues[0]?.path).toBe(path);
    expect(result.issues[0]?.message.startsWith(messageStart)).toBe(true);
  });

  it('decodes a record a v1 producer wrote with an ISO ts and an extra field', () => {
    const bytes = new TextEncoder().encode('{"schemaVersion":1,"deviceId":"d","seq":9,"ts":"2025-01-31T13:00:00+01:00","metrics":{"a":2},"x":1}');
    expect(decodeTelemetry(bytes)).toEqual({ ok: true, value: { schemaVersion: 1, deviceId: 'd', seq: 9, ts: T0, metrics: { a: 2 } } });
  });
});
