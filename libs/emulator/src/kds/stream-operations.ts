/**
 * Stream lifecycle and metadata: CreateStream, DeleteStream, DescribeStream(Summary), ListStreams,
 * UpdateStreamMode, retention, tags, encryption, enhanced monitoring, DescribeLimits.
 * Messages follow the service's wording where known (kds-reference.md §1.3, kinesalite's reproductions).
 */
import { awsErrors } from '../errors';
import { KDS_SIZES, KDS_TIMES } from '../defaults';
import { evenHashRanges } from '@tributary/partitioning';
import { Stream } from './stream-registry';
import type { StreamMeta, StreamMode } from './stream-model';
import { shardView } from './shard-view';
import { resolveShardId } from './shard-id';
import { tagCharacterError, tagTexts } from './tag-characters';
import { decodeToken, encodeToken, toEpochSeconds, type KdsEnv, type RequestContext } from './kds-context';

type In = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- validated by kds-shapes.ts

const DAY_MS = 24 * 3600_000;

export function createStream({ registry }: KdsEnv, input: In, ctx: RequestContext): object {
  const name: string = input.StreamName;
  const mode: StreamMode = input.StreamModeDetails?.StreamMode ?? 'PROVISIONED';
  if (registry.streams.has(name)) {
    throw awsErrors.resourceInUse(`Stream ${name} under account ${ctx.accountId} already exists.`);
  }
  let shardCount: number | undefined = input.ShardCount;
  if (mode === 'PROVISIONED' && shardCount === undefined) {
    throw awsErrors.invalidArgument('ShardCount is required for streams in PROVISIONED mode.');
  }
  if (mode === 'ON_DEMAND') {
    if (shardCount !== undefined) throw awsErrors.invalidArgument('ShardCount is not accepted for streams in ON_DEMAND mode.');
    const onDemand = [...registry.streams.values()].filter((s) => s.meta.mode === 'ON_DEMAND').length;
    if (onDemand >= KDS_SIZES.onDemandStreamLimit) {
      throw awsErrors.limitExceeded(`This request would exceed the on-demand stream limit of ${KDS_SIZES.onDemandStreamLimit} streams.`);
    }
    shardCount = KDS_SIZES.onDemandInitialShards;
  }
  const count = shardCount as number;
  const open = registry.openShardCount();
  if (open + count > registry.options.shardLimit) {
    throw awsErrors.limitExceeded(
      `This request would exceed the shard limit for the account ${ctx.accountId} in ${ctx.region}. ` +
        `Current shard count for the account: ${open}. Limit: ${registry.options.shardLimit}. ` +
        `Number of additional shards that would have resulted from this request: ${count}. ` +
        'Refer to the AWS Service Limits page (https://docs.aws.amazon.com/general/latest/gr/aws_service_limits.html) for current limits and how to request higher limits.',
    );
  }
  const now = registry.clock.now();
  const meta: StreamMeta = {
    name,
    arn: registry.streamArn(ctx.region, ctx.accountId, name),
    region: ctx.region,
    accountId: ctx.accountId,
    status: 'CREATING',
    mode,
    createdAt: now,
    retentionHours: KDS_TIMES.defaultRetentionHours,
    nextShardIndex: 0,
    shards: [],
    tags: { ...(input.Tags ?? {}) },
    encryptionType: 'NONE',
    consumers: [],
    enhancedMonitoring: [],
    maxRecordSizeKiB: input.MaxRecordSizeInKiB ?? 1024,
    scalingOps: [],
    modeSwitches: [],
  };
  const badTags = input.Tags ? tagCharacterError(tagTexts(input.Tags), 'add tags to', name, ctx.accountId) : undefined;
  if (badTags) throw badTags;
  const stream = new Stream(meta);
  for (const range of evenHashRanges(count)) registry.addShard(stream, range);
  stream.refreshRouting();
  registry.streams.set(name, stream);
  registry.later(registry.options.createDelayMs, () => {
    if (meta.status === 'CREATING') meta.status = 'ACTIVE';
  });
  registry.persist();
  return {};
}

