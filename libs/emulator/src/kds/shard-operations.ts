/**
 * Shards: ListShards (paging, ShardFilter, token expiry) and resharding (SplitShard, MergeShards,
 * UpdateShardCount). A reshard closes the parents and opens children with new, never reused indices; the
 * parents stay listed, readable and with an EndingSequenceNumber until retention drops them.
 */
import { awsErrors } from '../errors';
import { KDS_TIMES } from '../defaults';
import type { Shard } from './stream-model';
import type { Stream } from './stream-registry';
import { shardView } from './shard-view';
import { resolveShardId } from './shard-id';
import { decodeToken, encodeToken, parseTimestamp, type KdsEnv } from './kds-context';
import { requireActive, updateLater } from './stream-operations';

type In = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- validated by kds-shapes.ts

interface ListShardsToken {
  stream: string;
  created: number;
  after: string;
  filter?: { Type: string; ShardId?: string; Timestamp?: number };
  issued: number;
}

const MAX_LIST_SHARDS_PAGE = 1000;

function filterShards(stream: Stream, shards: Shard[], filter: ListShardsToken['filter']): Shard[] {
  if (!filter) return shards;
  const ts = filter.Timestamp;
  switch (filter.Type) {
    case 'AFTER_SHARD_ID':
      return shards.filter((s) => s.meta.index > (resolveShardId(filter.ShardId as string)?.index ?? -1));
    case 'AT_TRIM_HORIZON':
      // The shards that were open at the trim horizon: those whose parents are no longer retained.
      return shards.filter(
        (s) => ![s.meta.parentShardId, s.meta.adjacentParentShardId].some((p) => p !== undefined && stream.shards.has(p)),
      );
    case 'FROM_TRIM_HORIZON':
      return shards;
    case 'AT_LATEST':
      return shards.filter((s) => s.open);
    case 'AT_TIMESTAMP':
      // Start ≤ t ≤ end, both inclusive (API_ShardFilter): at a reshard instant parents and children both qualify.
      return shards.filter((s) => s.meta.createdAt <= (ts as number) && (s.open || (s.meta.closedAt as number) >= (ts as number)));
    case 'FROM_TIMESTAMP':
      return shards.filter((s) => s.open || (s.meta.closedAt as number) >= (ts as number));
    default:
      return shards;
  }
}

export function listShards({ registry }: KdsEnv, input: In): object {
  let token: ListShardsToken | undefined;
  if (input.NextToken !== undefined) {
    if (input.StreamName !== undefined || input.StreamARN !== undefined) {
      throw awsErrors.invalidArgument('NextToken and StreamName cannot be provided together.');
    }
    if (input.ExclusiveStartShardId !== undefined || input.StreamCreationTimestamp !== undefined) {
      throw awsErrors.invalidArgument('NextToken and ExclusiveStartShardId or StreamCreationTimestamp cannot be provided together.');
    }
    token = decodeToken<ListShardsToken>(input.NextToken);
    if (!token || typeof token.stream !== 'string' || typeof token.after !== 'string') {
      throw awsErrors.invalidArgument('Invalid ShardId in NextToken.');
    }
    if (registry.clock.now() - token.issued > KDS_TIMES.nextTokenLifetimeMs) {
      throw awsErrors.expiredNextToken('The timestampInMillis parameter of the NextToken has expired.');
    }
  } else if (input.StreamName === undefined && input.StreamARN === undefined) {
    throw awsErrors.invalidArgument('Either NextToken or StreamName should be provided.');
  }
  if (input.ShardFilter && input.ExclusiveStartShardId !== undefined) {
    throw awsErrors.invalidArgument('ShardFilter and ExclusiveStartShardId cannot be provided together.');
  }
  let filter = token?.filter;
  if (input.ShardFilter) {
    const f = input.ShardFilter;
    if (f.Type === 'AFTER_SHARD_ID' && !f.ShardId) throw awsErrors.invalidArgument('ShardId must be provided for AFTER_SHARD_ID filter.');
    if ((f.Type === 'AT_TIMESTAMP' || f.Type === 'FROM_TIMESTAMP') && f.Timestamp === undefined) {
      throw awsErrors.invalidArgument(`Timestamp must be provided for ${f.Type} filter.`);
    }
    filter = { Type: f.Type, ShardId: f.ShardId, Timestamp: f.Timestamp !== undefined ? parseTimestamp(f.Timestamp) : undefined };
  }

  // Shard ids are read loosely (shard-id.ts) and compared by index; one that names no shard is refused.
  const streamInput = token ? { StreamName: token.stream } : input;
  if (filter?.ShardId !== undefined) filter.ShardId = registry.resolveShard(streamInput, filter.ShardId).shardId;
  const after: string | undefined = token?.after ?? (input.ExclusiveStartShardId !== undefined ? registry.resolveShard(streamInput, input.ExclusiveStartShardId).shardId : undefined);
  const stream = registry.find(streamInput);
  if (stream.meta.status === 'CREATING') {
    throw awsErrors.resourceInUse(`Stream ${stream.meta.name} under account ${stream.meta.accountId} not ACTIVE or UPDATING, instead in state CREATING`);
  }
  const created = token?.created ?? (input.StreamCreationTimestamp !== undefined ? parseTimestamp(input.StreamCreationTimestamp) : undefined);
  if (created !== undefined && Math.floor(created / 1000) !== Math.floor(stream.meta.createdAt / 1000)) {
    throw awsErrors.resourceNotFound(`Stream ${stream.meta.name} under account ${stream.meta.accountId} with the given creation timestamp not found.`);
  }
  registry.applyRetention(stream);
  let shards = filterShards(stream, stream.orderedShards(), filter);
  if (after !== undefined) {
    const afterIndex = resolveShardId(after)?.index ?? -1;
    shards = shards.filter((s) => s.meta.index > afterIndex);
  }
  const limit = Math.min(input.MaxResults ?? MAX_LIST_SHARDS_PAGE, MAX_LIST_SHARDS_PAGE);
  const page = shards.slice(0, limit);
  const more = shards.length > page.length;
  return {
    Shards: page.map(shardView),
    ...(more
      ? {
          NextToken: encodeToken({
            stream: stream.meta.name,
            created: stream.meta.createdAt,
            after: page[page.length - 1].id,
            filter,
            issued: registry.clock.now(),
          } satisfies ListShardsToken),
        }
      : {}),
  };
}

