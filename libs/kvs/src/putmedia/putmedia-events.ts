/**
 * Metrics events of PutMedia sessions. Each is delivered to listeners on the session (`session.on('fragment-
 * persisted', …)`, typed) and to node:diagnostics_channel `tributary:kvs:<event>` (undici's pattern), so an app
 * can observe every session in the process without holding references. Events are per fragment or per
 * connection change, never per byte; a payload is only built when someone listens.
 */
import * as diagnosticsChannel from 'node:diagnostics_channel';
import { EventEmitter } from 'node:events';
import type { AckEventType } from './ack-parser';

export interface ConnectedEvent {
  streamName: string;
  /** 1 for the session's first connection. */
  connection: number;
  endpoint: string;
  /** Where sending resumes (the first fragment not persisted), if any is waiting. */
  resumeTimecode?: number;
  /** Fragments waiting to be (re)sent when the connection opened. */
  backlog: number;
}

export interface DisconnectedEvent {
  streamName: string;
  connection: number;
  /** 'rotation', 'end', 'header-change', or the failure's code (CONNECTION_ERROR, ACK_ERROR, HTTP_ERROR, CONNECTION_STALE). */
  reason: string;
  /** The AWS error name, ack ErrorCode or errno behind it, if any. */
  detail?: string;
  ageMs: number;
  /** Fragments written to this connection and not persisted: they go out again on the next one. */
  unacknowledged: number;
}

export interface ReconnectEvent {
  streamName: string;
  /** Consecutive attempts without a persisted fragment (1 for the first retry). */
  attempt: number;
  delayMs: number;
  reason: string;
}

export interface RotationEvent {
  streamName: string;
  connection: number;
  ageMs: number;
}

export interface FragmentSentEvent {
  streamName: string;
  timecode: number;
  bytes: number;
  /** 1 on the first send; more when resent after a reconnect. */
  sendCount: number;
  /** Written frame by frame while it was captured (startFragment/appendFragment), not whole. */
  streamed?: boolean;
}

export interface FragmentAckEvent {
  streamName: string;
  timecode: number;
  eventType: Extract<AckEventType, 'BUFFERING' | 'RECEIVED'>;
  fragmentNumber?: string;
  /** Since the fragment was sent. */
  elapsedMs: number;
}

export interface FragmentPersistedEvent {
  streamName: string;
  timecode: number;
  fragmentNumber?: string;
  /** sent → PERSISTED. */
  ackLatencyMs: number;
  sendCount: number;
}

export interface FragmentFailedEvent {
  streamName: string;
  timecode: number;
  /** The ack ErrorCode (e.g. INVALID_MKV_DATA), or 'EVICTED' when the store dropped it before it was persisted. */
  code: string;
  errorId?: number;
}

export interface AckErrorEvent {
  streamName: string;
  errorId: number;
  errorCode: string;
  disposition: 'reconnect' | 'drop-fragment' | 'stop';
  timecode?: number;
}

export interface SessionErrorEvent {
  streamName: string;
  code: string;
  message: string;
  retriable: boolean;
}

export interface BackpressureEvent {
  streamName: string;
  /** True when writeFragment() starts waiting for the socket to drain; false when it drained. */
  waiting: boolean;
}

export interface MalformedAckEvent {
  streamName: string;
  reason: string;
  raw: string;
}

export interface PutMediaEventMap {
  connected: ConnectedEvent;
  disconnected: DisconnectedEvent;
  reconnect: ReconnectEvent;
  rotation: RotationEvent;
  'fragment-sent': FragmentSentEvent;
  'fragment-ack': FragmentAckEvent;
  'fragment-persisted': FragmentPersistedEvent;
  'fragment-failed': FragmentFailedEvent;
  'ack-error': AckErrorEvent;
  'session-error': SessionErrorEvent;
  backpressure: BackpressureEvent;
  'malformed-ack': MalformedAckEvent;
}

export type PutMediaEventName = keyof PutMediaEventMap;

export const PUT_MEDIA_EVENT_NAMES: readonly PutMediaEventName[] = [
  'connected',
  'disconnected',
  'reconnect',
  'rotation',
  'fragment-sent',
  'fragment-ack',
  'fragment-persisted',
  'fragment-failed',
  'ack-error',
  'session-error',
  'backpressure',
  'malformed-ack',
];

/** `tributary:kvs:<event>` channel names, for `diagnostics_channel.subscribe`. */
export const DIAGNOSTICS_CHANNELS: Readonly<Record<PutMediaEventName, string>> = Object.fromEntries(
  PUT_MEDIA_EVENT_NAMES.map((name) => [name, `tributary:kvs:${name}`]),
) as Record<PutMediaEventName, string>;

const channels = Object.fromEntries(PUT_MEDIA_EVENT_NAMES.map((name) => [name, diagnosticsChannel.channel(DIAGNOSTICS_CHANNELS[name])])) as Record<
  PutMediaEventName,
  diagnosticsChannel.Channel
>;

/** A typed emitter that also publishes to diagnostics_channel; a throwing listener never breaks the session. */
export class PutMediaEvents {
  private readonly emitter = new EventEmitter();

  constructor(private readonly onListenerError: (event: PutMediaEventName, error: unknown) => void = () => undefined) {}

  on<K extends PutMediaEventName>(event: K, listener: (payload: PutMediaEventMap[K]) => void): this {
    this.emitter.on(event, listener);
    return this;
  }

  once<K extends PutMediaEventName>(event: K, listener: (payload: PutMediaEventMap[K]) => void): this {
    this.emitter.once(event, listener);
    return this;
  }

  off<K extends PutMediaEventName>(event: K, listener: (payload: PutMediaEventMap[K]) => void): this {
    this.emitter.off(event, listener);
    return this;
  }

  wants(event: PutMediaEventName): boolean {
    return this.emitter.listenerCount(event) > 0 || channels[event].hasSubscribers;
  }

  emit<K extends PutMediaEventName>(event: K, payload: PutMediaEventMap[K]): void {
    try {
      if (channels[event].hasSubscribers) channels[event].publish(payload);
      if (this.emitter.listenerCount(event) > 0) this.emitter.emit(event, payload);
    } catch (err) {
      this.onListenerError(event, err);
    }
  }
}
