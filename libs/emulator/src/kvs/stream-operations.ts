/**
 * The KVS control plane (`@aws-sdk/client-kinesis-video`; kvs-reference.md §2): stream lifecycle, metadata,
 * retention, data endpoints, tags (the stream map form and the resource list form) and the storage tier.
 * Messages are AWS's wording where one was observed; the rest say plainly what is wrong.
 *
 * Decisions where the reference says [unconfirmed]: every metadata change (UpdateStream, UpdateDataRetention,
 * UpdateStreamStorageConfiguration) issues a new Version, tagging does not; UpdateStream and UpdateDataRetention
 * pass through UPDATING for `delays.update` ms (0 by default); a stream that is not ACTIVE refuses changes with
 * ResourceInUseException; DescribeStream and ListStreams still show a stream while it is DELETING.
 */
import { KVS_LIMITS } from '../defaults';
import { kvsErrors, STREAM_NOT_FOUND } from './kvs-errors';
import type { KvsStream } from './kvs-stream';
import { toEpochSeconds, type KvsEnv, type KvsRequestContext } from './kvs-context';

type In = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- validated by kvs-shapes.ts

export function streamInfo(stream: KvsStream): Record<string, unknown> {
  const m = stream.meta;
  return {
    ...(m.deviceName !== undefined ? { DeviceName: m.deviceName } : {}),
    StreamName: m.name,
    StreamARN: m.arn,
    ...(m.mediaType !== undefined ? { MediaType: m.mediaType } : {}),
    KmsKeyId: m.kmsKeyId,
    Version: m.version,
    Status: m.status,
    CreationTime: toEpochSeconds(m.createdAt),
    DataRetentionInHours: m.retentionHours,
  };
}

/** Like registry.find, but a stream being deleted is still described (clients poll until it disappears). */
function describeTarget({ registry }: KvsEnv, input: In): KvsStream {
  try {
    return registry.find(input);
  } catch (err) {
    const name = typeof input.StreamName === 'string' ? input.StreamName : undefined;
    const stream = typeof input.StreamARN === 'string' ? registry.findByArn(input.StreamARN) : name ? registry.streams.get(name) : undefined;
    if (stream && stream.meta.status === 'DELETING' && (name === undefined || stream.meta.name === name)) return stream;
    throw err;
  }
}

function checkVersion(stream: KvsStream, version: string | undefined): void {
  if (version !== undefined && version !== stream.meta.version) {
    throw kvsErrors.versionMismatch(
      `The version ${version} does not match the stream's current version ${stream.meta.version}. Call DescribeStream for the current version.`,
    );
  }
}

function checkActive(stream: KvsStream): void {
  if (stream.meta.status !== 'ACTIVE') {
    throw kvsErrors.resourceInUse(`The stream ${stream.meta.name} is ${stream.meta.status}; try again when it is ACTIVE.`);
  }
}

/** A metadata change: new version, UPDATING for the update delay. */
function changed(env: KvsEnv, stream: KvsStream): void {
  const meta = stream.meta;
  meta.version = env.registry.newVersion();
  meta.status = 'UPDATING';
  env.registry.later(env.registry.options.updateDelayMs, () => {
    if (meta.status === 'UPDATING') meta.status = 'ACTIVE';
  });
  env.registry.persist();
}

export function createStream(env: KvsEnv, input: In, ctx: KvsRequestContext): object {
  const { registry, settings } = env;
  const name: string = input.StreamName;
  if (registry.streams.has(name)) throw kvsErrors.resourceInUse(`The stream ${name} already exists.`);
  if (registry.streams.size >= settings.maxStreams) {
    throw kvsErrors.accountStreamLimitExceeded(`The account ${ctx.accountId} has reached its limit of ${settings.maxStreams} streams.`);
  }
  const retention: number = input.DataRetentionInHours ?? 0;
  if (retention > KVS_LIMITS.maxRetentionHours) {
    throw kvsErrors.invalidArgument(`DataRetentionInHours must be between 0 and ${KVS_LIMITS.maxRetentionHours}.`);
  }
  const createdAt = registry.clock.now();
  const stream = registry.add({
    name,
    arn: registry.streamArn(ctx.region, ctx.accountId, name, createdAt),
    region: ctx.region,
    accountId: ctx.accountId,
    createdAt,
    ...(input.DeviceName !== undefined ? { deviceName: input.DeviceName } : {}),
    ...(input.MediaType !== undefined ? { mediaType: input.MediaType } : {}),
    kmsKeyId: input.KmsKeyId ?? `arn:aws:kms:${ctx.region}:${ctx.accountId}:alias/aws/kinesisvideo`,
    retentionHours: retention,
    tags: { ...(input.Tags ?? {}) },
    storageTier: input.StreamStorageConfiguration?.DefaultStorageTier ?? 'HOT',
  });
  registry.persist();
  return { StreamARN: stream.meta.arn };
}

export function describeStream(env: KvsEnv, input: In): object {
  return { StreamInfo: streamInfo(describeTarget(env, input)) };
}

interface ListStreamsToken {
  after: string;
}

