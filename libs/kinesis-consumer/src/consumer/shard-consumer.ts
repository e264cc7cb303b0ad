/**
 * The work on one leased shard, from taking the lease to giving it up (KCL ShardConsumer: BlockOnParent →
 * Initialize → ProcessTask* → Shutdown; kds-reference.md §4.7, §4.8):
 *
 * 1. Wait until every parent shard's lease is checkpointed SHARD_END (or gone), so that a partition key's records
 *    are handled in order across a split or merge.
 * 2. Read from the lease's checkpoint (retrieval restarts AT the checkpointed sequence number; `skipUpTo` drops
 *    what is done, including the done part of an aggregate), deaggregate, cut into handler batches and run them
 *    through the BatchProcessor (retries, bisection, dead-letter destination).
 * 3. Checkpoint only what is done (handled or dead-lettered), as the checkpoint policy says; at shard end,
 *    checkpoint SHARD_END with the child shard ids so that the children can start.
 *
 * Three ways out: shard end; `stop()` (graceful: the handler call in progress finishes, the last done record is
 * checkpointed in the same write that releases the lease); `leaseLost()` (another worker has the shard: stop at
 * once, write nothing). A batch that cannot be finished (no dead-letter destination, or the destination down) does
 * not skip anything: the shard backs off and reads again from the last done record.
 */
import type { ChildShard } from '@aws-sdk/client-kinesis';
import { BatchProcessingError, ConsumerError, LeaseLostError, type BatchOutcome } from '../consumer-error';
import type { Checkpoint, Clock, ConsumerRecord, Lease, Logger, RecordSourceFactory, ShardRecordSource, Timers } from '../consumer-types';
import type { LeaseStore } from '../leases/lease-table';
import type { BatchProcessor } from '../processing/batch-processor';
import { CheckpointPolicy, type CheckpointAfter } from '../processing/checkpoint-policy';
import type { BatchContext } from '../processing/processing-types';
import { deaggregateRecords, skipUpTo } from '../records/record-deaggregator';
import type { HashKeyCache } from '@tributary/partitioning';
import { equalJitterDelayMs } from '@tributary/runtime';

/**
 * Lets timers run between handler batches. Without it a large backlog (a 10 MiB GetRecords answer or EFO event is
 * ~100,000 user records) kept the event loop busy for over a second per shard, and lease renewals came too late:
 * the worker dropped its own leases (seen in `npm run bench:consumer`).
 */
const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** What the shard consumer needs of the lease coordinator. */
export interface LeaseWriter {
  checkpoint(leaseKey: string, checkpoint: Checkpoint, options?: { childShardIds?: readonly string[] }): Promise<Lease>;
  release(leaseKey: string, options?: { checkpoint?: Checkpoint }): Promise<boolean>;
}

export interface ShardBatchEvent {
  shardId: string;
  /** User records the handler finished (handled or dead-lettered) in this batch. */
  records: number;
  /** Kinesis records read (aggregates count once). */
  kinesisRecords: number;
  millisBehindLatest?: number;
  /** Now − approximate arrival of the newest record of the batch. */
  ageMs?: number;
  durationMs: number;
}

export interface ShardConsumerHooks {
  onBatch?(event: ShardBatchEvent): void;
  onCheckpoint?(shardId: string, checkpoint: Checkpoint): void;
  onOutcome?(shardId: string, outcome: BatchOutcome): void;
  /** Sub-records whose hash key is outside the shard's range (KCL drops their whole aggregate; we deliver and report them). */
  onOutOfRange?(shardId: string, records: ConsumerRecord[]): void;
  onMalformed?(shardId: string, count: number): void;
  /** A read from the shard succeeded (the record source answered, with records or without). */
  onRead?(shardId: string): void;
  /** Failures reported up; the worker logs them (this consumer then logs its retry at debug only). */
  onError?(shardId: string, error: ConsumerError): void;
}

