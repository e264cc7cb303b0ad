/**
 * ListShards → ShardMap. Only open shards matter for routing, so the listing asks for `AT_LATEST` (open shards
 * only, as the KPL does since 0.15: kds-reference.md §3.6) and follows NextToken (a follow-up call carries only
 * the token: StreamName is not allowed next to it).
 */
import { ListShardsCommand, type ListShardsCommandInput, type Shard } from '@aws-sdk/client-kinesis';
import { ShardMap } from '@tributary/partitioning';
import type { KinesisClientLike } from '../producer/producer-options';

export async function loadShardMap(
  client: KinesisClientLike,
  stream: { streamName: string; streamArn?: string },
  version: number,
  abortSignal?: AbortSignal,
): Promise<ShardMap> {
  const shards: Shard[] = [];
  let nextToken: string | undefined;
  do {
    const input: ListShardsCommandInput = nextToken
      ? { NextToken: nextToken, MaxResults: 1000 }
      : {
          ...(stream.streamArn ? { StreamARN: stream.streamArn } : { StreamName: stream.streamName }),
          ShardFilter: { Type: 'AT_LATEST' },
          MaxResults: 1000,
        };
    const out = await client.send(new ListShardsCommand(input), { abortSignal });
    shards.push(...(out.Shards ?? []));
    nextToken = out.NextToken;
  } while (nextToken);
  return ShardMap.fromShards(shards, { version });
}
