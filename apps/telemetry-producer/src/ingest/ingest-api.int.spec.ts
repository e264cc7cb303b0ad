/**
 * The ingest API end to end: the app in process on port 0 (built by the same factory main.ts calls, from the
 * same settings parser), the real emulator on port 0, the real producer, and what the stream holds afterwards,
 * read back and deaggregated with aws-kinesis-agg.
 */
import * as http from 'node:http';
import * as zlib from 'node:zlib';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { SignJWT } from 'jose';
import { generateApiKey, type GeneratedApiKey } from '@tributary/auth';
import { RUNTIME_DEFAULTS } from '@tributary/runtime';
import { startEmulator, type RunningEmulator } from '@tributary/emulator';
import { decodeTelemetry } from '@tributary/schemas';
import { readStream } from '../testing/kinesis-stream-reader';
import { request, type TestResponse } from '../testing/http-test-client';
import { loadConfig } from '../telemetry-producer-config';
import { startTelemetryProducer, type RunningTelemetryProducer } from '../telemetry-producer-app';

const REGION = 'us-east-1';
const CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };
const JWT_SECRET = 'a-test-secret-of-at-least-32-bytes!!';
const AUDIENCE = 'tributary-ingest';
const T0 = Date.UTC(2025, 0, 1);

let counter = 0;
const unique = (prefix: string): string => `${prefix}-${process.pid}-${Date.now().toString(36)}-${++counter}`;

const rec = (deviceId: string, seq: number, extra: Record<string, unknown> = {}) => ({
  schemaVersion: 1,
  deviceId,
  seq,
  ts: T0 + seq * 1000,
  metrics: { temperature_c: 20 + seq / 10, battery_pct: 90 },
  ...extra,
});
const ndjson = (lines: unknown[]): string => `${lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n')}\n`;

const keyLine = (k: GeneratedApiKey): string => `${k.record.id}:${k.record.hash}:${k.record.scopes.join(',')}`;
/** An HS256 token for the app's audience, valid 5 minutes unless `claims` sets its own `exp`. */
const jwt = (claims: Record<string, unknown>): Promise<string> =>
  new SignJWT({ exp: Math.floor(Date.now() / 1000) + 300, ...claims })
    .setProtectedHeader({ alg: 'HS256' })
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .sign(new TextEncoder().encode(JWT_SECRET));

const post = (url: string, body: string | Buffer, headers: Record<string, string>, extra: { chunked?: boolean; agent?: http.Agent } = {}) =>
  request(url, { path: '/v1/telemetry', body, headers, ...extra });

interface Summary {
  accepted: number;
  invalid: number;
  failed: number;
  results: Array<Record<string, unknown>>;
}

function expectProblem(res: TestResponse, status: number, code: string): Record<string, unknown> {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
  const body = res.json as Record<string, unknown>;
  expect(body).toMatchObject({ type: 'about:blank', title: http.STATUS_CODES[status], status, code });
  expect(typeof body['detail']).toBe('string');
  return body;
}

