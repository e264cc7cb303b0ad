/**
 * Runs the user's handler over one shard's records, in order, with Lambda's poison-pill tools (kds-reference.md
 * §5): bounded retries with backoff, bisection of a failing batch, partial batch responses, a maximum record
 * age and a dead-letter destination. It answers which records are done (handled, or dead-lettered) from the
 * start of the batch, so the shard consumer checkpoints only past records that are (at-least-once, §4.8; unlike
 * KCL, which skips a batch whose processRecords throws).
 *
 * How a batch is worked through. The records still to do are a prefix-ordered set; the current *segment* is the
 * not-done records in [head, end) where `end` is the top of a stack of segment ends (the bottom one is the batch
 * end). Each step calls the handler with the segment:
 *
 * - success: the segment is done; the next segment runs to the next end on the stack.
 * - the handler throws a failure of the platform (throttling, a 5xx, a service it cannot reach, a typed error with
 *   `retriable: true`; see failure-classifier.ts): the same segment runs again after a capped backoff, for as long
 *   as it takes. No retry budget is spent and nothing is bisected or dead-lettered: the records are valid, and an
 *   outage of a sink must not send them to the dead-letter destination (issue 12: a DynamoDB outage dead-lettered
 *   valid records 1.5 s in). The shard waits; the abort signal still ends the wait.
 * - the handler throws (or answers an invalid `batchItemFailures`, as Lambda treats it): with bisection and more
 *   than one record, the segment is split in two (push the middle as a new end) and the first half runs at once;
 *   a split uses no retry budget (as in Lambda). Otherwise every record of the segment has failed one attempt;
 *   records past their budget (1 + maximumRetryAttempts failed attempts) are dead-lettered
 *   (RetryAttemptsExhausted) and the rest is retried after a backoff. Without bisection a failing batch is thus
 *   dead-lettered whole after its retries, as Lambda does.
 * - the handler reports failed records: records before the lowest reported one are done (Lambda checkpoints
 *   before the lowest failed sequence number); `retriable: false` ones are dead-lettered at once
 *   (NonRetriableFailure); the others have failed an attempt, and those past their budget are dead-lettered.
 *   The rest of the segment runs again from its first record not done: after a backoff when a reported record
 *   stays to be retried, at once when all reported ones were dead-lettered. Records after a failure count as not
 *   done even when not reported (a handler may stop at its first failure, as AWS's example does): a handler that
 *   reports every failure and processes the rest sees those records again (at-least-once).
 * - once a dead-lettered record has resolved a segment, the pending halves of the bisection are merged back
 *   into one segment: the poison is found, the rest should not be called in ever smaller pieces.
 *
 * Before each call, records of the segment older than maximumRecordAgeInSeconds are dead-lettered
 * (RecordAgeExceeded) without calling the handler; with no destination they are dropped (Lambda discards them)
 * and reported through `onDiscarded`, since keeping them would block the shard for good.
 *
 * Exits by rejection (BatchProcessingError, with the progress so far in `outcome`):
 * - HANDLER_FAILED: a record must be dead-lettered but there is no destination. The shard stops before it.
 * - DEAD_LETTER_FAILED (retriable): the destination refused; those records and everything after them stay not done.
 * - SHUTDOWN: the context's AbortSignal fired. It is checked before each handler call and wakes a backoff wait;
 *   a call in progress is not interrupted (the handler sees the same signal in its context). The caller decides
 *   whether to checkpoint `outcome.processedUpTo` (graceful shutdown) or not (lease lost).
 */
import type { ConsumerRecord } from '../consumer-types';
import { BatchProcessingError, type BatchOutcome } from '../consumer-error';
import { resolveProcessingOptions, type BatchProcessorOptions, type ResolvedProcessingOptions } from './processing-options';
import {
  recordIdentifier,
  type BatchContext,
  type BatchItemFailure,
  type DeadLetterCondition,
  type DeadLetterEntry,
  type ErrorSummary,
} from './processing-types';
import { fullJitterDelayMs } from '@tributary/runtime';

export class BatchProcessor {
  private readonly options: ResolvedProcessingOptions;

  constructor(options: BatchProcessorOptions) {
    this.options = resolveProcessingOptions(options);
  }

  /** The resolved settings (defaults applied). */
  get settings(): Readonly<ResolvedProcessingOptions> {
    return this.options;
  }