export interface ShardConsumerDeps {
  lease: Lease;
  streamName: string;
  streamArn: string;
  sources: RecordSourceFactory;
  processor: BatchProcessor;
  leases: LeaseWriter;
  store: Pick<LeaseStore, 'getLease'>;
  checkpointAfter: CheckpointAfter;
  batchSize: number;
  parentPollMs: number;
  failedShardBackoffMs: number;
  failedShardBackoffMaxMs: number;
  clock: Clock;
  timers: Timers;
  logger: Logger;
  hooks?: ShardConsumerHooks;
  /** Shared by the worker's shards: partition key → hash key for the out-of-range check. */
  hashKeys?: HashKeyCache;
  /**
   * Coalescing: checkpoint writes the policy asks for come at most once per this many ms, the newest done record
   * written when the interval is over (default 0: at once). Shard end, a manual checkpoint, a failure's and the
   * final (stop) checkpoint are written at once.
   */
  checkpointIntervalMs?: number;
}

export type ShardConsumerExit =
  /** Checkpointed SHARD_END; `childShards` are the shard's children. */
  | { kind: 'shard-end'; childShards: ChildShard[] }
  /** stop(): the last done record was checkpointed and the lease released (unless that write failed). */
  | { kind: 'stopped'; released: boolean }
  | { kind: 'lease-lost' };

const isSequence = (c: Checkpoint): c is Extract<Checkpoint, { kind: 'sequence' }> => c.kind === 'sequence';
const positionOf = (r: ConsumerRecord): Checkpoint => ({ kind: 'sequence', sequenceNumber: r.sequenceNumber, subSequenceNumber: r.subSequenceNumber });
const samePosition = (a: Checkpoint, b: Checkpoint): boolean =>
  a.kind === b.kind &&
  (isSequence(a) && isSequence(b) ? a.sequenceNumber === b.sequenceNumber && a.subSequenceNumber === b.subSequenceNumber : a.kind !== 'sequence' && b.kind !== 'sequence' && a.value === b.value);

export class ShardConsumer {
  readonly shardId: string;
  private readonly controller = new AbortController();
  private stopMode: 'graceful' | 'lost' | undefined;
  private wakeParentWait: (() => void) | undefined;
  /** The newest done position (handled or dead-lettered), and the newest one written to the lease. */
  private done: Checkpoint;
  private checkpointed: Checkpoint;
  private readonly policy: CheckpointPolicy;
  private recordsSinceCheckpoint = 0;
  private lastCheckpointAt: number;
  private source: ShardRecordSource | undefined;
  /** The position the next checkpoint write should record, and the write loop in flight (one at a time). */
  private wanted: Checkpoint | undefined;
  private writing: Promise<void> | undefined;
  /** Clock time of the last checkpoint write's start; a waiting writer is woken by an urgent request. */
  private lastWriteAt = Number.NEGATIVE_INFINITY;
  private urgent = false;
  private wakeWriter: (() => void) | undefined;
  private finishing = false;
  private millisBehindLatest: number | undefined;
  private processedRecords = 0;

  constructor(private readonly deps: ShardConsumerDeps) {
    this.shardId = deps.lease.leaseKey;
    this.done = deps.lease.checkpoint;
    this.checkpointed = deps.lease.checkpoint;
    this.policy = new CheckpointPolicy(deps.checkpointAfter);
    this.lastCheckpointAt = deps.clock.now();
  }

  get stats(): { shardId: string; millisBehindLatest?: number; checkpoint: Checkpoint; recordsProcessed: number } {
    return { shardId: this.shardId, millisBehindLatest: this.millisBehindLatest, checkpoint: this.checkpointed, recordsProcessed: this.processedRecords };
  }

  /** Graceful: finish the handler call in progress, checkpoint what is done, release the lease. */
  stop(): void {
    this.stopMode ??= 'graceful';
    this.controller.abort();
    this.wakeParentWait?.();
  }

  /** The lease is gone: stop at once and write nothing. */
  leaseLost(): void {
    this.stopMode = 'lost';
    this.controller.abort();
    this.wakeParentWait?.();
  }