export function listStreams({ registry }: KvsEnv, input: In): object {
  const limit: number = input.MaxResults ?? 10_000;
  let after = '';
  if (input.NextToken) {
    let token: ListStreamsToken | undefined;
    try {
      token = JSON.parse(Buffer.from(input.NextToken as string, 'base64').toString('utf8')) as ListStreamsToken;
    } catch {
      token = undefined;
    }
    if (!token || typeof token.after !== 'string') throw kvsErrors.invalidArgument('The NextToken is not valid.');
    after = token.after;
  }
  const condition = input.StreamNameCondition;
  if (condition && condition.ComparisonValue === undefined) {
    throw kvsErrors.invalidArgument('StreamNameCondition needs a ComparisonValue.');
  }
  const prefix: string = condition?.ComparisonValue ?? '';
  const names = [...registry.streams.keys()].filter((n) => n.startsWith(prefix) && n > after).sort();
  const page = names.slice(0, limit);
  return {
    StreamInfoList: page.map((n) => streamInfo(registry.streams.get(n) as KvsStream)),
    ...(names.length > page.length
      ? { NextToken: Buffer.from(JSON.stringify({ after: page[page.length - 1] })).toString('base64') }
      : {}),
  };
}

export function deleteStream(env: KvsEnv, input: In): object {
  const stream = env.registry.find({ StreamARN: input.StreamARN });
  checkVersion(stream, input.CurrentVersion);
  checkActive(stream);
  stream.meta.status = 'DELETING';
  // The data becomes inaccessible at once (API reference): live PutMedia and GetMedia connections end now.
  stream.disconnectAll('deleted');
  env.registry.later(env.registry.options.deleteDelayMs, () => env.registry.remove(stream));
  env.registry.persist();
  return {};
}

export function updateStream(env: KvsEnv, input: In): object {
  const stream = env.registry.find(input);
  checkVersion(stream, input.CurrentVersion);
  checkActive(stream);
  if (input.DeviceName !== undefined) stream.meta.deviceName = input.DeviceName;
  if (input.MediaType !== undefined) stream.meta.mediaType = input.MediaType;
  changed(env, stream);
  return {};
}

export function updateDataRetention(env: KvsEnv, input: In): object {
  const stream = env.registry.find(input);
  checkVersion(stream, input.CurrentVersion);
  checkActive(stream);
  const change: number = input.DataRetentionChangeInHours;
  const next = input.Operation === 'INCREASE_DATA_RETENTION' ? stream.meta.retentionHours + change : stream.meta.retentionHours - change;
  if (next < 0 || next > KVS_LIMITS.maxRetentionHours) {
    throw kvsErrors.invalidArgument(
      `The resulting data retention of ${next} hours is outside the allowed range of 0 to ${KVS_LIMITS.maxRetentionHours} hours.`,
    );
  }
  stream.meta.retentionHours = next;
  // Decreasing retention deletes the fragments outside the new window at once (API reference).
  env.registry.applyRetention(stream);
  changed(env, stream);
  return {};
}

export function getDataEndpoint(env: KvsEnv, input: In, ctx: KvsRequestContext): object {
  env.registry.find(input);
  // One origin serves every API (paths are unique across the three services), so every APIName gets it.
  return { DataEndpoint: (env.settings.dataEndpoint ?? ctx.origin).replace(/\/+$/, '') };
}

function addTags(stream: KvsStream, tags: Record<string, string>): void {
  const merged = { ...stream.meta.tags, ...tags };
  if (Object.keys(merged).length > KVS_LIMITS.maxTagsPerStream) {
    throw kvsErrors.tagsPerResourceExceededLimit(
      `The stream ${stream.meta.name} would have ${Object.keys(merged).length} tags; a stream can have at most ${KVS_LIMITS.maxTagsPerStream}.`,
    );
  }
  stream.meta.tags = merged;
}

function removeTags(stream: KvsStream, keys: string[]): void {
  for (const k of keys) delete stream.meta.tags[k];
}

const sortedTags = (stream: KvsStream): Record<string, string> =>
  Object.fromEntries(Object.keys(stream.meta.tags).sort().map((k) => [k, stream.meta.tags[k]]));

export function tagStream(env: KvsEnv, input: In): object {
  addTags(env.registry.find(input), input.Tags);
  env.registry.persist();
  return {};
}

export function untagStream(env: KvsEnv, input: In): object {
  removeTags(env.registry.find(input), input.TagKeyList);
  env.registry.persist();
  return {};
}

export function listTagsForStream(env: KvsEnv, input: In): object {
  return { Tags: sortedTags(env.registry.find(input)) };
}

/** TagResource and friends name the stream by ARN (the model documents them for signaling channels; streams work too). */
function resource(env: KvsEnv, arn: string): KvsStream {
  const stream = env.registry.findByArn(arn);
  if (!stream || stream.meta.status === 'DELETING') throw kvsErrors.resourceNotFound(STREAM_NOT_FOUND);
  return stream;
}

export function tagResource(env: KvsEnv, input: In): object {
  const tags: Record<string, string> = {};
  for (const t of input.Tags as { Key: string; Value: string }[]) tags[t.Key] = t.Value;
  addTags(resource(env, input.ResourceARN), tags);
  env.registry.persist();
  return {};
}

export function untagResource(env: KvsEnv, input: In): object {
  removeTags(resource(env, input.ResourceARN), input.TagKeyList);
  env.registry.persist();
  return {};
}

export function listTagsForResource(env: KvsEnv, input: In): object {
  return { Tags: sortedTags(resource(env, input.ResourceARN)) };
}

export function describeStreamStorageConfiguration(env: KvsEnv, input: In): object {
  const stream = env.registry.find(input);
  return {
    StreamName: stream.meta.name,
    StreamARN: stream.meta.arn,
    StreamStorageConfiguration: { DefaultStorageTier: stream.meta.storageTier },
  };
}

export function updateStreamStorageConfiguration(env: KvsEnv, input: In): object {
  const stream = env.registry.find(input);
  checkVersion(stream, input.CurrentVersion);
  checkActive(stream);
  stream.meta.storageTier = input.StreamStorageConfiguration.DefaultStorageTier;
  changed(env, stream);
  return {};
}