  /**
   * Processes `records` (one shard's, in shard order) until each is handled or dead-lettered. Resolves with the
   * outcome (then `processedUpTo` is the last record); rejects with a BatchProcessingError carrying the
   * progress made when the batch cannot be finished.
   */
  process(records: ConsumerRecord[], context: BatchContext): Promise<BatchOutcome> {
    return new BatchRun(this.options, records, context).execute();
  }
}

/** Failed attempts of one record: the retry budget and what its dead-letter entry says. */
interface FailureHistory {
  attempts: number;
  firstFailureAt: number;
  lastFailureAt: number;
  error: ErrorSummary;
}

type CallResult =
  | { kind: 'success' }
  | { kind: 'error'; error: unknown }
  /** Reported failures by index in the batch, in ascending order. */
  | { kind: 'partial'; failures: Array<{ index: number; item: BatchItemFailure }> };

const REPORTED_FAILURE: ErrorSummary = { name: 'BatchItemFailure', message: 'The handler reported this record as failed.' };

class BatchRun {
  private readonly done: Uint8Array;
  /** The first record not done: everything before it is. */
  private head = 0;
  /** Exclusive ends of the current segment (top) and of the pending halves of a bisection below it. */
  private ends: number[];
  private readonly history = new Map<number, FailureHistory>();
  private readonly outcome: BatchOutcome = { handled: 0, deadLettered: 0, discarded: 0, retries: 0, bisections: 0, handlerCalls: 0 };
  private delayBeforeNextMs = 0;
  /** Platform failures in a row (the backoff's attempt number); reset by any call the platform did not fail. */
  private platformFailures = 0;

  constructor(
    private readonly o: ResolvedProcessingOptions,
    private readonly records: ConsumerRecord[],
    private readonly context: BatchContext,
  ) {
    this.done = new Uint8Array(records.length);
    this.ends = [records.length];
  }

  async execute(): Promise<BatchOutcome> {
    for (;;) {
      while (this.head < this.records.length && this.done[this.head]) this.head++;
      while (this.ends.length > 0 && this.head >= this.ends[this.ends.length - 1]) this.ends.pop();
      if (this.ends.length === 0) return this.snapshot();
      if (this.delayBeforeNextMs > 0) {
        const delay = this.delayBeforeNextMs;
        this.delayBeforeNextMs = 0;
        await this.sleep(delay);
      }
      if (this.context.signal?.aborted) throw this.shutdownError();
      const segment = this.currentSegment();
      if (this.o.maximumRecordAgeInSeconds >= 0) {
        const expired = this.expiredOf(segment);
        if (expired.length > 0) {
          await this.expire(expired);
          continue;
        }
      }
      const result = await this.call(segment);
      if (result.kind === 'success' || (result.kind === 'error' && this.o.classifyFailure(result.error) !== 'platform')) this.platformFailures = 0;
      if (result.kind === 'success') this.markHandled(segment);
      else if (result.kind === 'error') await this.onBatchFailure(segment, result.error);
      else await this.onPartialFailure(segment, result.failures);
    }
  }

  /** Not-done indices in [head, end of the current segment). */
  private currentSegment(): number[] {
    const end = this.ends[this.ends.length - 1];
    const segment: number[] = [];
    for (let i = this.head; i < end; i++) if (!this.done[i]) segment.push(i);
    return segment;
  }

  private async call(segment: number[]): Promise<CallResult> {
    this.outcome.handlerCalls++;
    let response: unknown;
    try {
      response = await this.o.handler(
        segment.map((i) => this.records[i]),
        this.context,
      );
    } catch (error) {
      return { kind: 'error', error };
    }
    return this.interpret(response, segment);
  }

