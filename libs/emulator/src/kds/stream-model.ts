/**
 * Control-plane records of KDS streams as they are persisted (plain JSON), and the runtime objects that add a
 * shard's log, throughput buckets and sequencer to them.
 */
import type { ShardLog } from '../storage/shard-log';
import { TokenBucket } from './token-bucket';
import { ShardSequencer } from './sequence-number';
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

export class Shard {
  readonly start: bigint;
  readonly end: bigint;
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
    this.sequencer = new ShardSequencer(meta.index, Math.floor(meta.createdAt / 1000));
    this.writeRecords = new TokenBucket(limits.writeRecordsPerSecond, limits.writeRecordsPerSecond, clock);
    this.writeBytes = new TokenBucket(limits.writeBytesPerSecond, limits.writeBytesPerSecond, clock);
    this.readCalls = new TokenBucket(limits.readCallsPerSecond, limits.readCallsPerSecond, clock);
    this.readBytes = new TokenBucket(limits.readBytesPerSecond, limits.readBytesPerSecond, clock);
    this.iteratorCalls = new TokenBucket(limits.iteratorCallsPerSecond, limits.iteratorCallsPerSecond, clock);
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

export function shardIdOf(index: number): string {
  return `shardId-${String(index).padStart(12, '0')}`;
}
