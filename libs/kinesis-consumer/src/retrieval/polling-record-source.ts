/**
 * Polling retrieval (GetShardIterator + GetRecords), one reader loop per shard lease.
 *
 * - Start: GetShardIterator from the lease's checkpoint (starting-position.ts: AT_SEQUENCE_NUMBER for a
 *   sequence checkpoint, so the caller must `skipUpTo` the first batches; TRIM_HORIZON; LATEST; AT_TIMESTAMP).
 * - Pacing (read-pacer.ts): ≤ 5 calls/s and ≤ 2 MiB/s per shard; when caught up (MillisBehindLatest 0) the next
 *   call waits the idle time from the start of the previous one; when behind, the next call goes out at once
 *   within the budget.
 * - Read-ahead: up to `prefetchBatches` non-empty batches wait while the handler works (KCL prefetches too);
 *   beyond that the loop stops reading — memory per shard is bounded by (prefetch + 1) responses (≤ 10 MiB each).
 *   Empty responses are handed only to a caller already waiting in next() (a stale "nothing new" is useless).
 * - Failures: an expired iterator is replaced AFTER_SEQUENCE_NUMBER the last record returned (or from the
 *   original start when none was: for a LATEST start that saw no record in 5 minutes, records written in
 *   between are skipped — KCL has the same gap); throttling backs off with jitter and is never reported
 *   (it only slows reading down); other transient failures back off and are reported to a waiting next()
 *   every `failuresBeforeReport` in a row (the source goes on reading); a missing stream/shard ends the source
 *   with SHARD_NOT_FOUND, other permanent errors with a non-retriable DependencyError.
 * - Shard end: a response without NextShardIterator → a batch with `shardEnd: true` and the ChildShards; every
 *   next() after it returns an empty shard-end batch again.
 *
 * The SDK's own retries (the client's maxAttempts) still apply underneath; the pacing keeps throttling rare.
 */
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  type ChildShard,
  type GetRecordsCommandOutput,
  type GetShardIteratorCommandOutput,
  type _Record as KinesisRecord,
} from '@aws-sdk/client-kinesis';
import { sleep } from '@tributary/runtime';
import { ConsumerError } from '../consumer-error';
import {
  noopLogger,
  systemClock,
  systemTimers,
  type Checkpoint,
  type Clock,
  type Logger,
  type RecordSourceFactory,
  type RetrievedBatch,
  type ShardRecordSource,
  type Timers,
} from '../consumer-types';
import { ReadPacer } from './read-pacer';
import { RETRIEVAL_DEFAULTS } from '../defaults';
import { classifyRetrievalError, retrievalError, shutdownError } from './retrieval-errors';
import { afterSequence, iteratorStartOf, type IteratorStart } from './starting-position';

/** The two calls polling makes; `KinesisClient` satisfies it, tests pass a fake. */
export interface PollingKinesisClient {
  send(command: GetShardIteratorCommand, options?: { abortSignal?: AbortSignal }): Promise<GetShardIteratorCommandOutput>;
  send(command: GetRecordsCommand, options?: { abortSignal?: AbortSignal }): Promise<GetRecordsCommandOutput>;
}

export interface PollingRecordSourceOptions {
  client: PollingKinesisClient;
  /** GetRecords Limit, 1–10,000 (default 10,000). */
  maxRecords?: number;
  /** Wait between calls once caught up; ≥ 200 ms (default 200 ms: see RETRIEVAL_DEFAULTS in ../defaults.ts). */
  idleTimeBetweenReadsMs?: number;
  /** This reader's share of the shard's 5 GetRecords/s (default 5). */
  maxCallsPerSecond?: number;
  /** This reader's share of the shard's 2 MiB/s (default 2 MiB). */
  maxBytesPerSecond?: number;
  /** Non-empty batches read ahead while the handler works (default 1; 0 reads only on demand). */
  prefetchBatches?: number;
  retryBaseDelayMs?: number;
  retryMaxDelayMs?: number;
  failuresBeforeReport?: number;
  clock?: Clock;
  timers?: Timers;
  logger?: Logger;
  random?: () => number;
}

type ResolvedOptions = Required<Omit<PollingRecordSourceOptions, 'client'>>;

export interface PollingSourceStats {
  getRecordsCalls: number;
  getShardIteratorCalls: number;
  throttled: number;
  failures: number;
  expiredIterators: number;
  millisBehindLatest: number | undefined;
}