  /** Lambda's rules for a partial batch response (kds-reference.md §5). */
  private interpret(response: unknown, segment: number[]): CallResult {
    if (response === null || typeof response !== 'object') return { kind: 'success' };
    const list = (response as { batchItemFailures?: unknown }).batchItemFailures;
    if (list === undefined || list === null) return { kind: 'success' };
    if (!Array.isArray(list)) return { kind: 'error', error: invalidResponse('batchItemFailures is not an array.') };
    if (list.length === 0) return { kind: 'success' };
    const byId = new Map<string, number>();
    for (const i of segment) byId.set(recordIdentifier(this.records[i]), i);
    // A plain sequence number of an aggregated record names its first sub-record in the batch (and, for order,
    // everything after it): the conservative reading of an identifier Lambda's users would write.
    for (const i of segment) if (!byId.has(this.records[i].sequenceNumber)) byId.set(this.records[i].sequenceNumber, i);
    const byIndex = new Map<number, BatchItemFailure>();
    for (let k = 0; k < list.length; k++) {
      const item = list[k] as unknown;
      const id = typeof item === 'object' && item !== null ? (item as { itemIdentifier?: unknown }).itemIdentifier : undefined;
      if (typeof id !== 'string' || id === '') {
        return { kind: 'error', error: invalidResponse(`batchItemFailures[${k}] has no itemIdentifier.`) };
      }
      const index = byId.get(id);
      if (index === undefined) {
        return { kind: 'error', error: invalidResponse(`batchItemFailures[${k}].itemIdentifier ${JSON.stringify(id)} is not a record of this batch.`) };
      }
      const failure = item as BatchItemFailure;
      const seen = byIndex.get(index);
      // Reported twice: non-retriable wins, the first error is kept.
      if (!seen || (failure.retriable === false && seen.retriable !== false)) {
        byIndex.set(index, seen ? { ...seen, retriable: false, error: seen.error ?? failure.error } : failure);
      }
    }
    const failures = [...byIndex.entries()].sort((a, b) => a[0] - b[0]).map(([index, item]) => ({ index, item }));
    return { kind: 'partial', failures };
  }

  private async onBatchFailure(segment: number[], thrown: unknown): Promise<void> {
    const error = summarizeError(thrown);
    if (this.o.classifyFailure(thrown) === 'platform') {
      this.waitForPlatform(segment.length, error);
      return;
    }
    if (this.o.bisectBatchOnFunctionError && segment.length > 1) {
      const half = segment.length >> 1;
      this.ends.push(segment[half]);
      this.outcome.retries++;
      this.outcome.bisections++;
      this.o.logger.debug({ shardId: this.context.shardId, records: segment.length, error }, 'batch failed: bisecting');
      this.emit(this.o.onRetry, {
        shardId: this.context.shardId,
        streamName: this.context.streamName,
        kind: 'bisect',
        failedRecords: segment.length,
        nextRecords: half,
        retry: 0,
        delayMs: 0,
        error,
      });
      return;
    }
    const now = this.o.clock.now();
    for (const i of segment) this.noteFailure(i, error, now);
    const exhausted = segment.filter((i) => this.isExhausted(i));
    if (exhausted.length > 0) {
      await this.deadLetter(exhausted.map((i) => ({ index: i, condition: 'RetryAttemptsExhausted' as const })));
      if (exhausted.length === segment.length) {
        this.mergeSegments();
        return;
      }
    }
    const rest = segment.filter((i) => !this.done[i]);
    this.scheduleRetry(segment.length, rest.length, rest.reduce((max, i) => Math.max(max, this.attemptsOf(i)), 1), error);
  }

  private async onPartialFailure(segment: number[], failures: Array<{ index: number; item: BatchItemFailure }>): Promise<void> {
    const now = this.o.clock.now();
    const toDeadLetter: Array<{ index: number; condition: DeadLetterCondition }> = [];
    const stay: number[] = [];
    let platform: ErrorSummary | undefined;
    for (const { index, item } of failures) {
      if (item.retriable !== false && item.error !== undefined && this.o.classifyFailure(item.error) === 'platform') {
        // Reported failed because a service was down: no budget spent, retried once the platform answers.
        platform ??= summarizeError(item.error);
        stay.push(index);
        continue;
      }
      this.noteFailure(index, item.error === undefined ? REPORTED_FAILURE : summarizeError(item.error), now);
      if (item.retriable === false) toDeadLetter.push({ index, condition: 'NonRetriableFailure' });
      else if (this.isExhausted(index)) toDeadLetter.push({ index, condition: 'RetryAttemptsExhausted' });
      else stay.push(index);
    }
    // Lambda checkpoints before the lowest failed record: the handler succeeded on the records before it. The
    // records after it are not done, reported or not: a handler may stop at its first failure (AWS's own
    // example does), so they run again, in order, with the dead-lettered ones left out.
    this.markHandled(segment.filter((i) => i < failures[0].index));
    if (toDeadLetter.length > 0) await this.deadLetter(toDeadLetter);
    if (stay.length === 0) {
      // The failed records are resolved: go on at once with what follows them (no failure to back off from).
      if (toDeadLetter.some((d) => d.condition === 'RetryAttemptsExhausted')) this.mergeSegments();
      return;
    }
    const next = segment.filter((i) => !this.done[i]).length;
    const counted = stay.filter((i) => this.attemptsOf(i) > 0);
    if (counted.length === 0 && platform) {
      this.waitForPlatform(segment.length, platform, next);
      return;
    }
    this.platformFailures = 0;
    this.scheduleRetry(segment.length, next, this.attemptsOf(counted[0]), this.history.get(counted[0])?.error ?? REPORTED_FAILURE);
  }

