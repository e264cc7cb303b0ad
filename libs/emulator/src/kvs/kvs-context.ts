/** What every KVS operation gets besides its input: who called, the service settings and the shared state. */
import type { Clock } from '../clock';
import type { Logger } from '../logger';
import type { FaultInjector } from '../server/fault-injector';
import type { KvsRegistry } from './kvs-registry';
import type { FragmentListTagNames } from './fragment-document';
import type { MetadataStore } from '../storage/metadata-store';

/** The behaviour knobs of the KVS emulation; defaults in defaults.ts (KVS_LIMITS, KVS_TIMES). */
export interface KvsSettings {
  maxStreams: number;
  /** Concurrent PutMedia connections per stream; the next one is refused with ConnectionLimitExceededException. */
  putMediaConnectionsPerStream: number;
  getMediaConnectionsPerStream: number;
  /** Fragment limits enforced by PutMedia with ERROR acks 4002 and 4001. */
  maxFragmentDurationMs: number;
  maxFragmentBytes: number;
  /** PutMedia connection lifetime (ERROR 4003 after it). */
  maxConnectionDurationMs: number;
  idleAckIntervalMs: number;
  idleTimeoutMs: number;
  /** How long a stream with DataRetentionInHours 0 keeps fragments for GetMedia. */
  hostBufferMs: number;
  getMediaIdleTimeoutMs: number;
  /**
   * A second EBML header + Segment in one PutMedia body: `accept` starts a new stream header (lenient),
   * `reject` answers ERROR 4006 as the PutMedia doc says ("only one Segment per request"; practice [unconfirmed]).
   */
  multipleSegments: 'accept' | 'reject';
  /** GetMedia FRAGMENT_NUMBER: the model says "after" the fragment (exclusive); inclusive is [unconfirmed]. */
  afterFragmentNumberInclusive: boolean;
  /** Tag names of GetMediaForFragmentList chunks (fragment-document.ts); the GetMedia names by default. */
  fragmentListTagNames: FragmentListTagNames;
  /** What GetDataEndpoint answers; default: the scheme and Host the request came in with. */
  dataEndpoint?: string;
  /** HLS media playlists add EXT-X-DISCONTINUITY-SEQUENCE (KVS does not; hls.js #7163). Default false. */
  hlsDiscontinuitySequence?: boolean;
}

export interface KvsRequestContext {
  requestId: string;
  region: string;
  accountId: string;
  /** `http(s)://host:port` the request reached, for GetDataEndpoint. */
  origin: string;
}

export interface KvsEnv {
  registry: KvsRegistry;
  settings: KvsSettings;
  faults: FaultInjector;
  clock: Clock;
  logger: Logger;
  /** Where the HLS session-token key is kept (under the data dir); absent: a random key per process. */
  hlsSessionKeys?: MetadataStore<{ key: string }>;
}

/** KVS JSON timestamps are epoch seconds with the milliseconds as fraction (kvs-reference.md §1.2). */
export const toEpochSeconds = (ms: number): number => ms / 1000;
