import type { ListShardsCommand, ListShardsCommandOutput, Shard } from '@aws-sdk/client-kinesis';
import { FakeTimers, InMemoryLeaseStore, shardIdOf } from '../testing/lease-test-kit';
import { ShardSyncer, type ListShardsClient } from './shard-syncer';

function awsError(name: string): Error {
  return Object.assign(new Error(name), { name, $metadata: { httpStatusCode: 400 } });
}

/** ListShards over `shards`, `pageSize` per page; `failures` are thrown first, one per call. */
class FakeListShards implements ListShardsClient {
  readonly inputs: Array<ListShardsCommand['input']> = [];
  failures: Error[] = [];
  gate: Promise<void> | undefined;
  constructor(
    public shards: Shard[],
    private readonly pageSize = 1000,
  ) {}

  async send(command: ListShardsCommand): Promise<ListShardsCommandOutput> {
    this.inputs.push(command.input);
    const shards = this.shards; // as of the call
    if (this.gate) await this.gate;
    const failure = this.failures.shift();
    if (failure) throw failure;
    const start = command.input.NextToken ? Number(command.input.NextToken) : 0;
    const page = shards.slice(start, start + this.pageSize);
    const next = start + page.length < shards.length ? String(start + page.length) : undefined;
    return { Shards: page, NextToken: next, $metadata: {} };
  }
}

const openShard = (n: number): Shard => ({
  ShardId: shardIdOf(n),
  HashKeyRange: { StartingHashKey: String(n * 10), EndingHashKey: String(n * 10 + 9) },
  SequenceNumberRange: { StartingSequenceNumber: '1' },
});

describe('ShardSyncer', () => {
  it('pages ListShards with NextToken alone after the first call', async () => {
    const client = new FakeListShards([0, 1, 2, 3, 4].map(openShard), 2);
    const store = new InMemoryLeaseStore();
    const syncer = new ShardSyncer({ kinesisClient: client, store, streamName: 's', initialPosition: 'TRIM_HORIZON', listShardsPageSize: 2 });
    const result = await syncer.sync();
    expect(result.created).toHaveLength(5);
    expect(client.inputs).toEqual([
      { StreamName: 's', MaxResults: 2 },
      { NextToken: '2', MaxResults: 2 },
      { NextToken: '4', MaxResults: 2 },
    ]);
  });

  it('uses the stream ARN when given one', async () => {
    const client = new FakeListShards([openShard(0)]);
    const syncer = new ShardSyncer({ kinesisClient: client, store: new InMemoryLeaseStore(), streamArn: 'arn:x', initialPosition: 'LATEST' });
    await syncer.sync();
    expect(client.inputs[0]).toEqual({ StreamARN: 'arn:x', MaxResults: 1000 });
  });

  it('starts the listing over once when its NextToken expired', async () => {
    const client = new FakeListShards([0, 1, 2].map(openShard), 1);
    const syncer = new ShardSyncer({ kinesisClient: client, store: new InMemoryLeaseStore(), streamName: 's', initialPosition: 'LATEST', listShardsPageSize: 1 });
    client.failures = [awsError('ExpiredNextTokenException')];
    expect(await syncer.listShards()).toHaveLength(3);
    expect(client.inputs[1]).toEqual({ StreamName: 's', MaxResults: 1 });
  });

  it('maps a throttled ListShards to a retriable DependencyError', async () => {
    const client = new FakeListShards([openShard(0)]);
    client.failures = [awsError('LimitExceededException')];
    const syncer = new ShardSyncer({ kinesisClient: client, store: new InMemoryLeaseStore(), streamName: 's', initialPosition: 'LATEST' });
    await expect(syncer.sync()).rejects.toMatchObject({ code: 'DEPENDENCY', awsCode: 'LimitExceededException', retriable: true });
  });

  it('calls made during a sync share one follow-up sync that sees the newest shards', async () => {
    const client = new FakeListShards([openShard(0)]);
    const store = new InMemoryLeaseStore();
    const syncer = new ShardSyncer({ kinesisClient: client, store, streamName: 's', initialPosition: 'TRIM_HORIZON' });
    let open!: () => void;
    client.gate = new Promise<void>((r) => (open = r));
    const first = syncer.sync();
    const second = syncer.sync();
    const third = syncer.sync();
    expect(second).toBe(third);
    client.shards = [openShard(0), openShard(1)]; // appeared after the first listing began
    client.gate = undefined;
    open();
    expect((await first).created).toEqual([shardIdOf(0)]);
    expect((await second).created).toEqual([shardIdOf(1)]);
    expect(client.inputs).toHaveLength(2);
  });

  it('syncs periodically once started, reporting failures as events', async () => {
    const timers = new FakeTimers(0);
    const client = new FakeListShards([openShard(0)]);
    const store = new InMemoryLeaseStore();
    const syncer = new ShardSyncer({ kinesisClient: client, store, streamName: 's', initialPosition: 'TRIM_HORIZON', syncIntervalMs: 1_000, clock: timers, timers });
    const failed: string[] = [];
    const synced: number[] = [];
    syncer.on('syncFailed', (e) => failed.push(e.code));
    syncer.on('synced', (r) => synced.push(r.created.length));
    syncer.start();
    await timers.advance(999);
    expect(client.inputs).toHaveLength(0);
    await timers.advance(1);
    expect(synced).toEqual([1]);
    client.failures = [awsError('ResourceNotFoundException')];
    await timers.advance(1_000);
    expect(failed).toEqual(['SHARD_NOT_FOUND']);
    await timers.advance(1_000);
    expect(synced).toEqual([1, 0]);
    await syncer.stop();
    expect(timers.pending).toBe(0);
  });

  it('needs a stream', () => {
    expect(() => new ShardSyncer({ kinesisClient: new FakeListShards([]), store: new InMemoryLeaseStore(), initialPosition: 'LATEST' })).toThrow(/streamName/);
  });
});