export class PollingRecordSourceFactory implements RecordSourceFactory {
  private readonly options: ResolvedOptions;
  private readonly sources = new Set<PollingShardRecordSource>();
  private closed = false;

  constructor(private readonly init: PollingRecordSourceOptions) {
    const d = RETRIEVAL_DEFAULTS.polling;
    this.options = {
      maxRecords: init.maxRecords ?? d.maxRecords,
      idleTimeBetweenReadsMs: init.idleTimeBetweenReadsMs ?? d.idleTimeBetweenReadsMs,
      maxCallsPerSecond: init.maxCallsPerSecond ?? d.maxCallsPerSecond,
      maxBytesPerSecond: init.maxBytesPerSecond ?? d.maxBytesPerSecond,
      prefetchBatches: init.prefetchBatches ?? d.prefetchBatches,
      retryBaseDelayMs: init.retryBaseDelayMs ?? d.retryBaseDelayMs,
      retryMaxDelayMs: init.retryMaxDelayMs ?? d.retryMaxDelayMs,
      failuresBeforeReport: init.failuresBeforeReport ?? d.failuresBeforeReport,
      clock: init.clock ?? systemClock,
      timers: init.timers ?? systemTimers,
      logger: init.logger ?? noopLogger,
      random: init.random ?? Math.random,
    };
    validate(this.options);
  }

  async open(args: { streamArn: string; streamName: string; shardId: string; start: Checkpoint }): Promise<PollingShardRecordSource> {
    if (this.closed) throw shutdownError(args.shardId);
    const source = new PollingShardRecordSource(this.init.client, this.options, args, () => this.sources.delete(source));
    this.sources.add(source);
    try {
      await source.start();
    } catch (err) {
      await source.close();
      throw err;
    }
    return source;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.sources].map((s) => s.close()));
  }
}

function validate(o: ResolvedOptions): void {
  const bad = (name: string, why: string): never => {
    throw new ConsumerError('INVALID_OPTION', `Polling option ${name} ${why}.`, false);
  };
  const min = RETRIEVAL_DEFAULTS.polling.minIdleTimeBetweenReadsMs;
  if (!Number.isInteger(o.maxRecords) || o.maxRecords < 1 || o.maxRecords > 10_000) bad('maxRecords', 'must be an integer in 1..10000');
  if (!(o.idleTimeBetweenReadsMs >= min)) bad('idleTimeBetweenReadsMs', `must be at least ${min} ms (KCL 3's floor)`);
  if (!(o.maxCallsPerSecond > 0)) bad('maxCallsPerSecond', 'must be positive');
  if (!(o.maxBytesPerSecond > 0)) bad('maxBytesPerSecond', 'must be positive');
  if (!Number.isInteger(o.prefetchBatches) || o.prefetchBatches < 0) bad('prefetchBatches', 'must be a non-negative integer');
  if (!(o.retryBaseDelayMs > 0) || !(o.retryMaxDelayMs >= o.retryBaseDelayMs)) bad('retryBaseDelayMs/retryMaxDelayMs', 'must be positive, base ≤ max');
  if (!Number.isInteger(o.failuresBeforeReport) || o.failuresBeforeReport < 1) bad('failuresBeforeReport', 'must be a positive integer');
}

interface Waiter {
  resolve(batch: RetrievedBatch): void;
  reject(error: Error): void;
}

export class PollingShardRecordSource implements ShardRecordSource {
  readonly stats: PollingSourceStats = {
    getRecordsCalls: 0,
    getShardIteratorCalls: 0,
    throttled: 0,
    failures: 0,
    expiredIterators: 0,
    millisBehindLatest: undefined,
  };
  private readonly pacer: ReadPacer;
  private readonly log: Logger;
  private readonly initialStart: IteratorStart;
  private readonly stop = new AbortController();
  private readonly queue: RetrievedBatch[] = [];
  private iterator: string | undefined;
  private lastSequenceNumber: string | undefined;
  private waiter: Waiter | undefined;
  private endBatch: RetrievedBatch | undefined;
  private failure: ConsumerError | undefined;
  private failuresInARow = 0;
  private closed = false;
  private loop: Promise<void> | undefined;
  private roomWaiter: (() => void) | undefined;

