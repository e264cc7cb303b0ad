/**
 * The producer's unit of state: one per open shard of the current shard map (plus one "unmapped" channel for
 * records whose shard is not known: no map yet, or a hash key in a gap of the map). A channel holds the records
 * predicted to go to its shard, in put() order, its rate limiter and its in-flight count; aggregates are built
 * from one channel only, which is how records bound for different shards never share an aggregate.
 */
import type { PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import { MAX_HASH_KEY } from '@tributary/partitioning';
import type { AggregatableRecord, AggregationKeySlot } from '@tributary/kpl';
import type { KeyInfo } from '../intake/key-info';
import { RecordDeque } from '../queues/record-deque';
import type { ShardRateLimiter } from '../limits/shard-rate-limiter';
import type { PutResult } from '../producer/producer-types';

/**
 * A user record from put() to its settlement. A class, so that every record has the same V8 shape. It lives from
 * put() to the answer (a few hundred milliseconds at full speed), long enough for the garbage collector to copy
 * it twice and promote it: every field, and every object it holds alone, costs at 300,000 records/s. Hence what
 * its partition key implies lives in the shared KeyInfo, the put time is derived from the deadline, and only the
 * promise's resolve function is kept (its reject function, unreferenced, dies young: see `reject`).
 */
export class PendingRecord implements AggregatableRecord {
  /** When it entered a channel queue (reset on admission; kept across retries, so retried records are due). */
  enqueuedAt = 0;
  attempts = 0;
  /** Set on the first failed attempt only: most records never fail. */
  failure: AttemptFailures | undefined = undefined;
  /** The promise put() returned (to mark its rejection handled when an onFailure hook takes the failure). */
  promise: Promise<PutResult> | undefined = undefined;
  resolve: (result: PutResult | PromiseLike<PutResult>) => void = noop;
  /** Put with preAggregated: sent on its own, never aggregated (PutRecordInput.preAggregated). */
  alone = false;

  constructor(
    readonly id: number,
    /** The partition key's shared facts (UTF-8 length, hash key, route, aggregate table slot). */
    readonly key: KeyInfo,
    readonly explicitHashKey: string | undefined,
    readonly data: Uint8Array,
    /** Where it routes: the partition key's hash key, or the explicit hash key. */
    readonly hashKey: bigint,
    /** data + partition key bytes: what Kinesis counts, and what the buffer bound counts. */
    readonly size: number,
    /** When its time-to-live ends (the put time is this minus the producer's recordTtlMs). */
    readonly deadline: number,
  ) {}

  get partitionKey(): string {
    return this.key.partitionKey;
  }

  get partitionKeyBytes(): number {
    return this.key.bytes;
  }

  get keySlot(): AggregationKeySlot {
    return this.key;
  }

  /**
   * Rejects put()'s promise with `error`: resolving it with a thenable that rejects settles it exactly as the
   * reject function would (a microtask later), so that no record has to keep that function alive.
   */
  reject(error: Error): void {
    this.resolve({ then: (_onFulfilled: unknown, onRejected?: (reason: unknown) => unknown) => onRejected?.(error) } as PromiseLike<PutResult>);
  }
}

const noop = (): void => undefined;

export interface AttemptFailures {
  firstErrorCode: string;
  lastErrorCode: string;
  lastErrorMessage: string;
  /** It was given one last attempt just before its deadline (see RetryScheduler.retryTime). */
  lastChance: boolean;
}

export class ShardChannel {
  readonly queue = new RecordDeque<PendingRecord>();
  /** Σ size of the queued records. */
  queuedBytes = 0;
  /** PutRecords calls in flight that carry records of this channel. */
  inFlight = 0;
  /** Ordered mode: the head failed and waits for its backoff until then. */
  blockedUntil = 0;
  /** The limiter refused: nothing to try before then. */
  limiterUntil = 0;
  /** Replaced by a newer shard map; kept only while calls that carry its records are in flight. */
  retired = false;

  constructor(
    /** undefined for the unmapped channel. */
    readonly shardId: string | undefined,
    readonly start: bigint,
    readonly end: bigint,
    readonly limiter: ShardRateLimiter | undefined,
  ) {}

  static unmapped(): ShardChannel {
    return new ShardChannel(undefined, 0n, MAX_HASH_KEY, undefined);
  }

  get mapped(): boolean {
    return this.shardId !== undefined;
  }

  overlaps(other: ShardChannel): boolean {
    return this.start <= other.end && other.start <= this.end;
  }

  push(record: PendingRecord): void {
    this.queue.push(record);
    this.queuedBytes += record.size;
  }

  /** Puts records back at the head, in their order. */
  unshiftAll(records: readonly PendingRecord[]): void {
    this.queue.unshiftAll(records);
    for (const r of records) this.queuedBytes += r.size;
  }

  shift(): PendingRecord {
    const r = this.queue.shift() as PendingRecord;
    this.queuedBytes -= r.size;
    return r;
  }
}

/** One Kinesis record of a PutRecords call: an aggregate of user records of one channel, or a single record. */
export interface OutgoingRecord {
  channel: ShardChannel;
  records: PendingRecord[];
  aggregated: boolean;
  /** Data + partition-key bytes (what the call and the shard limits count). */
  bytes: number;
  entry: PutRecordsRequestEntry;
}
