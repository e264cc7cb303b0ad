/**
 * Input shapes of the KDS operations, with the constraints of the service model
 * (aws-sdk-js-v3 codegen/sdk-codegen/aws-models/kinesis.json; kds-reference.md §1.3).
 */
import { structure as s, type Shape, type StructureShape } from './shape-validator';
import { KDS_SIZES } from '../defaults';

const NAME = '[a-zA-Z0-9_.-]+';
const streamName: Shape = { type: 'string', min: 1, max: 128, pattern: NAME };
const streamArn: Shape = { type: 'string', min: 1, max: 2048, pattern: 'arn:aws.*:kinesis:.*:\\d{12}:stream/\\S+' };
const consumerArn: Shape = {
  type: 'string',
  min: 1,
  max: 2048,
  pattern: '(arn):aws.*:kinesis:.*:\\d{12}:.*stream\\/[a-zA-Z0-9_.-]+\\/consumer\\/[a-zA-Z0-9_.-]+:[0-9]+',
};
const shardId: Shape = { type: 'string', min: 1, max: 128, pattern: NAME };
const hashKey: Shape = { type: 'string', pattern: '0|([1-9]\\d{0,38})' };
const sequenceNumber: Shape = { type: 'string', pattern: '0|([1-9]\\d{0,128})' };
const partitionKey: Shape = { type: 'string', required: true, min: 1, max: 256 };
const tagKey: Shape = { type: 'string', min: 1, max: 128 };
const tagValue: Shape = { type: 'string', min: 0, max: 256 };
const streamModeDetails: Shape = {
  type: 'structure',
  members: { StreamMode: { type: 'string', required: true, enum: ['PROVISIONED', 'ON_DEMAND'] } },
};
const byStream = { StreamName: streamName, StreamARN: streamArn };

