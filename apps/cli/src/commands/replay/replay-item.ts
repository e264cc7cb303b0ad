/**
 * What `replay` sends, and the identity that makes it idempotent.
 *
 * A record's identity is its original position: `<stream>/<shard>/<sequence>/<sub-sequence>` of the record the
 * consumer failed on (a dead-letter envelope, written by @tributary/kinesis-consumer's FileDeadLetterSink or
 * KinesisDeadLetterSink, carries it), or of the record read from the source stream when it is not an envelope.
 * The same dead letter written twice (a sink's retry, two workers after a lease was lost) therefore goes out once,
 * and a progress file of the identities sent lets a re-run skip what an earlier run delivered.
 *
 * Envelopes are unwrapped: the original data, partition key and explicit hash key are sent, so the consumer sees
 * the record it failed on. Pure.
 */
import { parseDeadLetterEnvelope, type DeadLetterEnvelope } from '@tributary/kinesis-consumer';

export interface ReplayItem {
  id: string;
  partitionKey: string;
  explicitHashKey?: string;
  data: Uint8Array;
  /** Where it was read, for messages: `dead.jsonl:12` or `<stream>/<shard>/<sequence>`. */
  where: string;
}

/** A line or record that cannot be replayed, and why (reported, counted, never sent). */
export interface ReplaySkip {
  where: string;
  reason: string;
}

export type ReplayEntry = { item: ReplayItem } | { skip: ReplaySkip };

export function replayIdOf(stream: string, shardId: string, sequenceNumber: string, subSequenceNumber: number): string {
  return `${stream}/${shardId}/${sequenceNumber}/${subSequenceNumber}`;
}

export function entryOfEnvelope(envelope: DeadLetterEnvelope, where: string): ReplayEntry {
  if (envelope.dataOmitted) {
    return { skip: { where, reason: `the dead-letter sink left the data out (${envelope.dataBytes ?? '?'} bytes, too large for its stream): nothing to replay` } };
  }
  return {
    item: {
      id: replayIdOf(envelope.stream, envelope.shardId, envelope.sequenceNumber, envelope.subSequenceNumber),
      partitionKey: envelope.partitionKey,
      ...(envelope.explicitHashKey !== undefined ? { explicitHashKey: envelope.explicitHashKey } : {}),
      data: Buffer.from(envelope.data, 'base64'),
      where,
    },
  };
}

/** One NDJSON line of a dead-letter file. */
export function entryOfDeadLetterLine(line: string, where: string): ReplayEntry {
  let envelope: DeadLetterEnvelope;
  try {
    envelope = parseDeadLetterEnvelope(line);
  } catch (error) {
    const why = error instanceof SyntaxError ? 'not JSON' : 'not a dead-letter envelope (stream, shardId, sequenceNumber, data, ... expected)';
    return { skip: { where, reason: `${why}` } };
  }
  return entryOfEnvelope(envelope, where);
}

export interface SourceRecord {
  stream: string;
  shardId: string;
  sequenceNumber: string;
  subSequenceNumber: number;
  partitionKey: string;
  explicitHashKey?: string;
  data: Uint8Array;
}

/** A record of the source stream: a dead-letter envelope is unwrapped (unless `unwrap` is false), anything else sent as it is. */
export function entryOfStreamRecord(record: SourceRecord, unwrap: boolean): ReplayEntry {
  const where = `${record.stream}/${record.shardId}/${record.sequenceNumber}${record.subSequenceNumber > 0 ? `:${record.subSequenceNumber}` : ''}`;
  // Only JSON objects can be envelopes; the check keeps JSON.parse off binary records.
  if (unwrap && record.data.length > 0 && record.data[0] === 0x7b) {
    try {
      return entryOfEnvelope(parseDeadLetterEnvelope(record.data), where);
    } catch {
      // Not an envelope: an ordinary JSON record.
    }
  }
  return {
    item: {
      id: replayIdOf(record.stream, record.shardId, record.sequenceNumber, record.subSequenceNumber),
      partitionKey: record.partitionKey,
      ...(record.explicitHashKey !== undefined ? { explicitHashKey: record.explicitHashKey } : {}),
      data: record.data,
      where,
    },
  };
}
