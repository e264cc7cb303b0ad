/**
 * Retry scheduling within the time-to-live (the KPL's Retrier, plus its Limiter's throttling feedback):
 * - what failed is retried after an exponential backoff with full jitter (BackoffPolicy); retries of a call's
 *   records share one delay, so they travel together; when the backoff would outlast the TTL, the records get one
 *   last attempt just before their deadline;
 * - a permanent failure (stream missing, access denied, validation…) fails the records at once (RECORD_REJECTED);
 * - a throttle answer cuts the shard's rate (ShardRateLimiter.onThrottle, AIMD);
 * - a record whose TTL ends while queued, waiting for room or between retries expires (RECORD_EXPIRED); with
 *   `expireBehind` (ordered mode) it takes the records queued behind it on its shard with it;
 * - ordered mode puts failed records back at the head of their shard's queue, which waits for the backoff, so a
 *   retry never overtakes or is overtaken by a later record of its key; unordered mode keeps them in a heap by
 *   time, and releases everything due within a couple of milliseconds together.
 */
import type { ClassifiedFailure } from '@tributary/errors';
import { BackoffPolicy } from '@tributary/runtime';
import type { FailureReporter } from '../producer/failure-reporter';
import type { ProducerBuffer } from '../producer/producer-buffer';
import type { ProducerContext } from '../producer/producer-context';
import type { ResolvedOptions } from '../producer/producer-options';
import { MinHeap } from '../queues/min-heap';
import type { AttemptFailures, PendingRecord, ShardChannel } from '../routing/shard-channel';
import type { ShardRouter } from '../routing/shard-router';

export class RetryScheduler {
  private readonly o: ResolvedOptions;
  private readonly backoff: BackoffPolicy;
  private readonly heap = new MinHeap<PendingRecord[]>();
  /** Records waiting for their backoff in the heap (unordered mode). */
  retryingRecords = 0;

  constructor(
    private readonly ctx: ProducerContext,
    private readonly buffer: ProducerBuffer,
    private readonly router: ShardRouter,
    private readonly failures: FailureReporter,
    random: () => number,
  ) {
    this.o = ctx.o;
    this.backoff = new BackoffPolicy({ baseDelayMs: ctx.o.retryBaseDelayMs, maxDelayMs: ctx.o.retryMaxDelayMs }, random);
  }

  /** When the earliest backoff in the heap ends (Infinity when none). */
  get nextRetryAt(): number {
    return this.heap.peekKey();
  }

  /** A shard answered with throttling: count it, cut its rate, and hold it back until the cut takes effect. */
  onThrottled(ch: ShardChannel, sentAt: number, kinesisRecords: number): void {
    this.ctx.totals.throttles += kinesisRecords;
    if (!ch.limiter || !ch.shardId) return;
    const cut = ch.limiter.onThrottle(sentAt);
    if (cut) ch.limiterUntil = Math.max(ch.limiterUntil, this.ctx.clock.now() + 1);
    const events = this.ctx.events;
    if (events.wants('throttle')) {
      events.emit('throttle', { streamName: this.o.streamName, shardId: ch.shardId, kinesisRecords, rateFactor: ch.limiter.rateFactor(), cut });
    }
  }

  /** `records` (of `kinesisRecords` Kinesis records of channel `ch`) failed with `failure`: retry, expire or reject them. */
  retryOrFail(records: PendingRecord[], failure: ClassifiedFailure, ch: ShardChannel, kinesisRecords: number, now: number): void {
    const alive: PendingRecord[] = [];
    const expired: PendingRecord[] = [];
    let maxAttempts = 0;
    let earliestDeadline = Infinity;
    for (const r of records) {
      noteFailure(r, failure);
      if (failure.kind === 'permanent') continue;
      if (r.deadline <= now) {
        expired.push(r);
        continue;
      }
      alive.push(r);
      if (r.attempts > maxAttempts) maxAttempts = r.attempts;
      if (r.deadline < earliestDeadline) earliestDeadline = r.deadline;
    }
    if (failure.kind === 'permanent') {
      this.failures.fail(records, 'RECORD_REJECTED', ch, now, failure);
      return;
    }
    if (expired.length > 0 && this.o.expireBehind) {
      // Nothing of this shard may go out ahead of what just expired: the call's other records and the queue behind
      // them expire too, in order (the queue holds only records put later: ordered mode sends from its head).
      const behind = ch.queue.drain();
      this.buffer.queuedRecords -= behind.length;
      for (const r of behind) this.buffer.queuedBytes -= r.size;
      ch.queuedBytes = 0;
      this.failures.fail([...records, ...behind], 'RECORD_EXPIRED', ch, now);
      return;
    }
    if (expired.length > 0) this.failures.fail(expired, 'RECORD_EXPIRED', ch, now);
    if (alive.length === 0) return;
    const notBefore = this.retryTime(alive, maxAttempts, earliestDeadline, now);
    this.schedule(alive, notBefore);
    this.emitRetry(ch, alive.length, kinesisRecords, failure, notBefore - now, maxAttempts + 1);
  }

