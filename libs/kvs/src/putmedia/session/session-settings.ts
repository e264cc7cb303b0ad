/**
 * A session's settings: the options a caller may set (SessionOptionsCore, validated by PutMediaClient) and what the
 * client resolves around them (the stream, signing), filled from PUT_MEDIA_DEFAULTS where not given.
 */
import { PUT_MEDIA_DEFAULTS } from '../../defaults';
import type { StreamRef } from '../../endpoints/data-endpoint-cache';
import type { FragmentTimecodeType, PayloadHashMode } from '../putmedia-request-signer';

/** The numeric and enum settings of a session. */
export interface SessionOptionsCore {
  /** `x-amzn-fragment-timecode-type` (default ABSOLUTE). */
  timecodeType: FragmentTimecodeType;
  /** `x-amzn-producer-start-timestamp` in ms (default: the session's creation time); fixed for the session. */
  producerStartTimestampMs: number;
  /** Send `x-amzn-fragment-acknowledgment-required: 1` (default true). */
  acknowledgmentRequired: boolean;
  /** Rotate the connection after this long (default 40 min; KVS ends it at 45). */
  rotateAfterMs: number;
  rotationDrainTimeoutMs: number;
  staleAfterMs: number;
  reconnectBaseDelayMs: number;
  reconnectMaxDelayMs: number;
  /** Reconnects in a row without a PERSISTED ack before failing (default: unlimited). */
  maxReconnectAttempts: number;
  maxConsecutiveFragmentErrors: number;
  endTimeoutMs: number;
  freshCacheBytes: number;
  /** Extra request headers (e.g. user-agent). */
  extraHeaders: Record<string, string>;
}

/** Resolved settings of a session: every option filled, plus what the client decides. */
export interface SessionSettings extends SessionOptionsCore {
  stream: StreamRef;
  /** For messages and events: the name, else the ARN. */
  streamLabel: string;
  payloadHash: PayloadHashMode;
  signingService: string;
}

/** What the client decides for every session it creates. */
export interface SessionSettingsContext {
  stream: StreamRef;
  streamLabel: string;
  payloadHash: PayloadHashMode;
  signingService: string;
  /** The client's `sessionDefaults`, below the session's own options and above PUT_MEDIA_DEFAULTS. */
  clientDefaults: Partial<SessionOptionsCore>;
  /** The default producer start timestamp (now). */
  nowMs: number;
}

/** The session's options, else the client's session defaults, else PUT_MEDIA_DEFAULTS. */
export function resolveSessionSettings(options: Partial<SessionOptionsCore>, context: SessionSettingsContext): SessionSettings {
  const pick = <K extends keyof SessionOptionsCore>(key: K, fallback: SessionOptionsCore[K]): SessionOptionsCore[K] =>
    options[key] ?? context.clientDefaults[key] ?? fallback;
  const d = PUT_MEDIA_DEFAULTS;
  return {
    stream: context.stream,
    streamLabel: context.streamLabel,
    timecodeType: pick('timecodeType', d.timecodeType),
    producerStartTimestampMs: pick('producerStartTimestampMs', context.nowMs),
    acknowledgmentRequired: pick('acknowledgmentRequired', true),
    rotateAfterMs: pick('rotateAfterMs', d.rotateAfterMs),
    rotationDrainTimeoutMs: pick('rotationDrainTimeoutMs', d.rotationDrainTimeoutMs),
    staleAfterMs: pick('staleAfterMs', d.staleAfterMs),
    reconnectBaseDelayMs: pick('reconnectBaseDelayMs', d.reconnectBaseDelayMs),
    reconnectMaxDelayMs: pick('reconnectMaxDelayMs', d.reconnectMaxDelayMs),
    maxReconnectAttempts: pick('maxReconnectAttempts', d.maxReconnectAttempts),
    maxConsecutiveFragmentErrors: pick('maxConsecutiveFragmentErrors', d.maxConsecutiveFragmentErrors),
    endTimeoutMs: pick('endTimeoutMs', d.endTimeoutMs),
    freshCacheBytes: pick('freshCacheBytes', d.freshCacheBytes),
    payloadHash: context.payloadHash,
    signingService: context.signingService,
    extraHeaders: pick('extraHeaders', {}),
  };
}
