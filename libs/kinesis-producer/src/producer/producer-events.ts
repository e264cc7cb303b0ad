/**
 * Metrics events. Each is delivered two ways: to listeners on the producer (`producer.on('retry', …)`, typed)
 * and to node:diagnostics_channel `tributary:kinesis-producer:<event>` (undici's pattern), which lets an app or
 * an APM observe every producer in the process without holding references. Events are per PutRecords call or
 * per state change, never per user record, so that listening costs nothing at 250,000 records/s; an event
 * object is only built when someone listens.
 */
import * as diagnosticsChannel from 'node:diagnostics_channel';
import { EventEmitter } from 'node:events';

export interface RecordsPutEvent {
  streamName: string;
  /** User records acknowledged by this call, and the Kinesis records (aggregates or single records) they rode in. */
  userRecords: number;
  kinesisRecords: number;
  /** Data + partition-key bytes of those Kinesis records. */
  bytes: number;
  requestDurationMs: number;
  /** put() → acknowledgement of the user records of this call. */
  maxLatencyMs: number;
  meanLatencyMs: number;
}

export interface RetryEvent {
  streamName: string;
  shardId?: string;
  userRecords: number;
  kinesisRecords: number;
  /** The AWS error name / errno code that caused the retry. */
  code: string;
  kind: 'throttled' | 'transient';
  /** The backoff chosen, and the attempt number it precedes (2 for the first retry). */
  delayMs: number;
  attempt: number;
}

export interface ThrottleEvent {
  streamName: string;
  shardId: string;
  kinesisRecords: number;
  /** The shard's pacing after this answer, as a fraction of the configured rate. */
  rateFactor: number;
  /** True when this answer cut the rate (false when an earlier cut already accounted for it). */
  cut: boolean;
}

export interface FailureEvent {
  streamName: string;
  records: number;
  code: 'RECORD_EXPIRED' | 'RECORD_REJECTED';
  lastErrorCode?: string;
}

export interface RequestErrorEvent {
  streamName: string;
  /** A whole PutRecords call failed: error name / errno code, and what happens to its records. */
  code: string;
  kind: 'throttled' | 'transient' | 'permanent';
  kinesisRecords: number;
  userRecords: number;
  durationMs: number;
}

export interface WrongShardEvent {
  streamName: string;
  predictedShardId: string;
  actualShardId: string;
  userRecords: number;
  aggregated: boolean;
}

export interface MisplacedAggregateEvent {
  streamName: string;
  predictedShardId: string;
  actualShardId: string;
  /** The aggregate's sequence number on the shard that took it. */
  sequenceNumber: string;
  userRecords: number;
  /** Sub-records whose hash key is outside the shard that took the aggregate (a KCL drops all userRecords). */
  outsideRecords: number;
  /** 'reported': left as delivered (misplacedAggregates: 'report'); 'resent': sent again ('resend'). */
  action: 'reported' | 'resent';
}

export interface ShardMapEvent {
  streamName: string;
  version: number;
  shards: number;
  complete: boolean;
  changed: boolean;
  reason: string;
}

export interface ShardMapErrorEvent {
  streamName: string;
  code: string;
  message: string;
  consecutiveFailures: number;
}

export interface BackpressureEvent {
  streamName: string;
  /** True when put() calls start waiting for room; false when the last waiting one got in. */
  waiting: boolean;
  bufferedRecords: number;
  bufferedBytes: number;
  waitingPuts: number;
}

export interface ProducerEventMap {
  'records-put': RecordsPutEvent;
  retry: RetryEvent;
  throttle: ThrottleEvent;
  failure: FailureEvent;
  'request-error': RequestErrorEvent;
  'wrong-shard': WrongShardEvent;
  'misplaced-aggregate': MisplacedAggregateEvent;
  'shard-map': ShardMapEvent;
  'shard-map-error': ShardMapErrorEvent;
  backpressure: BackpressureEvent;
}

export type ProducerEventName = keyof ProducerEventMap;

export const PRODUCER_EVENT_NAMES: readonly ProducerEventName[] = [
  'records-put',
  'retry',
  'throttle',
  'failure',
  'request-error',
  'wrong-shard',
  'misplaced-aggregate',
  'shard-map',
  'shard-map-error',
  'backpressure',
];

/** `tributary:kinesis-producer:<event>` channel names, for `diagnostics_channel.subscribe`. */
export const DIAGNOSTICS_CHANNELS: Readonly<Record<ProducerEventName, string>> = Object.fromEntries(
  PRODUCER_EVENT_NAMES.map((name) => [name, `tributary:kinesis-producer:${name}`]),
) as Record<ProducerEventName, string>;

const channels = Object.fromEntries(PRODUCER_EVENT_NAMES.map((name) => [name, diagnosticsChannel.channel(DIAGNOSTICS_CHANNELS[name])])) as Record<
  ProducerEventName,
  diagnosticsChannel.Channel
>;

/** A typed emitter that also publishes to diagnostics_channel. */
export class ProducerEvents {
  private readonly emitter = new EventEmitter();

  /** `onListenerError`: a listener that throws must not break delivery; its error goes here instead. */
  constructor(private readonly onListenerError: (event: ProducerEventName, error: unknown) => void = () => undefined) {}

  on<K extends ProducerEventName>(event: K, listener: (payload: ProducerEventMap[K]) => void): this {
    this.emitter.on(event, listener);
    return this;
  }

  once<K extends ProducerEventName>(event: K, listener: (payload: ProducerEventMap[K]) => void): this {
    this.emitter.once(event, listener);
    return this;
  }

  off<K extends ProducerEventName>(event: K, listener: (payload: ProducerEventMap[K]) => void): this {
    this.emitter.off(event, listener);
    return this;
  }

  /** True when emitting `event` would reach someone (build the payload only then). */
  wants(event: ProducerEventName): boolean {
    return this.emitter.listenerCount(event) > 0 || channels[event].hasSubscribers;
  }

  emit<K extends ProducerEventName>(event: K, payload: ProducerEventMap[K]): void {
    try {
      if (channels[event].hasSubscribers) channels[event].publish(payload);
      if (this.emitter.listenerCount(event) > 0) this.emitter.emit(event, payload);
    } catch (err) {
      this.onListenerError(event, err);
    }
  }
}