  constructor(
    private readonly client: PollingKinesisClient,
    private readonly o: ResolvedOptions,
    private readonly args: { streamArn: string; streamName: string; shardId: string; start: Checkpoint },
    private readonly onClosed: () => void,
  ) {
    this.log = o.logger.child({ shardId: args.shardId, retrieval: 'polling' });
    this.pacer = new ReadPacer(o, o.clock.now(), o.random);
    this.initialStart = iteratorStartOf(args.start);
  }

  /** Gets the first iterator (retrying throttling and transient failures a few times), then starts reading. */
  async start(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.acquireIterator();
      if (outcome === 'ok') break;
      if (this.failure) throw this.failure;
      if (this.closed) throw shutdownError(this.args.shardId);
      if (attempt >= this.o.failuresBeforeReport) {
        throw retrievalError('GetShardIterator', this.args.shardId, outcome, undefined);
      }
      await sleep(this.o.timers, this.pacer.delayMs(this.o.clock.now()), this.stop.signal);
    }
    this.loop = this.run().catch((err: unknown) => {
      this.fail(new ConsumerError('INTERNAL', `The polling loop of ${this.args.shardId} failed: ${String(err)}`, false, { cause: err }));
    });
  }

  next(signal?: AbortSignal): Promise<RetrievedBatch> {
    const queued = this.queue.shift();
    if (queued) {
      this.wakeLoop();
      return Promise.resolve(queued);
    }
    if (this.endBatch) return Promise.resolve({ records: [], millisBehindLatest: 0, childShards: this.endBatch.childShards, shardEnd: true });
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(shutdownError(this.args.shardId));
    if (this.waiter) return Promise.reject(new ConsumerError('INTERNAL', `next() of ${this.args.shardId} called while another is pending.`, false));
    if (signal?.aborted) return Promise.reject(abortedError(this.args.shardId, signal));
    return new Promise<RetrievedBatch>((resolve, reject) => {
      const onAbort = (): void => {
        if (this.waiter !== waiter) return;
        this.waiter = undefined;
        reject(abortedError(this.args.shardId, signal));
      };
      const waiter: Waiter = {
        resolve: (batch) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(batch);
        },
        reject: (error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      this.waiter = waiter;
      signal?.addEventListener('abort', onAbort, { once: true });
      this.wakeLoop();
    });
  }

  async close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.stop.abort();
      this.wakeLoop();
      const w = this.waiter;
      this.waiter = undefined;
      w?.reject(shutdownError(this.args.shardId));
      this.onClosed();
    }
    await this.loop;
  }

  private get stopped(): boolean {
    return this.closed || this.endBatch !== undefined || this.failure !== undefined;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      if (!this.hasRoom()) {
        await new Promise<void>((resolve) => (this.roomWaiter = resolve));
        continue;
      }
      const wait = this.pacer.delayMs(this.o.clock.now());
      if (wait > 0) {
        await sleep(this.o.timers, wait, this.stop.signal);
        continue;
      }
      if (this.iterator === undefined) await this.acquireIterator();
      else await this.readOnce(this.iterator);
    }
  }

  /** Room for another response: fewer than `prefetchBatches` queued, or someone waiting on an empty queue. */
  private hasRoom(): boolean {
    return this.queue.length < Math.max(this.o.prefetchBatches, this.waiter ? 1 : 0);
  }

  private wakeLoop(): void {
    const wake = this.roomWaiter;
    this.roomWaiter = undefined;
    wake?.();
  }

  private async acquireIterator(): Promise<'ok' | ReturnType<typeof classifyRetrievalError>> {
    const start = this.lastSequenceNumber !== undefined ? afterSequence(this.lastSequenceNumber) : this.initialStart;
    this.stats.getShardIteratorCalls++;
    try {
      const out = await this.client.send(new GetShardIteratorCommand({ ...this.streamRef(), ShardId: this.args.shardId, ...start }), {
        abortSignal: this.stop.signal,
      });
      if (!out.ShardIterator) throw new Error('GetShardIterator returned no ShardIterator');
      this.iterator = out.ShardIterator;
      this.log.debug({ start }, 'shard iterator acquired');
      return 'ok';
    } catch (err) {
      return this.onError('GetShardIterator', err);
    }
  }

  private async readOnce(iterator: string): Promise<void> {
    const now = this.o.clock.now();
    this.pacer.onCall(now);
    this.stats.getRecordsCalls++;
    let out: GetRecordsCommandOutput;
    try {
      out = await this.client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: this.o.maxRecords, ...this.arnRef() }), {
        abortSignal: this.stop.signal,
      });
    } catch (err) {
      this.onError('GetRecords', err);
      return;
    }
    if (this.closed) return;
    const records = out.Records ?? [];
    this.pacer.onResult(this.o.clock.now(), { records: records.length, bytes: bytesOf(records), millisBehindLatest: out.MillisBehindLatest });
    this.failuresInARow = 0;
    this.stats.millisBehindLatest = out.MillisBehindLatest;
    const last = records[records.length - 1];
    if (last?.SequenceNumber) this.lastSequenceNumber = last.SequenceNumber;
    if (!out.NextShardIterator) {
      // End of a closed shard (KCL's invariant: no next iterator ⇔ ChildShards present).
      const childShards: ChildShard[] = out.ChildShards ?? [];
      if (childShards.length === 0) this.log.warn({}, 'shard ended without ChildShards in the response');
      this.iterator = undefined;
      const batch: RetrievedBatch = { records, millisBehindLatest: out.MillisBehindLatest, childShards, shardEnd: true };
      this.endBatch = batch;
      this.log.info({ children: childShards.map((c) => c.ShardId) }, 'shard end reached');
      this.deliver(batch);
      return;
    }
    this.iterator = out.NextShardIterator;
    if (records.length > 0 || this.waiter) this.deliver({ records, millisBehindLatest: out.MillisBehindLatest, shardEnd: false });
  }

  private deliver(batch: RetrievedBatch): void {
    const w = this.waiter;
    if (w && this.queue.length === 0) {
      this.waiter = undefined;
      w.resolve(batch);
    } else this.queue.push(batch);
  }

  private onError(operation: string, err: unknown): ReturnType<typeof classifyRetrievalError> {
    const failure = classifyRetrievalError(err);
    if (this.closed) return failure;
    const now = this.o.clock.now();
    switch (failure.kind) {
      case 'expired-iterator':
        this.stats.expiredIterators++;
        this.iterator = undefined;
        this.log.info({ after: this.lastSequenceNumber }, 'shard iterator expired; getting a new one');
        break;
      case 'not-found':
      case 'permanent':
        this.fail(retrievalError(operation, this.args.shardId, failure, err));
        break;
      case 'throttled': {
        this.stats.throttled++;
        const delay = this.pacer.onFailure(now, true);
        this.log.debug({ operation, delayMs: delay }, 'throttled; backing off');
        break;
      }
      default: {
        this.stats.failures++;
        this.failuresInARow++;
        const delay = this.pacer.onFailure(now, false);
        // Debug: each failure is retried here, and a run of them is reported up (the worker logs the outage once).
        this.log.debug({ operation, code: failure.code, err: failure.message, delayMs: delay, inARow: this.failuresInARow }, 'read failed; retrying');
        if (this.failuresInARow >= this.o.failuresBeforeReport && this.waiter) {
          this.failuresInARow = 0;
          const w = this.waiter;
          this.waiter = undefined;
          w.reject(retrievalError(operation, this.args.shardId, failure, err));
        }
      }
    }
    return failure;
  }

  private fail(error: ConsumerError): void {
    if (this.failure) return;
    this.failure = error;
    this.log.error({ code: error.code, err: error.message }, 'record source stopped');
    const w = this.waiter;
    this.waiter = undefined;
    w?.reject(error);
  }

  private streamRef(): { StreamARN: string } | { StreamName: string } {
    return this.args.streamArn ? { StreamARN: this.args.streamArn } : { StreamName: this.args.streamName };
  }

  private arnRef(): { StreamARN?: string } {
    return this.args.streamArn ? { StreamARN: this.args.streamArn } : {};
  }
}

/** What the service counts against the 2 MiB/s: data plus partition key. */
export function bytesOf(records: readonly KinesisRecord[]): number {
  let bytes = 0;
  for (const r of records) bytes += (r.Data?.length ?? 0) + (r.PartitionKey?.length ?? 0);
  return bytes;
}

function abortedError(shardId: string, signal: AbortSignal | undefined): ConsumerError {
  return new ConsumerError('SHUTDOWN', `next() on ${shardId} was aborted.`, false, { cause: signal?.reason });
}