  /** A parent may have ended (a local shard end): look at the parents now rather than at the next poll. */
  parentsMayBeDone(): void {
    this.wakeParentWait?.();
  }

  async run(): Promise<ShardConsumerExit> {
    const log = this.deps.logger;
    try {
      if (this.done.kind === 'sentinel' && this.done.value === 'SHARD_END') return { kind: 'shard-end', childShards: [] };
      await this.waitForParents();
      let failures = 0;
      while (!this.controller.signal.aborted) {
        try {
          const end = await this.readFrom(this.done);
          if (end) return end;
        } catch (err) {
          if (this.controller.signal.aborted) break;
          if (err instanceof LeaseLostError) {
            this.stopMode = 'lost';
            break;
          }
          const error = toConsumerError(err);
          this.deps.hooks?.onError?.(this.shardId, error);
          // Nothing past `done` is lost: read again from there after a backoff.
          failures++;
          const delay = equalJitterDelayMs(failures, this.deps.failedShardBackoffMs, this.deps.failedShardBackoffMaxMs);
          log[this.deps.hooks?.onError ? 'debug' : 'warn']({ shardId: this.shardId, code: error.code, err: error.message, retryInMs: delay }, 'shard processing failed; reading again from the last done record');
          await this.sleep(delay);
        }
      }
      return await this.finish();
    } finally {
      await this.source?.close().catch(() => undefined);
      this.source = undefined;
    }
  }

  /** Reads from `start` until shard end (returned) or an abort / failure (thrown or returns undefined). */
  private async readFrom(start: Checkpoint): Promise<ShardConsumerExit | undefined> {
    const { deps } = this;
    const signal = this.controller.signal;
    await this.source?.close().catch(() => undefined);
    this.source = await deps.sources.open({ streamArn: deps.streamArn, streamName: deps.streamName, shardId: this.shardId, start });
    const range = { starting: deps.lease.startingHashKey, ending: deps.lease.endingHashKey };
    const hasRange = range.starting !== '' && range.ending !== '';
    while (!signal.aborted) {
      const batch = await this.source.next(signal);
      deps.hooks?.onRead?.(this.shardId);
      const started = deps.clock.now();
      this.millisBehindLatest = batch.millisBehindLatest;
      const { records: all, outOfRange, malformed } = deaggregateRecords(batch.records, this.shardId, hasRange ? range : undefined, {
        hashKeys: deps.hashKeys,
      });
      if (outOfRange.length > 0) deps.hooks?.onOutOfRange?.(this.shardId, outOfRange);
      if (malformed > 0) deps.hooks?.onMalformed?.(this.shardId, malformed);
      const records = skipUpTo(all, this.done);
      let finished = 0;
      for (let i = 0; i < records.length && !signal.aborted; i += deps.batchSize) {
        const chunk = records.slice(i, i + deps.batchSize);
        finished += await this.processChunk(chunk, batch.millisBehindLatest);
        await yieldToEventLoop();
      }
      if (signal.aborted) return undefined;
      const newest = records.length > 0 ? records[records.length - 1].approximateArrivalTimestamp.getTime() : undefined;
      if (batch.records.length > 0) {
        deps.hooks?.onBatch?.({
          shardId: this.shardId,
          records: finished,
          kinesisRecords: batch.records.length,
          millisBehindLatest: batch.millisBehindLatest,
          ageMs: newest === undefined ? undefined : deps.clock.now() - newest,
          durationMs: deps.clock.now() - started,
        });
      }
      if (batch.shardEnd) {
        const childShards = batch.childShards ?? [];
        const end: Checkpoint = { kind: 'sentinel', value: 'SHARD_END' };
        await this.writeCheckpoint();
        await deps.leases.checkpoint(this.shardId, end, { childShardIds: childShards.map((c) => c.ShardId ?? '').filter((id) => id !== '') });
        this.done = this.checkpointed = end;
        deps.hooks?.onCheckpoint?.(this.shardId, end);
        return { kind: 'shard-end', childShards };
      }
      if (this.policy.shouldCheckpoint(this.progress())) this.requestCheckpoint();
      this.throwIfCheckpointLost();
    }
    return undefined;
  }

