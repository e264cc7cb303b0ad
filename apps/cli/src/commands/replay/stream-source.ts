/**
 * Entries of a source stream between two times (`replay --from-stream <stream> --from … --to …`): every shard,
 * parents before children (shard-order.ts), each read from AT_TIMESTAMP `from` (TRIM_HORIZON without it) with
 * GetRecords until a record arrived after `to`, the shard ended (closed: no next iterator) or the tip was reached
 * (an empty page 0 ms behind). KPL aggregates are opened with @tributary/kinesis-consumer's deaggregateRecords.
 * Shards are read one after another: a bounded replay needs order more than speed, and the rate limit is the
 * bottleneck anyway.
 */
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  type GetShardIteratorCommandInput,
  type KinesisClient,
  type Shard,
} from '@aws-sdk/client-kinesis';
import { deaggregateRecords } from '@tributary/kinesis-consumer';
import { entryOfStreamRecord, type ReplayEntry } from './replay-item';
import { parentsFirst } from './shard-order';

export interface StreamWindow {
  stream: string;
  from?: Date;
  to: Date;
  unwrap: boolean;
}

export async function listShards(client: KinesisClient, stream: string): Promise<Shard[]> {
  const shards: Shard[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(new ListShardsCommand(token ? { NextToken: token } : { StreamName: stream }));
    shards.push(...(page.Shards ?? []));
    token = page.NextToken;
  } while (token);
  return parentsFirst(shards);
}

export async function* readStreamWindow(
  client: KinesisClient,
  window: StreamWindow,
  shards: readonly Shard[],
  signal: AbortSignal,
  onShardDone: () => void = () => undefined,
): AsyncGenerator<ReplayEntry> {
  for (const shard of shards) {
    const shardId = shard.ShardId as string;
    const start: GetShardIteratorCommandInput = window.from
      ? { StreamName: window.stream, ShardId: shardId, ShardIteratorType: 'AT_TIMESTAMP', Timestamp: window.from }
      : { StreamName: window.stream, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' };
    let iterator = (await client.send(new GetShardIteratorCommand(start), { abortSignal: signal })).ShardIterator;
    while (iterator && !signal.aborted) {
      const page = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }), { abortSignal: signal });
      const kinesisRecords = page.Records ?? [];
      let pastWindow = false;
      for (const record of deaggregateRecords(kinesisRecords, shardId).records) {
        if (record.approximateArrivalTimestamp.getTime() > window.to.getTime()) {
          pastWindow = true;
          break;
        }
        yield entryOfStreamRecord({ ...record, stream: window.stream }, window.unwrap);
      }
      if (pastWindow || (kinesisRecords.length === 0 && page.MillisBehindLatest === 0)) break;
      iterator = page.NextShardIterator;
    }
    onShardDone();
  }
}
