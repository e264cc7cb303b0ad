// Public entry point of @tributary/kvs: KVS transports the AWS SDK for JavaScript lacks or wraps. Exactly what
// README.md documents; the parts behind them (ack parser, tracker, signer, session parts) stay inside.
// Test helpers and fuzz targets are behind the second entry, @tributary/kvs/testing.
export { PutMediaClient, type PutMediaClientOptions, type PutMediaSessionOptions, type SessionOptionsCore } from './putmedia/putmedia-client';
export { PutMediaSession, type SessionState, type SessionStats } from './putmedia/session/putmedia-session';
export type { FragmentState, TrackedFragment } from './putmedia/fragment-tracker';
export { InMemoryFragmentStore, type ReplayableFragments, type ReplayableFragment, type InMemoryFragmentStoreOptions } from './putmedia/replayable-fragments';
export type { FragmentTimecodeType, PayloadHashMode } from './putmedia/putmedia-request-signer';
export type { PutMediaConnector, PutMediaConnection, PutMediaConnectionHandlers, PutMediaConnectionTarget } from './putmedia/putmedia-connection';
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
} from './putmedia/putmedia-events';
export { GetMediaReader, type GetMediaReaderOptions, type GetMediaReadOptions, type GetMediaClientLike } from './getmedia/get-media-reader';
export type { GetMediaFragment } from './getmedia/get-media-chunk-decoder';
export { DataEndpointCache, type DataEndpointClient, type KinesisVideoClientLike, type StreamRef } from './endpoints/data-endpoint-cache';
export {
  KvsError,
  PutMediaAckError,
  PutMediaRetriableAckError,
  PutMediaFragmentRejectedError,
  PutMediaFatalAckError,
  PutMediaHttpError,
  PutMediaConnectionError,
  GetMediaError,
  type KvsErrorCode,
  type AckErrorDisposition,
} from './kvs-errors';
export { PUT_MEDIA_DEFAULTS, KVS_LIMITS } from './defaults';