  /** Runs one handler batch; returns the records finished. Throws when the batch could not be finished. */
  private async processChunk(chunk: ConsumerRecord[], millisBehindLatest: number | undefined): Promise<number> {
    const { deps } = this;
    const context: BatchContext = {
      shardId: this.shardId,
      streamName: deps.streamName,
      millisBehindLatest,
      signal: this.controller.signal,
      checkpoint: async (record?: ConsumerRecord) => {
        // A manual checkpoint may only name a record that is done; inside the running batch that is the record
        // the handler is at (its own call), which it vouches for: at-least-once is the handler's promise here.
        const target = record ? positionOf(record) : positionOf(chunk[chunk.length - 1]);
        await this.writeCheckpoint(target);
      },
    };
    let outcome: BatchOutcome;
    let failure: BatchProcessingError | undefined;
    try {
      outcome = await deps.processor.process(chunk, context);
    } catch (err) {
      if (!(err instanceof BatchProcessingError)) throw err;
      outcome = err.outcome;
      failure = err;
    }
    deps.hooks?.onOutcome?.(this.shardId, outcome);
    const finished = outcome.handled + outcome.deadLettered + outcome.discarded;
    if (outcome.processedUpTo) {
      this.done = positionOf(outcome.processedUpTo);
      this.recordsSinceCheckpoint += finished;
      // Like the worker's total: records the handler completed (dead-lettered ones are counted apart).
      this.processedRecords += outcome.handled;
    }
    if (failure) {
      // Keep what is done (a graceful stop writes it with the release; a failure writes it before backing off).
      if (failure.code === 'SHUTDOWN') return finished;
      if (!this.controller.signal.aborted && !samePosition(this.done, this.checkpointed)) await this.writeCheckpoint();
      throw failure;
    }
    if (this.policy.shouldCheckpoint(this.progress())) this.requestCheckpoint();
    return finished;
  }

  private progress(): { recordsSinceLast: number; msSinceLast: number } {
    return { recordsSinceLast: this.recordsSinceCheckpoint, msSinceLast: this.deps.clock.now() - this.lastCheckpointAt };
  }

  /**
   * Asks for a checkpoint at `target` without waiting for it: the read loop goes on while DynamoDB answers, and
   * requests made meanwhile collapse into the newest (one write in flight per shard). Waiting on each write put
   * a DynamoDB round trip between every enhanced fan-out event and the next (EFO p99 went from ~27 ms to over
   * 1 s in `npm run bench:consumer` when the writes fell behind).
   */
  private requestCheckpoint(target: Checkpoint = this.done): void {
    this.wanted = target;
    this.recordsSinceCheckpoint = 0;
    this.lastCheckpointAt = this.deps.clock.now();
    this.writing ??= this.writeLoop().finally(() => {
      this.writing = undefined;
    });
  }

  /** Checkpoints `target` and waits until it (or a newer request) is written. */
  private async writeCheckpoint(target: Checkpoint = this.done): Promise<void> {
    this.urgent = true;
    this.wakeWriter?.();
    if (!samePosition(target, this.checkpointed)) this.requestCheckpoint(target);
    try {
      while (this.writing) await this.writing;
    } finally {
      this.urgent = false;
    }
    this.throwIfCheckpointLost();
    if (this.wanted && !samePosition(this.wanted, this.checkpointed)) {
      throw this.checkpointError ?? new ConsumerError('DEPENDENCY', `Checkpoint of ${this.shardId} was not written.`, true);
    }
  }

  private checkpointError: ConsumerError | undefined;
  private checkpointLost: LeaseLostError | undefined;