  /** The same records again after a capped backoff, without spending retry budget (see the file header). */
  private waitForPlatform(failedRecords: number, error: ErrorSummary, nextRecords = failedRecords): void {
    this.platformFailures++;
    const delayMs = fullJitterDelayMs(this.platformFailures, this.o.retryBackoff.baseMs, this.o.retryBackoff.maxMs, this.o.random);
    this.delayBeforeNextMs = delayMs;
    this.outcome.retries++;
    this.o.logger.debug({ shardId: this.context.shardId, records: failedRecords, failures: this.platformFailures, delayMs, error }, 'batch failed on the platform: waiting, no retry budget used');
    this.emit(this.o.onRetry, {
      shardId: this.context.shardId,
      streamName: this.context.streamName,
      kind: 'platform',
      failedRecords,
      nextRecords,
      retry: this.platformFailures,
      delayMs,
      error,
    });
  }

  private scheduleRetry(failedRecords: number, nextRecords: number, retry: number, error: ErrorSummary): void {
    const delayMs = fullJitterDelayMs(retry, this.o.retryBackoff.baseMs, this.o.retryBackoff.maxMs, this.o.random);
    this.delayBeforeNextMs = delayMs;
    this.outcome.retries++;
    this.o.logger.debug({ shardId: this.context.shardId, records: failedRecords, retry, delayMs, error }, 'batch failed: retrying');
    this.emit(this.o.onRetry, {
      shardId: this.context.shardId,
      streamName: this.context.streamName,
      kind: 'retry',
      failedRecords,
      nextRecords,
      retry,
      delayMs,
      error,
    });
  }

  private noteFailure(index: number, error: ErrorSummary, now: number): void {
    const h = this.history.get(index);
    if (h) {
      h.attempts++;
      h.lastFailureAt = now;
      h.error = error;
    } else {
      this.history.set(index, { attempts: 1, firstFailureAt: now, lastFailureAt: now, error });
    }
  }

  private attemptsOf(index: number): number {
    return this.history.get(index)?.attempts ?? 0;
  }

  private isExhausted(index: number): boolean {
    return this.o.maximumRetryAttempts >= 0 && this.attemptsOf(index) > this.o.maximumRetryAttempts;
  }

  private expiredOf(segment: number[]): number[] {
    const oldest = this.o.clock.now() - this.o.maximumRecordAgeInSeconds * 1000;
    return segment.filter((i) => this.records[i].approximateArrivalTimestamp.getTime() < oldest);
  }

  private async expire(expired: number[]): Promise<void> {
    if (this.o.onFailure) {
      await this.deadLetter(expired.map((index) => ({ index, condition: 'RecordAgeExceeded' as const })));
      return;
    }
    for (const i of expired) this.done[i] = 1;
    this.outcome.discarded += expired.length;
    const records = expired.map((i) => this.records[i]);
    this.o.logger.warn(
      { shardId: this.context.shardId, records: expired.length, firstSequenceNumber: records[0].sequenceNumber },
      `records older than maximumRecordAgeInSeconds (${this.o.maximumRecordAgeInSeconds}) discarded: no dead-letter destination`,
    );
    this.emit(this.o.onDiscarded, { shardId: this.context.shardId, streamName: this.context.streamName, records });
  }

