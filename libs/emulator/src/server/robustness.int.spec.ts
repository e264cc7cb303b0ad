/**
 * The listener and router under abuse, with raw sockets and raw HTTP (what the SDK would never send), and the
 * fault-injection endpoints (/_tributary/faults) seen from an SDK client. Each suite runs over HTTP/2 (the SDK
 * client's default handler, raw requests by node:http2) and HTTP/1.1 (NodeHttpHandler, raw requests by
 * node:http). After every abuse, a normal SDK call must still be answered: one bad client never takes the port
 * down.
 */
import * as net from 'node:net';
import { randomBytes } from 'node:crypto';
import {
  DescribeStreamCommand,
  DescribeStreamSummaryCommand,
  ListShardsCommand,
  ListStreamsCommand,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import { KDS_SIZES } from '../defaults';
import type { Logger } from '../logger';
import { javaCborDecode } from '../testing/java-cbor-client';
import {
  KDS_HANDLERS,
  createActiveStream,
  errorOf,
  jsonOf,
  kdsHeaders,
  rawRequest,
  uniqueStreamName,
  useKdsTestEmulator,
  type RawRequest,
  type RawResponse,
} from '../testing/kds-test-clients';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Writes `bytes` on a fresh TCP connection; resolves with what came back once the server closed it. */
function abuse(port: number, bytes: Buffer, boundMs = 10_000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const bound = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server kept the connection open for ${boundMs} ms`));
    }, boundMs);
    socket.on('connect', () => socket.write(bytes));
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', () => undefined); // a reset is one of the acceptable outcomes
    socket.on('close', () => {
      clearTimeout(bound);
      resolve(Buffer.concat(chunks));
    });
  });
}

describe.each(KDS_HANDLERS)('emulator robustness over the %s', (handler) => {
  const t = useKdsTestEmulator(handler, {}, { maxAttempts: 1 });
  const raw = (req: RawRequest): Promise<RawResponse> => rawRequest(t.emu.url, t.protocol, req);

  /** The server still serves the SDK. */
  async function expectServing(): Promise<void> {
    const out = await t.client.send(new ListStreamsCommand({ Limit: 1 }));
    expect(out.$metadata.httpStatusCode).toBe(200);
  }

  /** AWS's error envelope: status, `x-amzn-ErrorType`, `x-amzn-RequestId`, and a `{__type, message}` body. */
  function expectAwsError(res: RawResponse, status: number, type: string): Record<string, unknown> {
    expect(res.status).toBe(status);
    expect(res.headers['x-amzn-errortype']).toBe(type);
    expect(res.headers['x-amzn-requestid']).toMatch(UUID);
    const body = jsonOf(res);
    expect(Object.keys(body).sort()).toEqual(['__type', 'message']);
    expect(body['__type']).toBe(type);
    expect(typeof body['message']).toBe('string');
    return body;
  }

  /** What AWS's front door answers before any operation: a body of only `__type` (front-door.int.spec.ts has the rest). */
  function expectBareAwsError(res: RawResponse, status: number, type: string): void {
    expect(res.status).toBe(status);
    expect(res.headers['x-amzn-requestid']).toMatch(UUID);
    expect(jsonOf(res)).toEqual({ __type: type });
  }

  describe('malformed requests', () => {
    it('answers malformed JSON with 400 SerializationException', async () => {
      const res = await raw({ headers: kdsHeaders('ListStreams'), body: '{"Limit": ' });
      expectBareAwsError(res, 400, 'SerializationException');
      // A JSON array gets past AWS's front door and is refused by the operation's input check.
      const notAnObject = await raw({ headers: kdsHeaders('ListStreams'), body: '[1, 2]' });
      expect(notAnObject.status).toBe(400);
      expect(jsonOf(notAnObject)['__type']).toBe('SerializationException');
      await expectServing();
    });

    it('answers an unknown operation or target with UnknownOperationException', async () => {
      expectBareAwsError(await raw({ headers: kdsHeaders('FlyToTheMoon'), body: '{}' }), 400, 'UnknownOperationException');
      expectBareAwsError(
        await raw({ headers: { ...kdsHeaders('ListStreams'), 'x-amz-target': 'NotAService_20990101.ListStreams' }, body: '{}' }),
        400,
        'UnknownOperationException',
      );
      const { 'x-amz-target': _omitted, ...noTarget } = kdsHeaders('ListStreams');
      expectBareAwsError(await raw({ headers: noTarget, body: '{}' }), 400, 'UnknownOperationException');
    });

    it('answers a request without Authorization with MissingAuthenticationTokenException', async () => {
      const { authorization: _omitted, ...unsigned } = kdsHeaders('ListStreams');
      const body = expectAwsError(await raw({ headers: unsigned, body: '{}' }), 400, 'MissingAuthenticationTokenException');
      expect(body['message']).toBe('Missing Authentication Token');
    });

    it('answers a body over 7 MiB with 413', async () => {
      const res = await raw({ headers: kdsHeaders('PutRecords'), body: Buffer.alloc(KDS_SIZES.maxRequestBodyBytes + 1, 0x20) });
      expect(res.status).toBe(413);
      // Without a declared length the limit applies as the body streams in.
      const streamed = await raw({ headers: kdsHeaders('PutRecords'), body: Buffer.alloc(8 * 1024 * 1024, 0x20), streamed: true });
      expect(streamed.status).toBe(413);
      await expectServing();
    });

    it('answers a well-formed request with 200 and a request id (what the SDK reads into $metadata)', async () => {
      const res = await raw({ headers: kdsHeaders('ListStreams'), body: '{}' });
      expect(res.status).toBe(200);
      expect(res.headers['x-amzn-requestid']).toMatch(UUID);
      expect(res.headers['content-type']).toBe('application/x-amz-json-1.1');
      expect(jsonOf(res)).toMatchObject({ StreamNames: expect.any(Array), HasMoreStreams: false });
      const out = await t.client.send(new ListStreamsCommand({}));
      expect(out.$metadata.requestId).toMatch(UUID);
    });

    it('answers CBOR (application/x-amz-cbor-1.1) in CBOR, as AWS does for the Java SDKs', async () => {
      const res = await raw({
        headers: kdsHeaders('ListStreams', { 'content-type': 'application/x-amz-cbor-1.1' }),
        body: Buffer.from([0xa0]), // CBOR for {}
      });
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('application/x-amz-cbor-1.1');
      expect(javaCborDecode(res.body)).toMatchObject({ StreamNames: expect.any(Array), HasMoreStreams: false });
    });
  });

  describe('broken connections', () => {
    it('closes (or answers 400 on) a connection of random bytes, and keeps serving', async () => {
      const garbage = Buffer.concat([Buffer.from([0x00, 0xff, 0x13, 0x37]), randomBytes(4096)]);
      // Resolves only once the server has closed the connection (rejects if it keeps it open).
      const received = await abuse(t.emu.port, garbage);
      if (received.length > 0) expect(received.toString('latin1')).toMatch(/^HTTP\/1\.1 400 /);
      await expectServing();
    });

    it('closes an HTTP/2 session with a bad connection preface, and keeps serving', async () => {
      const badPreface = Buffer.concat([Buffer.from('PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n', 'latin1'), randomBytes(64)]);
      const received = await abuse(t.emu.port, badPreface);
      // At most the server's SETTINGS and a GOAWAY, never an HTTP/1.1 answer.
      expect(received.toString('latin1')).not.toMatch(/HTTP\/1\.1/);
      await expectServing();
    });

    it('survives a client that disconnects in the middle of a request body', async () => {
      const head =
        'POST / HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/x-amz-json-1.1\r\n' +
        `x-amz-target: Kinesis_20131202.ListStreams\r\nauthorization: ${kdsHeaders('ListStreams').authorization}\r\n` +
        'content-length: 1000\r\n\r\n{"Limit":';
      await new Promise<void>((resolve, reject) => {
        const socket = net.connect(t.emu.port, '127.0.0.1', () => socket.write(head, () => socket.destroy()));
        socket.on('close', () => resolve());
        socket.on('error', reject);
      });
      await expectServing();
    });
  });

  describe('fault endpoints', () => {
    const admin = (method: string, body?: unknown, path = '/_tributary/faults'): Promise<RawResponse> =>
      raw({ method, path, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const rules = async (): Promise<Array<Record<string, unknown>>> => (jsonOf(await admin('GET')) as { rules: Array<Record<string, unknown>> }).rules;

    afterEach(async () => {
      await admin('DELETE');
    });

    it('answers the health endpoint', async () => {
      const res = await raw({ method: 'GET', path: '/_tributary/health' });
      expect(res.status).toBe(200);
      expect(jsonOf(res)).toEqual({ status: 'ok', services: ['kinesis', 'dynamodb', 'kinesisvideo'] });
    });

    it('throttles PutRecords entries one by one, `count` times', async () => {
      const name = uniqueStreamName('fault-throttle');
      await createActiveStream(t.client, name, 1);
      const added = await admin('POST', { operations: ['PutRecords'], streamName: name, throttleRate: 1, count: 3 });
      expect(added.status).toBe(201);
      expect(jsonOf(added)).toEqual({ id: expect.stringMatching(/^fault-\d+$/), operations: ['PutRecords'], streamName: name, throttleRate: 1, count: 3, fired: 0 });

      const out = await t.client.send(
        new PutRecordsCommand({ StreamName: name, Records: Array.from({ length: 5 }, (_, i) => ({ PartitionKey: `k${i}`, Data: Buffer.from([i]) })) }),
      );
      expect(out.$metadata.httpStatusCode).toBe(200);
      expect(out.FailedRecordCount).toBe(3);
      expect(out.Records?.map((r) => r.ErrorCode)).toEqual([
        'ProvisionedThroughputExceededException',
        'ProvisionedThroughputExceededException',
        'ProvisionedThroughputExceededException',
        undefined,
        undefined,
      ]);
      expect(out.Records?.slice(3).every((r) => typeof r.SequenceNumber === 'string')).toBe(true);
      // The rule removed itself after firing three times.
      expect(await rules()).toEqual([]);
      const again = await t.client.send(new PutRecordsCommand({ StreamName: name, Records: [{ PartitionKey: 'k', Data: Buffer.from('x') }] }));
      expect(again.FailedRecordCount).toBe(0);
    });

    it('fails PutRecords entries with InternalFailure under errorRate 1', async () => {
      const name = uniqueStreamName('fault-entry-error');
      await createActiveStream(t.client, name, 1);
      expect((await admin('POST', { operations: ['PutRecords'], streamName: name, errorRate: 1, count: 2 })).status).toBe(201);
      const out = await t.client.send(
        new PutRecordsCommand({ StreamName: name, Records: Array.from({ length: 3 }, (_, i) => ({ PartitionKey: `k${i}`, Data: Buffer.from([i]) })) }),
      );
      expect(out.FailedRecordCount).toBe(2);
      expect(out.Records?.map((r) => r.ErrorCode)).toEqual(['InternalFailure', 'InternalFailure', undefined]);
    });

    it('fails DescribeStream with InternalFailure (500) under errorRate 1, for the named stream only', async () => {
      const name = uniqueStreamName('fault-error');
      const other = uniqueStreamName('fault-other');
      await createActiveStream(t.client, name, 1);
      await createActiveStream(t.client, other, 1);
      expect((await admin('POST', { operations: ['DescribeStream'], streamName: name, errorRate: 1 })).status).toBe(201);

      const err = await errorOf(t.client.send(new DescribeStreamCommand({ StreamName: name })));
      expect(err.name).toBe('InternalFailure');
      expect(err.$metadata.httpStatusCode).toBe(500);
      expect(err.$fault).toBe('server');
      await t.client.send(new DescribeStreamCommand({ StreamName: other }));
      await t.client.send(new DescribeStreamSummaryCommand({ StreamName: name }));
      expect((await rules())[0]['fired']).toBe(1);
    });

    it('adds latencyMs before answering', async () => {
      const name = uniqueStreamName('fault-latency');
      await createActiveStream(t.client, name, 1);
      expect((await admin('POST', { operations: ['DescribeStreamSummary'], streamName: name, latencyMs: 300, count: 1 })).status).toBe(201);
      const started = performance.now();
      const out = await t.client.send(new DescribeStreamSummaryCommand({ StreamName: name }));
      const elapsed = performance.now() - started;
      expect(out.StreamDescriptionSummary?.StreamName).toBe(name);
      // A lower bound only (the delay is a timer of 300 ms; nothing can make the call faster): never flaky.
      expect(elapsed).toBeGreaterThanOrEqual(290);
      expect(await rules()).toEqual([]);
    });

    it('drops the connection under dropRate 1, and serves the next call', async () => {
      const name = uniqueStreamName('fault-drop');
      await createActiveStream(t.client, name, 1);
      expect((await admin('POST', { operations: ['ListShards'], streamName: name, dropRate: 1, count: 1 })).status).toBe(201);
      const err = await errorOf(t.client.send(new ListShardsCommand({ StreamName: name })));
      expect(err.$metadata?.httpStatusCode).toBeUndefined();
      const out = await t.client.send(new ListShardsCommand({ StreamName: name }));
      expect(out.Shards).toHaveLength(1);
    });

    it('refuses an invalid rule with a 400 JSON problem', async () => {
      const outOfRange = await admin('POST', { throttleRate: 2 });
      expect(outOfRange.status).toBe(400);
      expect(outOfRange.headers['content-type']).toBe('application/json');
      expect(jsonOf(outOfRange)).toMatchObject({
        title: 'Bad Request',
        detail: 'Invalid fault rule.',
        errors: [expect.objectContaining({ path: 'throttleRate' })],
      });
      const unknownField = await admin('POST', { throttleRate: 1, everything: true });
      expect(unknownField.status).toBe(400);
      expect(jsonOf(unknownField)).toMatchObject({ title: 'Bad Request', detail: 'Invalid fault rule.' });
      const notJson = await raw({ method: 'POST', path: '/_tributary/faults', headers: { 'content-type': 'application/json' }, body: '{nope' });
      expect(notJson.status).toBe(400);
      expect(jsonOf(notJson)).toEqual({ title: 'Bad Request', detail: 'The body must be a JSON fault rule.' });
      expect(await rules()).toEqual([]);
    });

    it('lists rules with GET, removes one by id and all with DELETE', async () => {
      const a = jsonOf(await admin('POST', { operations: ['GetRecords'], latencyMs: 5 }));
      const b = jsonOf(await admin('POST', { streamName: 'nothing-matches', errorRate: 0.5 }));
      expect((await rules()).map((r) => r['id'])).toEqual([a['id'], b['id']]);

      const one = await admin('DELETE', undefined, `/_tributary/faults/${String(a['id'])}`);
      expect(one.status).toBe(200);
      expect((await rules()).map((r) => r['id'])).toEqual([b['id']]);
      expect((await admin('DELETE', undefined, `/_tributary/faults/${String(a['id'])}`)).status).toBe(404);

      await admin('POST', { operations: ['PutRecord'], throttleRate: 0.1 });
      const cleared = await admin('DELETE');
      expect(cleared.status).toBe(200);
      expect(jsonOf(cleared)).toEqual({ rules: [] });
      expect(await rules()).toEqual([]);
      await expectServing();
    });
  });
});

/**
 * Regression: `X-Amz-Target: Kinesis_20131202.__proto__` (or `.constructor`, `.toString`) found the name on
 * Object.prototype, called it as an operation and answered 500 InternalFailure with a stack trace in the log.
 * Names from the wire are looked up as own properties only, and answered like any unknown operation.
 */
describe.each(KDS_HANDLERS)('names of Object.prototype from the wire, over the %s', (handler) => {
  const errors: unknown[] = [];
  const recording: Logger = {
    debug: () => undefined,
    info: () => undefined,
    warn: () => undefined,
    error: (obj) => errors.push(obj),
    child: () => recording,
  };
  const t = useKdsTestEmulator(handler, { logger: recording }, { maxAttempts: 1 });
  const raw = (req: RawRequest): Promise<RawResponse> => rawRequest(t.emu.url, t.protocol, req);
  const PROTOTYPE_NAMES = ['__proto__', 'constructor', 'toString'];

  afterEach(() => {
    // Nothing reached the log as an unhandled error (the 500 came with one).
    expect(errors.splice(0)).toEqual([]);
  });

  it.each(PROTOTYPE_NAMES)('answers Kinesis_20131202.%s with 400 UnknownOperationException, as an unknown operation', async (name) => {
    const res = await raw({ headers: kdsHeaders(name), body: '{}' });
    const unknown = await raw({ headers: kdsHeaders('FlyToTheMoon'), body: '{}' });
    expect(unknown.status).toBe(400);
    expect(res.status).toBe(400);
    expect(res.headers['x-amzn-errortype']).toBe('UnknownOperationException');
    expect(jsonOf(res)).toEqual({ __type: 'UnknownOperationException' });
  });

  it.each(PROTOTYPE_NAMES)('answers DynamoDB_20120810.%s with 400 UnknownOperationException, as an unknown operation', async (name) => {
    const ddb = (op: string): Promise<RawResponse> =>
      raw({ headers: { ...kdsHeaders(op), 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': `DynamoDB_20120810.${op}` }, body: '{}' });
    const res = await ddb(name);
    const unknown = await ddb('FlyToTheMoon');
    expect(res.status).toBe(400);
    expect(jsonOf(res)['__type']).toBe('com.amazon.coral.service#UnknownOperationException');
    expect(jsonOf(unknown)['__type']).toBe(jsonOf(res)['__type']);
  });

  it.each(['/__proto__', '/constructor', '/toString', '/hls/v1/__proto__', '/hls/v1/constructor'])(
    'does not route the path %s to Kinesis Video Streams',
    async (path) => {
      // Answered by the Kinesis endpoint, which serves any path: application/json gets Coral's old envelope.
      const res = await raw({ path, headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(res.status).toBe(404);
      expect(jsonOf(res)).toEqual({ Output: { __type: 'com.amazon.coral.service#UnknownOperationException' }, Version: '1.0' });
      const get = await raw({ method: 'GET', path });
      expect(get.status).toBe(403);
      expect(get.body.toString()).toContain('<AccessDeniedException>');
    },
  );
});