describe('telemetry ingest API', () => {
  let emu: RunningEmulator;
  let kinesis: KinesisClient;
  const writer = generateApiKey({ scopes: ['telemetry:write'], name: 'writer' });
  const reader = generateApiKey({ scopes: ['telemetry:read'], name: 'reader' });
  const neighbour = generateApiKey({ scopes: ['telemetry:*'], name: 'neighbour' });
  const stream = unique('ingest');
  let app: RunningTelemetryProducer;

  beforeAll(async () => {
    emu = await startEmulator({ port: 0 });
    kinesis = new KinesisClient({ endpoint: emu.url, region: REGION, credentials: CREDENTIALS });
    const loaded = loadConfig(
      ['--mode', 'ingest', '--host', '127.0.0.1', '--port', '0', '--stream', stream, '--create-stream', '2', '--body-limit', '64kb', '--jwt-audience', AUDIENCE],
      { TELEMETRY_API_KEYS: [writer, reader, neighbour].map(keyLine).join(';'), TELEMETRY_JWT_SECRET: JWT_SECRET },
    );
    if (loaded.help) throw new Error('unexpected --help');
    app = await startTelemetryProducer({
      config: loaded.config,
      kinesis: { endpoint: emu.url, region: REGION, credentials: CREDENTIALS },
      producerOptions: { maxBufferedTimeMs: 20 },
      defaultMetrics: false,
    });
  });

  afterAll(async () => {
    await app?.close();
    kinesis?.destroy();
    await emu?.close();
  });

  const auth = { 'x-api-key': writer.key };
  const NDJSON = { 'content-type': 'application/x-ndjson' };

  it('accepts an authenticated NDJSON batch: 200, one sequence number per record, and the records are in the stream in order', async () => {
    const devices = ['a', 'b', 'c'].map((d) => unique(`dev-${d}`));
    const records = Array.from({ length: 30 }, (_, i) => rec(devices[i % 3], Math.floor(i / 3)));
    const res = await post(app.url, ndjson(records), { ...auth, ...NDJSON });

    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    const body = res.json as Summary;
    expect(body).toMatchObject({ accepted: 30, invalid: 0, failed: 0 });
    expect(body.results).toHaveLength(30);
    body.results.forEach((r, i) => {
      expect(r).toMatchObject({ index: i, line: i + 1, status: 'accepted', shardId: expect.stringMatching(/^shardId-\d{12}$/), sequenceNumber: expect.stringMatching(/^\d{56}$/) });
    });

    const stored = (await readStream(kinesis, stream)).filter((s) => devices.includes(s.partitionKey));
    expect(stored).toHaveLength(30);
    // Every answer points at the stored record holding exactly what was sent.
    body.results.forEach((r, i) => {
      const at = stored.find((s) => s.shardId === r['shardId'] && s.sequenceNumber === r['sequenceNumber'] && s.subSequenceNumber === r['subSequenceNumber']);
      expect(at).toBeDefined();
      const decoded = decodeTelemetry(at?.data as Buffer);
      expect(decoded).toEqual({ ok: true, value: records[i] });
      expect(at?.partitionKey).toBe(records[i].deviceId);
    });
    // Per device, one shard and the order sent.
    for (const d of devices) {
      const own = stored.filter((s) => s.partitionKey === d);
      expect(new Set(own.map((s) => s.shardId)).size).toBe(1);
      expect(own.map((s) => (decodeTelemetry(s.data) as { value: { seq: number } }).value.seq)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    }
  });

  it('accepts one JSON record with a JWT bearer token carrying the scope', async () => {
    const token = await jwt({ sub: 'gateway-7', scope: 'telemetry:write other:scope' });
    const res = await post(app.url, JSON.stringify(rec(unique('jwt-dev'), 0, { ts: '2025-01-01T00:00:00Z' })), {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
    });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      accepted: 1,
      invalid: 0,
      failed: 0,
      // No `line` (not NDJSON); a subSequenceNumber only if the producer aggregated it with other records.
      results: [expect.objectContaining({ index: 0, status: 'accepted', shardId: expect.stringMatching(/^shardId-/), sequenceNumber: expect.stringMatching(/^\d+$/) })],
    });
  });

  it('reports invalid records per line with their field paths (207) and writes the valid ones', async () => {
    const device = unique('mixed');
    const lines = [
      rec(device, 0),
      rec(device, 1, { metrics: { temperature_c: 'hot' }, location: { lat: 95, lon: 0 } }),
      '',
      '{"schemaVersion":1,"deviceId":',
      rec(device, 2),
      { ...rec(device, 3), schemaVersion: 2 },
    ];
    const res = await post(app.url, ndjson(lines), { ...auth, ...NDJSON });
    expect(res.status).toBe(207);
    const body = res.json as Summary;
    expect(body).toMatchObject({ accepted: 2, invalid: 3, failed: 0 });
    expect(body.results).toEqual([
      expect.objectContaining({ index: 0, line: 1, status: 'accepted' }),
      {
        index: 1,
        line: 2,
        status: 'invalid',
        errors: [
          { path: 'metrics.temperature_c', message: 'expected a finite number' },
          { path: 'location.lat', message: 'must be <= 90' },
        ],
      },
      { index: 2, line: 4, status: 'invalid', errors: [{ path: '', message: expect.stringMatching(/^not valid JSON: /) }] },
      expect.objectContaining({ index: 3, line: 5, status: 'accepted' }),
      { index: 4, line: 6, status: 'invalid', errors: [{ path: 'schemaVersion', message: 'unsupported version 2 (supported: 1)' }] },
    ]);
    const stored = (await readStream(kinesis, stream)).filter((s) => s.partitionKey === device);
    expect(stored.map((s) => (decodeTelemetry(s.data) as { value: { seq: number } }).value.seq)).toEqual([0, 2]);
  });

  it('answers 400 with the per-line problems when nothing is valid', async () => {
    const res = await post(app.url, ndjson(['not json', '{"schemaVersion":1}']), { ...auth, ...NDJSON });
    const body = expectProblem(res, 400, 'NO_VALID_RECORDS');
    expect(body['results']).toEqual([
      { index: 0, line: 1, status: 'invalid', errors: [{ path: '', message: expect.stringMatching(/^not valid JSON: /) }] },
      {
        index: 1,
        line: 2,
        status: 'invalid',
        errors: expect.arrayContaining([
          { path: 'deviceId', message: expect.any(String) },
          { path: 'seq', message: expect.any(String) },
          { path: 'ts', message: expect.any(String) },
          { path: 'metrics', message: expect.any(String) },
        ]),
      },
    ]);
  });

  it.each([
    ['malformed JSON', '{"schemaVersion": 1,', 'application/json', 'The body is not valid JSON'],
    ['a JSON array', '[]', 'application/json', 'send a batch as application/x-ndjson'],
    ['an empty NDJSON body', '\n\n', 'application/x-ndjson', 'The body holds no records'],
  ])('answers 400 to %s', async (_what, body, type, detail) => {
    const res = await post(app.url, body, { ...auth, 'content-type': type });
    expect(expectProblem(res, 400, 'MALFORMED_BODY')['detail']).toContain(detail);
  });

  describe('authentication', () => {
    const body = ndjson([rec('auth-dev', 0)]);

    it('answers 401 without credentials, offering both schemes', async () => {
      const res = await post(app.url, body, NDJSON);
      expectProblem(res, 401, 'MISSING_CREDENTIALS');
      expect(res.headers['www-authenticate']).toBe('Bearer realm="tributary", ApiKey realm="tributary"');
    });

    it('answers 401 to an unknown key and to an expired token', async () => {
      const forged = generateApiKey({ scopes: ['telemetry:write'] });
      expectProblem(await post(app.url, body, { 'x-api-key': forged.key, ...NDJSON }), 401, 'INVALID_CREDENTIALS');
      const expired = await jwt({ sub: 'old', scope: 'telemetry:write', exp: Math.floor(Date.now() / 1000) - 3600 });
      expectProblem(await post(app.url, body, { authorization: `Bearer ${expired}`, ...NDJSON }), 401, 'EXPIRED_CREDENTIALS');
    });

    it('answers 403 without the telemetry:write scope, naming it', async () => {
      const res = await post(app.url, body, { authorization: `ApiKey ${reader.key}`, ...NDJSON });
      expectProblem(res, 403, 'INSUFFICIENT_SCOPE');
      expect(res.headers['www-authenticate']).toContain('error="insufficient_scope", scope="telemetry:write"');
      const token = await jwt({ sub: 'viewer', scope: 'telemetry:read' });
      expectProblem(await post(app.url, body, { authorization: `Bearer ${token}`, ...NDJSON }), 403, 'INSUFFICIENT_SCOPE');
    });

    it('authenticates before looking at the body: a stranger learns nothing about content types', async () => {
      expectProblem(await post(app.url, 'x', { 'content-type': 'text/plain' }), 401, 'MISSING_CREDENTIALS');
    });
  });

  it('answers 413 to a body over the limit, declared or chunked, and closes the connection', async () => {
    const big = ndjson(Array.from({ length: 1000 }, (_, i) => rec('big-dev', i)));
    expect(big.length).toBeGreaterThan(64 * 1024);
    const declared = await post(app.url, big, { ...auth, ...NDJSON });
    expect(expectProblem(declared, 413, 'BODY_TOO_LARGE')).toMatchObject({ limitBytes: 65536 });
    expect(declared.headers['connection']).toBe('close');
    const chunked = await post(app.url, Buffer.alloc(4 * 1024 * 1024, 0x20), { ...auth, ...NDJSON }, { chunked: true });
    expectProblem(chunked, 413, 'BODY_TOO_LARGE');
    expect(chunked.headers['connection']).toBe('close');
  });

  it.each([
    ['text/plain', 'Content-Type "text/plain"'],
    ['application/json; charset=iso-8859-1', 'charset=iso-8859-1'],
  ])('answers 415 to %s, listing what it accepts', async (type, detail) => {
    const res = await post(app.url, JSON.stringify(rec('t', 0)), { ...auth, 'content-type': type });
    expect(expectProblem(res, 415, 'UNSUPPORTED_MEDIA_TYPE')['detail']).toContain(detail);
    expect(res.headers['accept-post']).toBe('application/json, application/x-ndjson, application/ndjson, application/jsonl');
  });

  // Regression (issue 12, item 10): a compressed batch was read as raw bytes and answered 400.
  describe('compressed bodies', () => {
    const batch = (device: string): string => ndjson(Array.from({ length: 30 }, (_, seq) => rec(device, seq)));

    it.each<[string, (b: Buffer) => Buffer]>([
      ['gzip', (b) => zlib.gzipSync(b)],
      ['x-gzip', (b) => zlib.gzipSync(b)],
      ['deflate', (b) => zlib.deflateSync(b)],
      ['br', (b) => zlib.brotliCompressSync(b)],
      ['GZIP', (b) => zlib.gzipSync(b)],
    ])('accepts a %s NDJSON batch, fixed length or chunked, and writes every record', async (coding, compress) => {
      for (const chunked of [false, true]) {
        const device = unique(`z-${coding}`);
        const res = await post(app.url, compress(Buffer.from(batch(device))), { ...auth, ...NDJSON, 'content-encoding': coding }, { chunked });
        expect(res.status).toBe(200);
        expect(res.json).toMatchObject({ accepted: 30, invalid: 0, failed: 0 });
      }
    });

    it('answers 413 to a zip bomb (request-body-reader.spec.ts shows the decoding stops at the limit) and closes the connection', async () => {
      // 64 MiB of spaces in 64 KiB of gzip: the wire size passes, the decoded size does not.
      const bomb = zlib.gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20), { level: 9 });
      expect(bomb.length).toBeLessThan(64 * 1024);
      const res = await post(app.url, bomb, { ...auth, ...NDJSON, 'content-encoding': 'gzip' });
      expect(expectProblem(res, 413, 'BODY_TOO_LARGE')).toMatchObject({ limitBytes: 65536 });
      expect(expectProblem(res, 413, 'BODY_TOO_LARGE')['detail']).toContain('decoded');
      expect(res.headers['connection']).toBe('close');
    });

    it.each([['compress'], ['zstd'], ['gzip, br'], ['foo']])('answers 415 to Content-Encoding %s, listing the codings it accepts', async (coding) => {
      const res = await post(app.url, zlib.gzipSync(Buffer.from(batch('x'))), { ...auth, ...NDJSON, 'content-encoding': coding });
      expect(expectProblem(res, 415, 'UNSUPPORTED_ENCODING')['detail']).toContain('gzip, deflate, br');
      expect(res.headers['accept-encoding']).toBe('gzip, deflate, br');
    });

    it('answers 400 to a body that does not decode', async () => {
      const truncated = zlib.gzipSync(Buffer.from(batch('t'))).subarray(0, 40);
      expectProblem(await post(app.url, truncated, { ...auth, ...NDJSON, 'content-encoding': 'gzip' }), 400, 'MALFORMED_BODY');
      expectProblem(await post(app.url, Buffer.from(batch('u')), { ...auth, ...NDJSON, 'content-encoding': 'br' }), 400, 'MALFORMED_BODY');
    });
  });

  it('listens with the runtime server timeouts (a trickled body is cut after 30 s, not 300 s)', () => {
    expect({ headers: app.server.headersTimeout, request: app.server.requestTimeout, idle: app.server.timeout }).toEqual({
      headers: RUNTIME_DEFAULTS.http.headersTimeoutMs,
      request: RUNTIME_DEFAULTS.http.requestTimeoutMs,
      idle: RUNTIME_DEFAULTS.http.idleTimeoutMs,
    });
  });

  it('answers 415 without a content type', async () => {
    const res = await request(app.url, { path: '/v1/telemetry', body: JSON.stringify(rec('t', 0)), headers: auth });
    expectProblem(res, 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  it('answers 405 to other methods and 404 elsewhere, as problems', async () => {
    const get = await request(app.url, { method: 'GET', path: '/v1/telemetry', headers: auth });
    expectProblem(get, 405, 'METHOD_NOT_ALLOWED');
    expect(get.headers['allow']).toBe('POST');
    expectProblem(await request(app.url, { method: 'GET', path: '/v2/nothing' }), 404, 'NOT_FOUND');
  });

  it('sets the security headers on every answer', async () => {
    for (const res of [await request(app.url, { method: 'GET', path: '/healthz' }), await post(app.url, 'x', NDJSON)]) {
      expect(res.headers).toMatchObject({
        'x-content-type-options': 'nosniff',
        'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
        'x-frame-options': 'DENY',
        'referrer-policy': 'no-referrer',
        'cross-origin-resource-policy': 'same-origin',
        'cache-control': 'no-store',
      });
      expect(res.headers['x-powered-by']).toBeUndefined();
    }
  });

  it("does not let one client's malformed and oversized requests disturb another client's concurrent batches", async () => {
    const devices = Array.from({ length: 10 }, (_, i) => unique(`calm-${i}`));
    const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
    const bad: Promise<TestResponse>[] = [];
    for (let i = 0; i < 8; i++) {
      bad.push(post(app.url, Buffer.alloc(2 * 1024 * 1024, 0x7b), { 'x-api-key': neighbour.key, ...NDJSON }, { chunked: true }));
      bad.push(post(app.url, '{"schemaVersion":1,'.repeat(100), { 'x-api-key': neighbour.key, 'content-type': 'application/json' }));
      // 50 lines each: within the key's rate (burst 2,000 records), so the answers are 400 and not 429.
      bad.push(post(app.url, 'garbage\n'.repeat(50), { 'x-api-key': neighbour.key, ...NDJSON }));
      bad.push(post(app.url, 'x', { 'x-api-key': neighbour.key, 'content-type': 'image/png' }));
    }
    const good = devices.map((d) => post(app.url, ndjson(Array.from({ length: 20 }, (_, seq) => rec(d, seq))), { ...auth, ...NDJSON }, { agent }));
    const [badAnswers, goodAnswers] = await Promise.all([Promise.all(bad), Promise.all(good)]);
    agent.destroy();

    expect(badAnswers.map((r) => r.status)).toEqual(Array.from({ length: 8 }, () => [413, 400, 400, 415]).flat());
    for (const res of goodAnswers) {
      expect(res.status).toBe(200);
      expect(res.json).toMatchObject({ accepted: 20, invalid: 0, failed: 0 });
    }
    const stored = (await readStream(kinesis, stream)).filter((s) => devices.includes(s.partitionKey));
    expect(stored).toHaveLength(200);
  });

  it('reports liveness and producer state on /healthz', async () => {
    const res = await request(app.url, { method: 'GET', path: '/healthz' });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      status: 'ok',
      mode: 'ingest',
      stream,
      producer: { writable: true, bufferedRecords: 0, waitingPuts: 0, retryingRecords: 0, shards: 2, totals: { failures: 0 } },
      ingest: { inFlightRecords: 0, maxInFlightRecords: 20000 },
    });
    expect((res.json as Record<string, unknown>)['simulator']).toBeUndefined();
  });
});