function requireProvisioned(stream: Stream, op: string): void {
  if (stream.meta.mode !== 'PROVISIONED') {
    throw awsErrors.validation(`${op} is not supported for stream ${stream.meta.name} under account ${stream.meta.accountId} in ON_DEMAND mode.`);
  }
}

function requireOpen(stream: Stream, shard: Shard): void {
  if (!shard.open) {
    throw awsErrors.resourceInUse(
      `Shard ${shard.id} in stream ${stream.meta.name} under account ${stream.meta.accountId} has already been merged or split, and thus is not eligible for merging or splitting.`,
    );
  }
}

function checkShardLimit(env: KdsEnv, stream: Stream, added: number): void {
  const open = env.registry.openShardCount();
  if (open + added > env.registry.options.shardLimit) {
    throw awsErrors.limitExceeded(
      `This request would exceed the shard limit for the account ${stream.meta.accountId} in ${stream.meta.region}. ` +
        `Current shard count for the account: ${open}. Limit: ${env.registry.options.shardLimit}. ` +
        `Number of additional shards that would have resulted from this request: ${added}. ` +
        'Refer to the AWS Service Limits page (https://docs.aws.amazon.com/general/latest/gr/aws_service_limits.html) for current limits and how to request higher limits.',
    );
  }
}

/** Closes `parent` and opens two children split at `key` (no validation; callers check). */
function split(env: KdsEnv, stream: Stream, parent: Shard, key: bigint): void {
  env.registry.closeShard(parent);
  env.registry.addShard(stream, { start: parent.start, end: key - 1n }, { parent: parent.id });
  env.registry.addShard(stream, { start: key, end: parent.end }, { parent: parent.id });
}

function merge(env: KdsEnv, stream: Stream, a: Shard, b: Shard): void {
  env.registry.closeShard(a);
  env.registry.closeShard(b);
  const start = a.start < b.start ? a.start : b.start;
  const end = a.end > b.end ? a.end : b.end;
  env.registry.addShard(stream, { start, end }, { parent: a.id, adjacent: b.id });
}

/**
 * The shards a SplitShard or MergeShards names, in AWS's order and words: ids that name no shard first (even
 * for an unknown stream), then the stream, its state, and whether the shards are there.
 */