  /** Sends records (ascending indices) to the destination and marks them done; without one, stops the shard. */
  private async deadLetter(items: Array<{ index: number; condition: DeadLetterCondition }>): Promise<void> {
    items.sort((a, b) => a.index - b.index);
    const sink = this.o.onFailure;
    if (!sink) {
      const first = items[0];
      const record = this.records[first.index];
      const attempts = this.attemptsOf(first.index);
      const nonRetriable = first.condition === 'NonRetriableFailure';
      throw new BatchProcessingError(
        'HANDLER_FAILED',
        `Record ${recordIdentifier(record)} of shard ${this.context.shardId} failed ` +
          (nonRetriable ? 'as non-retriable' : `${attempts} attempt(s)`) +
          ` and no dead-letter destination (onFailure) is configured: the shard stops before it. Last error: ${this.history.get(first.index)?.error.message ?? 'unknown'}`,
        !nonRetriable,
        this.snapshot(),
        { shardId: this.context.shardId, record, attempts },
      );
    }
    const now = this.o.clock.now();
    const entries = items.map(({ index, condition }): DeadLetterEntry => {
      const h = this.history.get(index);
      const error =
        condition === 'RecordAgeExceeded'
          ? { name: 'RecordAgeExceeded', message: `Record older than maximumRecordAgeInSeconds (${this.o.maximumRecordAgeInSeconds}).` }
          : (h?.error ?? REPORTED_FAILURE);
      return {
        record: this.records[index],
        streamName: this.context.streamName,
        condition,
        error,
        attempts: h?.attempts ?? 0,
        firstFailureAt: new Date(h?.firstFailureAt ?? now),
        lastFailureAt: new Date(h?.lastFailureAt ?? now),
      };
    });
    try {
      await sink.send(entries);
    } catch (cause) {
      throw new BatchProcessingError(
        'DEAD_LETTER_FAILED',
        `The dead-letter destination refused ${entries.length} record(s) of shard ${this.context.shardId}: ${summarizeError(cause).message}`,
        true,
        this.snapshot(),
        { shardId: this.context.shardId, record: entries[0].record, attempts: entries[0].attempts },
        { cause },
      );
    }
    for (const { index } of items) this.done[index] = 1;
    this.outcome.deadLettered += entries.length;
    this.o.logger.warn(
      { shardId: this.context.shardId, records: entries.length, conditions: [...new Set(entries.map((e) => e.condition))] },
      'records sent to the dead-letter destination',
    );
    this.emit(this.o.onDeadLettered, { shardId: this.context.shardId, streamName: this.context.streamName, entries });
  }

  private markHandled(indices: number[]): void {
    for (const i of indices) {
      if (this.done[i]) continue;
      this.done[i] = 1;
      this.outcome.handled++;
    }
  }

  /** The poison is out: what is left of the batch runs as one segment again. */
  private mergeSegments(): void {
    this.ends = [this.records.length];
  }

  private sleep(ms: number): Promise<void> {
    const signal = this.context.signal;
    if (signal?.aborted) return Promise.reject(this.shutdownError());
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        this.o.timers.clearTimeout(handle);
        reject(this.shutdownError());
      };
      const handle = this.o.timers.setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  private shutdownError(): BatchProcessingError {
    const record = this.head < this.records.length ? this.records[this.head] : undefined;
    return new BatchProcessingError(
      'SHUTDOWN',
      `Processing of shard ${this.context.shardId} was aborted before record ${record ? recordIdentifier(record) : '(none)'}.`,
      false,
      this.snapshot(),
      { shardId: this.context.shardId, ...(record ? { record } : {}) },
      { cause: this.context.signal?.reason },
    );
  }

  private snapshot(): BatchOutcome {
    let prefix = this.head;
    while (prefix < this.records.length && this.done[prefix]) prefix++;
    const out: BatchOutcome = { ...this.outcome };
    if (prefix > 0) out.processedUpTo = this.records[prefix - 1];
    return out;
  }

  private emit<T>(hook: ((event: T) => void) | undefined, event: T): void {
    if (!hook) return;
    try {
      hook(event);
    } catch (err) {
      this.o.logger.warn({ err: summarizeError(err) }, 'a batch processor event hook threw; ignored');
    }
  }
}

function invalidResponse(why: string): Error {
  const error = new Error(`Invalid partial batch response: ${why} The whole batch counts as failed (as Lambda treats it).`);
  error.name = 'InvalidBatchResponse';
  return error;
}

/** The error fields a dead-letter entry keeps: name, message and a string `code` when the error has one. */
export function summarizeError(error: unknown): ErrorSummary {
  if (typeof error === 'object' && error !== null) {
    const e = error as { name?: unknown; message?: unknown; code?: unknown };
    const name = typeof e.name === 'string' && e.name ? e.name : error instanceof Error ? 'Error' : 'Object';
    const message = typeof e.message === 'string' ? e.message : safeJson(error);
    const code = typeof e.code === 'string' || typeof e.code === 'number' ? String(e.code) : undefined;
    return code === undefined ? { name, message } : { name, message, code };
  }
  return { name: typeof error === 'string' ? 'Error' : typeof error, message: String(error) };
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
