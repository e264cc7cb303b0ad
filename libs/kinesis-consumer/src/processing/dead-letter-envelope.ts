/**
 * The JSON document a dead-lettered record is stored as, by both built-in sinks (one NDJSON line in a file, the
 * data of one record in a dead-letter stream): the full payload (base64) with its position, so the record can be
 * inspected and replayed; Lambda's SQS/SNS on-failure destinations keep only the batch's sequence range
 * (kds-reference.md §5). Field names are flat and stable: a replay tool or `jq` reads them.
 */
import { z } from 'zod';
import type { DeadLetterCondition, DeadLetterEntry, ErrorSummary } from './processing-types';

export interface DeadLetterEnvelope {
  stream: string;
  shardId: string;
  sequenceNumber: string;
  subSequenceNumber: number;
  partitionKey: string;
  explicitHashKey?: string;
  /** The record's data, base64 ('' when `dataOmitted`). */
  data: string;
  /** Set (with the original size) when a sink had to leave the data out (KinesisDeadLetterSink `oversize: 'omit-data'`). */
  dataOmitted?: true;
  dataBytes?: number;
  /** ISO 8601. */
  approximateArrivalTimestamp: string;
  condition: DeadLetterCondition;
  error: ErrorSummary;
  attempts: number;
  firstFailureAt: string;
  lastFailureAt: string;
}

export function toDeadLetterEnvelope(entry: DeadLetterEntry): DeadLetterEnvelope {
  const r = entry.record;
  return {
    stream: entry.streamName,
    shardId: r.shardId,
    sequenceNumber: r.sequenceNumber,
    subSequenceNumber: r.subSequenceNumber,
    partitionKey: r.partitionKey,
    ...(r.explicitHashKey !== undefined ? { explicitHashKey: r.explicitHashKey } : {}),
    data: Buffer.from(r.data.buffer, r.data.byteOffset, r.data.byteLength).toString('base64'),
    approximateArrivalTimestamp: isoOf(r.approximateArrivalTimestamp),
    condition: entry.condition,
    error: entry.error.code === undefined ? { name: entry.error.name, message: entry.error.message } : { ...entry.error },
    attempts: entry.attempts,
    firstFailureAt: isoOf(entry.firstFailureAt),
    lastFailureAt: isoOf(entry.lastFailureAt),
  };
}

/** An invalid Date would make toISOString throw inside a sink; the envelope keeps what it can. */
function isoOf(date: Date): string {
  return Number.isNaN(date.getTime()) ? '' : date.toISOString();
}

const envelopeSchema = z.object({
  stream: z.string(),
  shardId: z.string(),
  sequenceNumber: z.string(),
  subSequenceNumber: z.number().int().min(0),
  partitionKey: z.string(),
  explicitHashKey: z.string().optional(),
  data: z.string(),
  dataOmitted: z.literal(true).optional(),
  dataBytes: z.number().int().min(0).optional(),
  approximateArrivalTimestamp: z.string(),
  condition: z.enum(['RetryAttemptsExhausted', 'RecordAgeExceeded', 'NonRetriableFailure']),
  error: z.object({ name: z.string(), message: z.string(), code: z.string().optional() }),
  attempts: z.number().int().min(0),
  firstFailureAt: z.string(),
  lastFailureAt: z.string(),
});

/** Parses one envelope (an NDJSON line, or a dead-letter stream record's data); throws on anything else. */
export function parseDeadLetterEnvelope(json: string | Uint8Array): DeadLetterEnvelope {
  const text = typeof json === 'string' ? json : Buffer.from(json.buffer, json.byteOffset, json.byteLength).toString('utf8');
  return envelopeSchema.parse(JSON.parse(text)) as DeadLetterEnvelope;
}
