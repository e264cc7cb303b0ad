/**
 * Kinesis over CBOR (application/x-amz-cbor-1.1) against the real emulator, with a client that writes and reads
 * CBOR as the Java SDKs v1/v2 do (testing/java-cbor-client.ts), over HTTP/1.1 and cleartext HTTP/2; records cross
 * between that client and the official @aws-sdk/client-kinesis (JSON 1.1) both ways. SubscribeToShard is read
 * frame by frame over HTTP/2 (AWS serves it over HTTP/2 only).
 */
import { randomBytes } from 'node:crypto';
import * as http2 from 'node:http2';
import { setTimeout as sleep } from 'node:timers/promises';
import { DescribeStreamSummaryCommand, GetRecordsCommand, GetShardIteratorCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { EventStreamCodec, type Message } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import {
  errorOf,
  HTTP2_DEFAULT,
  KDS_HANDLERS,
  kdsHeaders,
  protocolOf,
  rawRequest,
  startKdsTestEmulator,
  type KdsTestEmulator,
  type WireProtocol,
} from '../testing/kds-test-clients';
import { CBOR_CONTENT_TYPE, JavaTimestamp, javaCborCall, javaCborDecode, javaCborEncode, javaCborHeaders, type JavaValue } from '../testing/java-cbor-client';
import { compileJacksonCbor, type JacksonCbor } from '../testing/jackson-cbor';

type Obj = Record<string, unknown>;
interface JavaRecord {
  SequenceNumber: string;
  Data: Buffer;
  PartitionKey: string;
  ApproximateArrivalTimestamp: JavaTimestamp;
}

const ok = (answer: { status: number; headers: Obj; value: unknown }): Obj => {
  expect(answer.headers['content-type']).toBe(CBOR_CONTENT_TYPE);
  if (answer.status !== 200) throw new Error(`expected 200, got ${answer.status} ${JSON.stringify(answer.value)}`);
  return answer.value as Obj;
};

/** The token after `line` in Jackson's token list (a member's value after its `field` token). */
const after = (tokens: string[], line: string): string | undefined => tokens[tokens.indexOf(line) + 1];

/** The 8-byte tag-1 integer timestamp of `millis` as it appears in a body: c1 1b <uint64>. */
const taggedMillis = (millis: number): Buffer => {
  const b = Buffer.alloc(10);
  b[0] = 0xc1;
  b[1] = 0x1b;
  b.writeBigUInt64BE(BigInt(millis), 2);
  return b;
};

describe.each(KDS_HANDLERS)('Kinesis over CBOR as the Java SDKs speak it (%s)', (handler) => {
  const protocol = protocolOf(handler);
  let t: KdsTestEmulator;
  const call = (operation: string, input: JavaValue) => javaCborCall(t.emu.url, protocol, operation, input);

  beforeAll(async () => {
    t = await startKdsTestEmulator();
  });
  afterAll(() => t.close());

  async function createStream(name: string, shards = 1): Promise<void> {
    const created = await call('CreateStream', { StreamName: name, ShardCount: shards });
    expect(created.status).toBe(200);
    expect(created.headers['content-type']).toBe(CBOR_CONTENT_TYPE);
    expect(created.body).toHaveLength(0); // no output members: an empty body
  }

  async function iterator(name: string, input: Obj): Promise<string> {
    const answer = ok(await call('GetShardIterator', { StreamName: name, ShardId: 'shardId-000000000000', ...input } as JavaValue));
    return answer.ShardIterator as string;
  }

  async function getRecords(name: string, position: Obj = { ShardIteratorType: 'TRIM_HORIZON' }): Promise<{ records: JavaRecord[]; body: Buffer }> {
    const answer = await call('GetRecords', { ShardIterator: await iterator(name, position), Limit: 100 });
    return { records: ok(answer).Records as JavaRecord[], body: answer.body };
  }

  it('CreateStream, DescribeStreamSummary, DescribeStream and ListShards answer in CBOR, creation time as tag-1 milliseconds', async () => {
    const name = `cbor-describe-${handler.length}`;
    const before = Date.now();
    await createStream(name, 2);
    const summary = ok(await call('DescribeStreamSummary', { StreamName: name })).StreamDescriptionSummary as Obj;
    expect(summary).toMatchObject({ StreamName: name, StreamStatus: 'ACTIVE', OpenShardCount: 2, RetentionPeriodHours: 24 });
    const created = summary.StreamCreationTimestamp as JavaTimestamp;
    expect(created).toBeInstanceOf(JavaTimestamp);
    expect(created.millis).toBeGreaterThanOrEqual(before - 1000);
    expect(created.millis).toBeLessThanOrEqual(Date.now());
    // The same instant the JSON protocol gives the official SDK.
    const json = await t.clients[handler].send(new DescribeStreamSummaryCommand({ StreamName: name }));
    expect(json.StreamDescriptionSummary?.StreamCreationTimestamp?.getTime()).toBe(created.millis);

    const description = ok(await call('DescribeStream', { StreamName: name })).StreamDescription as Obj;
    expect(description.StreamCreationTimestamp).toEqual(created);
    expect((description.Shards as Obj[]).map((s) => s.ShardId)).toEqual(['shardId-000000000000', 'shardId-000000000001']);
    const listed = ok(await call('ListShards', { StreamName: name })).Shards as Obj[];
    expect(listed.map((s) => s.ShardId)).toEqual(['shardId-000000000000', 'shardId-000000000001']);
    expect((listed[0].HashKeyRange as Obj).StartingHashKey).toBe('0');
  });

  it('PutRecord and PutRecords take Data as byte strings; GetRecords gives it back as bytes with a tag-1 integer arrival time', async () => {
    const name = `cbor-records-${handler.length}`;
    await createStream(name);
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const before = Date.now();
    const put = ok(await call('PutRecord', { StreamName: name, Data: all, PartitionKey: 'k0' }));
    expect(put).toMatchObject({ ShardId: 'shardId-000000000000', SequenceNumber: expect.stringMatching(/^\d+$/) });
    const batch = [randomBytes(1), Buffer.alloc(0), randomBytes(1000)];
    const puts = ok(await call('PutRecords', { StreamName: name, Records: batch.map((Data, i) => ({ Data, PartitionKey: `k${i + 1}` })) }));
    expect(puts.FailedRecordCount).toBe(0);
    const after = Date.now();

    const { records, body } = await getRecords(name);
    expect(records.map((r) => r.Data)).toEqual([all, ...batch]);
    expect(records.map((r) => r.PartitionKey)).toEqual(['k0', 'k1', 'k2', 'k3']);
    expect(records[0].SequenceNumber).toBe(put.SequenceNumber);
    for (const r of records) {
      expect(Buffer.isBuffer(r.Data)).toBe(true); // a CBOR byte string, not base64 text
      expect(r.ApproximateArrivalTimestamp).toBeInstanceOf(JavaTimestamp);
      expect(r.ApproximateArrivalTimestamp.millis).toBeGreaterThanOrEqual(before - 1);
      expect(r.ApproximateArrivalTimestamp.millis).toBeLessThanOrEqual(after + 1);
      expect(body.includes(taggedMillis(r.ApproximateArrivalTimestamp.millis))).toBe(true);
    }
  });

  it('GetShardIterator AT_TIMESTAMP reads a tag-1 timestamp in epoch milliseconds', async () => {
    const name = `cbor-at-timestamp-${handler.length}`;
    await createStream(name);
    ok(await call('PutRecord', { StreamName: name, Data: Buffer.from('first'), PartitionKey: 'k' }));
    await sleep(20);
    ok(await call('PutRecord', { StreamName: name, Data: Buffer.from('second'), PartitionKey: 'k' }));
    const [first, second] = (await getRecords(name)).records;
    expect(second.ApproximateArrivalTimestamp.millis).toBeGreaterThan(first.ApproximateArrivalTimestamp.millis);

    const at = (millis: number) => getRecords(name, { ShardIteratorType: 'AT_TIMESTAMP', Timestamp: new JavaTimestamp(millis) });
    expect((await at(first.ApproximateArrivalTimestamp.millis)).records.map((r) => r.Data.toString())).toEqual(['first', 'second']);
    expect((await at(second.ApproximateArrivalTimestamp.millis)).records.map((r) => r.Data.toString())).toEqual(['second']);

    // Read as seconds, an epoch-millisecond value would lie 1000 times further: far in the future.
    const future = Date.now() + 3_600_000;
    const refused = await call('GetShardIterator', { StreamName: name, ShardId: 'shardId-000000000000', ShardIteratorType: 'AT_TIMESTAMP', Timestamp: new JavaTimestamp(future) });
    expect(refused.status).toBe(400);
    expect(refused.value).toMatchObject({ __type: 'InvalidArgumentException' });
    const inMillis = /timestampInMillis: (\d+)/.exec(String((refused.value as Obj).message))?.[1];
    expect(Number(inMillis)).toBe(future);
  });

  it('answers an unknown stream with ResourceNotFoundException: __type and message in CBOR, as the JSON SDK sees it', async () => {
    const answer = await call('DescribeStreamSummary', { StreamName: 'cbor-no-such-stream' });
    expect(answer.status).toBe(400);
    expect(answer.headers['content-type']).toBe(CBOR_CONTENT_TYPE);
    expect(answer.headers['x-amzn-errortype']).toBe('ResourceNotFoundException');
    expect(answer.headers['x-amzn-requestid']).toMatch(/^[0-9a-f-]{36}$/);
    const err = await errorOf(t.clients[handler].send(new DescribeStreamSummaryCommand({ StreamName: 'cbor-no-such-stream' })));
    expect(answer.value).toEqual({ __type: 'ResourceNotFoundException', message: err.message });
    expect(err.name).toBe('ResourceNotFoundException');
  });

  it('answers a wrongly typed CBOR value with the SerializationException the JSON protocol gets', async () => {
    const cbor = await call('CreateStream', { StreamName: 'cbor-typed', ShardCount: 'one' });
    const json = await rawRequest(t.emu.url, protocol, {
      headers: kdsHeaders('CreateStream'),
      body: JSON.stringify({ StreamName: 'cbor-typed', ShardCount: 'one' }),
    });
    expect(cbor.status).toBe(400);
    expect(cbor.headers['x-amzn-errortype']).toBe('SerializationException');
    expect(cbor.value).toEqual(JSON.parse(json.body.toString()));
    expect(cbor.value).toMatchObject({ __type: 'SerializationException', Message: expect.stringContaining('String') });

    const bytes = await call('CreateStream', { StreamName: Buffer.from('cbor-typed'), ShardCount: 1 });
    expect(bytes.status).toBe(400);
    expect(bytes.value).toEqual({ __type: 'SerializationException', Message: 'class [B can not be converted to an String' });
  });

  it('answers ValidationExceptions (a constraint, an oversized blob) with the texts the JSON protocol gets', async () => {
    const name = `cbor-validation-${handler.length}`;
    await createStream(name);
    const json = async (operation: string, input: Obj): Promise<unknown> =>
      JSON.parse((await rawRequest(t.emu.url, protocol, { headers: kdsHeaders(operation), body: JSON.stringify(input) })).body.toString());

    const zero = await call('CreateStream', { StreamName: 'cbor-zero', ShardCount: 0 });
    expect(zero.status).toBe(400);
    expect(zero.value).toEqual(await json('CreateStream', { StreamName: 'cbor-zero', ShardCount: 0 }));
    expect(zero.value).toMatchObject({ __type: 'ValidationException', message: expect.stringContaining("at 'shardCount'") });

    const big = randomBytes(1024 * 1024 + 1);
    const tooBig = await call('PutRecord', { StreamName: name, Data: big, PartitionKey: 'k' });
    expect(tooBig.status).toBe(400);
    expect(tooBig.value).toEqual(await json('PutRecord', { StreamName: name, Data: big.toString('base64'), PartitionKey: 'k' }));
    expect(tooBig.value).toMatchObject({ __type: 'ValidationException', message: expect.stringContaining('java.nio.HeapByteBuffer[pos=0 lim=1048577') });
  });

  it('answers an injected fault in CBOR (InternalFailure 500, throttling 400)', async () => {
    const name = `cbor-fault-${handler.length}`;
    await createStream(name);
    const admin = (body?: unknown) =>
      rawRequest(t.emu.url, protocol, {
        method: body === undefined ? 'DELETE' : 'POST',
        path: '/_tributary/faults',
        headers: { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    try {
      expect((await admin({ operations: ['DescribeStreamSummary'], streamName: name, errorRate: 1, count: 1 })).status).toBe(201);
      const failed = await call('DescribeStreamSummary', { StreamName: name });
      expect(failed.status).toBe(500);
      expect(failed.headers['content-type']).toBe(CBOR_CONTENT_TYPE);
      expect(failed.value).toEqual({ __type: 'InternalFailure', message: expect.any(String) });
      expect((await admin({ operations: ['ListShards'], streamName: name, throttleRate: 1, count: 1 })).status).toBe(201);
      const throttled = await call('ListShards', { StreamName: name });
      expect(throttled.status).toBe(400);
      expect(throttled.value).toEqual({ __type: 'ProvisionedThroughputExceededException', message: expect.any(String) });
    } finally {
      await admin();
    }
  });

  it('answers a body that is not CBOR with a SerializationException in CBOR', async () => {
    const body = Buffer.from([0xbf, 0x61]); // a map cut short
    const answer = await rawRequest(t.emu.url, protocol, { headers: await javaCborHeaders(t.emu.url, 'ListStreams', body), body });
    expect(answer.status).toBe(400);
    expect(answer.headers['content-type']).toBe(CBOR_CONTENT_TYPE);
    expect(javaCborDecode(answer.body)).toMatchObject({ __type: 'SerializationException' });
  });

  it('records written over CBOR read back identical through the official SDK (JSON), and the reverse', async () => {
    const name = `cbor-mixed-${handler.length}`;
    await createStream(name);
    const client = t.clients[handler];
    const viaCbor = [randomBytes(64), Buffer.from([0]), randomBytes(4096)];
    ok(await call('PutRecords', { StreamName: name, Records: viaCbor.map((Data, i) => ({ Data, PartitionKey: `c${i}` })) }));
    const viaSdk = [randomBytes(32), randomBytes(2048)];
    const sdkPut = await client.send(new PutRecordsCommand({ StreamName: name, Records: viaSdk.map((Data, i) => ({ Data, PartitionKey: `j${i}` })) }));
    expect(sdkPut.FailedRecordCount).toBe(0);

    const { ShardIterator } = await client.send(new GetShardIteratorCommand({ StreamName: name, ShardId: 'shardId-000000000000', ShardIteratorType: 'TRIM_HORIZON' }));
    const sdkRead = (await client.send(new GetRecordsCommand({ ShardIterator }))).Records ?? [];
    const cborRead = (await getRecords(name)).records;

    expect(sdkRead.map((r) => Buffer.from(r.Data as Uint8Array))).toEqual([...viaCbor, ...viaSdk]);
    expect(cborRead.map((r) => r.Data)).toEqual([...viaCbor, ...viaSdk]);
    expect(cborRead.map((r) => r.SequenceNumber)).toEqual(sdkRead.map((r) => r.SequenceNumber));
    expect(cborRead.map((r) => r.PartitionKey)).toEqual(sdkRead.map((r) => r.PartitionKey));
    expect(cborRead.map((r) => r.ApproximateArrivalTimestamp.millis)).toEqual(sdkRead.map((r) => r.ApproximateArrivalTimestamp?.getTime()));
  });
});

/** A SubscribeToShard call over h2c with a Java-style CBOR body, its event-stream frames read one by one. */
async function subscribeCbor(url: string, input: JavaValue) {
  const codec = new EventStreamCodec(toUtf8, fromUtf8);
  const body = javaCborEncode(input);
  const headers = await javaCborHeaders(url, 'SubscribeToShard', body);
  const session = http2.connect(url);
  session.on('error', () => undefined);
  const stream = session.request({ ':method': 'POST', ':path': '/', ...headers, 'content-length': String(body.length) });
  stream.end(body);
  const frames: Message[] = [];
  const waiters: Array<() => void> = [];
  let pending = Buffer.alloc(0);
  let ended = false;
  const wake = (): void => {
    for (const w of waiters.splice(0)) w();
  };
  stream.on('data', (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= 4 && pending.length >= pending.readUInt32BE(0)) {
      const size = pending.readUInt32BE(0);
      frames.push(codec.decode(pending.subarray(0, size)));
      pending = pending.subarray(size);
    }
    wake();
  });
  stream.on('end', () => {
    ended = true;
    wake();
  });
  stream.on('error', () => {
    ended = true;
    wake();
  });
  const response = await new Promise<http2.IncomingHttpHeaders>((resolve) => stream.once('response', resolve));
  let read = 0;
  return {
    status: Number(response[':status']),
    contentType: response['content-type'],
    /** The next frame, or undefined once the stream ended. */
    async next(): Promise<Message | undefined> {
      while (read >= frames.length && !ended) await new Promise<void>((r) => waiters.push(r));
      return read < frames.length ? frames[read++] : undefined;
    },
    /** The body of an answer that is not an event stream (an error before the stream starts). */
    async body(): Promise<unknown> {
      while (!ended) await new Promise<void>((r) => waiters.push(r));
      return javaCborDecode(pending);
    },
    close: () => session.destroy(),
  };
}

describe('SubscribeToShard over CBOR (h2c)', () => {
  let t: KdsTestEmulator;
  let jackson: JacksonCbor;
  const call = (operation: string, input: JavaValue) => javaCborCall(t.emu.url, protocolOf(HTTP2_DEFAULT), operation, input);

  beforeAll(async () => {
    t = await startKdsTestEmulator({ subscriptionTakeoverMs: 0, subscriptionHeartbeatMs: 60_000 });
    jackson = await compileJacksonCbor();
  });
  afterAll(async () => {
    jackson?.close();
    await t.close();
  });

  it('streams events whose payloads are CBOR (:content-type application/x-amz-cbor-1.1), ends a taken-over one with a CBOR exception', async () => {
    const name = 'cbor-efo';
    ok(await call('CreateStream', { StreamName: name, ShardCount: 1 }));
    const streamArn = ((ok(await call('DescribeStreamSummary', { StreamName: name })).StreamDescriptionSummary as Obj).StreamARN) as string;
    const registered = ok(await call('RegisterStreamConsumer', { StreamARN: streamArn, ConsumerName: 'java' })).Consumer as Obj;
    expect(registered.ConsumerCreationTimestamp).toBeInstanceOf(JavaTimestamp);
    const consumerArn = registered.ConsumerARN as string;
    const data = randomBytes(300);
    const before = Date.now();
    ok(await call('PutRecord', { StreamName: name, Data: data, PartitionKey: 'k' }));
    const input = { ConsumerARN: consumerArn, ShardId: 'shardId-000000000000', StartingPosition: { Type: 'AT_TIMESTAMP', Timestamp: new JavaTimestamp(before - 1000) } };

    const sub = await subscribeCbor(t.emu.url, input);
    try {
      expect(sub.status).toBe(200);
      expect(sub.contentType).toBe('application/vnd.amazon.eventstream');
      // A second subscription within the second is refused before its stream starts: a CBOR error answer. Asked at
      // once (before the Jackson decode below, which takes over a second on a loaded machine).
      const tooSoon = await subscribeCbor(t.emu.url, input);
      expect(tooSoon.status).toBe(400);
      expect(tooSoon.contentType).toBe(CBOR_CONTENT_TYPE);
      expect(await tooSoon.body()).toMatchObject({ __type: 'LimitExceededException', message: expect.any(String) });
      tooSoon.close();

      const initial = (await sub.next()) as Message;
      expect(initial.headers[':event-type']?.value).toBe('initial-response');
      expect(initial.headers[':content-type']?.value).toBe(CBOR_CONTENT_TYPE);
      expect(javaCborDecode(initial.body)).toEqual({});
      const first = (await sub.next()) as Message;
      expect(first.headers[':message-type']?.value).toBe('event');
      expect(first.headers[':event-type']?.value).toBe('SubscribeToShardEvent');
      expect(first.headers[':content-type']?.value).toBe(CBOR_CONTENT_TYPE);
      const event = javaCborDecode(first.body) as { Records: JavaRecord[]; ContinuationSequenceNumber: string; MillisBehindLatest: number };
      expect(event.Records).toHaveLength(1);
      expect(event.Records[0].Data).toEqual(data);
      expect(event.Records[0].ApproximateArrivalTimestamp).toBeInstanceOf(JavaTimestamp);
      expect(event.Records[0].ApproximateArrivalTimestamp.millis).toBeGreaterThanOrEqual(before - 1);
      expect(Buffer.from(first.body).includes(taggedMillis(event.Records[0].ApproximateArrivalTimestamp.millis))).toBe(true);
      expect(event.ContinuationSequenceNumber).toMatch(/^\d+$/);
      // Read by Jackson as the SDK v2's event unmarshaller reads it.
      const tokens = await jackson.decode(first.body);
      expect(after(tokens, 'field Data')).toBe(`bytes ${data.toString('hex')}`);
      const millis = event.Records[0].ApproximateArrivalTimestamp.millis;
      expect(after(tokens, 'field ApproximateArrivalTimestamp')).toBe(`int ${millis} ${millis} 1`);

      // After it, the new subscription takes over and the old stream ends with an exception event in CBOR.
      await sleep(1100);
      const next = await subscribeCbor(t.emu.url, input);
      let frame = await sub.next();
      while (frame && frame.headers[':message-type']?.value === 'event') frame = await sub.next();
      expect(frame?.headers[':message-type']?.value).toBe('exception');
      expect(frame?.headers[':exception-type']?.value).toBe('ResourceInUseException');
      expect(frame?.headers[':content-type']?.value).toBe(CBOR_CONTENT_TYPE);
      expect(javaCborDecode((frame as Message).body)).toEqual({ message: expect.stringContaining(consumerArn) });
      next.close();
    } finally {
      sub.close();
    }
  });
});

describe('as Jackson, the CBOR library of the Java SDKs, writes and reads it', () => {
  let t: KdsTestEmulator;
  let jackson: JacksonCbor;

  beforeAll(async () => {
    t = await startKdsTestEmulator();
    jackson = await compileJacksonCbor();
  });
  afterAll(async () => {
    jackson?.close();
    await t.close();
  });

  /** Jackson's bytes for `input`, sent as the SDK sends them; the answer as Jackson's parser tokens. */
  async function send(protocol: WireProtocol, operation: string, input: JavaValue): Promise<{ status: number; tokens: string[] }> {
    const body = await jackson.encode(input);
    const res = await rawRequest(t.emu.url, protocol, { headers: await javaCborHeaders(t.emu.url, operation, body), body });
    expect(res.headers['content-type']).toBe(CBOR_CONTENT_TYPE);
    return { status: res.status, tokens: res.body.length === 0 ? [] : await jackson.decode(res.body) };
  }

  it('writes the very bytes the test client writes', async () => {
    const input: JavaValue = {
      StreamName: 's',
      Records: [{ Data: randomBytes(40), PartitionKey: 'k', ExplicitHashKey: '1' }, { Data: Buffer.alloc(0), PartitionKey: 'é' }],
      SequenceNumberForOrdering: '4'.repeat(23),
      Text: 'x'.repeat(300),
      Limit: 100,
      Big: 70_000,
      EnforceConsumerDeletion: true,
      Timestamp: new JavaTimestamp(Date.now()),
      Empty: [],
      Nested: { Inner: {} },
    };
    expect((await jackson.encode(input)).toString('hex')).toBe(javaCborEncode(input).toString('hex'));
  });

  it.each<WireProtocol>(['h2c', 'http/1.1'])('is served, and its parser reads the answers as the SDKs unmarshal them (%s)', async (protocol) => {
    const name = `jackson-${protocol.replace('/', '')}`;
    expect(await send(protocol, 'CreateStream', { StreamName: name, ShardCount: 1 })).toEqual({ status: 200, tokens: [] });
    const before = Date.now();
    const data = randomBytes(100);
    const put = await send(protocol, 'PutRecords', { StreamName: name, Records: [{ Data: data, PartitionKey: 'k' }] });
    expect(put.status).toBe(200);
    expect(after(put.tokens, 'field FailedRecordCount')).toBe('int 0 0 -1');

    const iterator = await send(protocol, 'GetShardIterator', {
      StreamName: name,
      ShardId: 'shardId-000000000000',
      ShardIteratorType: 'AT_TIMESTAMP',
      Timestamp: new JavaTimestamp(before - 1000),
    });
    expect(iterator.status).toBe(200);
    const shardIterator = after(iterator.tokens, 'field ShardIterator')?.replace(/^string /, '') as string;
    const got = await send(protocol, 'GetRecords', { ShardIterator: shardIterator });
    expect(got.status).toBe(200);
    // v1 reads a ByteBuffer with getBinaryValue, v2 takes the embedded byte[]: a CBOR byte string either way.
    expect(after(got.tokens, 'field Data')).toBe(`bytes ${data.toString('hex')}`);
    // v1 reads a Date with getLongValue, v2 with Long.parseLong(getText()): an integer under tag 1, in milliseconds.
    const arrival = /^int (\d+) (\d+) 1$/.exec(after(got.tokens, 'field ApproximateArrivalTimestamp') ?? '');
    expect(arrival?.[1]).toBe(arrival?.[2]);
    const { ShardIterator } = await t.clients[HTTP2_DEFAULT].send(
      new GetShardIteratorCommand({ StreamName: name, ShardId: 'shardId-000000000000', ShardIteratorType: 'TRIM_HORIZON' }),
    );
    const [viaJson] = (await t.clients[HTTP2_DEFAULT].send(new GetRecordsCommand({ ShardIterator }))).Records ?? [];
    expect(Number(arrival?.[1])).toBe(viaJson.ApproximateArrivalTimestamp?.getTime());

    const missing = await send(protocol, 'DescribeStreamSummary', { StreamName: `${name}-missing` });
    expect(missing.status).toBe(400);
    expect(missing.tokens).toEqual([
      '{',
      'field __type',
      'string ResourceNotFoundException',
      'field message',
      `string Stream ${name}-missing under account 000000000000 not found.`,
      '}',
    ]);
  });
});