  private async writeLoop(): Promise<void> {
    while (this.wanted && !samePosition(this.wanted, this.checkpointed) && !this.checkpointLost) {
      const wait = this.lastWriteAt + (this.deps.checkpointIntervalMs ?? 0) - this.deps.clock.now();
      if (wait > 0 && !this.urgent) {
        // Coalesce: requests made meanwhile collapse into the newest; a stop writes it with the release instead.
        await this.coalesceWait(wait);
        if (this.controller.signal.aborted && !this.urgent) return;
        continue;
      }
      const target = this.wanted;
      this.lastWriteAt = this.deps.clock.now();
      try {
        await this.deps.leases.checkpoint(this.shardId, target);
        this.checkpointed = target;
        this.checkpointError = undefined;
        this.deps.hooks?.onCheckpoint?.(this.shardId, target);
      } catch (err) {
        if (err instanceof LeaseLostError) {
          this.checkpointLost = err;
          this.stopMode = 'lost';
          this.controller.abort();
        } else {
          // Kept for the next request (or the final write); the records stay done, only not yet recorded.
          this.checkpointError = toConsumerError(err);
          this.deps.hooks?.onError?.(this.shardId, this.checkpointError);
        }
        return;
      }
      if (this.finishing) return;
    }
  }

  private throwIfCheckpointLost(): void {
    if (this.checkpointLost) throw this.checkpointLost;
  }

  private async finish(): Promise<ShardConsumerExit> {
    this.finishing = true;
    while (this.writing) await this.writing.catch(() => undefined);
    if (this.stopMode === 'lost') return { kind: 'lease-lost' };
    const checkpoint = samePosition(this.done, this.checkpointed) ? undefined : this.done;
    try {
      const released = await this.deps.leases.release(this.shardId, checkpoint ? { checkpoint } : {});
      if (released && checkpoint) {
        this.checkpointed = checkpoint;
        this.deps.hooks?.onCheckpoint?.(this.shardId, checkpoint);
      }
      return { kind: 'stopped', released };
    } catch (err) {
      this.deps.logger.warn({ shardId: this.shardId, err: toConsumerError(err).message }, 'final checkpoint and release failed: the lease will expire instead');
      return { kind: 'stopped', released: false };
    }
  }

  private async waitForParents(): Promise<void> {
    const parents = this.deps.lease.parentShardIds;
    while (parents.length > 0 && !this.controller.signal.aborted) {
      let pending: string[] = [];
      try {
        const leases = await Promise.all(parents.map((id) => this.deps.store.getLease(id)));
        pending = parents.filter((_id, i) => {
          const l = leases[i];
          return l !== undefined && !(l.checkpoint.kind === 'sentinel' && l.checkpoint.value === 'SHARD_END');
        });
      } catch (err) {
        this.deps.logger.warn({ shardId: this.shardId, err: toConsumerError(err).message }, 'reading parent leases failed');
        pending = parents;
      }
      if (pending.length === 0) return;
      this.deps.logger.debug({ shardId: this.shardId, pending }, 'waiting for parent shards to end');
      await this.sleep(this.deps.parentPollMs, true);
    }
  }

  private coalesceWait(ms: number): Promise<void> {
    if (this.controller.signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        this.deps.timers.clearTimeout(handle);
        this.controller.signal.removeEventListener('abort', done);
        this.wakeWriter = undefined;
        resolve();
      };
      const handle = this.deps.timers.setTimeout(done, ms);
      this.controller.signal.addEventListener('abort', done, { once: true });
      this.wakeWriter = done;
    });
  }

  private sleep(ms: number, wakeable = false): Promise<void> {
    if (this.controller.signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        this.deps.timers.clearTimeout(handle);
        this.controller.signal.removeEventListener('abort', done);
        if (wakeable) this.wakeParentWait = undefined;
        resolve();
      };
      const handle = this.deps.timers.setTimeout(done, ms);
      this.controller.signal.addEventListener('abort', done, { once: true });
      if (wakeable) this.wakeParentWait = done;
    });
  }
}

export function toConsumerError(err: unknown): ConsumerError {
  if (err instanceof ConsumerError) return err;
  return new ConsumerError('INTERNAL', err instanceof Error ? err.message : String(err), true, { cause: err });
}
