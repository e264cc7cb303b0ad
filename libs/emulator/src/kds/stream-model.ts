/**
 * Control-plane records of KDS streams as they are persisted (plain JSON), and the runtime objects that add a
 * shard's log, throughput buckets and sequencer to them.
 */
import type { ShardLog } from '../storage/shard-log';
import { TokenBucket } from '@tributary/runtime';
import { ShardSequencer } from './sequence-number';
export { shardIdOf } from './shard-id';
import type { Clock } from '../clock';
import { KDS_LIMITS } from '../defaults';

export type StreamStatus = 'CREATING' | 'ACTIVE' | 'UPDATING' | 'DELETING';
export type StreamMode = 'PROVISIONED' | 'ON_DEMAND';

export interface ShardMeta {
  shardId: string;
  index: number;
  parentShardId?: string;
  adjacentParentShardId?: string;
  startingHashKey: string;
  endingHashKey: string;
  /** Epoch ms; its seconds are embedded in the shard's sequence numbers. */
  createdAt: number;
  closedAt?: number;
  /**
   * Set on shards persisted by emulators before AWS's sequence number layout: they keep issuing and reading
   * the layout their numbers were issued in, since clients hold those as checkpoints. New shards use AWS's.
   */
  sequenceLayout?: 'legacy';
}

export interface ConsumerMeta {
  name: string;
  arn: string;
  status: 'CREATING' | 'ACTIVE' | 'DELETING';
  createdAt: number;
}

export interface StreamMeta {
  name: string;
  arn: string;
  region: string;
  accountId: string;
  status: StreamStatus;
  mode: StreamMode;
  createdAt: number;
  retentionHours: number;
  nextShardIndex: number;
  shards: ShardMeta[];
  tags: Record<string, string>;
  encryptionType: 'NONE' | 'KMS';
  keyId?: string;
  consumers: ConsumerMeta[];
  enhancedMonitoring: string[];
  maxRecordSizeKiB: number;
  /** Times of UpdateShardCount calls (quota: 10 per rolling 24 h) and of mode switches (2 per 24 h). */
  scalingOps: number[];
  modeSwitches: number[];
}

export interface ShardLimits {
  writeRecordsPerSecond: number;
  writeBytesPerSecond: number;
  readCallsPerSecond: number;
  readBytesPerSecond: number;
  iteratorCallsPerSecond: number;
  fanOutBytesPerSecond: number;
}

export const DEFAULT_SHARD_LIMITS: ShardLimits = {
  writeRecordsPerSecond: KDS_LIMITS.shardWriteRecordsPerSecond,
  writeBytesPerSecond: KDS_LIMITS.shardWriteBytesPerSecond,
  readCallsPerSecond: KDS_LIMITS.shardReadCallsPerSecond,
  readBytesPerSecond: KDS_LIMITS.shardReadBytesPerSecond,
  iteratorCallsPerSecond: KDS_LIMITS.shardIteratorCallsPerSecond,
  fanOutBytesPerSecond: KDS_LIMITS.fanOutBytesPerSecond,
};

/**
 * The creation second a shard's sequence numbers carry. AWS dates a child shard one second after its parents
 * closed (their EndingSequenceNumber's time): a child here carries the second after its creation, which is
 * the close. Shards of the legacy layout keep the second they were issued with.
 */
export function sequenceCreatedSeconds(meta: ShardMeta): number {
  const seconds = Math.floor(meta.createdAt / 1000);
  return meta.parentShardId !== undefined && meta.sequenceLayout === undefined ? seconds + 1 : seconds;
}

/**
 * How many seconds of calls a shard's GetShardIterator and GetRecords rates let through at once. AWS states the
 * rates (5 calls/s per shard each) but not the bucket; it lets a handful of calls in a row through, which a
 * one-second bucket (5) did not.
 */
export const CALL_BURST_SECONDS = 2;

export class Shard {
  readonly start: bigint;
  readonly end: bigint;
  /** The creation second the shard's sequence numbers carry (see sequenceCreatedSeconds). */
  readonly createdSeconds: number;
  readonly sequencer: ShardSequencer;
  readonly writeRecords: TokenBucket;
  readonly writeBytes: TokenBucket;
  readonly readCalls: TokenBucket;
  readonly readBytes: TokenBucket;
  readonly iteratorCalls: TokenBucket;

  constructor(
    readonly meta: ShardMeta,
    readonly log: ShardLog,
    limits: ShardLimits,
    clock: Clock,
  ) {
    this.start = BigInt(meta.startingHashKey);
    this.end = BigInt(meta.endingHashKey);
    this.createdSeconds = sequenceCreatedSeconds(meta);
    this.sequencer = new ShardSequencer(meta.index, this.createdSeconds, meta.sequenceLayout ?? 'aws');
    this.writeRecords = new TokenBucket(limits.writeRecordsPerSecond, limits.writeRecordsPerSecond, clock);
    this.writeBytes = new TokenBucket(limits.writeBytesPerSecond, limits.writeBytesPerSecond, clock);
    // Call rates hold a short burst (CALL_BURST_SECONDS of the rate): a reader that opens iterators or polls a
    // few times in a row, then keeps to the rate, is not throttled.
    const calls = (perSecond: number): TokenBucket => new TokenBucket(perSecond * CALL_BURST_SECONDS, perSecond, clock);
    this.readCalls = calls(limits.readCallsPerSecond);
    this.readBytes = new TokenBucket(limits.readBytesPerSecond, limits.readBytesPerSecond, clock);
    this.iteratorCalls = calls(limits.iteratorCallsPerSecond);
  }

  get id(): string {
    return this.meta.shardId;
  }
  get open(): boolean {
    return this.meta.closedAt === undefined;
  }
  contains(hash: bigint): boolean {
    return hash >= this.start && hash <= this.end;
  }
}
