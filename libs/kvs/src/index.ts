// Public entry point of @tributary/kvs: KVS transports the AWS SDK for JavaScript lacks or wraps.
export { PutMediaClient, type PutMediaClientOptions, type PutMediaSessionOptions, type SessionOptionsCore, type KinesisVideoClientLike } from './putmedia-client';
export { PutMediaSession, type SessionState, type SessionStats } from './putmedia-session';
export { AckParser, interpretAck, ACK_EVENT_TYPES, type AckEventType, type FragmentAck, type AckStreamItem, type AckParserOptions } from './ack-parser';
export {
  PUT_MEDIA_ACK_ERRORS,
  lookupAckError,
  ackErrorFromAck,
  classifyHttpError,
  parseAwsErrorResponse,
  PutMediaAckError,
  PutMediaRetriableAckError,
  PutMediaFragmentRejectedError,
  PutMediaFatalAckError,
  PutMediaHttpError,
  PutMediaConnectionError,
  type AckErrorDisposition,
  type AckErrorInfo,
  type HttpErrorInfo,
} from './putmedia-errors';
export { KvsError, type KvsErrorCode } from './kvs-error';
export { FragmentTracker, isSettled, type FragmentState, type TrackedFragment, type AckTransition } from './fragment-tracker';
export { InMemoryFragmentStore, type ReplayableFragments, type ReplayableFragment, type InMemoryFragmentStoreOptions } from './replayable-fragments';
export {
  signPutMediaRequest,
  buildPutMediaHeaders,
  formatProducerTimestamp,
  UNSIGNED_PAYLOAD,
  type PutMediaRequestHead,
  type SigningParameters,
  type SignedPutMediaRequest,
  type FragmentTimecodeType,
  type PayloadHashMode,
} from './putmedia-request-signer';
export { createNodeConnector, type PutMediaConnector, type PutMediaConnection, type PutMediaConnectionHandlers, type PutMediaConnectionTarget } from './putmedia-connection';
export {
  DIAGNOSTICS_CHANNELS,
  PUT_MEDIA_EVENT_NAMES,
  type PutMediaEventMap,
  type PutMediaEventName,
  type ConnectedEvent,
  type DisconnectedEvent,
  type ReconnectEvent,
  type RotationEvent,
  type FragmentSentEvent,
  type FragmentAckEvent,
  type FragmentPersistedEvent,
  type FragmentFailedEvent,
  type AckErrorEvent,
  type SessionErrorEvent,
  type BackpressureEvent,
  type MalformedAckEvent,
} from './putmedia-events';
export { DataEndpointCache, type DataEndpointClient, type StreamRef } from './data-endpoint-cache';
export { PUT_MEDIA_DEFAULTS, KVS_LIMITS, KVS_SIGNING_SERVICE } from './defaults';
export type { Clock, Timers, Logger } from '@tributary/runtime';
export { GetMediaReader, type GetMediaReaderOptions, type GetMediaReadOptions, type GetMediaClientLike } from './get-media-reader';
export { GetMediaChunkDecoder, GetMediaError, type GetMediaFragment, type GetMediaItem } from './get-media-chunk-decoder';
