/**
 * Records as the consumer hands them to the handler, built from telemetry envelopes (encoded with
 * @tributary/schemas, as the producer writes them) or from raw bytes (for invalid input).
 */
import { encodeTelemetry, parseTelemetry, type TelemetryEnvelope, type TelemetryEnvelopeInput } from '@tributary/schemas';
import type { ConsumerRecord } from '../consumer-port';

let sequence = 49_000_000_000_000_000_000n;

/** A validated envelope (throws if `input` is invalid: use `rawRecord` for invalid data). */
export function envelope(input: TelemetryEnvelopeInput): TelemetryEnvelope {
  const parsed = parseTelemetry(input);
  if (!parsed.ok) throw new Error(`fixture is not valid telemetry: ${JSON.stringify(parsed.issues)}`);
  return parsed.value;
}

export interface RecordOptions {
  shardId?: string;
  arrival?: number;
  /** Sub-record of a KPL aggregate at this index (same sequence number as the previous aggregated record). */
  subSequenceNumber?: number;
  sequenceNumber?: string;
}

export function rawRecord(data: Uint8Array | string, partitionKey: string, options: RecordOptions = {}): ConsumerRecord {
  const aggregated = options.subSequenceNumber !== undefined;
  return {
    shardId: options.shardId ?? 'shardId-000000000000',
    data: typeof data === 'string' ? new TextEncoder().encode(data) : data,
    partitionKey,
    sequenceNumber: options.sequenceNumber ?? String((sequence += 1_000n)),
    subSequenceNumber: options.subSequenceNumber ?? 0,
    aggregated,
    aggregateSize: aggregated ? Math.max(1, (options.subSequenceNumber ?? 0) + 1) : 1,
    approximateArrivalTimestamp: new Date(options.arrival ?? Date.UTC(2025, 5, 1, 12, 30, 0)),
  };
}

export function telemetryRecord(input: TelemetryEnvelopeInput, options: RecordOptions = {}): ConsumerRecord {
  const value = envelope(input);
  return rawRecord(encodeTelemetry(value), value.deviceId, options);
}
