/**
 * Kinesis Video Streams operations the emulator does not serve (WebRTC signaling channels and their data plane,
 * WebRTC storage sessions, edge agent configuration, image generation and notification configuration, media
 * storage / mapped resource configuration), each with what to use instead.
 *
 * The answer: 404 UnknownOperationException, the status AWS's REST endpoints give a path they do not route
 * (`<UnknownOperationException/>` with 404, soto-project/soto#580; KVS's own is observed only as a Coral body,
 * producer-c #289), written in KVS's JSON error envelope (kvs-http.ts) so that every restJson client raises an
 * error named UnknownOperationException carrying the message. Pure data.
 */
import { AwsServiceError } from '../errors';

const SIGNALING = 'WebRTC signaling channels are not emulated; use a real AWS account for KVS WebRTC';
const WEBRTC_STORAGE =
  'WebRTC ingestion into a stream is not emulated; ingest with PutMedia (e.g. the KVS producer SDK or @tributary/kvs), or use a real AWS account for KVS WebRTC';
const EDGE =
  'the KVS Edge Agent (edge configuration) is not emulated; run the camera into PutMedia (e.g. the KVS producer SDK or @tributary/kvs), or use a real AWS account with an Edge Agent';
const IMAGE_GENERATION =
  'image generation configuration (images delivered to S3) is not emulated; call GetImages on the stream (served) instead';
const NOTIFICATION =
  'notification configuration (SNS notifications of uploads) is not emulated; poll ListFragments (served), or use a real AWS account';
const MEDIA_STORAGE =
  'media storage configuration (a stream mapped to a WebRTC signaling channel) is not emulated; use a real AWS account for KVS WebRTC ingestion';

/** By operation name; the paths are in kvs-service.ts (UNSUPPORTED_PATHS). */
export const KVS_UNSUPPORTED_OPERATIONS: Readonly<Record<string, string>> = {
  CreateSignalingChannel: SIGNALING,
  DescribeSignalingChannel: SIGNALING,
  ListSignalingChannels: SIGNALING,
  DeleteSignalingChannel: SIGNALING,
  UpdateSignalingChannel: SIGNALING,
  GetSignalingChannelEndpoint: SIGNALING,
  GetIceServerConfig: SIGNALING,
  SendAlexaOfferToMaster: SIGNALING,
  JoinStorageSession: WEBRTC_STORAGE,
  JoinStorageSessionAsViewer: WEBRTC_STORAGE,
  StartEdgeConfigurationUpdate: EDGE,
  DescribeEdgeConfiguration: EDGE,
  DeleteEdgeConfiguration: EDGE,
  ListEdgeAgentConfigurations: EDGE,
  DescribeImageGenerationConfiguration: IMAGE_GENERATION,
  UpdateImageGenerationConfiguration: IMAGE_GENERATION,
  DescribeNotificationConfiguration: NOTIFICATION,
  UpdateNotificationConfiguration: NOTIFICATION,
  DescribeMediaStorageConfiguration: MEDIA_STORAGE,
  UpdateMediaStorageConfiguration: MEDIA_STORAGE,
  DescribeMappedResourceConfiguration: MEDIA_STORAGE,
};

/** The answer to a KVS operation the emulator does not serve. */
export function unsupportedKvsOperation(operation: string): AwsServiceError {
  const instead = Object.hasOwn(KVS_UNSUPPORTED_OPERATIONS, operation) ? KVS_UNSUPPORTED_OPERATIONS[operation] : 'use a real AWS account';
  return new AwsServiceError('UnknownOperationException', `${operation} is not supported by the emulator: ${instead}.`, 404);
}
