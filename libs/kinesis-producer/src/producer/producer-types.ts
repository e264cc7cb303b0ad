/** The producer's public data shapes. */
import type { ProducerError } from '../errors';

export interface PutRecordInput {
  /** 1 to 256 Unicode characters; MD5 of its UTF-8 bytes picks the shard unless explicitHashKey is given. */
  partitionKey: string;
  /** The record's bytes (a string is sent as UTF-8). */
  data: Uint8Array | string;
  /** A decimal hash key in [0, 2^128 − 1] that overrides the partition key's hash for routing. */
  explicitHashKey?: string;
  /**
   * The data is already a KPL aggregate (the caller built it): it is sent as one Kinesis record of its own, never
   * inside another aggregate, even with aggregation on. Its partition key (or explicitHashKey) routes it, so the
   * caller puts in it only user records under that key (a KCL drops an aggregate whose records hash elsewhere).
   */
  preAggregated?: boolean;
}

export interface PutResult {
  shardId: string;
  sequenceNumber: string;
  /** The record's index inside its aggregated Kinesis record (absent when it was sent on its own). */
  subSequenceNumber?: number;
  /** PutRecords attempts it took (1 when the first one succeeded). */
  attempts: number;
}

/** A record that failed for good, as handed to the onFailure (dead-letter) hook. */
export interface FailedRecord {
  partitionKey: string;
  explicitHashKey?: string;
  data: Uint8Array;
  /** RecordExpiredError (code RECORD_EXPIRED) or RecordRejectedError (RECORD_REJECTED). */
  error: ProducerError;
  /** When put() was called (the producer's clock). */
  putAt: number;
}

/** A point-in-time view for gauges (buffer depth, in-flight calls, shard-map version). */
export interface ProducerStats {
  /** Records accepted by put() and not yet settled (queued, in flight or waiting for a retry). */
  bufferedRecords: number;
  bufferedBytes: number;
  /** put() calls waiting for room in the buffer. */
  waitingPuts: number;
  inFlightRequests: number;
  /** Records waiting for their backoff after a failed attempt (unordered mode; ordered mode keeps them queued). */
  retryingRecords: number;
  shardMapVersion: number;
  shards: number;
  /** Per shard: the current fraction of the configured rate (below 1 after throttling). */
  shardRateFactors: Record<string, number>;
  totals: {
    userRecordsPut: number;
    kinesisRecordsPut: number;
    putRecordsCalls: number;
    retries: number;
    throttles: number;
    failures: number;
    wrongShard: number;
  };
}
