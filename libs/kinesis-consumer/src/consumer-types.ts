/**
 * Types shared by every part of the consumer: injected clock/timers/logger, checkpoints, the record the handler
 * sees, and the seams between retrieval, leases and the shard consumer.
 */
import type { ChildShard, _Record as KinesisRecord } from '@aws-sdk/client-kinesis';

// The injected seams (conventions.md §11, §12) are @tributary/runtime's, shared with the other transports.
export { noopLogger, systemClock, systemTimers, type Logger, type Clock, type Timers } from '@tributary/runtime';

export type CheckpointSentinel = 'TRIM_HORIZON' | 'LATEST' | 'SHARD_END' | 'AT_TIMESTAMP';

/** A position in a shard: KCL's checkpoint value (a sentinel, or a sequence number with a sub-sequence). */
export type Checkpoint =
  | { kind: 'sentinel'; value: CheckpointSentinel; /** epoch ms, for AT_TIMESTAMP */ timestamp?: number }
  | { kind: 'sequence'; sequenceNumber: string; subSequenceNumber: number };

/** One user record as the handler sees it (after deaggregation). */
export interface ConsumerRecord {
  shardId: string;
  data: Uint8Array;
  partitionKey: string;
  explicitHashKey?: string;
  sequenceNumber: string;
  /** Index within its KPL aggregate; 0 (and aggregated=false) for plain records. */
  subSequenceNumber: number;
  aggregated: boolean;
  /** User records in the aggregate this one came from (1 when not aggregated). */
  aggregateSize: number;
  approximateArrivalTimestamp: Date;
}

/** What a retrieval mode hands the shard consumer. */
export interface RetrievedBatch {
  /** Kinesis records as the SDK returns them (GetRecords / SubscribeToShardEvent). */
  records: KinesisRecord[];
  millisBehindLatest: number | undefined;
  /** Set at shard end (GetRecords without NextShardIterator, or an EFO event with a null continuation). */
  childShards?: ChildShard[];
  shardEnd: boolean;
}

/** A source of batches for one shard, starting after a checkpoint. Opened per lease, closed on lease loss. */
export interface ShardRecordSource {
  /** The next batch; resolves when records arrive or an idle period passed (the batch may be empty). */
  next(signal?: AbortSignal): Promise<RetrievedBatch>;
  close(): Promise<void>;
}

export interface RecordSourceFactory {
  open(args: { streamArn: string; streamName: string; shardId: string; start: Checkpoint }): Promise<ShardRecordSource>;
  close(): Promise<void>;
}

/**
 * A lease as stored, with KCL's attribute names in DynamoDB: leaseKey, leaseOwner, leaseCounter, checkpoint,
 * checkpointSubSequenceNumber, ownerSwitchesSinceCheckpoint, parentShardId (SS), childShardIds (SS),
 * startingHashKey, endingHashKey, checkpointOwner.
 */
export interface Lease {
  /** The shard id (single-stream mode, as KCL keys it). */
  leaseKey: string;
  leaseOwner?: string;
  leaseCounter: number;
  checkpoint: Checkpoint;
  ownerSwitchesSinceCheckpoint: number;
  parentShardIds: string[];
  childShardIds: string[];
  startingHashKey: string;
  endingHashKey: string;
  /** Set by a worker that is handing the lease off (graceful shutdown). */
  checkpointOwner?: string;
  /** The owner's progress as of its last renewal (ours; absent on items KCL wrote). */
  progress?: LeaseProgress;
}

/**
 * What the owner of a lease writes on it with every renewal, for dashboards and operators (not read by the lease
 * protocol): how far behind the shard's tip it reads, and how many records it handled since it took the lease.
 */
export interface LeaseProgress {
  /** From the latest GetRecords / SubscribeToShard event; undefined before the first one. */
  millisBehindLatest?: number;
  /** Records handled while the current owner holds the lease. */
  recordsProcessed: number;
  /** The owner's clock when it wrote this, epoch ms. */
  statsUpdatedAt: number;
}
