/**
 * The fan-out source's subscription chain on a fake clock with scripted event streams: registration, renewal
 * AFTER the last continuation with 1-s spacing, the silence watchdog, refusals with backoff and reporting,
 * shard end, terminal errors and close.
 */
import type { SubscribeToShardEvent } from '@aws-sdk/client-kinesis';
import type { Checkpoint, RetrievedBatch } from '../consumer-types';
import { FakeFanOutClient, ManualTimers, nextBatchOn, serviceError, texts } from '../testing/retrieval-test-kit';
import { FanOutRecordSourceFactory, type FanOutRecordSourceOptions, type FanOutShardRecordSource } from './fan-out-record-source';

const STREAM_ARN = 'arn:aws:kinesis:us-east-1:000000000000:stream/s';
const SHARD = 'shardId-000000000000';
const TRIM: Checkpoint = { kind: 'sentinel', value: 'TRIM_HORIZON' };

function setup(options: Partial<FanOutRecordSourceOptions> = {}) {
  const timers = new ManualTimers();
  const client = new FakeFanOutClient(timers);
  client.consumerStatus = 'ACTIVE';
  const factory = new FanOutRecordSourceFactory({ client, consumerName: 'app', clock: timers, timers, random: () => 0.5, ...options });
  const open = async (start: Checkpoint = TRIM): Promise<FanOutShardRecordSource> => {
    const opening = factory.open({ streamArn: STREAM_ARN, streamName: 's', shardId: SHARD, start });
    await timers.settle();
    return opening;
  };
  return { timers, client, factory, open };
}

const event = (texts: string[], continuation: string | undefined, millisBehindLatest = 0): SubscribeToShardEvent => ({
  Records: texts.map((t, i) => ({ Data: Buffer.from(t), PartitionKey: 'k', SequenceNumber: `${100 + i}` })),
  MillisBehindLatest: millisBehindLatest,
  ContinuationSequenceNumber: continuation,
});
/** next(), advancing fake time in steps until it settles. */
const nextBatch = (source: FanOutShardRecordSource, timers: ManualTimers, stepMs = 50, maxMs = 120_000): Promise<RetrievedBatch> => nextBatchOn(source, timers, stepMs, maxMs);

describe('FanOutRecordSourceFactory registration', () => {
  it('registers an absent consumer and polls until it is ACTIVE', async () => {
    const { client, factory, timers } = setup({ registrationPollMs: 100 });
    client.consumerStatus = 'absent';
    client.describesUntilActive = 3;
    const arn = factory.ensureConsumer(STREAM_ARN);
    await timers.advance(1_000);
    await expect(arn).resolves.toMatch(/consumer\/app/);
    expect(client.calls).toEqual(['DescribeStreamConsumer', 'RegisterStreamConsumer', 'DescribeStreamConsumer', 'DescribeStreamConsumer', 'DescribeStreamConsumer']);
  });

  it('gives up after registrationTimeoutMs with a retriable error, and tries again on the next call', async () => {
    const { client, factory, timers } = setup({ registrationPollMs: 100, registrationTimeoutMs: 1_000 });
    client.consumerStatus = 'CREATING';
    client.describesUntilActive = 1_000;
    const first = factory.ensureConsumer(STREAM_ARN).catch((e: unknown) => e);
    await timers.advance(2_000);
    expect(await first).toMatchObject({ code: 'DEPENDENCY', retriable: true });
    client.describesUntilActive = 0;
    const second = factory.ensureConsumer(STREAM_ARN);
    await timers.advance(100);
    await expect(second).resolves.toMatch(/consumer\/app/);
  });

  it('validates the consumer name', () => {
    expect(() => setup({ consumerName: 'bad name' })).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }));
  });
});

