/**
 * The polling source's loop on a fake clock and an in-memory shard: starting positions, pacing and idle time,
 * read-ahead bounds, iterator expiry, throttling, failure reporting, shard end and close.
 */
import { ConsumerError } from '../consumer-error';
import type { Checkpoint, RetrievedBatch } from '../consumer-types';
import { FAKE_SHARD_ID, FakeShardClient, ManualTimers, nextBatchOn, serviceError, texts } from '../testing/retrieval-test-kit';
import { PollingRecordSourceFactory, type PollingRecordSourceOptions, type PollingShardRecordSource } from './polling-record-source';

const ARN = 'arn:aws:kinesis:us-east-1:000000000000:stream/s';
const TRIM: Checkpoint = { kind: 'sentinel', value: 'TRIM_HORIZON' };

function setup(options: Partial<PollingRecordSourceOptions> = {}) {
  const timers = new ManualTimers();
  const client = new FakeShardClient(timers);
  const factory = new PollingRecordSourceFactory({ client, clock: timers, timers, random: () => 0.5, ...options });
  const open = (start: Checkpoint = TRIM): Promise<PollingShardRecordSource> =>
    factory.open({ streamArn: ARN, streamName: 's', shardId: FAKE_SHARD_ID, start });
  return { timers, client, factory, open };
}

/** Calls next() and advances fake time until it settles. */
const nextBatch = (source: PollingShardRecordSource, timers: ManualTimers, stepMs = 10, maxMs = 60_000): Promise<RetrievedBatch> => nextBatchOn(source, timers, stepMs, maxMs);

describe('PollingRecordSourceFactory', () => {
  it.each<[string, Checkpoint, Record<string, unknown>]>([
    ['TRIM_HORIZON', TRIM, { ShardIteratorType: 'TRIM_HORIZON' }],
    ['LATEST', { kind: 'sentinel', value: 'LATEST' }, { ShardIteratorType: 'LATEST' }],
    ['AT_TIMESTAMP', { kind: 'sentinel', value: 'AT_TIMESTAMP', timestamp: 1_700_000_000_500 }, { ShardIteratorType: 'AT_TIMESTAMP', Timestamp: new Date(1_700_000_000_500) }],
    ['a plain sequence checkpoint (AT, the caller skips it)', { kind: 'sequence', sequenceNumber: '1000003', subSequenceNumber: 0 }, { ShardIteratorType: 'AT_SEQUENCE_NUMBER', StartingSequenceNumber: '1000003' }],
    ['a sub-sequence checkpoint', { kind: 'sequence', sequenceNumber: '1000003', subSequenceNumber: 7 }, { ShardIteratorType: 'AT_SEQUENCE_NUMBER', StartingSequenceNumber: '1000003' }],
  ])('opens %s with the matching GetShardIterator', async (_name, start, expected) => {
    const { client, open } = setup();
    const source = await open(start);
    expect(client.callsOf('GetShardIterator')[0].input).toEqual({ StreamARN: ARN, ShardId: FAKE_SHARD_ID, ...expected });
    await source.close();
  });

  it('refuses SHARD_END and an AT_TIMESTAMP without a timestamp', async () => {
    const { open } = setup();
    await expect(open({ kind: 'sentinel', value: 'SHARD_END' })).rejects.toMatchObject({ code: 'INTERNAL' });
    await expect(open({ kind: 'sentinel', value: 'AT_TIMESTAMP' })).rejects.toMatchObject({ code: 'INVALID_OPTION' });
  });

  it.each<[Partial<PollingRecordSourceOptions>, string]>([
    [{ idleTimeBetweenReadsMs: 199 }, 'idleTimeBetweenReadsMs'],
    [{ maxRecords: 10_001 }, 'maxRecords'],
    [{ maxRecords: 0 }, 'maxRecords'],
    [{ prefetchBatches: -1 }, 'prefetchBatches'],
  ])('validates options: %j', (options, name) => {
    expect(() => setup(options)).toThrow(expect.objectContaining({ code: 'INVALID_OPTION', message: expect.stringContaining(name) }));
  });

  it('fails open() with SHARD_NOT_FOUND when the shard does not exist', async () => {
    const { client, open } = setup();
    client.fault = (c) => (c.operation === 'GetShardIterator' ? serviceError('ResourceNotFoundException', 'Shard does not exist') : undefined);
    await expect(open()).rejects.toMatchObject({ code: 'SHARD_NOT_FOUND', retriable: false });
  });

  it('retries a throttled GetShardIterator at open()', async () => {
    const { client, open, timers } = setup();
    client.fault = (c, n) => (c.operation === 'GetShardIterator' && n <= 2 ? serviceError('ProvisionedThroughputExceededException') : undefined);
    const opening = open();
    await timers.advance(5_000);
    const source = await opening;
    expect(client.callsOf('GetShardIterator')).toHaveLength(3);
    await source.close();
  });
});

