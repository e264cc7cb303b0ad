/**
 * Enhanced fan-out against the real emulator, through the stock SDK v3 Kinesis client with its default handler
 * (HTTP/2 — SubscribeToShard is HTTP/2-only on AWS) and the SDK's own event-stream decoding; one subscription
 * is also read frame by frame with node:http2 and @smithy/eventstream-codec to see the wire itself.
 *
 * Rate and takeover rules run on a ManualClock (no waiting for the 1-s and 5-s windows); subscription lifetime,
 * heartbeats and the consumer CREATING delay use real timers, set short.
 */
import * as http2 from 'node:http2';
import {
  CreateStreamCommand,
  DeregisterStreamConsumerCommand,
  DescribeStreamConsumerCommand,
  DescribeStreamSummaryCommand,
  KinesisClient,
  ListStreamConsumersCommand,
  PutRecordsCommand,
  RegisterStreamConsumerCommand,
  SplitShardCommand,
  SubscribeToShardCommand,
  type StartingPosition,
  type SubscribeToShardEvent,
  type SubscribeToShardEventStream,
} from '@aws-sdk/client-kinesis';
import { EventStreamCodec, type Message } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import { ManualClock } from '@tributary/runtime/testing';
import { startEmulator, type RunningEmulator } from '../emulator';

const SHARD0 = 'shardId-000000000000';
const SHARD1 = 'shardId-000000000001';
const SHARD2 = 'shardId-000000000002';
const HALF = (2n ** 127n).toString();
const MAX_HASH = (2n ** 128n - 1n).toString();
const T0 = 1_780_000_000_000;

function clientFor(emu: RunningEmulator, maxAttempts = 3): KinesisClient {
  return new KinesisClient({
    endpoint: emu.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts,
  });
}

interface Acked {
  seq: string;
  data: string;
  key: string;
}

async function createStream(client: KinesisClient, name: string): Promise<string> {
  await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
  const d = await client.send(new DescribeStreamSummaryCommand({ StreamName: name }));
  expect(d.StreamDescriptionSummary?.StreamStatus).toBe('ACTIVE');
  return d.StreamDescriptionSummary?.StreamARN as string;
}

async function registerConsumer(client: KinesisClient, streamArn: string, consumerName: string): Promise<string> {
  const r = await client.send(new RegisterStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: consumerName }));
  return r.Consumer?.ConsumerARN as string;
}

async function put(client: KinesisClient, stream: string, datas: string[]): Promise<Acked[]> {
  const out = await client.send(
    new PutRecordsCommand({ StreamName: stream, Records: datas.map((d, i) => ({ PartitionKey: `pk-${i}`, Data: Buffer.from(d) })) }),
  );
  expect(out.FailedRecordCount).toBe(0);
  return (out.Records ?? []).map((r, i) => ({ seq: r.SequenceNumber as string, data: datas[i], key: `pk-${i}` }));
}

type Events = AsyncIterator<SubscribeToShardEventStream>;

async function subscribe(client: KinesisClient, consumerArn: string, shardId: string, pos: StartingPosition): Promise<Events> {
  const { EventStream } = await client.send(new SubscribeToShardCommand({ ConsumerARN: consumerArn, ShardId: shardId, StartingPosition: pos }));
  if (!EventStream) throw new Error('SubscribeToShard returned no EventStream');
  return EventStream[Symbol.asyncIterator]();
}

/** The next SubscribeToShardEvent, or undefined when the stream completed. */
async function nextEvent(events: Events): Promise<SubscribeToShardEvent | undefined> {
  const r = await events.next();
  if (r.done) return undefined;
  if (!r.value.SubscribeToShardEvent) throw new Error(`unexpected event member ${Object.keys(r.value).join(',')}`);
  return r.value.SubscribeToShardEvent;
}

/** Reads events until `count` records have arrived; returns the records and every event read. */
async function readRecords(events: Events, count: number): Promise<{ records: Acked[]; events: SubscribeToShardEvent[] }> {
  const records: Acked[] = [];
  const seen: SubscribeToShardEvent[] = [];
  while (records.length < count) {
    const ev = await nextEvent(events);
    if (!ev) throw new Error(`stream ended after ${records.length} of ${count} records`);
    seen.push(ev);
    for (const r of ev.Records ?? []) records.push(viewOf(r));
  }
  return { records, events: seen };
}