export function deleteStream({ registry }: KdsEnv, input: In): object {
  const stream = registry.find(input);
  const live = stream.meta.consumers.filter((c) => c.status !== 'DELETING');
  if (live.length > 0 && !input.EnforceConsumerDeletion) {
    throw awsErrors.resourceInUse(
      `Stream ${stream.meta.name} under account ${stream.meta.accountId} has registered consumers. ` +
        'Deregister the consumers first or set EnforceConsumerDeletion.',
    );
  }
  stream.meta.status = 'DELETING';
  for (const c of stream.meta.consumers) c.status = 'DELETING';
  registry.later(registry.options.deleteDelayMs, () => registry.removeStream(stream));
  registry.persist();
  return {};
}

function summary(stream: Stream): Record<string, unknown> {
  const m = stream.meta;
  return {
    StreamName: m.name,
    StreamARN: m.arn,
    StreamStatus: m.status,
    StreamModeDetails: { StreamMode: m.mode },
    RetentionPeriodHours: m.retentionHours,
    StreamCreationTimestamp: toEpochSeconds(m.createdAt),
    EnhancedMonitoring: [{ ShardLevelMetrics: [...m.enhancedMonitoring] }],
    EncryptionType: m.encryptionType,
    ...(m.keyId ? { KeyId: m.keyId } : {}),
  };
}

export function describeStream({ registry }: KdsEnv, input: In): object {
  const stream = registry.find(input);
  registry.applyRetention(stream);
  const limit = Math.min(input.Limit ?? 100, 100);
  // A CREATING stream lists no shards yet (AWS: "Shards": [] until it is ACTIVE).
  let shards = stream.meta.status === 'CREATING' ? [] : stream.orderedShards();
  if (input.ExclusiveStartShardId) {
    // Read loosely, as every shard id (shard-id.ts); one that names no shard lists from the start.
    const after = resolveShardId(input.ExclusiveStartShardId)?.index ?? -1;
    shards = shards.filter((s) => s.meta.index > after);
  }
  const page = shards.slice(0, limit);
  return {
    StreamDescription: { ...summary(stream), Shards: page.map(shardView), HasMoreShards: shards.length > page.length },
  };
}

export function describeStreamSummary({ registry }: KdsEnv, input: In): object {
  const stream = registry.find(input);
  registry.applyRetention(stream);
  return {
    StreamDescriptionSummary: {
      ...summary(stream),
      OpenShardCount: stream.meta.status === 'CREATING' ? 0 : stream.openShards.length,
      ConsumerCount: stream.meta.consumers.filter((c) => c.status !== 'DELETING').length,
      MaxRecordSizeInKiB: stream.meta.maxRecordSizeKiB,
    },
  };
}

interface ListStreamsToken {
  after: string;
  issued: number;
}

export function listStreams({ registry }: KdsEnv, input: In): object {
  let after: string | undefined = input.ExclusiveStartStreamName;
  if (input.NextToken !== undefined) {
    const token = decodeToken<ListStreamsToken>(input.NextToken);
    if (!token || typeof token.after !== 'string') throw awsErrors.invalidArgument('Invalid NextToken.');
    if (registry.clock.now() - token.issued > KDS_TIMES.nextTokenLifetimeMs) {
      throw awsErrors.expiredNextToken('The NextToken has expired.');
    }
    after = token.after;
  }
  const limit = Math.min(input.Limit ?? 100, 100);
  const names = [...registry.streams.keys()].sort().filter((n) => after === undefined || n > after);
  const page = names.slice(0, limit);
  const more = names.length > page.length;
  return {
    StreamNames: page,
    HasMoreStreams: more,
    ...(more ? { NextToken: encodeToken({ after: page[page.length - 1], issued: registry.clock.now() }) } : {}),
    StreamSummaries: page.map((n) => {
      const m = (registry.streams.get(n) as Stream).meta;
      return {
        StreamName: m.name,
        StreamARN: m.arn,
        StreamStatus: m.status,
        StreamModeDetails: { StreamMode: m.mode },
        StreamCreationTimestamp: toEpochSeconds(m.createdAt),
      };
    }),
  };
}

export function requireActive(stream: Stream): void {
  if (stream.meta.status !== 'ACTIVE') {
    throw awsErrors.resourceInUse(
      `Stream ${stream.meta.name} under account ${stream.meta.accountId} not ACTIVE, instead in state ${stream.meta.status}`,
    );
  }
}

