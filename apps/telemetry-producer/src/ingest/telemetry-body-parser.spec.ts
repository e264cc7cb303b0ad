import { IngestError } from './ingest-error';
import { bodyFormatOf, parseTelemetryBody } from './telemetry-body-parser';

const TS = 1_700_000_000_000;
const record = (seq: number, extra: Record<string, unknown> = {}) => ({ schemaVersion: 1, deviceId: 'dev-1', seq, ts: TS + seq, metrics: { t: 20 }, ...extra });
const bytes = (text: string) => new TextEncoder().encode(text);

function ingestErrorOf(fn: () => unknown): IngestError {
  try {
    fn();
  } catch (err) {
    if (err instanceof IngestError) return err;
    throw err;
  }
  throw new Error('expected an IngestError');
}

describe('bodyFormatOf', () => {
  it.each([
    ['application/json', 'json'],
    ['application/json; charset=utf-8', 'json'],
    ['Application/JSON;charset="UTF-8"', 'json'],
    ['application/x-ndjson', 'ndjson'],
    ['application/ndjson', 'ndjson'],
    ['application/jsonl; charset=utf8', 'ndjson'],
  ])('reads %s as %s', (contentType, format) => {
    expect(bodyFormatOf(contentType)).toBe(format);
  });

  it.each([[undefined], [''], ['text/plain'], ['application/x-www-form-urlencoded'], ['application/json; charset=latin1']])(
    'refuses %j with 415',
    (contentType) => {
      const err = ingestErrorOf(() => bodyFormatOf(contentType));
      expect(err.code).toBe('UNSUPPORTED_MEDIA_TYPE');
      expect(err.status).toBe(415);
      expect(err.headers).toEqual({ 'accept-post': 'application/json, application/x-ndjson, application/ndjson, application/jsonl' });
    },
  );
});

describe('parseTelemetryBody', () => {
  it('parses one JSON record', () => {
    expect(parseTelemetryBody(bytes(JSON.stringify(record(0, { ts: '2023-11-14T22:13:20.000Z' }))), 'json')).toEqual([
      { index: 0, ok: true, value: { schemaVersion: 1, deviceId: 'dev-1', seq: 0, ts: TS, metrics: { t: 20 } } },
    ]);
  });

  it('reports an invalid JSON record with field paths', () => {
    expect(parseTelemetryBody(bytes(JSON.stringify(record(-1, { metrics: { t: 'hot' } }))), 'json')).toEqual([
      {
        index: 0,
        ok: false,
        errors: [
          { path: 'seq', message: 'must be >= 0' },
          { path: 'metrics.t', message: 'expected a finite number' },
        ],
      },
    ]);
  });

  it.each([
    ['{"schemaVersion":', 'The body is not valid JSON'],
    ['', 'The body is empty'],
    ['[{"a":1}]', 'send a batch as application/x-ndjson'],
  ])('refuses the JSON body %j as malformed', (body, message) => {
    const err = ingestErrorOf(() => parseTelemetryBody(bytes(body), 'json'));
    expect(err.code).toBe('MALFORMED_BODY');
    expect(err.status).toBe(400);
    expect(err.message).toContain(message);
  });

  it('refuses a JSON body that is not UTF-8', () => {
    expect(ingestErrorOf(() => parseTelemetryBody(Uint8Array.from([0x7b, 0xff, 0x7d]), 'json')).message).toBe('The body is not valid UTF-8.');
  });

  it('parses an NDJSON batch line by line, reporting each bad line by number', () => {
    const lines = [
      JSON.stringify(record(0)),
      '', // blank lines are skipped but counted
      '{"schemaVersion":1,',
      JSON.stringify(record(2, { location: { lat: 91, lon: 0 } })),
      `${JSON.stringify(record(3))}\r`,
      '   ',
    ];
    const body = Buffer.concat([bytes(lines.join('\n')), Buffer.from('\n'), Buffer.from([0xc3, 0x28]), Buffer.from('\n')]);
    const items = parseTelemetryBody(body, 'ndjson');
    expect(items.map((i) => ({ index: i.index, line: i.line, ok: i.ok }))).toEqual([
      { index: 0, line: 1, ok: true },
      { index: 1, line: 3, ok: false },
      { index: 2, line: 4, ok: false },
      { index: 3, line: 5, ok: true },
      { index: 4, line: 7, ok: false },
    ]);
    expect(items[1]).toMatchObject({ errors: [{ path: '', message: expect.stringMatching(/^not valid JSON: /) }] });
    expect(items[2]).toMatchObject({ errors: [{ path: 'location.lat', message: 'must be <= 90' }] });
    expect(items[4]).toMatchObject({ errors: [{ path: '', message: 'not valid UTF-8' }] });
  });

  it('ignores a byte-order mark before the first line', () => {
    const items = parseTelemetryBody(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes(JSON.stringify(record(0)))]), 'ndjson');
    expect(items).toMatchObject([{ index: 0, line: 1, ok: true }]);
  });

  it('refuses an NDJSON body without records', () => {
    expect(ingestErrorOf(() => parseTelemetryBody(bytes('\n \n'), 'ndjson')).code).toBe('MALFORMED_BODY');
  });
});
