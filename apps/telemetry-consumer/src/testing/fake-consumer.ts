/**
 * A stand-in for @tributary/kinesis-consumer's KinesisConsumer, for tests of the app's wiring (sinks, DLQ, health,
 * metrics, shutdown order) that are not about leases or retrieval. It keeps the documented contract the app
 * relies on: the handler gets one shard's records, a `BatchResponse` item with `retriable: false` goes to
 * `onFailure` at once as a `NonRetriableFailure`, a handler that throws its own failure is retried
 * `maximumRetryAttempts` times and then dead-lettered as `RetryAttemptsExhausted`, one that throws a failure of the
 * platform (a sink's retriable error) is retried until it succeeds without spending that budget, and `stats()`
 * counts what went through.
 *
 * `start()` and `stop()` can be held open (`holdStart`, `holdStop`) to observe the app in between.
 */
import { promises as fsp } from 'node:fs';
import { classifyHandlerFailure } from '@tributary/kinesis-consumer';
import {
  recordIdentifier,
  type ConsumerEventListeners,
  type ConsumerFactory,
  type ConsumerPort,
  type ConsumerRecord,
  type ConsumerStatsView,
  type DeadLetterEntry,
  type DeadLetterSink,
  type KinesisConsumerOptions,
} from '../consumer-port';