describe('telemetry ingest API: limits, overload, metrics and shutdown', () => {
  let emu: RunningEmulator;
  let kinesis: KinesisClient;
  const limited = generateApiKey({ scopes: ['telemetry:write'], name: 'limited' });
  const other = generateApiKey({ scopes: ['telemetry:write'], name: 'other' });
  const bulk = generateApiKey({ scopes: ['telemetry:write'], name: 'bulk' });
  const unlucky = generateApiKey({ scopes: ['telemetry:write'], name: 'unlucky' });
  const stream = unique('limits');
  let app: RunningTelemetryProducer;
  const NDJSON = { 'content-type': 'application/x-ndjson' };

  beforeAll(async () => {
    emu = await startEmulator({ port: 0 });
    kinesis = new KinesisClient({ endpoint: emu.url, region: REGION, credentials: CREDENTIALS });
    const loaded = loadConfig(
      ['--mode', 'ingest', '--host', '127.0.0.1', '--port', '0', '--stream', stream, '--create-stream', '1', '--rate-limit', '1', '--rate-burst', '3', '--max-in-flight', '5'],
      { TELEMETRY_API_KEYS: [limited, other, bulk, unlucky].map(keyLine).join('\n') },
    );
    if (loaded.help) throw new Error('unexpected --help');
    app = await startTelemetryProducer({
      config: loaded.config,
      kinesis: { endpoint: emu.url, region: REGION, credentials: CREDENTIALS },
      // A short time-to-live, so that records Kinesis keeps refusing fail within the test.
      producerOptions: { maxBufferedTimeMs: 10, recordTtlMs: 1_500 },
      defaultMetrics: false,
    });
  });

  afterAll(async () => {
    await app?.close();
    kinesis?.destroy();
    await emu?.close();
  });

  it('answers 429 with Retry-After once a key is over its rate, without slowing other keys', async () => {
    const first = await post(app.url, ndjson([0, 1, 2].map((s) => rec('rl-dev', s))), { 'x-api-key': limited.key, ...NDJSON });
    expect(first.status).toBe(200);
    // The batch used the whole burst of 3: the next request, even of one record, waits for a token (1/s).
    const second = await post(app.url, ndjson([rec('rl-dev', 3)]), { 'x-api-key': limited.key, ...NDJSON });
    expectProblem(second, 429, 'RATE_LIMITED');
    expect(second.headers['retry-after']).toBe('1');
    const neighbour = await post(app.url, ndjson([rec('ok-dev', 0)]), { 'x-api-key': other.key, ...NDJSON });
    expect(neighbour.status).toBe(200);
  });

  it('answers 503 with Retry-After while max-in-flight records wait for Kinesis, and 413 to a batch that could never fit', async () => {
    // Kinesis answers slowly: five records fill the window (max-in-flight 5) for a second.
    emu.faults.add({ operations: ['PutRecords'], streamName: stream, latencyMs: 1_000, count: 1 });
    const slow = post(app.url, ndjson([0, 1].map((s) => rec('slow-dev', s))), { 'x-api-key': bulk.key, ...NDJSON });
    const slow2 = post(app.url, ndjson([0, 1, 2].map((s) => rec('slow-dev-2', s))), { 'x-api-key': other.key, ...NDJSON });
    for (let i = 0; i < 100 && (app.health()['ingest'] as { inFlightRecords: number }).inFlightRecords < 5; i++) await new Promise((r) => setTimeout(r, 10));
    expect(app.health()['ingest']).toEqual({ inFlightRecords: 5, maxInFlightRecords: 5 });

    const refused = await post(app.url, ndjson([rec('late-dev', 0)]), { 'x-api-key': bulk.key, ...NDJSON });
    expectProblem(refused, 503, 'OVERLOADED');
    expect(refused.headers['retry-after']).toBe('1');
    expect((await slow).status).toBe(200);
    expect((await slow2).status).toBe(200);

    const tooMany = await post(app.url, ndjson([0, 1, 2, 3, 4, 5].map((s) => rec('many-dev', s))), { 'x-api-key': bulk.key, ...NDJSON });
    expect(expectProblem(tooMany, 413, 'BODY_TOO_LARGE')).toMatchObject({ maxRecords: 5 });
  });

  it('answers 503 with each record failed when Kinesis never acknowledges them within their time-to-live', async () => {
    const rule = emu.faults.add({ operations: ['PutRecords'], streamName: stream, errorRate: 1 });
    const res = await post(app.url, ndjson([rec('doomed', 0), rec('doomed', 1)]), { 'x-api-key': unlucky.key, ...NDJSON });
    emu.faults.remove(rule.id);
    const body = expectProblem(res, 503, 'NOT_DELIVERED');
    expect(res.headers['retry-after']).toBe('1');
    expect(body).toMatchObject({ accepted: 0, invalid: 0, failed: 2 });
    expect(body['results']).toEqual([0, 1].map((i) => ({
      index: i,
      line: i + 1,
      status: 'failed',
      error: { code: 'RECORD_EXPIRED', message: expect.stringContaining('within its time-to-live'), retriable: true },
    })));
  });

  it('exposes request, record and producer metrics on /metrics', async () => {
    const res = await request(app.url, { method: 'GET', path: '/metrics' });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    const line = (name: string): string | undefined => res.text.split('\n').find((l) => l.startsWith(`${name} `));
    // Accepted so far in this block: 3 + 1 + 2 + 3 records.
    expect(line('telemetry_producer_records_accepted_total{source="http"}')).toBe('telemetry_producer_records_accepted_total{source="http"} 9');
    expect(line('telemetry_producer_http_requests_total{method="POST",route="/v1/telemetry",status="200"}')).toMatch(/ 4$/);
    expect(line('telemetry_producer_http_requests_total{method="POST",route="/v1/telemetry",status="429"}')).toMatch(/ 1$/);
    expect(line('telemetry_producer_http_requests_total{method="POST",route="/v1/telemetry",status="503"}')).toMatch(/ 2$/);
    expect(line('telemetry_producer_records_rejected_total{source="http",reason="not_delivered"}')).toMatch(/ 2$/);
    expect(line('kinesis_producer_failures_total{code="RECORD_EXPIRED"}')).toMatch(/ 2$/);
    expect(line('telemetry_producer_http_requests_total{method="POST",route="/v1/telemetry",status="413"}')).toMatch(/ 1$/);
    expect(line('telemetry_producer_ingest_in_flight_records')).toBe('telemetry_producer_ingest_in_flight_records 0');
    expect(line('kinesis_producer_user_records_put_total')).toBe('kinesis_producer_user_records_put_total 9');
    expect(line('kinesis_producer_buffered_records')).toBe('kinesis_producer_buffered_records 0');
    expect(line('kinesis_producer_shards')).toBe('kinesis_producer_shards 1');
    expect(Number(line('kinesis_producer_retries_total{kind="transient"}')?.split(' ')[1])).toBeGreaterThan(0);
    expect(res.text).toContain('kinesis_producer_put_latency_seconds_count ');
    expect(res.text).toContain('telemetry_producer_http_request_duration_seconds_count{method="POST",route="/v1/telemetry",status="200"} 4');
  });

  it('turns /healthz and new requests to 503 once shutdown begins, then flushes and closes', async () => {
    app.beginClose();
    const health = await request(app.url, { method: 'GET', path: '/healthz' });
    expect(health.status).toBe(503);
    expect(health.json).toMatchObject({ status: 'closing' });
    expect(health.headers['connection']).toBe('close');
    const late = await post(app.url, ndjson([rec('closing-dev', 0)]), { 'x-api-key': other.key, ...NDJSON });
    expectProblem(late, 503, 'SHUTTING_DOWN');
    await app.close();
    await expect(request(app.url, { method: 'GET', path: '/healthz' })).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    const stored = await readStream(kinesis, stream);
    expect(stored).toHaveLength(9);
  });
});
