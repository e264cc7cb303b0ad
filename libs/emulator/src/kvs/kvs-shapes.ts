/**
 * Input shapes of the KVS operations the emulator serves, with the constraints of the service models
 * (botocore kinesisvideo, kinesis-video-media and kinesis-video-archived-media 2017-09-30; kvs-reference.md §2.2,
 * §4.1, §5.1, §5.2), checked by the shared validator of src/kds/shape-validator.ts.
 *
 * KVS's models declare no ValidationException: a constraint violation is answered as InvalidArgumentException
 * carrying the Coral validation wording ("1 validation error detected: Value … at 'streamName' failed to satisfy
 * constraint: …"). That pairing is [unconfirmed] (kvs-reference.md does not quote one); the exception name is the
 * modelled one, so SDK clients raise InvalidArgumentException.
 */
import { findViolation, structure as s, type Shape, type StructureShape } from '../kds/shape-validator';
import { KVS_LIMITS } from '../defaults';
import { kvsErrors } from './kvs-errors';

const streamName: Shape = { type: 'string', min: 1, max: 256, pattern: '[a-zA-Z0-9_.-]+' };
const resourceArn: Shape = {
  type: 'string',
  min: 1,
  max: 1024,
  pattern: 'arn:[a-z\\d-]+:kinesisvideo:[a-z0-9-]+:[0-9]+:[a-z]+/[a-zA-Z0-9_.-]+/[0-9]+',
};
const deviceName: Shape = { type: 'string', min: 1, max: 128, pattern: '[a-zA-Z0-9_.-]+' };
const mediaType: Shape = {
  type: 'string',
  min: 1,
  max: 128,
  pattern: '[\\w\\-\\.\\+]+/[\\w\\-\\.\\+]+(,[\\w\\-\\.\\+]+/[\\w\\-\\.\\+]+)*',
};
const version: Shape = { type: 'string', min: 1, max: 64, pattern: '[a-zA-Z0-9]+' };
const nextToken: Shape = { type: 'string', min: 0, max: 1024, pattern: '[a-zA-Z0-9+/=]*' };
const tagKey: Shape = { type: 'string', min: 1, max: 128, pattern: '^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$' };
const tagValue: Shape = { type: 'string', min: 0, max: 256, pattern: '[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*' };
const resourceTags: Shape = { type: 'map', min: 1, max: 50, key: tagKey, value: tagValue };
const tagKeyList: Shape = { type: 'list', min: 1, max: 50, member: tagKey };
const storageConfiguration: Shape = {
  type: 'structure',
  members: { DefaultStorageTier: { type: 'string', required: true, enum: ['HOT', 'WARM'] } },
};
const fragmentNumber: Shape = { type: 'string', min: 1, max: 128, pattern: '^[0-9]+$' };
const byStream = { StreamName: streamName, StreamARN: resourceArn };
/** The members of ListFragments' FragmentSelector and GetClip's ClipFragmentSelector. */
const timestampRangeSelector: Record<string, Shape> = {
  FragmentSelectorType: { type: 'string', required: true, enum: ['PRODUCER_TIMESTAMP', 'SERVER_TIMESTAMP'] },
  TimestampRange: {
    type: 'structure',
    required: true,
    members: { StartTimestamp: { type: 'timestamp', required: true }, EndTimestamp: { type: 'timestamp', required: true } },
  },
};

export const API_NAMES = [
  'PUT_MEDIA',
  'GET_MEDIA',
  'LIST_FRAGMENTS',
  'GET_MEDIA_FOR_FRAGMENT_LIST',
  'GET_HLS_STREAMING_SESSION_URL',
  'GET_DASH_STREAMING_SESSION_URL',
  'GET_CLIP',
  'GET_IMAGES',
] as const;

export const START_SELECTOR_TYPES = [
  'FRAGMENT_NUMBER',
  'SERVER_TIMESTAMP',
  'PRODUCER_TIMESTAMP',
  'NOW',
  'EARLIEST',
  'CONTINUATION_TOKEN',
] as const;
export type StartSelectorType = (typeof START_SELECTOR_TYPES)[number];