export const KDS_SHAPES: Record<string, StructureShape> = {
  CreateStream: s({
    StreamName: { ...streamName, required: true },
    ShardCount: { type: 'integer', min: 1, max: 100000 },
    StreamModeDetails: streamModeDetails,
    Tags: { type: 'map', min: 0, max: 50, key: tagKey, value: tagValue },
    MaxRecordSizeInKiB: { type: 'integer', min: 1024, max: 10240 },
  }),
  DeleteStream: s({ ...byStream, EnforceConsumerDeletion: { type: 'boolean' } }),
  DescribeStream: s({
    ...byStream,
    Limit: { type: 'integer', min: 1, max: 10000 },
    ExclusiveStartShardId: shardId,
  }),
  DescribeStreamSummary: s(byStream),
  ListStreams: s({
    Limit: { type: 'integer', min: 1, max: 10000 },
    ExclusiveStartStreamName: streamName,
    NextToken: { type: 'string', min: 1, max: 1048576 },
  }),
  ListShards: s({
    ...byStream,
    NextToken: { type: 'string', min: 1, max: 1048576 },
    ExclusiveStartShardId: shardId,
    MaxResults: { type: 'integer', min: 1, max: 10000 },
    StreamCreationTimestamp: { type: 'timestamp' },
    ShardFilter: {
      type: 'structure',
      members: {
        Type: {
          type: 'string',
          required: true,
          enum: ['AFTER_SHARD_ID', 'AT_TRIM_HORIZON', 'FROM_TRIM_HORIZON', 'AT_LATEST', 'AT_TIMESTAMP', 'FROM_TIMESTAMP'],
        },
        ShardId: shardId,
        Timestamp: { type: 'timestamp' },
      },
    },
  }),
  PutRecord: s({
    ...byStream,
    Data: { type: 'blob', required: true, max: 10 * 1024 * 1024 },
    PartitionKey: partitionKey,
    ExplicitHashKey: hashKey,
    SequenceNumberForOrdering: sequenceNumber,
  }),
  PutRecords: s({
    ...byStream,
    Records: {
      type: 'list',
      required: true,
      min: 1,
      max: KDS_SIZES.maxPutRecordsEntries,
      member: {
        type: 'structure',
        members: {
          Data: { type: 'blob', required: true, max: 10 * 1024 * 1024 },
          ExplicitHashKey: hashKey,
          PartitionKey: partitionKey,
        },
      },
    },
  }),
  GetShardIterator: s({
    ...byStream,
    ShardId: { ...shardId, required: true },
    ShardIteratorType: {
      type: 'string',
      required: true,
      enum: ['AT_SEQUENCE_NUMBER', 'AFTER_SEQUENCE_NUMBER', 'TRIM_HORIZON', 'LATEST', 'AT_TIMESTAMP'],
    },
    StartingSequenceNumber: sequenceNumber,
    Timestamp: { type: 'timestamp' },
  }),
  GetRecords: s({
    ShardIterator: { type: 'string', required: true, min: 1, max: 512 },
    Limit: { type: 'integer', min: 1, max: 10000 },
    StreamARN: streamArn,
  }),
  SplitShard: s({
    ...byStream,
    ShardToSplit: { ...shardId, required: true },
    NewStartingHashKey: { ...hashKey, required: true },
  }),
  MergeShards: s({
    ...byStream,
    ShardToMerge: { ...shardId, required: true },
    AdjacentShardToMerge: { ...shardId, required: true },
  }),
  UpdateShardCount: s({
    ...byStream,
    TargetShardCount: { type: 'integer', required: true, min: 1, max: 100000 },
    ScalingType: { type: 'string', required: true, enum: ['UNIFORM_SCALING'] },
  }),
  UpdateStreamMode: s({ StreamARN: { ...streamArn, required: true }, StreamModeDetails: { ...streamModeDetails, required: true } }),
  IncreaseStreamRetentionPeriod: s({ ...byStream, RetentionPeriodHours: { type: 'integer', required: true, min: 1, max: 8760 } }),
  DecreaseStreamRetentionPeriod: s({ ...byStream, RetentionPeriodHours: { type: 'integer', required: true, min: 1, max: 8760 } }),
  AddTagsToStream: s({ ...byStream, Tags: { type: 'map', required: true, min: 1, max: 10, key: tagKey, value: tagValue } }),
  RemoveTagsFromStream: s({ ...byStream, TagKeys: { type: 'list', required: true, min: 1, max: 50, member: tagKey } }),
  ListTagsForStream: s({
    ...byStream,
    ExclusiveStartTagKey: tagKey,
    Limit: { type: 'integer', min: 1, max: 50 },
  }),
  TagResource: s({
    ResourceARN: { type: 'string', required: true, min: 1, max: 2048 },
    Tags: { type: 'map', required: true, min: 1, max: 50, key: tagKey, value: tagValue },
  }),
  UntagResource: s({
    ResourceARN: { type: 'string', required: true, min: 1, max: 2048 },
    TagKeys: { type: 'list', required: true, min: 1, max: 50, member: tagKey },
  }),
  ListTagsForResource: s({ ResourceARN: { type: 'string', required: true, min: 1, max: 2048 } }),
  RegisterStreamConsumer: s({ StreamARN: { ...streamArn, required: true }, ConsumerName: { ...streamName, required: true } }),
  DeregisterStreamConsumer: s({ StreamARN: streamArn, ConsumerName: streamName, ConsumerARN: consumerArn }),
  DescribeStreamConsumer: s({ StreamARN: streamArn, ConsumerName: streamName, ConsumerARN: consumerArn }),
  ListStreamConsumers: s({
    StreamARN: { ...streamArn, required: true },
    NextToken: { type: 'string', min: 1, max: 1048576 },
    MaxResults: { type: 'integer', min: 1, max: 10000 },
    StreamCreationTimestamp: { type: 'timestamp' },
  }),
  SubscribeToShard: s({
    ConsumerARN: { ...consumerArn, required: true },
    ShardId: { ...shardId, required: true },
    StartingPosition: {
      type: 'structure',
      required: true,
      members: {
        Type: {
          type: 'string',
          required: true,
          enum: ['AT_SEQUENCE_NUMBER', 'AFTER_SEQUENCE_NUMBER', 'TRIM_HORIZON', 'LATEST', 'AT_TIMESTAMP'],
        },
        SequenceNumber: sequenceNumber,
        Timestamp: { type: 'timestamp' },
      },
    },
  }),
  DescribeLimits: s({}),
  StartStreamEncryption: s({
    ...byStream,
    EncryptionType: { type: 'string', required: true, enum: ['NONE', 'KMS'] },
    KeyId: { type: 'string', required: true, min: 1, max: 2048 },
  }),
  StopStreamEncryption: s({
    ...byStream,
    EncryptionType: { type: 'string', required: true, enum: ['NONE', 'KMS'] },
    KeyId: { type: 'string', required: true, min: 1, max: 2048 },
  }),
  EnableEnhancedMonitoring: s({ ...byStream, ShardLevelMetrics: { type: 'list', required: true, min: 1, max: 7, member: { type: 'string' } } }),
  DisableEnhancedMonitoring: s({ ...byStream, ShardLevelMetrics: { type: 'list', required: true, min: 1, max: 7, member: { type: 'string' } } }),
};