/** Puts the stream in UPDATING for the configured delay, applying `change` at the end (as the service does). */
export function updateLater({ registry }: KdsEnv, stream: Stream, change: () => void): void {
  stream.meta.status = 'UPDATING';
  registry.later(registry.options.updateDelayMs, () => {
    change();
    if (stream.meta.status === 'UPDATING') stream.meta.status = 'ACTIVE';
  });
  registry.persist();
}

export function updateStreamMode(env: KdsEnv, input: In): object {
  const stream = env.registry.find(input);
  requireActive(stream);
  const mode: StreamMode = input.StreamModeDetails.StreamMode;
  if (mode === stream.meta.mode) {
    throw awsErrors.invalidArgument(`Stream ${stream.meta.name} under account ${stream.meta.accountId} is already in ${mode} mode.`);
  }
  const now = env.registry.clock.now();
  stream.meta.modeSwitches = stream.meta.modeSwitches.filter((t) => now - t < DAY_MS);
  if (stream.meta.modeSwitches.length >= 2) {
    throw awsErrors.limitExceeded(`Stream ${stream.meta.name} under account ${stream.meta.accountId} can switch capacity mode at most twice in 24 hours.`);
  }
  stream.meta.modeSwitches.push(now);
  updateLater(env, stream, () => {
    stream.meta.mode = mode;
  });
  return {};
}

export function increaseRetention(env: KdsEnv, input: In): object {
  const stream = env.registry.find(input);
  requireActive(stream);
  const hours: number = input.RetentionPeriodHours;
  const { name, accountId, retentionHours } = stream.meta;
  if (hours > KDS_TIMES.maxRetentionHours) {
    throw awsErrors.invalidArgument(`Maximum allowed retention period is ${KDS_TIMES.maxRetentionHours} hours. Requested retention period (${hours} hours) is too long.`);
  }
  if (hours < KDS_TIMES.minRetentionHours) {
    throw awsErrors.invalidArgument(`Minimum allowed retention period is ${KDS_TIMES.minRetentionHours} hours. Requested retention period (${hours} hours) is too short.`);
  }
  if (hours < retentionHours) {
    throw awsErrors.invalidArgument(
      `Requested retention period (${hours} hours) for stream ${name} under account ${accountId} can not be shorter than existing retention period (${retentionHours} hours). Use DecreaseRetentionPeriod API.`,
    );
  }
  stream.meta.retentionHours = hours;
  env.registry.persist();
  return {};
}

export function decreaseRetention(env: KdsEnv, input: In): object {
  const stream = env.registry.find(input);
  requireActive(stream);
  const hours: number = input.RetentionPeriodHours;
  const { name, accountId, retentionHours } = stream.meta;
  if (hours < KDS_TIMES.minRetentionHours) {
    throw awsErrors.invalidArgument(`Minimum allowed retention period is ${KDS_TIMES.minRetentionHours} hours. Requested retention period (${hours} hours) is too short.`);
  }
  if (hours > retentionHours) {
    throw awsErrors.invalidArgument(
      `Requested retention period (${hours} hours) for stream ${name} under account ${accountId} can not be longer than existing retention period (${retentionHours} hours). Use IncreaseRetentionPeriod API.`,
    );
  }
  stream.meta.retentionHours = hours;
  env.registry.persist();
  return {};
}

function addTags(env: KdsEnv, stream: Stream, tags: Record<string, string>): void {
  const badTags = tagCharacterError(tagTexts(tags), 'add tags to', stream.meta.name, stream.meta.accountId);
  if (badTags) throw badTags;
  const merged = { ...stream.meta.tags, ...tags };
  if (Object.keys(merged).length > 50) {
    throw awsErrors.invalidArgument(
      `Failed to add tags to stream ${stream.meta.name} under account ${stream.meta.accountId} because a given request would cause the stream to exceed the maximum number of tags (50).`,
    );
  }
  stream.meta.tags = merged;
  env.registry.persist();
}

function removeTags(env: KdsEnv, stream: Stream, keys: string[]): void {
  const badTags = tagCharacterError(keys, 'remove tags from', stream.meta.name, stream.meta.accountId);
  if (badTags) throw badTags;
  for (const k of keys) delete stream.meta.tags[k];
  env.registry.persist();
}

export function addTagsToStream(env: KdsEnv, input: In): object {
  addTags(env, env.registry.find(input), input.Tags);
  return {};
}

export function removeTagsFromStream(env: KdsEnv, input: In): object {
  removeTags(env, env.registry.find(input), input.TagKeys);
  return {};
}

