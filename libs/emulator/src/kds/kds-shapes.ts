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
/** The stream a request names: StreamARN (today's AWS) is checked just before StreamName. */
const byStream = { StreamARN: streamArn, StreamName: streamName };
/** AWS's order of ShardIteratorType's values, as it prints them in "Member must satisfy enum value set". */
const iteratorTypes = ['AFTER_SEQUENCE_NUMBER', 'LATEST', 'AT_TIMESTAMP', 'AT_SEQUENCE_NUMBER', 'TRIM_HORIZON'];

/**
 * Members are listed in the order the service checks them (its SerializationException is the first member it
 * cannot read; its ValidationException lists violations in this order), as kinesalite recorded it; members the
 * service has gained since come after those (StreamARN just before StreamName).
 */
export const KDS_SHAPES: Record<string, StructureShape> = {
  CreateStream: s({
    ShardCount: { type: 'integer', min: 1, max: 100000 },
    StreamName: { ...streamName, required: true },
    StreamModeDetails: streamModeDetails,
    Tags: { type: 'map', min: 0, max: 50, key: tagKey, value: tagValue },
    MaxRecordSizeInKiB: { type: 'integer', min: 1024, max: 10240 },
  }),
  DeleteStream: s({ ...byStream, EnforceConsumerDeletion: { type: 'boolean' } }),
  DescribeStream: s({
    Limit: { type: 'integer', min: 1, max: 10000 },
    ExclusiveStartShardId: shardId,
    ...byStream,
  }),
  DescribeStreamSummary: s(byStream),
  ListStreams: s({
    Limit: { type: 'integer', min: 1, max: 10000 },
    ExclusiveStartStreamName: streamName,
    NextToken: { type: 'string', min: 1, max: 1048576 },
  }),
  ListShards: s({
    ExclusiveStartShardId: shardId,
    MaxResults: { type: 'integer', min: 1, max: 10000 },
    NextToken: { type: 'string', min: 1, max: 1048576 },
    StreamCreationTimestamp: { type: 'timestamp' },
    ...byStream,
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
    SequenceNumberForOrdering: sequenceNumber,
    PartitionKey: partitionKey,
    ExplicitHashKey: hashKey,
    Data: { type: 'blob', required: true, max: 10 * 1024 * 1024 },
    ...byStream,
  }),
  PutRecords: s({
    Records: {
      type: 'list',
      required: true,
      min: 1,
      max: KDS_SIZES.maxPutRecordsEntries,
      // Java's Object.toString of an entry, as the service prints the list in a violation of its length.
      memberText: 'com.amazonaws.kinesis.v20131202.PutRecordsRequestEntry@c965e310',
      member: {
        type: 'structure',
        members: {
          PartitionKey: partitionKey,
          ExplicitHashKey: hashKey,
          Data: { type: 'blob', required: true, max: 10 * 1024 * 1024 },
        },
      },
    },
    ...byStream,
  }),
  GetShardIterator: s({
    ShardId: { ...shardId, required: true },
    ShardIteratorType: { type: 'string', required: true, enum: iteratorTypes },
    StartingSequenceNumber: sequenceNumber,
    ...byStream,
    Timestamp: { type: 'timestamp' },
  }),
  GetRecords: s({
    Limit: { type: 'integer', min: 1, max: 10000 },
    ShardIterator: { type: 'string', required: true, min: 1, max: 512 },
    StreamARN: streamArn,
  }),
  SplitShard: s({
    NewStartingHashKey: { ...hashKey, required: true },
    ...byStream,
    ShardToSplit: { ...shardId, required: true },
  }),
  MergeShards: s({
    ShardToMerge: { ...shardId, required: true },
    AdjacentShardToMerge: { ...shardId, required: true },
    ...byStream,
  }),
  UpdateShardCount: s({
    ...byStream,
    TargetShardCount: { type: 'integer', required: true, min: 1, max: 100000 },
    ScalingType: { type: 'string', required: true, enum: ['UNIFORM_SCALING'] },
  }),
  UpdateStreamMode: s({ StreamARN: { ...streamArn, required: true }, StreamModeDetails: { ...streamModeDetails, required: true } }),
  IncreaseStreamRetentionPeriod: s({ RetentionPeriodHours: { type: 'integer', required: true, min: 1, max: 8760 }, ...byStream }),
  DecreaseStreamRetentionPeriod: s({ RetentionPeriodHours: { type: 'integer', required: true, min: 1, max: 8760 }, ...byStream }),
  AddTagsToStream: s({ Tags: { type: 'map', required: true, min: 1, max: 10, key: tagKey, value: tagValue }, ...byStream }),
  RemoveTagsFromStream: s({ TagKeys: { type: 'list', required: true, min: 1, max: 50, member: tagKey }, ...byStream }),
  ListTagsForStream: s({
    Limit: { type: 'integer', min: 1, max: 50 },
    ExclusiveStartTagKey: tagKey,
    ...byStream,
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
        Type: { type: 'string', required: true, enum: iteratorTypes },
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
