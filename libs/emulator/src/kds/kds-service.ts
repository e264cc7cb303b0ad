/**
 * The Kinesis Data Streams service: validates an operation's input against its shape and runs it.
 * Routed here by `X-Amz-Target: Kinesis_20131202.<Operation>`.
 */
import { awsErrors } from '../errors';
import { validateInput } from './shape-validator';
import { KDS_SHAPES } from './kds-shapes';
import type { KdsEnv, RequestContext } from './kds-context';
import * as streams from './stream-operations';
import * as shards from './shard-operations';
import * as records from './record-operations';
import * as consumers from './consumer-operations';
import { subscribeToShard, type EventSink } from './subscribe-to-shard';
import { isUnsupportedKdsOperation, unsupportedKdsOperation } from './unsupported-operations';

export const KDS_TARGET_PREFIX = 'Kinesis_20131202.';

type Operation = (env: KdsEnv, input: Record<string, unknown>, ctx: RequestContext) => object;

const OPERATIONS: Record<string, Operation> = {
  CreateStream: streams.createStream,
  DeleteStream: streams.deleteStream,
  DescribeStream: streams.describeStream,
  DescribeStreamSummary: streams.describeStreamSummary,
  ListStreams: streams.listStreams,
  UpdateStreamMode: streams.updateStreamMode,
  IncreaseStreamRetentionPeriod: streams.increaseRetention,
  DecreaseStreamRetentionPeriod: streams.decreaseRetention,
  AddTagsToStream: streams.addTagsToStream,
  RemoveTagsFromStream: streams.removeTagsFromStream,
  ListTagsForStream: streams.listTagsForStream,
  TagResource: streams.tagResource,
  UntagResource: streams.untagResource,
  ListTagsForResource: streams.listTagsForResource,
  StartStreamEncryption: streams.startStreamEncryption,
  StopStreamEncryption: streams.stopStreamEncryption,
  EnableEnhancedMonitoring: streams.enableEnhancedMonitoring,
  DisableEnhancedMonitoring: streams.disableEnhancedMonitoring,
  DescribeLimits: streams.describeLimits,
  ListShards: shards.listShards,
  SplitShard: shards.splitShard,
  MergeShards: shards.mergeShards,
  UpdateShardCount: shards.updateShardCount,
  PutRecord: records.putRecord,
  PutRecords: records.putRecords,
  GetShardIterator: records.getShardIterator,
  GetRecords: records.getRecords,
  RegisterStreamConsumer: consumers.registerStreamConsumer,
  DeregisterStreamConsumer: consumers.deregisterStreamConsumer,
  DescribeStreamConsumer: consumers.describeStreamConsumer,
  ListStreamConsumers: consumers.listStreamConsumers,
};

export const KDS_OPERATIONS = [...Object.keys(OPERATIONS), 'SubscribeToShard'];

export class KdsService {
  constructor(readonly env: KdsEnv) {}

  /**
   * An operation of AWS's API: served, or answered as unsupported (unsupported-operations.ts) once the request has
   * passed the checks every operation gets. Own properties only: `__proto__` or `toString` are not operations.
   */
  has(operation: string): boolean {
    return Object.hasOwn(OPERATIONS, operation) || operation === 'SubscribeToShard' || isUnsupportedKdsOperation(operation);
  }

  private validate(operation: string, input: unknown): Record<string, unknown> {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      throw awsErrors.serialization('Start of structure or map found where not expected.');
    }
    const shape = Object.hasOwn(KDS_SHAPES, operation) ? KDS_SHAPES[operation] : undefined;
    if (shape) validateInput(shape, input);
    return input as Record<string, unknown>;
  }

  call(operation: string, input: unknown, ctx: RequestContext): object {
    const op = Object.hasOwn(OPERATIONS, operation) ? OPERATIONS[operation] : undefined;
    if (!op && isUnsupportedKdsOperation(operation)) throw unsupportedKdsOperation(operation);
    if (!op) throw awsErrors.unknownOperation(`Operation ${operation} is not supported.`);
    return op(this.env, this.validate(operation, input), ctx);
  }

  subscribe(input: unknown): (sink: EventSink) => Promise<void> {
    return subscribeToShard(this.env, this.validate('SubscribeToShard', input));
  }
}
