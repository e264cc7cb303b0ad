/**
 * Kinesis Video Streams on the emulator's port: the REST paths of the three KVS services (control plane, media,
 * archived media; kvs-reference.md Appendix A) and the operation each runs. Paths are unique across the three
 * services, so the path alone routes a request; JSON operations validate their input against kvs-shapes.ts.
 */
import type { Req, Res } from '../server/http-exchange';
import { validateKvsInput } from './kvs-shapes';
import type { KvsEnv, KvsRequestContext } from './kvs-context';
import * as streams from './stream-operations';
import { getMedia } from './get-media';
import { getMediaForFragmentList, listFragments } from './archived-media-operations';
import { putMedia } from './put-media-handler';
import { getHlsStreamingSessionUrl } from './hls/hls-session-operation';
import { HLS_RESOURCES } from './hls/hls-http';
import { getDashStreamingSessionUrl } from './dash/dash-session-operation';
import { DASH_RESOURCES } from './dash/dash-http';
import { getClip } from './get-clip';
import { getImages } from './get-images';
import { unsupportedKvsOperation } from './unsupported-operations';

type JsonOperation = (env: KvsEnv, input: Record<string, unknown>, ctx: KvsRequestContext) => object;

/** An operation whose answer is a stream of bytes (GetMedia, GetMediaForFragmentList): it writes the response. */
export type StreamingOperation = (env: KvsEnv, input: Record<string, unknown>, ctx: KvsRequestContext, res: Res) => Promise<void>;

/** PutMedia: parameters in headers, a Matroska body, acknowledgements streamed back. */
export type PutMediaOperation = (env: KvsEnv, req: Req, res: Res, ctx: KvsRequestContext) => Promise<void>;

const JSON_OPERATIONS: Record<string, readonly [name: string, run: JsonOperation]> = {
  '/createStream': ['CreateStream', streams.createStream],
  '/describeStream': ['DescribeStream', streams.describeStream],
  '/listStreams': ['ListStreams', streams.listStreams],
  '/deleteStream': ['DeleteStream', streams.deleteStream],
  '/updateStream': ['UpdateStream', streams.updateStream],
  '/updateDataRetention': ['UpdateDataRetention', streams.updateDataRetention],
  '/getDataEndpoint': ['GetDataEndpoint', streams.getDataEndpoint],
  '/tagStream': ['TagStream', streams.tagStream],
  '/untagStream': ['UntagStream', streams.untagStream],
  '/listTagsForStream': ['ListTagsForStream', streams.listTagsForStream],
  '/TagResource': ['TagResource', streams.tagResource],
  '/UntagResource': ['UntagResource', streams.untagResource],
  '/ListTagsForResource': ['ListTagsForResource', streams.listTagsForResource],
  '/describeStreamStorageConfiguration': ['DescribeStreamStorageConfiguration', streams.describeStreamStorageConfiguration],
  '/updateStreamStorageConfiguration': ['UpdateStreamStorageConfiguration', streams.updateStreamStorageConfiguration],
  '/listFragments': ['ListFragments', listFragments],
  '/getHLSStreamingSessionURL': ['GetHLSStreamingSessionURL', getHlsStreamingSessionUrl],
  '/getDASHStreamingSessionURL': ['GetDASHStreamingSessionURL', getDashStreamingSessionUrl],
};

const STREAMING_OPERATIONS: Record<string, readonly [name: string, run: StreamingOperation]> = {
  '/getMedia': ['GetMedia', getMedia],
  '/getMediaForFragmentList': ['GetMediaForFragmentList', getMediaForFragmentList],
  // GetImages answers JSON, but only after ffmpeg has run: it writes its own answer like a streaming operation.
  '/getClip': ['GetClip', getClip],
  '/getImages': ['GetImages', getImages],
};

/**
 * Model paths the emulator does not serve: answered 404 UnknownOperationException with what to use instead
 * (unsupported-operations.ts). The signaling data plane (`/v1/…`) and WebRTC storage are other clients' paths
 * (kinesis-video-signaling, kinesis-video-webrtc-storage), reached at the emulator through AWS_ENDPOINT_URL.
 */
