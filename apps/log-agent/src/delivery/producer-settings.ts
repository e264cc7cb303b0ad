/**
 * How a flow's buffer settings become the producer's batching. The agent fills one buffer per flow and sends it
 * as one PutRecords call when it holds `maxBufferSizeRecords` records or `maxBufferSizeBytes` bytes, or when its
 * oldest record is `maxBufferAgeMillis` old (tailing/FileFlow.java, tailing/KinesisConstants.java: 500 records and
 * 5 MiB at most, the PutRecords limits; the README gives 60,000 ms as the age's default). libs/kinesis-producer
 * batches the same way, per stream rather than per flow:
 *
 * - maxBufferAgeMillis   → maxBufferedTimeMs (the linger: the longest a record waits for company);
 * - maxBufferSizeRecords → collectionMaxCount (entries per PutRecords; with aggregation an entry is a KPL aggregate
 *                          of many lines, so a call carries up to that many aggregates, not lines);
 * - maxBufferSizeBytes   → collectionMaxBytes (bytes per PutRecords, data + partition keys).
 *
 * The producer's own buffer bounds (records and bytes accepted and not yet acknowledged) are the agent's memory
 * bound while Kinesis is slow or away: delivery stops taking chunks from the tailer while they are reached, and
 * the tailer stops reading. Records never expire: a record not acknowledged within `recordTtlMs` comes back to
 * delivery as RECORD_EXPIRED and is put again (flow-delivery.ts), so an outage of any length loses nothing.
 */
import type { KinesisProducerOptions } from '@tributary/kinesis-producer';

/** The agent's defaults for a Kinesis flow (README "Agent configuration settings"; KinesisConstants.java). */
export const AGENT_BUFFER_DEFAULTS = {
  maxBufferAgeMillis: 60_000,
  maxBufferSizeRecords: 500,
  maxBufferSizeBytes: 5 * 1024 * 1024,
} as const;

export interface FlowBufferSettings {
  kinesisStream: string;
  maxBufferAgeMillis?: number;
  maxBufferSizeRecords?: number;
  maxBufferSizeBytes?: number;
}

export interface DeliverySettings {
  /** KPL aggregation (on by default; off for consumers that cannot deaggregate). */
  aggregation: boolean;
  /** Records and bytes accepted by the producer and not yet acknowledged: the memory bound. */
  maxBufferedRecords: number;
  maxBufferedBytes: number;
  /** After this long without an acknowledgement a record is put again (it never fails for good by age). */
  recordTtlMs: number;
}

/**
 * Largest aggregate the agent builds itself (RANDOM keys, flow-delivery.ts): ~150 JSON lines of a combined Apache
 * log, so the per-aggregate costs (a put, a promise, a key and its MD5) are spread over that many lines; well
 * under the 1 MiB record limit and a shard's 1 MiB/s.
 */
export const AGENT_AGGREGATE_MAX_BYTES = 64 * 1024;

/**
 * Largest PutRecords call the agent makes, whatever `maxBufferSizeBytes` allows (it is an upper bound, applied by
 * agentProducerSettings over producerSettingsFor's value). The in-flight bound (maxBufferedRecords) only keeps Kinesis busy if
 * it spans several calls: at 20,000 lines of ~330 bytes of JSON, 5 MiB calls (~16,000 lines each) left about one
 * call in flight, so the agent stopped reading while each 5 MiB call went out, was stored and answered (a 20 ms
 * round trip plus ~60 ms of the emulator's work), then the emulator waited while the agent read the next one. At
 * 1 MiB (~3,200 lines, the most a shard takes per second anyway) about six calls share the same bound: the first
 * is answered while the agent reads the later ones. What a kill -9 re-sends and what is held while Kinesis is
 * away are unchanged (both are the in-flight bound, not the call size); PUT payload units are counted per record,
 * so smaller calls cost nothing more.
 */
export const AGENT_CALL_MAX_BYTES = 1024 * 1024;

export const DELIVERY_DEFAULTS: DeliverySettings = {
  aggregation: true,
  // 20,000 lines of ~200 bytes is about 4 MB: a few hundred ms of lines at full speed, enough to keep 24 calls in
  // flight, small enough for an edge device (the memory bound while Kinesis is away).
  maxBufferedRecords: 20_000,
  maxBufferedBytes: 16 * 1024 * 1024,
  recordTtlMs: 60 * 60 * 1000,
};

/**
 * The producer options for one stream. Flows that share a stream share its producer: the first flow's buffer
 * settings decide (the caller warns when another flow on the stream asks for different ones).
 */
export function producerSettingsFor(flow: FlowBufferSettings, delivery: DeliverySettings): KinesisProducerOptions {
  return {
    streamName: flow.kinesisStream,
    aggregation: delivery.aggregation,
    maxBufferedTimeMs: flow.maxBufferAgeMillis ?? AGENT_BUFFER_DEFAULTS.maxBufferAgeMillis,
    collectionMaxCount: Math.min(flow.maxBufferSizeRecords ?? AGENT_BUFFER_DEFAULTS.maxBufferSizeRecords, 500),
    collectionMaxBytes: Math.min(flow.maxBufferSizeBytes ?? AGENT_BUFFER_DEFAULTS.maxBufferSizeBytes, 5 * 1024 * 1024),
    maxBufferedRecords: delivery.maxBufferedRecords,
    maxBufferedBytes: delivery.maxBufferedBytes,
    recordTtlMs: delivery.recordTtlMs,
  };
}

/** producerSettingsFor with the agent's cap on the call size (AGENT_CALL_MAX_BYTES): what the app gives the producer. */
export function agentProducerSettings(flow: FlowBufferSettings, delivery: DeliverySettings): KinesisProducerOptions {
  const settings = producerSettingsFor(flow, delivery);
  return { ...settings, collectionMaxBytes: Math.min(settings.collectionMaxBytes ?? AGENT_CALL_MAX_BYTES, AGENT_CALL_MAX_BYTES) };
}

/** The buffer settings of `flow` that differ from those its stream's producer was made with (for a warning). */
export function differingBufferSettings(flow: FlowBufferSettings, first: FlowBufferSettings): string[] {
  const keys = ['maxBufferAgeMillis', 'maxBufferSizeRecords', 'maxBufferSizeBytes'] as const;
  return keys.filter((k) => (flow[k] ?? AGENT_BUFFER_DEFAULTS[k]) !== (first[k] ?? AGENT_BUFFER_DEFAULTS[k]));
}
