import { LineBuffer } from './line-buffer';
import { RecordFormatter, appendRaw, decodeData, type TailRecord } from './record-format';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const record = (data: Uint8Array, extra: Partial<TailRecord> = {}): TailRecord => ({
  data,
  partitionKey: 'sensor-1',
  sequenceNumber: '49590338271490256608559692538361571095921575989136588898',
  subSequenceNumber: 0,
  aggregated: false,
  approximateArrivalTimestamp: new Date('2026-12-07T06:00:00.123Z'),
  ...extra,
});

describe('decodeData', () => {
  it('keeps one-line JSON as it is and says json', () => {
    expect(decodeData(bytes('{"temp": 31.5, "ok": true}'))).toEqual({ encoding: 'json', json: '{"temp": 31.5, "ok": true}', value: { temp: 31.5, ok: true } });
    expect(decodeData(bytes(' [1,2] '))).toEqual({ encoding: 'json', json: '[1,2]', value: [1, 2] });
    expect(decodeData(bytes('42'))).toEqual({ encoding: 'json', json: '42', value: 42 });
    expect(decodeData(bytes('"quoted"'))).toEqual({ encoding: 'json', json: '"quoted"', value: 'quoted' });
  });

  it('re-serialises multi-line JSON so the output stays one line per record', () => {
    const decoded = decodeData(bytes('{\n  "a": 1,\r\n  "b": "x"\n}'));
    expect(decoded).toEqual({ encoding: 'json', json: '{"a":1,"b":"x"}', value: { a: 1, b: 'x' } });
  });

  it('gives UTF-8 that is not JSON as text, escaped', () => {
    expect(decodeData(bytes('héllo "wörld"\n'))).toEqual({ encoding: 'text', json: '"héllo \\"wörld\\"\\n"', value: 'héllo "wörld"\n' });
    expect(decodeData(bytes('{not json'))).toEqual({ encoding: 'text', json: '"{not json"', value: '{not json' });
    expect(decodeData(bytes('nothing'))).toEqual({ encoding: 'text', json: '"nothing"', value: 'nothing' });
    expect(decodeData(new Uint8Array(0))).toEqual({ encoding: 'text', json: '""', value: '' });
  });

  it('gives bytes that are not UTF-8 as base64', () => {
    const binary = new Uint8Array([0xff, 0xfe, 0x00, 0x41]);
    expect(decodeData(binary)).toEqual({ encoding: 'base64', json: `"${Buffer.from(binary).toString('base64')}"`, value: undefined });
    // A view into a larger buffer (KPL sub-records are views into the aggregate) decodes only its own bytes.
    const big = Buffer.from('xx{"a":1}yy');
    expect(decodeData(big.subarray(2, 9)).json).toBe('{"a":1}');
  });
});

/** The line both ways: straight from the bytes (no --where), and from decodeData's result (--where). */
function lines(f: RecordFormatter, r: TailRecord): string {
  const out = new LineBuffer(8);
  f.append(out, r);
  const direct = out.take().toString('utf8');
  f.append(out, r, decodeData(r.data));
  expect(JSON.parse(out.take().toString('utf8'))).toEqual(JSON.parse(direct));
  return direct;
}

describe('RecordFormatter', () => {
  it('prints a JSON line that parses back to the documented fields', () => {
    const f = new RecordFormatter('orders "eu"', 'shardId-000000000001');
    const line = lines(f, record(bytes('{"temp":31}')));
    expect(line.endsWith('}\n')).toBe(true);
    expect(line.indexOf('\n')).toBe(line.length - 1);
    expect(JSON.parse(line)).toEqual({
      stream: 'orders "eu"',
      shard: 'shardId-000000000001',
      sequence: '49590338271490256608559692538361571095921575989136588898',
      partitionKey: 'sensor-1',
      arrival: '2026-12-07T06:00:00.123Z',
      dataEncoding: 'json',
      data: { temp: 31 },
    });
  });

  it.each([
    ['{"a":1}', 'json', { a: 1 }],
    ['  [1, 2]\n', 'json', [1, 2]],
    ['{\n "a": "x"\n}', 'json', { a: 'x' }],
    ['7', 'json', 7],
    ['{"a":1', 'text', '{"a":1'],
    ['héllo "wörld"\n', 'text', 'héllo "wörld"\n'],
    ['', 'text', ''],
  ])('gives the payload %j as %s', (payload, encoding, data) => {
    const line = lines(new RecordFormatter('s', 'shardId-000000000000'), record(bytes(payload)));
    expect(line.indexOf('\n')).toBe(line.length - 1);
    expect(JSON.parse(line)).toMatchObject({ dataEncoding: encoding, data });
  });

  it('gives bytes that are not UTF-8 as base64, and reads views into larger buffers only', () => {
    const binary = new Uint8Array([0xff, 0xfe, 0x00, 0x41]);
    expect(JSON.parse(lines(new RecordFormatter('s', 'x'), record(binary)))).toMatchObject({ dataEncoding: 'base64', data: Buffer.from(binary).toString('base64') });
    const big = Buffer.from('xx{"a":1}yy');
    expect(JSON.parse(lines(new RecordFormatter('s', 'x'), record(big.subarray(2, 9))))).toMatchObject({ dataEncoding: 'json', data: { a: 1 } });
  });

  it('adds subSequence for KPL sub-records only, and escapes partition keys', () => {
    const f = new RecordFormatter('s', 'shardId-000000000000');
    const data = bytes('hi');
    const parsed = JSON.parse(lines(f, record(data, { aggregated: true, subSequenceNumber: 7, partitionKey: 'a"b\\c\u00e9' })));
    expect(parsed).toMatchObject({ subSequence: 7, partitionKey: 'a"b\\c\u00e9', dataEncoding: 'text', data: 'hi' });
    expect('subSequence' in JSON.parse(lines(f, record(data)))).toBe(false);
  });

  it('formats each arrival time (cache per millisecond does not leak between records)', () => {
    const f = new RecordFormatter('s', 'shardId-000000000000');
    const data = bytes('1');
    const a = JSON.parse(lines(f, record(data, { approximateArrivalTimestamp: new Date(1_000) })));
    const b = JSON.parse(lines(f, record(data, { approximateArrivalTimestamp: new Date(2_000) })));
    expect([a.arrival, b.arrival]).toEqual(['1970-01-01T00:00:01.000Z', '1970-01-01T00:00:02.000Z']);
  });
});

describe('appendRaw', () => {
  it('is the payload bytes and a newline', () => {
    const out = new LineBuffer(2);
    appendRaw(out, record(new Uint8Array([0, 1, 2])));
    appendRaw(out, record(new Uint8Array([3])));
    expect(out.take().equals(Buffer.from([0, 1, 2, 10, 3, 10]))).toBe(true);
  });
});