const UNSUPPORTED_PATHS: Record<string, string> = {
  '/v1/get-ice-server-config': 'GetIceServerConfig',
  '/v1/send-alexa-offer-to-master': 'SendAlexaOfferToMaster',
  '/joinStorageSession': 'JoinStorageSession',
  '/joinStorageSessionAsViewer': 'JoinStorageSessionAsViewer',
  '/createSignalingChannel': 'CreateSignalingChannel',
  '/describeSignalingChannel': 'DescribeSignalingChannel',
  '/listSignalingChannels': 'ListSignalingChannels',
  '/deleteSignalingChannel': 'DeleteSignalingChannel',
  '/updateSignalingChannel': 'UpdateSignalingChannel',
  '/getSignalingChannelEndpoint': 'GetSignalingChannelEndpoint',
  '/describeImageGenerationConfiguration': 'DescribeImageGenerationConfiguration',
  '/updateImageGenerationConfiguration': 'UpdateImageGenerationConfiguration',
  '/describeNotificationConfiguration': 'DescribeNotificationConfiguration',
  '/updateNotificationConfiguration': 'UpdateNotificationConfiguration',
  '/describeMediaStorageConfiguration': 'DescribeMediaStorageConfiguration',
  '/updateMediaStorageConfiguration': 'UpdateMediaStorageConfiguration',
  '/describeMappedResourceConfiguration': 'DescribeMappedResourceConfiguration',
  '/startEdgeConfigurationUpdate': 'StartEdgeConfigurationUpdate',
  '/describeEdgeConfiguration': 'DescribeEdgeConfiguration',
  '/deleteEdgeConfiguration': 'DeleteEdgeConfiguration',
  '/listEdgeAgentConfigurations': 'ListEdgeAgentConfigurations',
};

/** `table[key]` when `key` is the table's own: paths come from the wire, and must never reach Object.prototype. */
function own<T>(table: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

export class KvsService {
  readonly putMedia: PutMediaOperation = putMedia;

  constructor(readonly env: KvsEnv) {}

  /** Whether `path` belongs to KVS (the router sends it here). */
  serves(path: string): boolean {
    return (
      Object.hasOwn(JSON_OPERATIONS, path) ||
      Object.hasOwn(STREAMING_OPERATIONS, path) ||
      Object.hasOwn(UNSUPPORTED_PATHS, path) ||
      path === '/putMedia' ||
      Object.hasOwn(HLS_RESOURCES, path) ||
      Object.hasOwn(DASH_RESOURCES, path)
    );
  }

  /** The operation name of `path`, for logs and fault rules. */
  operationOf(path: string): string {
    if (path === '/putMedia') return 'PutMedia';
    return own(HLS_RESOURCES, path) ?? own(DASH_RESOURCES, path) ?? own(JSON_OPERATIONS, path)?.[0] ?? own(STREAMING_OPERATIONS, path)?.[0] ?? own(UNSUPPORTED_PATHS, path) ?? path.slice(1);
  }

  isStreaming(path: string): boolean {
    return Object.hasOwn(STREAMING_OPERATIONS, path);
  }

  /** Validates and runs a JSON operation. */
  call(path: string, input: Record<string, unknown>, ctx: KvsRequestContext): object {
    const op = own(JSON_OPERATIONS, path);
    if (!op) throw unsupportedKvsOperation(this.operationOf(path));
    validateKvsInput(op[0], input);
    return op[1](this.env, input, ctx);
  }

  /** Validates a streaming operation's input and runs it (it answers on `res`). */
  stream(path: string, input: Record<string, unknown>, ctx: KvsRequestContext, res: Res): Promise<void> {
    const op = own(STREAMING_OPERATIONS, path);
    if (!op) throw unsupportedKvsOperation(this.operationOf(path));
    validateKvsInput(op[0], input);
    return op[1](this.env, input, ctx, res);
  }
}

export const KVS_OPERATIONS = [...Object.values(JSON_OPERATIONS), ...Object.values(STREAMING_OPERATIONS)].map(([name]) => name).concat('PutMedia', ...Object.values(HLS_RESOURCES), ...Object.values(DASH_RESOURCES));