describe('PollingShardRecordSource', () => {
  it('reads a backlog at once, within 5 calls per second', async () => {
    const { client, open, timers } = setup({ maxRecords: 10 });
    for (let i = 0; i < 100; i++) client.append(`r${i}`);
    await timers.advance(10_000); // the backlog is 10 s old: MillisBehindLatest > 0 until the end
    const source = await open();
    const seen: string[] = [];
    while (seen.length < 100) seen.push(...texts(await nextBatch(source, timers, 1)));
    expect(seen).toEqual(Array.from({ length: 100 }, (_, i) => `r${i}`));
    // 10 calls: 5 from the full bucket (as fast as the test consumes them), then one per 200 ms — never more
    // than the service's bucket (5, refilled at 5/s) would admit.
    const times = client.callsOf('GetRecords').map((c) => c.at);
    expect(times).toHaveLength(10);
    expect(times[9] - times[0]).toBeLessThanOrEqual(1_010);
    for (let i = 0; i < times.length; i++) {
      for (let j = i; j < times.length; j++) expect(j - i + 1).toBeLessThanOrEqual(5 + (5 * (times[j] - times[i])) / 1000 + 1e-9);
    }
    await source.close();
  });

  it('when caught up, polls every idle interval and delivers a new record within one interval', async () => {
    const { client, open, timers } = setup();
    const source = await open();
    const empty = await nextBatch(source, timers);
    expect(empty).toEqual({ records: [], millisBehindLatest: 0, shardEnd: false });
    const before = client.callsOf('GetRecords').length;
    await timers.advance(1_000);
    // Read-ahead of one: the loop keeps polling (empty pages are dropped) at the idle interval.
    const polls = client.callsOf('GetRecords').slice(before - 1);
    const gaps = polls.slice(1).map((c, i) => c.at - polls[i].at);
    expect(gaps.every((g) => g === 200)).toBe(true);
    expect(gaps.length).toBe(5);
    client.append('late');
    const putAt = timers.now();
    const batch = await nextBatch(source, timers, 1);
    expect(texts(batch)).toEqual(['late']);
    expect(timers.now() - putAt).toBeLessThanOrEqual(200);
    await source.close();
  });

  it('honours a longer idle time', async () => {
    const { client, open, timers } = setup({ idleTimeBetweenReadsMs: 1_000 });
    const source = await open();
    await timers.advance(5_000);
    const gaps = client.callsOf('GetRecords').slice(1).map((c, i) => c.at - client.callsOf('GetRecords')[i].at);
    expect(gaps.length).toBeGreaterThanOrEqual(4);
    expect(gaps.every((g) => g === 1_000)).toBe(true);
    await source.close();
  });

  it('reads ahead at most prefetchBatches non-empty batches while nobody asks', async () => {
    const { client, open, timers } = setup({ maxRecords: 1, prefetchBatches: 2 });
    for (let i = 0; i < 10; i++) client.append(`r${i}`);
    const source = await open();
    await timers.advance(10_000);
    expect(client.callsOf('GetRecords')).toHaveLength(2);
    expect(texts(await nextBatch(source, timers))).toEqual(['r0']);
    await timers.advance(1_000);
    expect(client.callsOf('GetRecords')).toHaveLength(3);
    await source.close();
  });

  it('with prefetchBatches 0, reads only while next() waits', async () => {
    const { client, open, timers } = setup({ prefetchBatches: 0 });
    client.append('a');
    const source = await open();
    await timers.advance(5_000);
    expect(client.callsOf('GetRecords')).toHaveLength(0);
    expect(texts(await nextBatch(source, timers))).toEqual(['a']);
    await timers.advance(5_000);
    expect(client.callsOf('GetRecords')).toHaveLength(1);
    await source.close();
  });

  it('replaces an expired iterator AFTER the last record returned, without loss or duplicates', async () => {
    const { client, open, timers } = setup({ maxRecords: 2, prefetchBatches: 0 });
    client.iteratorLifetimeMs = 1_000;
    for (let i = 0; i < 5; i++) client.append(`r${i}`);
    const source = await open();
    expect(texts(await nextBatch(source, timers))).toEqual(['r0', 'r1']);
    await timers.advance(2_000); // the handler takes long; the iterator in hand expires
    expect(texts(await nextBatch(source, timers))).toEqual(['r2', 'r3']);
    const iteratorCalls = client.callsOf('GetShardIterator');
    expect(iteratorCalls).toHaveLength(2);
    expect(iteratorCalls[1].input).toMatchObject({ ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: FakeShardClient.sequenceOf(1) });
    expect(source.stats.expiredIterators).toBe(1);
    await source.close();
  });

  it('backs off on throttling and never reports it', async () => {
    const { client, open, timers } = setup();
    client.append('x');
    client.fault = (c, n) => (c.operation === 'GetRecords' && n <= 6 ? serviceError('ProvisionedThroughputExceededException', 'Rate exceeded') : undefined);
    const source = await open();
    const batch = await nextBatch(source, timers, 10, 120_000);
    expect(texts(batch)).toEqual(['x']);
    expect(source.stats.throttled).toBe(6);
    const calls = client.callsOf('GetRecords');
    const gaps = calls.slice(1).map((c, i) => c.at - calls[i].at);
    // Growing waits: the call rate halves per throttling answer (5 → 2.5 → 1.25 → 0.625 → 0.5 calls/s: 400, 800,
    // 1,600, 2,000 ms between calls) until the backoff (equal jitter at random 0.5: ¾ of 200·2^(n−1)) is longer.
    expect(gaps).toEqual([400, 800, 1_600, 2_000, 2_400, 3_750]);
    await source.close();
  });

  it('reports other failures to a waiting next() every failuresBeforeReport in a row, and goes on', async () => {
    const { client, open, timers } = setup({ failuresBeforeReport: 3 });
    client.append('x');
    client.fault = (c, n) => (c.operation === 'GetRecords' && n <= 3 ? serviceError('InternalFailure', 'boom', 500) : undefined);
    const source = await open();
    const failed = await nextBatch(source, timers).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(ConsumerError);
    expect(failed).toMatchObject({ code: 'DEPENDENCY', retriable: true, operation: 'GetRecords', awsCode: 'InternalFailure' });
    expect(texts(await nextBatch(source, timers))).toEqual(['x']);
    await source.close();
  });

  it('stops with SHARD_NOT_FOUND when the shard disappears', async () => {
    const { client, open, timers } = setup();
    const source = await open();
    client.fault = (c) => (c.operation === 'GetRecords' ? serviceError('ResourceNotFoundException') : undefined);
    await expect(nextBatch(source, timers)).rejects.toMatchObject({ code: 'SHARD_NOT_FOUND' });
    await expect(source.next()).rejects.toMatchObject({ code: 'SHARD_NOT_FOUND' });
    await source.close();
  });

  it('ends the shard with its children and keeps answering shard end', async () => {
    const { client, open, timers } = setup({ maxRecords: 2 });
    for (let i = 0; i < 3; i++) client.append(`r${i}`);
    const children = [{ ShardId: 'shardId-000000000001', ParentShards: [FAKE_SHARD_ID], HashKeyRange: { StartingHashKey: '0', EndingHashKey: '1' } }];
    client.close(children);
    const source = await open();
    expect(await nextBatch(source, timers)).toMatchObject({ shardEnd: false });
    const end = await nextBatch(source, timers);
    expect(texts(end)).toEqual(['r2']);
    expect(end).toMatchObject({ shardEnd: true, childShards: children });
    expect(await source.next()).toEqual({ records: [], millisBehindLatest: 0, childShards: children, shardEnd: true });
    const calls = client.callsOf('GetRecords').length;
    await timers.advance(5_000);
    expect(client.callsOf('GetRecords')).toHaveLength(calls);
    await source.close();
  });

  it('close() rejects a pending next() with SHUTDOWN and stops calling', async () => {
    const { client, open, timers } = setup();
    const source = await open();
    await nextBatch(source, timers); // the first (empty) page
    const pending = source.next();
    await timers.advance(100); // within the idle time: nothing to hand over yet
    await source.close();
    await expect(pending).rejects.toMatchObject({ code: 'SHUTDOWN' });
    const calls = client.calls.length;
    await timers.advance(5_000);
    expect(client.calls).toHaveLength(calls);
    await expect(source.next()).rejects.toMatchObject({ code: 'SHUTDOWN' });
  });

  it('an aborted next() rejects, and the source stays usable', async () => {
    const { client, open, timers } = setup();
    const source = await open();
    const abort = new AbortController();
    const pending = source.next(abort.signal);
    abort.abort();
    await expect(pending).rejects.toMatchObject({ code: 'SHUTDOWN' });
    client.append('after');
    expect(texts(await nextBatch(source, timers))).toEqual(['after']);
    await source.close();
  });

  it('factory close() closes every open source', async () => {
    const { factory, open, timers } = setup();
    const a = await open();
    const pending = a.next();
    await timers.advance(10);
    await factory.close();
    await expect(pending).rejects.toMatchObject({ code: 'SHUTDOWN' });
    await expect(open()).rejects.toMatchObject({ code: 'SHUTDOWN' });
  });
});