export const KVS_SHAPES: Record<string, StructureShape> = {
  CreateStream: s({
    DeviceName: deviceName,
    StreamName: { ...streamName, required: true },
    MediaType: mediaType,
    KmsKeyId: { type: 'string', min: 1, max: 2048, pattern: '.+' },
    DataRetentionInHours: { type: 'integer', min: 0 },
    Tags: resourceTags,
    StreamStorageConfiguration: storageConfiguration,
  }),
  DescribeStream: s(byStream),
  ListStreams: s({
    MaxResults: { type: 'integer', min: 1, max: 10000 },
    NextToken: nextToken,
    StreamNameCondition: {
      type: 'structure',
      members: { ComparisonOperator: { type: 'string', enum: ['BEGINS_WITH'] }, ComparisonValue: streamName },
    },
  }),
  DeleteStream: s({ StreamARN: { ...resourceArn, required: true }, CurrentVersion: version }),
  UpdateStream: s({ ...byStream, CurrentVersion: { ...version, required: true }, DeviceName: deviceName, MediaType: mediaType }),
  UpdateDataRetention: s({
    ...byStream,
    CurrentVersion: { ...version, required: true },
    Operation: { type: 'string', required: true, enum: ['INCREASE_DATA_RETENTION', 'DECREASE_DATA_RETENTION'] },
    DataRetentionChangeInHours: { type: 'integer', required: true, min: 1 },
  }),
  GetDataEndpoint: s({ ...byStream, APIName: { type: 'string', required: true, enum: API_NAMES } }),
  TagStream: s({ ...byStream, Tags: { ...resourceTags, required: true } }),
  UntagStream: s({ ...byStream, TagKeyList: { ...tagKeyList, required: true } }),
  ListTagsForStream: s({ ...byStream, NextToken: nextToken }),
  TagResource: s({
    ResourceARN: { ...resourceArn, required: true },
    Tags: {
      type: 'list',
      required: true,
      min: 1,
      max: 50,
      member: { type: 'structure', members: { Key: { ...tagKey, required: true }, Value: { ...tagValue, required: true } } },
    },
  }),
  UntagResource: s({ ResourceARN: { ...resourceArn, required: true }, TagKeyList: { ...tagKeyList, required: true } }),
  ListTagsForResource: s({ ResourceARN: { ...resourceArn, required: true }, NextToken: nextToken }),
  DescribeStreamStorageConfiguration: s(byStream),
  UpdateStreamStorageConfiguration: s({
    ...byStream,
    CurrentVersion: { ...version, required: true },
    StreamStorageConfiguration: { ...storageConfiguration, required: true },
  }),
  GetMedia: s({
    ...byStream,
    StartSelector: {
      type: 'structure',
      required: true,
      members: {
        StartSelectorType: { type: 'string', required: true, enum: START_SELECTOR_TYPES },
        AfterFragmentNumber: fragmentNumber,
        StartTimestamp: { type: 'timestamp' },
        ContinuationToken: { type: 'string', min: 1, max: 128, pattern: '^[a-zA-Z0-9_\\.\\-]+$' },
      },
    },
  }),
  ListFragments: s({
    ...byStream,
    MaxResults: { type: 'integer', min: 1, max: KVS_LIMITS.maxListFragmentsResults },
    NextToken: { type: 'string', min: 1, max: 4096, pattern: '[a-zA-Z0-9+/]+={0,2}' },
    FragmentSelector: {
      type: 'structure',
      members: timestampRangeSelector,
    },
  }),
  GetMediaForFragmentList: s({
    ...byStream,
    Fragments: { type: 'list', required: true, min: 1, max: KVS_LIMITS.maxFragmentsPerMediaRequest, member: fragmentNumber },
  }),
  // GetClip and GetImages (kvs-reference.md §5.3, §5.4); the rules across members are in get-clip.ts, get-images.ts.
  GetClip: s({
    ...byStream,
    ClipFragmentSelector: {
      type: 'structure',
      required: true,
      members: timestampRangeSelector,
    },
  }),
  GetImages: s({
    ...byStream,
    ImageSelectorType: { type: 'string', required: true, enum: ['PRODUCER_TIMESTAMP', 'SERVER_TIMESTAMP'] },
    StartTimestamp: { type: 'timestamp', required: true },
    EndTimestamp: { type: 'timestamp', required: true },
    SamplingInterval: { type: 'integer' },
    Format: { type: 'string', required: true, enum: ['JPEG', 'PNG'] },
    FormatConfig: {
      type: 'map',
      min: 1,
      max: 1,
      key: { type: 'string', enum: ['JPEGQuality'] },
      value: { type: 'string', min: 0, max: 256, pattern: '^[a-zA-Z_0-9]+' },
    },
    WidthPixels: { type: 'integer', min: 1, max: 3840 },
    HeightPixels: { type: 'integer', min: 1, max: 2160 },
    MaxResults: { type: 'integer', min: 1, max: 100 },
    NextToken: { type: 'string', min: 1, max: 4096, pattern: '[a-zA-Z0-9+/]+={0,2}' },
  }),
  // HLS (kvs-reference.md §5.5); the rules across members (range vs mode, 24 h) are in kvs/hls/hls-session-operation.ts.
  GetHLSStreamingSessionURL: s({
    ...byStream,
    PlaybackMode: { type: 'string', enum: ['LIVE', 'LIVE_REPLAY', 'ON_DEMAND'] },
    HLSFragmentSelector: {
      type: 'structure',
      members: {
        FragmentSelectorType: { type: 'string', enum: ['PRODUCER_TIMESTAMP', 'SERVER_TIMESTAMP'] },
        TimestampRange: { type: 'structure', members: { StartTimestamp: { type: 'timestamp' }, EndTimestamp: { type: 'timestamp' } } },
      },
    },
    ContainerFormat: { type: 'string', enum: ['FRAGMENTED_MP4', 'MPEG_TS'] },
    DiscontinuityMode: { type: 'string', enum: ['ALWAYS', 'NEVER', 'ON_DISCONTINUITY'] },
    DisplayFragmentTimestamp: { type: 'string', enum: ['ALWAYS', 'NEVER'] },
    Expires: { type: 'integer', min: 300, max: 43200 },
    MaxMediaPlaylistFragmentResults: { type: 'integer', min: 1, max: 5000 },
  }),
  // DASH (kvs-reference.md §5.7); the rules across members are HLS's (kvs/dash/dash-session-operation.ts).
  GetDASHStreamingSessionURL: s({
    ...byStream,
    PlaybackMode: { type: 'string', enum: ['LIVE', 'LIVE_REPLAY', 'ON_DEMAND'] },
    DisplayFragmentTimestamp: { type: 'string', enum: ['ALWAYS', 'NEVER'] },
    DisplayFragmentNumber: { type: 'string', enum: ['ALWAYS', 'NEVER'] },
    DASHFragmentSelector: {
      type: 'structure',
      members: {
        FragmentSelectorType: { type: 'string', enum: ['PRODUCER_TIMESTAMP', 'SERVER_TIMESTAMP'] },
        TimestampRange: { type: 'structure', members: { StartTimestamp: { type: 'timestamp' }, EndTimestamp: { type: 'timestamp' } } },
      },
    },
    Expires: { type: 'integer', min: 300, max: 43200 },
    MaxManifestFragmentResults: { type: 'integer', min: 1, max: 5000 },
  }),
};

/** Validates `body` against the operation's shape; throws what the service would answer (see the header). */
export function validateKvsInput(operation: string, body: Record<string, unknown>): void {
  const shape = KVS_SHAPES[operation];
  if (!shape) return;
  const error = findViolation(shape, body);
  if (!error) return;
  throw error.code === 'ValidationException' ? kvsErrors.invalidArgument(error.message) : error;
}