  /**
   * When `alive` may be tried again: after the backoff for their attempts, or, when the backoff would outlast the
   * time-to-live, one last attempt just before the deadline (better than giving up), but only one (a failure that
   * fast would otherwise retry in a loop in the deadline's last millisecond).
   */
  private retryTime(alive: PendingRecord[], maxAttempts: number, earliestDeadline: number, now: number): number {
    const notBefore = now + this.backoff.delayMs(maxAttempts);
    if (notBefore < earliestDeadline) return notBefore;
    let lastChance = false;
    for (const r of alive) {
      const f = r.failure as AttemptFailures;
      if (!f.lastChance) lastChance = true;
      f.lastChance = true;
    }
    return lastChance && earliestDeadline - 1 > now ? earliestDeadline - 1 : earliestDeadline;
  }

  private schedule(alive: PendingRecord[], notBefore: number): void {
    this.ctx.totals.retries += alive.length;
    if (this.o.ordered) {
      // Failed records keep their place: back to the head of their shard's queue, which waits for the backoff.
      this.requeueAtHead(alive, notBefore);
    } else {
      this.heap.push(notBefore, alive);
      this.retryingRecords += alive.length;
    }
  }

  private emitRetry(ch: ShardChannel, userRecords: number, kinesisRecords: number, failure: ClassifiedFailure, delayMs: number, attempt: number): void {
    const events = this.ctx.events;
    if (!events.wants('retry')) return;
    events.emit('retry', {
      streamName: this.o.streamName,
      ...(ch.shardId ? { shardId: ch.shardId } : {}),
      userRecords,
      kinesisRecords,
      code: failure.code,
      kind: failure.kind === 'throttled' ? 'throttled' : 'transient',
      delayMs: Math.max(0, delayMs),
      attempt,
    });
  }

  /** Puts records (in put order) back at the head of the channels that own them now; they wait until `notBefore`. */
  requeueAtHead(records: PendingRecord[], notBefore: number): void {
    for (const [ch, list] of this.router.groupByRoute(records)) {
      ch.unshiftAll(list);
      if (notBefore > ch.blockedUntil) ch.blockedUntil = notBefore;
      this.buffer.queuedRecords += list.length;
      for (const r of list) this.buffer.queuedBytes += r.size;
    }
  }

  /** Moves the records whose backoff has ended from the heap back to their queues. */
  releaseRetries(now: number): void {
    const heap = this.heap;
    if (heap.size === 0 || heap.peekKey() > now) return;
    // Everything due within a couple of milliseconds goes together, so that retries share calls.
    const collected: PendingRecord[] = [];
    while (heap.size > 0 && heap.peekKey() <= now + 2) {
      for (const r of heap.pop() as PendingRecord[]) collected.push(r);
    }
    this.retryingRecords -= collected.length;
    collected.sort((a, b) => a.id - b.id);
    this.requeueAtHead(collected, 0);
  }

  /** Records whose time-to-live ended while queued or waiting for room. */
  expire(now: number): void {
    const expireBehind = this.o.expireBehind;
    for (const ch of this.router.channelList) {
      let head = ch.queue.peek();
      if (!head || head.deadline > now) continue;
      // expireBehind: the call in flight holds older records of this shard; its answer decides (retryOrFail).
      if (expireBehind && ch.inFlight > 0) continue;
      const expired: PendingRecord[] = [];
      while (head && (head.deadline <= now || (expireBehind && expired.length > 0))) {
        expired.push(ch.shift());
        this.buffer.queuedRecords--;
        this.buffer.queuedBytes -= head.size;
        head = ch.queue.peek();
      }
      this.failures.fail(expired, 'RECORD_EXPIRED', ch, now);
    }
    const waiters = this.buffer.waiters;
    let waiter = waiters.peek();
    if (waiter && waiter.deadline <= now) {
      const expired: PendingRecord[] = [];
      while (waiter && waiter.deadline <= now) {
        expired.push(waiters.shift() as PendingRecord);
        waiter = waiters.peek();
      }
      this.failures.fail(expired, 'RECORD_EXPIRED', undefined, now, undefined, false);
    }
  }
}

/** Notes the attempt's failure on the record (the first one allocates: most records never fail). */
function noteFailure(r: PendingRecord, failure: ClassifiedFailure): void {
  if (r.failure) {
    r.failure.lastErrorCode = failure.code;
    r.failure.lastErrorMessage = failure.message;
  } else {
    r.failure = { firstErrorCode: failure.code, lastErrorCode: failure.code, lastErrorMessage: failure.message, lastChance: false };
  }
}