function viewOf(r: { SequenceNumber?: string; Data?: Uint8Array; PartitionKey?: string }): Acked {
  return { seq: r.SequenceNumber as string, data: Buffer.from(r.Data as Uint8Array).toString(), key: r.PartitionKey as string };
}

async function errorOf(p: Promise<unknown>): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  try {
    await p;
  } catch (err) {
    return err as Error & { $metadata?: { httpStatusCode?: number } };
  }
  throw new Error('expected the call to fail');
}

describe('consumers (RegisterStreamConsumer, Describe, List, Deregister) with a CREATING/DELETING delay', () => {
  let emu: RunningEmulator;
  let client: KinesisClient;

  beforeAll(async () => {
    emu = await startEmulator({ port: 0, delays: { consumer: 200 } });
    client = clientFor(emu, 1);
  });
  afterAll(async () => {
    client.destroy();
    await emu.close();
  });

  async function statusOf(consumerArn: string): Promise<string | undefined> {
    const d = await client.send(new DescribeStreamConsumerCommand({ ConsumerARN: consumerArn }));
    return d.ConsumerDescription?.ConsumerStatus;
  }

  async function pollUntil<T>(probe: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
    for (let i = 0; i < 100; i++) {
      const v = await probe();
      if (done(v)) return v;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('condition not reached after 100 polls');
  }

  it('registers CREATING, becomes ACTIVE, is described by ARN and by stream + name', async () => {
    const arn = await createStream(client, 'efo-cons-register');
    const r = await client.send(new RegisterStreamConsumerCommand({ StreamARN: arn, ConsumerName: 'app-1' }));
    expect(r.Consumer?.ConsumerName).toBe('app-1');
    expect(r.Consumer?.ConsumerStatus).toBe('CREATING');
    const consumerArn = r.Consumer?.ConsumerARN as string;
    expect(consumerArn).toMatch(new RegExp(`^${arn}/consumer/app-1:\\d+$`));

    expect(await statusOf(consumerArn)).toBe('CREATING');
    await pollUntil(() => statusOf(consumerArn), (s) => s === 'ACTIVE');

    const byName = await client.send(new DescribeStreamConsumerCommand({ StreamARN: arn, ConsumerName: 'app-1' }));
    expect(byName.ConsumerDescription).toEqual({
      ConsumerName: 'app-1',
      ConsumerARN: consumerArn,
      ConsumerStatus: 'ACTIVE',
      ConsumerCreationTimestamp: r.Consumer?.ConsumerCreationTimestamp,
      StreamARN: arn,
    });
  });

  it('refuses SubscribeToShard while the consumer is CREATING (ResourceInUseException)', async () => {
    const arn = await createStream(client, 'efo-cons-creating');
    const consumerArn = await registerConsumer(client, arn, 'early');
    const err = await errorOf(subscribe(client, consumerArn, SHARD0, { Type: 'TRIM_HORIZON' }));
    expect(err.name).toBe('ResourceInUseException');
    expect(err.$metadata?.httpStatusCode).toBe(400);
  });

  it('pages ListStreamConsumers with MaxResults and NextToken', async () => {
    const arn = await createStream(client, 'efo-cons-list');
    const arns = [];
    for (const name of ['c-a', 'c-b', 'c-c']) arns.push(await registerConsumer(client, arn, name));

    const p1 = await client.send(new ListStreamConsumersCommand({ StreamARN: arn, MaxResults: 2 }));
    expect(p1.Consumers?.map((c) => [c.ConsumerName, c.ConsumerARN])).toEqual([
      ['c-a', arns[0]],
      ['c-b', arns[1]],
    ]);
    expect(typeof p1.NextToken).toBe('string');
    const p2 = await client.send(new ListStreamConsumersCommand({ StreamARN: arn, MaxResults: 2, NextToken: p1.NextToken }));
    expect(p2.Consumers?.map((c) => [c.ConsumerName, c.ConsumerARN])).toEqual([['c-c', arns[2]]]);
    expect(p2.NextToken).toBeUndefined();

    const all = await client.send(new ListStreamConsumersCommand({ StreamARN: arn }));
    expect(all.Consumers?.map((c) => c.ConsumerName)).toEqual(['c-a', 'c-b', 'c-c']);
    expect(all.NextToken).toBeUndefined();
  });

  it('deregisters: DELETING (SubscribeToShard refused), then gone (ResourceNotFoundException)', async () => {
    const arn = await createStream(client, 'efo-cons-deregister');
    const consumerArn = await registerConsumer(client, arn, 'leaving');
    await pollUntil(() => statusOf(consumerArn), (s) => s === 'ACTIVE');

    await client.send(new DeregisterStreamConsumerCommand({ ConsumerARN: consumerArn }));
    expect(await statusOf(consumerArn)).toBe('DELETING');
    const inUse = await errorOf(subscribe(client, consumerArn, SHARD0, { Type: 'LATEST' }));
    expect(inUse.name).toBe('ResourceInUseException');

    const gone = await pollUntil(
      () => statusOf(consumerArn).then(() => undefined, (err: Error & { $metadata?: { httpStatusCode?: number } }) => err),
      (e) => e !== undefined,
    );
    expect(gone?.name).toBe('ResourceNotFoundException');
    expect(gone?.$metadata?.httpStatusCode).toBe(400);
    const list = await client.send(new ListStreamConsumersCommand({ StreamARN: arn }));
    expect(list.Consumers).toEqual([]);

    const notFound = await errorOf(subscribe(client, consumerArn, SHARD0, { Type: 'LATEST' }));
    expect(notFound.name).toBe('ResourceNotFoundException');
    expect(notFound.$metadata?.httpStatusCode).toBe(400);
  });

  it('refuses a consumer ARN that was never registered (ResourceNotFoundException)', async () => {
    const arn = await createStream(client, 'efo-cons-unknown');
    const err = await errorOf(subscribe(client, `${arn}/consumer/nobody:1700000000`, SHARD0, { Type: 'LATEST' }));
    expect(err.name).toBe('ResourceNotFoundException');
    expect(err.$metadata?.httpStatusCode).toBe(400);
  });
});

describe('SubscribeToShard event streams', () => {
  const clock = new ManualClock(T0);
  let emu: RunningEmulator;
  let client: KinesisClient;

  beforeAll(async () => {
    emu = await startEmulator({
      port: 0,
      clock,
      limits: false,
      subscriptionHeartbeatMs: 200,
      subscriptionLifetimeMs: 1500,
    });
    client = clientFor(emu, 1);
  });
  afterAll(async () => {
    client.destroy();
    await emu.close();
  });

  /** A fresh stream with one ACTIVE consumer; the clock moves past the 1-s rule of earlier subscriptions. */
  async function setup(name: string): Promise<string> {
    clock.advance(1100);
    const arn = await createStream(client, name);
    return registerConsumer(client, arn, `${name}-consumer`);
  }

  it('delivers from TRIM_HORIZON the records written before the subscription, then pushes new ones', async () => {
    const consumer = await setup('efo-push');
    const before = await put(client, 'efo-push', ['one', 'two', 'three']);
    const events = await subscribe(client, consumer, SHARD0, { Type: 'TRIM_HORIZON' });

    const first = await nextEvent(events);
    expect(first?.Records?.map(viewOf)).toEqual(before);
    expect(first?.Records?.[0].ApproximateArrivalTimestamp?.getTime()).toBe(clock.now());
    expect(first?.MillisBehindLatest).toBe(0);
    expect(first?.ContinuationSequenceNumber).toBeDefined();
    expect(first?.ChildShards).toBeUndefined();

    const during = await put(client, 'efo-push', ['four', 'five']);
    const pushed = await readRecords(events, 2);
    expect(pushed.records).toEqual(during);
    const last = pushed.events[pushed.events.length - 1];
    expect(last.MillisBehindLatest).toBe(0);
    await events.return?.();
  });

  it('carries ContinuationSequenceNumber and MillisBehindLatest when behind and when caught up', async () => {
    const consumer = await setup('efo-behind');
    // One event holds at most 10,000 records: with 10,001 stored, the first event is one record behind.
    const acked: Acked[] = [];
    for (let b = 0; b < 21; b++) {
      const n = b === 20 ? 1 : 500;
      acked.push(...(await put(client, 'efo-behind', Array.from({ length: n }, (_, i) => `r${b * 500 + i}`))));
    }
    expect(acked).toHaveLength(10_001);
    clock.advance(4000);

    const events = await subscribe(client, consumer, SHARD0, { Type: 'TRIM_HORIZON' });
    const e1 = await nextEvent(events);
    expect(e1?.Records).toHaveLength(10_000);
    expect(e1?.Records?.map(viewOf)).toEqual(acked.slice(0, 10_000));
    // The oldest unread record arrived 4,000 ms ago on the emulator's clock.
    expect(e1?.MillisBehindLatest).toBe(4000);
    const c1 = BigInt(e1?.ContinuationSequenceNumber as string);
    expect(c1 >= BigInt(acked[9_999].seq)).toBe(true);
    expect(c1 < BigInt(acked[10_000].seq)).toBe(true);

    const e2 = await nextEvent(events);
    expect(e2?.Records?.map(viewOf)).toEqual([acked[10_000]]);
    expect(e2?.MillisBehindLatest).toBe(0);
    expect(BigInt(e2?.ContinuationSequenceNumber as string) >= BigInt(acked[10_000].seq)).toBe(true);
    await events.return?.();
  });

  it('sends empty heartbeat events while the shard is idle', async () => {
    const consumer = await setup('efo-heartbeat');
    const events = await subscribe(client, consumer, SHARD0, { Type: 'LATEST' });
    const beats = [await nextEvent(events), await nextEvent(events), await nextEvent(events)];
    for (const b of beats) {
      expect(b?.Records).toEqual([]);
      expect(b?.MillisBehindLatest).toBe(0);
      expect(b?.ChildShards).toBeUndefined();
    }
    // Nothing was read and the clock did not move: the continuation stays put and is usable.
    expect(new Set(beats.map((b) => b?.ContinuationSequenceNumber)).size).toBe(1);
    await events.return?.();

    const later = await put(client, 'efo-heartbeat', ['after-beats']);
    // Past the takeover window too, in case the server has not yet seen the client's close.
    clock.advance(5100);
    const again = await subscribe(client, consumer, SHARD0, {
      Type: 'AFTER_SEQUENCE_NUMBER',
      SequenceNumber: beats[2]?.ContinuationSequenceNumber,
    });
    expect((await readRecords(again, 1)).records).toEqual(later);
    await again.return?.();
  });

  it('ends after its lifetime; resubscribing AFTER the last continuation has no gap and no duplicate', async () => {
    const consumer = await setup('efo-lifetime');
    const acked = await put(client, 'efo-lifetime', ['a0', 'a1']);
    const delivered: Acked[] = [];
    let continuation: string | undefined;

    const first = await subscribe(client, consumer, SHARD0, { Type: 'TRIM_HORIZON' });
    for (let batch = 0; batch < 3; batch++) {
      const got = await readRecords(first, acked.length - delivered.length);
      delivered.push(...got.records);
      continuation = got.events[got.events.length - 1].ContinuationSequenceNumber;
      acked.push(...(await put(client, 'efo-lifetime', [`b${batch}-0`, `b${batch}-1`, `b${batch}-2`])));
    }
    // Drain until the server completes the stream (lifetime 1.5 s): the iterator ends without an error.
    for (let ev = await nextEvent(first); ev; ev = await nextEvent(first)) {
      delivered.push(...(ev.Records ?? []).map(viewOf));
      if (ev.ContinuationSequenceNumber) continuation = ev.ContinuationSequenceNumber;
    }
    acked.push(...(await put(client, 'efo-lifetime', ['c0', 'c1'])));

    clock.advance(1100);
    const second = await subscribe(client, consumer, SHARD0, { Type: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: continuation });
    delivered.push(...(await readRecords(second, acked.length - delivered.length)).records);
    expect(delivered).toEqual(acked);
    await second.return?.();
  });

  it('ends a subscription at shard end with ChildShards and no ContinuationSequenceNumber', async () => {
    const consumer = await setup('efo-split');
    const before = await put(client, 'efo-split', ['p0', 'p1']);
    const events = await subscribe(client, consumer, SHARD0, { Type: 'TRIM_HORIZON' });
    expect((await readRecords(events, 2)).records).toEqual(before);

    await client.send(new SplitShardCommand({ StreamName: 'efo-split', ShardToSplit: SHARD0, NewStartingHashKey: HALF }));
    await put(client, 'efo-split', ['to-a-child']);

    const tail: SubscribeToShardEvent[] = [];
    for (let ev = await nextEvent(events); ev; ev = await nextEvent(events)) tail.push(ev);
    const final = tail[tail.length - 1];
    expect(tail.flatMap((e) => e.Records ?? [])).toEqual([]);
    expect(final.ContinuationSequenceNumber).toBeUndefined();
    expect(final.MillisBehindLatest).toBe(0);
    const children = [
      { ShardId: SHARD1, ParentShards: [SHARD0], HashKeyRange: { StartingHashKey: '0', EndingHashKey: (2n ** 127n - 1n).toString() } },
      { ShardId: SHARD2, ParentShards: [SHARD0], HashKeyRange: { StartingHashKey: HALF, EndingHashKey: MAX_HASH } },
    ];
    expect(final.ChildShards).toEqual(children);
    // Only the final event carries ChildShards.
    expect(tail.slice(0, -1).filter((e) => e.ChildShards !== undefined)).toEqual([]);

    // A subscription to the closed parent from TRIM_HORIZON gets its records and the end in one event.
    clock.advance(1100);
    const replay = await subscribe(client, consumer, SHARD0, { Type: 'TRIM_HORIZON' });
    const only = await nextEvent(replay);
    expect(only?.Records?.map(viewOf)).toEqual(before);
    expect(only?.ContinuationSequenceNumber).toBeUndefined();
    expect(only?.ChildShards).toEqual(children);
    expect(await nextEvent(replay)).toBeUndefined();
  });

  it('starts the wire stream with an initial-response event (raw HTTP/2 + eventstream codec)', async () => {
    const consumer = await setup('efo-wire');
    const acked = await put(client, 'efo-wire', ['on-the-wire']);
    const codec = new EventStreamCodec(toUtf8, fromUtf8);
    const session = http2.connect(emu.url);
    try {
      const req = session.request({
        ':method': 'POST',
        ':path': '/',
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'Kinesis_20131202.SubscribeToShard',
        // A SigV4 header needs a date header beside it (AWS answers IncompleteSignatureException otherwise).
        'x-amz-date': '20260101T000000Z',
        authorization: 'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/kinesis/aws4_request, SignedHeaders=host;x-amz-date, Signature=00',
      });
      req.end(JSON.stringify({ ConsumerARN: consumer, ShardId: SHARD0, StartingPosition: { Type: 'TRIM_HORIZON' } }));
      const headers = await new Promise<http2.IncomingHttpHeaders>((resolve, reject) => {
        req.once('response', resolve);
        req.once('error', reject);
      });
      expect(headers[':status']).toBe(200);
      expect(headers['content-type']).toBe('application/vnd.amazon.eventstream');
      expect(headers['content-length']).toBeUndefined();

      const messages: Message[] = [];
      let pending = Buffer.alloc(0);
      for await (const chunk of req as AsyncIterable<Buffer>) {
        pending = Buffer.concat([pending, chunk]);
        while (pending.length >= 4 && pending.length >= pending.readUInt32BE(0)) {
          const total = pending.readUInt32BE(0);
          messages.push(codec.decode(pending.subarray(0, total)));
          pending = pending.subarray(total);
        }
        if (messages.length >= 2) break;
      }
      req.close();

      const [initial, data] = messages;
      expect(initial.headers[':message-type']).toEqual({ type: 'string', value: 'event' });
      expect(initial.headers[':event-type']).toEqual({ type: 'string', value: 'initial-response' });
      expect(JSON.parse(toUtf8(initial.body))).toEqual({});
      expect(data.headers[':message-type']).toEqual({ type: 'string', value: 'event' });
      expect(data.headers[':event-type']).toEqual({ type: 'string', value: 'SubscribeToShardEvent' });
      expect(data.headers[':content-type']).toEqual({ type: 'string', value: 'application/json' });
      const body = JSON.parse(toUtf8(data.body));
      expect(body.Records).toEqual([
        {
          SequenceNumber: acked[0].seq,
          ApproximateArrivalTimestamp: clock.now() / 1000,
          Data: Buffer.from('on-the-wire').toString('base64'),
          PartitionKey: 'pk-0',
        },
      ]);
      expect(body.MillisBehindLatest).toBe(0);
      expect(typeof body.ContinuationSequenceNumber).toBe('string');
    } finally {
      session.destroy();
    }
  });
});

describe('SubscribeToShard rate and takeover rules (ManualClock)', () => {
  const clock = new ManualClock(T0);
  let emu: RunningEmulator;
  let client: KinesisClient;

  beforeAll(async () => {
    // The default 5-s takeover window and 5-min lifetime: the clock is moved by hand.
    emu = await startEmulator({ port: 0, clock, limits: false, subscriptionHeartbeatMs: 200 });
    // One attempt: the SDK retries LimitExceededException as throttling.
    client = clientFor(emu, 1);
  });
  afterAll(async () => {
    client.destroy();
    await emu.close();
  });

  it('refuses a second call within 1 s (LimitExceeded) and within the takeover window (ResourceInUse), then takes over', async () => {
    const arn = await createStream(client, 'efo-takeover');
    const consumer = await registerConsumer(client, arn, 'efo-takeover-consumer');
    const first = await put(client, 'efo-takeover', ['x0']);
    const a = await subscribe(client, consumer, SHARD0, { Type: 'TRIM_HORIZON' });
    expect((await readRecords(a, 1)).records).toEqual(first);

    const tooSoon = await errorOf(subscribe(client, consumer, SHARD0, { Type: 'LATEST' }));
    expect(tooSoon.name).toBe('LimitExceededException');
    expect(tooSoon.$metadata?.httpStatusCode).toBe(400);

    clock.advance(1100);
    const inUse = await errorOf(subscribe(client, consumer, SHARD0, { Type: 'LATEST' }));
    expect(inUse.name).toBe('ResourceInUseException');
    expect(inUse.$metadata?.httpStatusCode).toBe(400);

    // 6.1 s after the first subscription: the new one takes over, the old stream ends with ResourceInUse.
    clock.advance(5000);
    const b = await subscribe(client, consumer, SHARD0, { Type: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: first[0].seq });
    const ended = await errorOf(
      (async () => {
        for (let ev = await nextEvent(a); ev; ev = await nextEvent(a)) expect(ev.Records).toEqual([]);
      })(),
    );
    expect(ended.name).toBe('ResourceInUseException');

    const next = await put(client, 'efo-takeover', ['x1']);
    expect((await readRecords(b, 1)).records).toEqual(next);
    await b.return?.();
  });

  it('applies the 1-call-per-second rule per consumer and shard, not across consumers', async () => {
    const arn = await createStream(client, 'efo-rate');
    const one = await registerConsumer(client, arn, 'rate-one');
    const two = await registerConsumer(client, arn, 'rate-two');
    const a = await subscribe(client, one, SHARD0, { Type: 'LATEST' });
    const b = await subscribe(client, two, SHARD0, { Type: 'LATEST' });
    const err = await errorOf(subscribe(client, one, SHARD0, { Type: 'LATEST' }));
    expect(err.name).toBe('LimitExceededException');
    const acked = await put(client, 'efo-rate', ['both']);
    expect((await readRecords(a, 1)).records).toEqual(acked);
    expect((await readRecords(b, 1)).records).toEqual(acked);
    await a.return?.();
    await b.return?.();
  });
});

describe('SubscribeToShard with subscriptionTakeoverMs: 300', () => {
  const clock = new ManualClock(T0);
  let emu: RunningEmulator;
  let client: KinesisClient;

  beforeAll(async () => {
    emu = await startEmulator({ port: 0, clock, limits: false, subscriptionHeartbeatMs: 200, subscriptionTakeoverMs: 300 });
    client = clientFor(emu, 1);
  });
  afterAll(async () => {
    client.destroy();
    await emu.close();
  });

  it('lets the next call after the 1-s rule take over at once', async () => {
    const arn = await createStream(client, 'efo-takeover-300');
    const consumer = await registerConsumer(client, arn, 'quick');
    const a = await subscribe(client, consumer, SHARD0, { Type: 'LATEST' });
    expect((await nextEvent(a))?.Records).toEqual([]);

    clock.advance(1000);
    const b = await subscribe(client, consumer, SHARD0, { Type: 'LATEST' });
    const ended = await errorOf(
      (async () => {
        for (let ev = await nextEvent(a); ev; ev = await nextEvent(a)) expect(ev.Records).toEqual([]);
      })(),
    );
    expect(ended.name).toBe('ResourceInUseException');
    const acked = await put(client, 'efo-takeover-300', ['to-b']);
    expect((await readRecords(b, 1)).records).toEqual(acked);
    await b.return?.();
  });
});
