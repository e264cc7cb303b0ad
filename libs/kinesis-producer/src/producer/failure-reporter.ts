/**
 * Records that failed for good, never silently: each put() rejects with RecordExpiredError or RecordRejectedError
 * (with its delivery context), the records go to the onFailure (dead-letter) hook with their data, and a
 * `failure` event counts them (the delivery log summarises them per interval).
 */
import type { ClassifiedFailure } from '@tributary/errors';
import { RecordExpiredError, RecordRejectedError, type DeliveryContext, type ProducerError } from '../errors';
import type { PendingRecord, ShardChannel } from '../routing/shard-channel';
import type { ProducerBuffer } from './producer-buffer';
import type { ProducerContext } from './producer-context';
import type { KinesisProducerOptions } from './producer-options';
import type { FailedRecord } from './producer-types';

const noop = (): void => undefined;

export type FailureCode = 'RECORD_EXPIRED' | 'RECORD_REJECTED';

export class FailureReporter {
  /** onFailure promises not settled yet (close() waits for them). */
  private readonly hookPromises = new Set<Promise<void>>();

  constructor(
    private readonly ctx: ProducerContext,
    private readonly buffer: ProducerBuffer,
    private readonly onFailure: KinesisProducerOptions['onFailure'],
  ) {}

  /** Resolves when every onFailure promise returned so far has settled. */
  async drained(): Promise<void> {
    await Promise.allSettled([...this.hookPromises]);
  }

  /**
   * Rejects `records` and hands them to onFailure. `ch`: the channel they were predicted for (undefined for puts
   * still waiting for room, which are not `admitted`); `failure`: the permanent failure of a rejection.
   */
  fail(records: PendingRecord[], code: FailureCode, ch: ShardChannel | undefined, now: number, failure?: ClassifiedFailure, admitted = true): void {
    if (records.length === 0) return;
    const failures: FailedRecord[] = [];
    for (const r of records) {
      const error = this.errorFor(r, code, ch, now, failure);
      failures.push({
        partitionKey: r.partitionKey,
        ...(r.explicitHashKey !== undefined ? { explicitHashKey: r.explicitHashKey } : {}),
        data: r.data,
        error,
        putAt: this.putAtOf(r) + this.ctx.epoch,
      });
      // With a dead-letter hook the failure is handled there: an unobserved put() rejection must not crash the
      // app. The handler is attached only now, on failure (a catch per put would cost a promise per record).
      if (this.onFailure) r.promise?.catch(noop);
      r.reject(error);
      this.buffer.settle(r, admitted);
    }
    this.ctx.totals.failures += records.length;
    const last = records[records.length - 1].failure;
    // Debug only: the delivery log summarises failures per interval (a warning per batch flooded the log, issue 12).
    this.ctx.logger.debug(
      { code, records: records.length, shardId: ch?.shardId, lastErrorCode: last?.lastErrorCode },
      code === 'RECORD_EXPIRED' ? 'records expired before Kinesis acknowledged them' : 'Kinesis rejected records',
    );
    this.ctx.events.emit('failure', {
      streamName: this.ctx.o.streamName,
      records: records.length,
      code,
      ...(last ? { lastErrorCode: last.lastErrorCode } : {}),
    });
    this.callHook(failures);
  }

  /** When `r` was put (its deadline minus the time-to-live: one field less per record). */
  putAtOf(r: PendingRecord): number {
    return r.deadline - this.ctx.o.recordTtlMs;
  }

  private errorFor(r: PendingRecord, code: FailureCode, ch: ShardChannel | undefined, now: number, failure: ClassifiedFailure | undefined): ProducerError {
    const context: DeliveryContext = {
      streamName: this.ctx.o.streamName,
      ...(ch?.shardId ? { shardId: ch.shardId } : {}),
      attempts: r.attempts,
      elapsedMs: now - this.putAtOf(r),
      ...(r.failure
        ? { firstErrorCode: r.failure.firstErrorCode, lastErrorCode: r.failure.lastErrorCode, lastErrorMessage: r.failure.lastErrorMessage }
        : {}),
    };
    return code === 'RECORD_EXPIRED' ? new RecordExpiredError(context) : new RecordRejectedError(context, failure);
  }

  private callHook(failures: FailedRecord[]): void {
    if (!this.onFailure) return;
    const logger = this.ctx.logger;
    try {
      const result = this.onFailure(failures);
      if (result && typeof (result as Promise<void>).then === 'function') {
        const p = (result as Promise<void>).then(noop, (err: unknown) => logger.error({ err }, 'the onFailure hook rejected'));
        this.hookPromises.add(p);
        void p.finally(() => this.hookPromises.delete(p));
      }
    } catch (err) {
      logger.error({ err }, 'the onFailure hook threw');
    }
  }
}