function reshardTargets(env: KdsEnv, input: In, op: string, texts: string[]): { stream: Stream; shards: Shard[] } {
  const ids = texts.map((text) => env.registry.resolveShard(input, text));
  const stream = env.registry.find(input);
  requireProvisioned(stream, op);
  requireActive(stream);
  const shards = ids.map((id) => {
    const shard = stream.shards.get(id.shardId);
    if (!shard) {
      throw awsErrors.resourceNotFound(`Could not find shard ${id.shardId} in stream ${stream.meta.name} under account ${stream.meta.accountId}.`);
    }
    return shard;
  });
  return { stream, shards };
}

export function splitShard(env: KdsEnv, input: In): object {
  const {
    stream,
    shards: [shard],
  } = reshardTargets(env, input, 'SplitShard', [input.ShardToSplit]);
  requireOpen(stream, shard);
  checkShardLimit(env, stream, 1);
  const key = BigInt(input.NewStartingHashKey);
  if (!(key > shard.start + 1n && key < shard.end)) {
    throw awsErrors.invalidArgument(
      `NewStartingHashKey ${input.NewStartingHashKey} used in SplitShard() on shard ${shard.id} in stream ${stream.meta.name} under account ${stream.meta.accountId} is not both greater than one plus the shard's StartingHashKey ${shard.meta.startingHashKey} and less than the shard's EndingHashKey ${shard.meta.endingHashKey}.`,
    );
  }
  updateLater(env, stream, () => {
    split(env, stream, shard, key);
    stream.refreshRouting();
  });
  return {};
}

export function mergeShards(env: KdsEnv, input: In): object {
  const {
    stream,
    shards: [a, b],
  } = reshardTargets(env, input, 'MergeShards', [input.ShardToMerge, input.AdjacentShardToMerge]);
  requireOpen(stream, a);
  requireOpen(stream, b);
  // Order matters: AdjacentShardToMerge must be the shard just above ShardToMerge in hash key order.
  if (a.end + 1n !== b.start) {
    throw awsErrors.invalidArgument(
      `Shards ${a.id} and ${b.id} in stream ${stream.meta.name} under account ${stream.meta.accountId} are not an adjacent pair of shards eligible for merging`,
    );
  }
  updateLater(env, stream, () => {
    merge(env, stream, a, b);
    stream.refreshRouting();
  });
  return {};
}

/**
 * Uniform scaling done the way the service does it, with splits and merges (so lineage stays a tree of at
 * most two parents per shard): scaling up splits the widest open shards in half, scaling down merges adjacent
 * pairs starting with the narrowest.
 */
export function updateShardCount(env: KdsEnv, input: In): object {
  const stream = env.registry.find(input);
  requireProvisioned(stream, 'UpdateShardCount');
  requireActive(stream);
  const current = stream.openShards.length;
  const target: number = input.TargetShardCount;
  const who = `stream ${stream.meta.name} under account ${stream.meta.accountId}`;
  if (target > current * 2) {
    throw awsErrors.limitExceeded(`UpdateShardCount failed for ${who}: Cannot scale up over double your current open shard count. Current open shard count: ${current} Target shard count: ${target}`);
  }
  if (target * 2 < current) {
    throw awsErrors.limitExceeded(`UpdateShardCount failed for ${who}: Cannot scale down below half your current open shard count. Current open shard count: ${current} Target shard count: ${target}`);
  }
  if (target === current) throw awsErrors.invalidArgument(`Stream ${stream.meta.name} already has ${current} open shards.`);
  const now = env.registry.clock.now();
  stream.meta.scalingOps = stream.meta.scalingOps.filter((t) => now - t < 24 * 3600_000);
  if (stream.meta.scalingOps.length >= 10) {
    throw awsErrors.limitExceeded(`UpdateShardCount failed for ${who}: Exceeded the limit of 10 scaling operations in a rolling 24-hour period.`);
  }
  if (target > current) checkShardLimit(env, stream, target - current);
  stream.meta.scalingOps.push(now);
  updateLater(env, stream, () => {
    if (target > current) {
      const widest = [...stream.openShards].sort((x, y) => (y.end - y.start > x.end - x.start ? 1 : -1)).slice(0, target - current);
      for (const s of widest) split(env, stream, s, s.start + (s.end - s.start + 1n) / 2n);
    } else {
      let merges = current - target;
      const open = stream.openShards; // sorted by hash range
      for (let i = 0; i + 1 < open.length && merges > 0; i += 2, merges--) merge(env, stream, open[i], open[i + 1]);
    }
    stream.refreshRouting();
  });
  return { StreamName: stream.meta.name, StreamARN: stream.meta.arn, CurrentShardCount: current, TargetShardCount: target };
}