export interface Gate {
  promise: Promise<void>;
  open(): void;
}
export function gate(): Gate {
  let open: () => void = () => undefined;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

export class FakeConsumer implements ConsumerPort {
  readonly listeners: ConsumerEventListeners[] = [];
  started = false;
  stopped = false;
  holdStart: Gate | undefined;
  holdStop: Gate | undefined;
  leasesHeld: string[] = ['shardId-000000000000'];
  millisBehind = new Map<string, number>();
  private readonly totals = { recordsProcessed: 0, deadLettered: 0, retries: 0 };

  constructor(readonly options: KinesisConsumerOptions) {}

  subscribe(listeners: ConsumerEventListeners): void {
    this.listeners.push(listeners);
  }

  /** As the library reports a lease lost to another worker. */
  loseLease(shardId: string): void {
    this.leasesHeld = this.leasesHeld.filter((s) => s !== shardId);
    for (const l of this.listeners) l.leaseLost?.({ workerId: this.workerId, shardId, reason: 'renewal-rejected' });
  }

  get workerId(): string {
    return this.options.workerId ?? 'fake-worker';
  }

  async start(): Promise<void> {
    await this.holdStart?.promise;
    this.started = true;
    for (const shardId of this.leasesHeld) for (const l of this.listeners) l.leaseAcquired?.({ workerId: this.workerId, shardId, stolen: false });
  }

  async stop(): Promise<void> {
    await this.holdStop?.promise;
    this.stopped = true;
  }

  stats(): ConsumerStatsView {
    return {
      workerId: this.workerId,
      leasesHeld: [...this.leasesHeld],
      shards: this.leasesHeld.map((shardId) => ({ shardId, millisBehindLatest: this.millisBehind.get(shardId), recordsProcessed: 0 })),
      ...this.totals,
    };
  }

  /** Handler calls made by `deliver`. */
  calls = 0;

  /**
   * Hands `records` (one shard's) to the handler as the library does: a partial batch response marks the records
   * before the lowest reported one done, dead-letters the `retriable: false` ones, and hands the rest to the
   * handler again; a throwing handler is retried, then its records are dead-lettered.
   */
  async deliver(records: ConsumerRecord[]): Promise<{ deadLettered: DeadLetterEntry[] }> {
    const shardId = records[0]?.shardId ?? 'shardId-000000000000';
    const streamName = this.options.streamName ?? 'telemetry';
    const onFailure = this.options.onFailure;
    if (!onFailure) throw new Error('FakeConsumer: the app always sets onFailure');
    const firstFailureAt = new Date();
    const deadLettered: DeadLetterEntry[] = [];
    let pending = [...records];
    let attempt = 1;
    while (pending.length > 0) {
      this.calls++;
      try {
        const response = await this.options.handler(pending, { shardId, streamName, millisBehindLatest: this.millisBehind.get(shardId), checkpoint: async () => undefined });
        const failures = response?.batchItemFailures ?? [];
        if (failures.length === 0) {
          this.totals.recordsProcessed += pending.length;
          pending = [];
          break;
        }
        const ids = pending.map((r) => recordIdentifier(r));
        const indexes = failures.map((f) => ids.indexOf(f.itemIdentifier));
        if (indexes.some((i) => i < 0) || failures.some((f) => f.retriable !== false)) throw new Error('FakeConsumer: only retriable: false failures are modelled');
        const lowest = Math.min(...indexes);
        this.totals.recordsProcessed += lowest;
        const dead = new Set(indexes);
        const entries = [...dead].sort((a, b) => a - b).map((i) => this.entry(pending[i], 'NonRetriableFailure', failures[indexes.indexOf(i)].error, attempt, firstFailureAt));
        await onFailure.send(entries);
        deadLettered.push(...entries);
        this.totals.deadLettered += entries.length;
        pending = pending.filter((_, i) => i > lowest && !dead.has(i));
      } catch (err) {
        if (classifyHandlerFailure(err) === 'platform') {
          this.totals.retries++;
          await new Promise((resolve) => setTimeout(resolve, 10));
          continue;
        }
        const max = this.options.maximumRetryAttempts ?? 3;
        if (max !== -1 && attempt > max) {
          const entries = pending.map((r) => this.entry(r, 'RetryAttemptsExhausted', err, attempt, firstFailureAt));
          await onFailure.send(entries);
          deadLettered.push(...entries);
          this.totals.deadLettered += entries.length;
          break;
        }
        attempt++;
        this.totals.retries++;
      }
    }
    return { deadLettered };
  }

  private entry(record: ConsumerRecord, condition: DeadLetterEntry['condition'], error: unknown, attempts: number, first: Date): DeadLetterEntry {
    const e = error instanceof Error ? error : new Error(String(error));
    const code = (e as { code?: unknown }).code;
    return {
      record,
      streamName: this.options.streamName ?? 'telemetry',
      condition,
      error: { name: e.name, message: e.message, ...(typeof code === 'string' ? { code } : {}) },
      attempts,
      firstFailureAt: first,
      lastFailureAt: new Date(),
    };
  }
}

/** NDJSON dead letters in a file, in the envelope the design gives FileDeadLetterSink. */
export class FakeFileDeadLetterSink implements DeadLetterSink {
  closed = 0;
  constructor(readonly path: string) {}
  async send(entries: DeadLetterEntry[]): Promise<void> {
    const lines = entries.map((e) =>
      JSON.stringify({
        streamName: e.streamName,
        shardId: e.record.shardId,
        partitionKey: e.record.partitionKey,
        sequenceNumber: e.record.sequenceNumber,
        subSequenceNumber: e.record.subSequenceNumber,
        data: Buffer.from(e.record.data).toString('base64'),
        condition: e.condition,
        error: e.error,
        attempts: e.attempts,
      }),
    );
    await fsp.appendFile(this.path, lines.map((l) => `${l}\n`).join(''));
  }
  async close(): Promise<void> {
    this.closed++;
  }
}

export class FakeConsumerFactory implements ConsumerFactory {
  consumers: FakeConsumer[] = [];
  dlqs: FakeFileDeadLetterSink[] = [];
  /** Applied to each consumer before it is returned (to hold start/stop). */
  prepare: ((c: FakeConsumer) => void) | undefined;

  createConsumer(options: KinesisConsumerOptions): FakeConsumer {
    const consumer = new FakeConsumer(options);
    this.prepare?.(consumer);
    this.consumers.push(consumer);
    return consumer;
  }

  fileDeadLetterSink(path: string): FakeFileDeadLetterSink {
    const sink = new FakeFileDeadLetterSink(path);
    this.dlqs.push(sink);
    return sink;
  }

  kinesisDeadLetterSink(): DeadLetterSink {
    throw new Error('FakeConsumerFactory: no Kinesis dead-letter sink');
  }

  get last(): FakeConsumer {
    const c = this.consumers[this.consumers.length - 1];
    if (!c) throw new Error('no consumer created yet');
    return c;
  }
}
