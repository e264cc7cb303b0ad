/**
 * Enhanced fan-out against the real emulator through the SDK's SubscribeToShard over our multiplexed HTTP/2
 * handler: consumer registration (including one still CREATING, and two workers racing to register), delivery of
 * everything in order across subscription renewals (lifetime shortened to 1.5 s), shard end with children,
 * starting positions, and a takeover refused during the takeover window then succeeding.
 */
import { SplitShardCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { createActiveStream, streamArnOf, TEST_CREDENTIALS, TEST_REGION, uniqueStreamName, waitForStreamStatus } from '@tributary/emulator/testing';
import type { Checkpoint } from '../consumer-types';
import { deaggregateRecords, skipUpTo } from '../records/record-deaggregator';
import { startConsumerTestEnv, type ConsumerTestEnv } from '../testing/consumer-int-kit';
import { putTexts, readUntil, recordsOf, textOf } from '../testing/retrieval-int-kit';
import { FanOutRecordSourceFactory, type FanOutShardRecordSource } from './fan-out-record-source';
import { createFanOutKinesisClient } from './kinesis-clients';
import type { MultiplexedHttp2Handler } from './multiplexed-http2-handler';

const SHARD0 = 'shardId-000000000000';
const TRIM: Checkpoint = { kind: 'sentinel', value: 'TRIM_HORIZON' };
const HALF = 1n << 127n;

describe('FanOutRecordSource (emulator: 1.5-s subscriptions, 300-ms heartbeats, 200-ms consumer CREATING)', () => {
  let kds: ConsumerTestEnv;
  let client: KinesisClient;
  let handler: MultiplexedHttp2Handler;

  beforeAll(async () => {
    kds = await startConsumerTestEnv({
      subscriptionLifetimeMs: 1_500,
      subscriptionHeartbeatMs: 300,
      subscriptionTakeoverMs: 1_000,
      delays: { consumer: 200 },
    });
    ({ client, handler } = createFanOutKinesisClient({ endpoint: kds.emu.url, region: TEST_REGION, credentials: TEST_CREDENTIALS }));
  });
  afterAll(async () => {
    client.destroy();
    await kds.close();
  });

  const factoryFor = (consumerName: string, extra: Partial<ConstructorParameters<typeof FanOutRecordSourceFactory>[0]> = {}): FanOutRecordSourceFactory =>
    new FanOutRecordSourceFactory({ client, consumerName, registrationPollMs: 50, retryBaseDelayMs: 200, ...extra });
  const open = (factory: FanOutRecordSourceFactory, name: string, shardId = SHARD0, start: Checkpoint = TRIM): Promise<FanOutShardRecordSource> =>
    factory.open({ streamArn: streamArnOf(name), streamName: name, shardId, start });

  it('registers the consumer once, waits for ACTIVE, and a second worker reuses it', async () => {
    const name = uniqueStreamName('efo-register');
    await createActiveStream(kds.kinesis, name, 1);
    const arn = streamArnOf(name);
    const a = factoryFor('app');
    const b = factoryFor('app');
    const [arnA, arnB] = await Promise.all([a.ensureConsumer(arn), b.ensureConsumer(arn)]);
    expect(arnA).toMatch(new RegExp(`^${arn.replace(/[/.]/g, '\\$&')}/consumer/app:\\d+$`));
    expect(arnB).toBe(arnA);
    expect(await a.ensureConsumer(arn)).toBe(arnA);
    await Promise.all([a.close(), b.close()]);
  });

  it('delivers everything in order across subscription renewals, without loss or duplicates', async () => {
    const name = uniqueStreamName('efo-renew');
    await createActiveStream(kds.kinesis, name, 1);
    const factory = factoryFor('renew');
    const source = await open(factory, name);
    const expected: string[] = [];
    let producing = true;
    const producer = (async () => {
      for (let round = 0; producing; round++) {
        const texts = Array.from({ length: 20 }, (_, i) => `r${round}-${i}`);
        await putTexts(kds.kinesis, name, texts);
        expected.push(...texts);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const batches = await readUntil(source, () => source.stats.subscriptions >= 4, 15_000);
    producing = false;
    await producer;
    batches.push(...(await readUntil(source, (b) => recordsOf(b).length >= expected.length - recordsOf(batches).length, 5_000)));
    const got = recordsOf(batches).map(textOf);
    expect(got).toEqual(expected);
    const seqs = recordsOf(batches).map((r) => BigInt(r.SequenceNumber as string));
    expect(seqs.every((s, i) => i === 0 || s > seqs[i - 1])).toBe(true);
    expect(source.stats.subscriptions).toBeGreaterThanOrEqual(4);
    await factory.close();
  }, 20_000);

  it('reports shard end with the children after the last record', async () => {
    const name = uniqueStreamName('efo-split');
    await createActiveStream(kds.kinesis, name, 1);
    const factory = factoryFor('split');
    const source = await open(factory, name);
    const before = await putTexts(kds.kinesis, name, Array.from({ length: 50 }, (_, i) => `before-${i}`));
    await kds.kinesis.send(new SplitShardCommand({ StreamName: name, ShardToSplit: SHARD0, NewStartingHashKey: HALF.toString() }));
    await waitForStreamStatus(kds.kinesis, name, 'ACTIVE');
    await putTexts(kds.kinesis, name, ['after-split']); // goes to a child
    const batches = await readUntil(source, (b) => b.some((x) => x.shardEnd));
    expect(recordsOf(batches).map(textOf)).toEqual(before.map((a) => a.data));
    const end = batches[batches.length - 1];
    expect((end.childShards ?? []).map((c) => c.ShardId).sort()).toEqual(['shardId-000000000001', 'shardId-000000000002']);
    expect(await source.next()).toMatchObject({ shardEnd: true, records: [] });
    await factory.close();
  });

  it('starts at LATEST, and at a sub-sequence checkpoint (AT the record, the caller skips the rest)', async () => {
    const name = uniqueStreamName('efo-start');
    await createActiveStream(kds.kinesis, name, 1);
    const factory = factoryFor('start');
    const acks = await putTexts(kds.kinesis, name, ['a', 'b', 'c']);
    const latest = await open(factory, name, SHARD0, { kind: 'sentinel', value: 'LATEST' });
    await putTexts(kds.kinesis, name, ['d']);
    expect(recordsOf(await readUntil(latest, (b) => recordsOf(b).length >= 1)).map(textOf)).toEqual(['d']);
    await latest.close();

    await new Promise((r) => setTimeout(r, 1_000)); // 1 subscription per second per shard and consumer
    const checkpoint: Checkpoint = { kind: 'sequence', sequenceNumber: acks[1].sequenceNumber, subSequenceNumber: 0 };
    const resumed = await open(factory, name, SHARD0, checkpoint);
    const records = deaggregateRecords(recordsOf(await readUntil(resumed, (b) => recordsOf(b).length >= 3)), SHARD0).records;
    expect(records.map((r) => Buffer.from(r.data).toString())).toEqual(['b', 'c', 'd']);
    expect(skipUpTo(records, checkpoint).map((r) => Buffer.from(r.data).toString())).toEqual(['c', 'd']);
    await factory.close();
  });

  it('a second worker is refused within the takeover window, then takes the shard over', async () => {
    const name = uniqueStreamName('efo-takeover');
    await createActiveStream(kds.kinesis, name, 1);
    const first = factoryFor('takeover');
    const second = factoryFor('takeover');
    const a = await open(first, name);
    const started = Date.now();
    // Refused (LimitExceeded within 1 s — the SDK retries that itself — then ResourceInUse within the takeover
    // window, which the source backs off from) until the first subscription is 1 s old.
    const b = await open(second, name);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    await putTexts(kds.kinesis, name, ['x']);
    expect(recordsOf(await readUntil(b, (x) => recordsOf(x).length >= 1)).map(textOf)).toEqual(['x']);
    // The first one's stream ended (ResourceInUse on takeover, or its lifetime if that came first): it renews
    // after its backoff, from where it was, and reads on.
    await putTexts(kds.kinesis, name, ['y']);
    expect(recordsOf(await readUntil(a, (x) => recordsOf(x).some((r) => textOf(r) === 'y'))).map(textOf)).toEqual(['x', 'y']);
    await Promise.all([first.close(), second.close()]);
  });

  it('multiplexes every subscription of the worker over one session', () => {
    const stats = handler.stats();
    expect(stats.requests).toBeGreaterThan(10);
    expect(stats.sessionsOpened).toBe(1);
  });
});