describe('FanOutShardRecordSource', () => {
  it('subscribes from the checkpoint: AT_SEQUENCE_NUMBER for a sequence, the sentinel otherwise', async () => {
    const { client, open } = setup();
    await (await open({ kind: 'sequence', sequenceNumber: '42', subSequenceNumber: 3 })).close();
    expect(client.last.input).toEqual({ ConsumerARN: expect.stringContaining('consumer/app'), ShardId: SHARD, StartingPosition: { Type: 'AT_SEQUENCE_NUMBER', SequenceNumber: '42' } });
  });

  it('maps events to batches and renews an ended subscription AFTER the last continuation, ≥ 1 s after the previous', async () => {
    const { client, open, timers } = setup();
    const source = await open();
    client.last.event(event(['a', 'b'], 'c-1', 500));
    expect(await nextBatch(source, timers)).toMatchObject({ millisBehindLatest: 500, shardEnd: false });
    client.last.event(event([], 'c-2'));
    expect(texts(await nextBatch(source, timers))).toEqual([]); // a heartbeat
    const firstAt = client.last.at;
    client.last.end(); // the lifetime is over
    const pending = nextBatch(source, timers, 10);
    await timers.advance(2_000);
    client.last.event(event(['c'], 'c-3'));
    expect(texts(await pending)).toEqual(['c']);
    expect(client.subscriptions).toHaveLength(2);
    expect(client.last.input.StartingPosition).toEqual({ Type: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: 'c-2' });
    expect(client.last.at - firstAt).toBeGreaterThanOrEqual(1_000);
    expect(source.stats).toMatchObject({ subscriptions: 2, events: 3, heartbeats: 1, records: 3 });
    await source.close();
  });

  it('replaces a subscription silent for eventTimeoutMs', async () => {
    const { client, open, timers } = setup({ eventTimeoutMs: 5_000 });
    const source = await open();
    const first = client.last;
    const pending = nextBatch(source, timers, 100);
    await timers.advance(5_500);
    expect(first.aborted).toBe(true);
    expect(client.subscriptions).toHaveLength(2);
    client.last.event(event(['x'], 'c-1'));
    expect(texts(await pending)).toEqual(['x']);
    expect(source.stats.eventTimeouts).toBe(1);
    await source.close();
  });

  it('backs off from ResourceInUse (takeover window) and succeeds once it is over', async () => {
    const { client, open, timers } = setup();
    client.subscribeFault = (n) => (n <= 3 ? serviceError('ResourceInUseException', 'Another active subscription exists') : undefined);
    const opening = open();
    await timers.advance(10_000);
    const source = await opening;
    expect(client.calls.filter((c) => c === 'SubscribeToShard')).toHaveLength(4);
    expect(source.stats.subscribeFailures).toBe(3);
    await source.close();
  });

  it('renews after a stream error and reports every failuresBeforeReport in a row, staying usable', async () => {
    const { client, open, timers } = setup({ failuresBeforeReport: 2 });
    const source = await open();
    client.last.fail(serviceError('InternalFailureException', 'boom', 500));
    const pending = nextBatch(source, timers, 50);
    await timers.advance(3_000);
    client.last.fail(serviceError('InternalFailureException', 'boom again', 500));
    await expect(pending).rejects.toMatchObject({ code: 'DEPENDENCY', retriable: true, awsCode: 'InternalFailureException' });
    const after = nextBatch(source, timers, 50);
    await timers.advance(5_000);
    client.last.event(event(['ok'], 'c-9'));
    expect(texts(await after)).toEqual(['ok']);
    await source.close();
  });

  it('ends the shard on an event without continuation, with the children', async () => {
    const { client, open, timers } = setup();
    const source = await open();
    const children = [{ ShardId: 'shardId-000000000001', ParentShards: [SHARD], HashKeyRange: { StartingHashKey: '0', EndingHashKey: '9' } }];
    client.last.event({ ...event(['last'], undefined), ChildShards: children });
    const end = await nextBatch(source, timers);
    expect(end).toMatchObject({ shardEnd: true, childShards: children });
    expect(texts(end)).toEqual(['last']);
    expect(client.last.aborted).toBe(true);
    expect(await source.next()).toEqual({ records: [], millisBehindLatest: 0, childShards: children, shardEnd: true });
    await timers.advance(5_000);
    expect(client.subscriptions).toHaveLength(1);
    await source.close();
  });

  it('stops with SHARD_NOT_FOUND when the shard is gone', async () => {
    const { client, factory } = setup();
    client.subscribeFault = () => serviceError('ResourceNotFoundException', 'Shard not found');
    await expect(factory.open({ streamArn: STREAM_ARN, streamName: 's', shardId: SHARD, start: TRIM })).rejects.toMatchObject({ code: 'SHARD_NOT_FOUND' });
  });

  it('close() ends the subscription and a pending next()', async () => {
    const { client, open, timers } = setup();
    const source = await open();
    const pending = source.next();
    await timers.advance(100);
    await source.close();
    await expect(pending).rejects.toMatchObject({ code: 'SHUTDOWN' });
    expect(client.last.aborted).toBe(true);
  });

  it('an aborted next() keeps the event it was waiting for for the following call', async () => {
    const { client, open, timers } = setup();
    const source = await open();
    const abort = new AbortController();
    const pending = source.next(abort.signal);
    abort.abort();
    await expect(pending).rejects.toMatchObject({ code: 'SHUTDOWN' });
    client.last.event(event(['kept'], 'c-1'));
    expect(texts(await nextBatch(source, timers))).toEqual(['kept']);
    expect(client.subscriptions).toHaveLength(1);
    await source.close();
  });
});