export function listTagsForStream(env: KdsEnv, input: In): object {
  const stream = env.registry.find(input);
  const limit: number = input.Limit ?? 50;
  const keys = Object.keys(stream.meta.tags)
    .sort()
    .filter((k) => input.ExclusiveStartTagKey === undefined || k > input.ExclusiveStartTagKey);
  const page = keys.slice(0, limit);
  return { Tags: page.map((Key) => ({ Key, Value: stream.meta.tags[Key] })), HasMoreTags: keys.length > page.length };
}

function streamByResourceArn(env: KdsEnv, arn: string): Stream {
  if (!/^arn:aws[^:]*:kinesis:[^:]*:\d{12}:stream\/[a-zA-Z0-9_.-]+$/.test(arn)) {
    throw awsErrors.invalidArgument(`ResourceARN ${arn} is not a stream ARN this endpoint can tag.`);
  }
  return env.registry.find({ StreamARN: arn });
}

export function tagResource(env: KdsEnv, input: In): object {
  addTags(env, streamByResourceArn(env, input.ResourceARN), input.Tags);
  return {};
}

export function untagResource(env: KdsEnv, input: In): object {
  removeTags(env, streamByResourceArn(env, input.ResourceARN), input.TagKeys);
  return {};
}

export function listTagsForResource(env: KdsEnv, input: In): object {
  const stream = streamByResourceArn(env, input.ResourceARN);
  return { Tags: Object.keys(stream.meta.tags).sort().map((Key) => ({ Key, Value: stream.meta.tags[Key] })) };
}

export function startStreamEncryption(env: KdsEnv, input: In): object {
  const stream = env.registry.find(input);
  requireActive(stream);
  if (input.EncryptionType !== 'KMS') throw awsErrors.invalidArgument('EncryptionType must be KMS to start encryption.');
  updateLater(env, stream, () => {
    stream.meta.encryptionType = 'KMS';
    stream.meta.keyId = input.KeyId;
  });
  return {};
}

export function stopStreamEncryption(env: KdsEnv, input: In): object {
  const stream = env.registry.find(input);
  requireActive(stream);
  updateLater(env, stream, () => {
    stream.meta.encryptionType = 'NONE';
    delete stream.meta.keyId;
  });
  return {};
}

const SHARD_LEVEL_METRICS = [
  'IncomingBytes',
  'IncomingRecords',
  'OutgoingBytes',
  'OutgoingRecords',
  'WriteProvisionedThroughputExceeded',
  'ReadProvisionedThroughputExceeded',
  'IteratorAgeMilliseconds',
];

function changeMonitoring(env: KdsEnv, input: In, enable: boolean): object {
  const stream = env.registry.find(input);
  const requested: string[] = input.ShardLevelMetrics;
  for (const m of requested) {
    if (m !== 'ALL' && !SHARD_LEVEL_METRICS.includes(m)) {
      throw awsErrors.validation(
        `1 validation error detected: Value '[${requested.join(', ')}]' at 'shardLevelMetrics' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [${[...SHARD_LEVEL_METRICS, 'ALL'].join(', ')}]]`,
      );
    }
  }
  const metrics = requested.includes('ALL') ? SHARD_LEVEL_METRICS : requested;
  const current = [...stream.meta.enhancedMonitoring];
  const desired = enable
    ? [...new Set([...current, ...metrics])]
    : current.filter((m) => !metrics.includes(m));
  stream.meta.enhancedMonitoring = desired;
  env.registry.persist();
  return {
    StreamName: stream.meta.name,
    StreamARN: stream.meta.arn,
    CurrentShardLevelMetrics: current,
    DesiredShardLevelMetrics: desired,
  };
}

export const enableEnhancedMonitoring = (env: KdsEnv, input: In): object => changeMonitoring(env, input, true);
export const disableEnhancedMonitoring = (env: KdsEnv, input: In): object => changeMonitoring(env, input, false);

export function describeLimits({ registry }: KdsEnv): object {
  const streams = [...registry.streams.values()];
  return {
    ShardLimit: registry.options.shardLimit,
    OpenShardCount: registry.openShardCount(),
    OnDemandStreamCount: streams.filter((s) => s.meta.mode === 'ON_DEMAND').length,
    OnDemandStreamCountLimit: KDS_SIZES.onDemandStreamLimit,
  };
}
