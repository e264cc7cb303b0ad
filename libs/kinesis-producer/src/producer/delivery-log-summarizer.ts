/**
 * What the producer logs about failing deliveries: the start of an outage once, then at most one summary line per
 * interval with counts ("delivery failing: 1,204 retries, 380 spilled, 0 expired, last error ECONNREFUSED"), and
 * the recovery once, with the outage's length and totals. Never a line (let alone a stack) per record or per call:
 * a minute-long outage used to write 24,008 lines (18 MB), one 1.35 KB warning per expired record (issue 12).
 *
 * It also holds the state a health check reports: 'ok', or 'degraded' with why and since when.
 * Driven by calls from the producer's events; no timer of its own (a summary is written by the first event after
 * the interval: an outage keeps producing events, and a quiet one has nothing new to say).
 */
import type { Clock, Logger } from '@tributary/runtime';
import type { ProducerEventMap } from './producer-events';

export interface DeliveryStatus {
  state: 'ok' | 'degraded';
  /** Degraded: since when (the clock's ms), the reason, and the last error code seen. */
  since?: number;
  reason?: string;
  lastErrorCode?: string;
}

export interface DeliveryLogSummarizerOptions {
  logger: Logger;
  clock: Clock;
  /** At most one summary line per this many ms (default 10,000). */
  intervalMs?: number;
  /** What is unreachable, for the messages ("Kinesis"). */
  subject: string;
  /**
   * Calls must keep failing, without a success in between, this long before it counts as an outage (default
   * 2,000 ms): an occasional failed call among successful ones is a retry, not an outage to log and report.
   */
  outageAfterMs?: number;
}

/** Counters in the order the summary names them. */
const ORDER = ['retries', 'throttled', 'expired', 'rejected', 'spilled', 'dropped', 'replayed'];

export class DeliveryLogSummarizer {
  private readonly intervalMs: number;
  private readonly outageAfterMs: number;
  /** First failure since the last success (an outage once it is outageAfterMs old). */
  private failingSince: number | undefined;
  private outage: { since: number; lastErrorCode: string; lastErrorMessage?: string; totals: Map<string, number> } | undefined;
  private counts = new Map<string, number>();
  private lastSummaryAt: number;

  constructor(private readonly o: DeliveryLogSummarizerOptions) {
    this.intervalMs = o.intervalMs ?? 10_000;
    this.outageAfterMs = o.outageAfterMs ?? 2_000;
    this.lastSummaryAt = o.clock.now();
  }

  /** A delivery attempt failed for a reason that an outage explains (network, 5xx, timeout): degraded. */
  failed(code: string, message?: string): void {
    const now = this.o.clock.now();
    if (!this.outage) {
      this.failingSince ??= now;
      if (now - this.failingSince < this.outageAfterMs) return;
      this.outage = { since: this.failingSince, lastErrorCode: code, ...(message ? { lastErrorMessage: message } : {}), totals: new Map() };
      this.lastSummaryAt = now;
      this.o.logger.warn({ errorCode: code, errorMessage: message }, `${this.o.subject} unreachable: delivery failing (one summary line every ${Math.round(this.intervalMs / 1000)} s until it recovers)`);
      return;
    }
    this.outage.lastErrorCode = code;
    if (message) this.outage.lastErrorMessage = message;
    this.maybeSummarize(now);
  }

  /** Records were delivered: an outage, if any, is over. */
  delivered(): void {
    this.failingSince = undefined;
    if (!this.outage) return;
    const now = this.o.clock.now();
    const totals = this.outage.totals;
    for (const [k, v] of this.counts) totals.set(k, (totals.get(k) ?? 0) + v);
    this.counts = new Map();
    this.lastSummaryAt = now;
    const outageMs = now - this.outage.since;
    this.o.logger.info(
      { outageMs, ...Object.fromEntries(totals), lastErrorCode: this.outage.lastErrorCode },
      `${this.o.subject} reachable again after ${(outageMs / 1000).toFixed(1)} s${totals.size > 0 ? `: ${describe(totals)} during the outage` : ''}`,
    );
    this.outage = undefined;
  }

  /** Adds to a counter of the next summary (retries, expired, rejected, spilled, dropped, replayed…). */
  count(counter: string, n: number): void {
    if (n <= 0) return;
    this.counts.set(counter, (this.counts.get(counter) ?? 0) + n);
    this.maybeSummarize(this.o.clock.now());
  }

  /** Writes what is counted and not yet logged (on close: nothing counted goes unsaid). */
  flush(): void {
    this.maybeSummarize(Infinity);
  }

  status(): DeliveryStatus {
    if (!this.outage) return { state: 'ok' };
    return {
      state: 'degraded',
      since: this.outage.since,
      reason: `${this.o.subject} unreachable: deliveries failing since ${new Date(this.outage.since).toISOString()} (${this.outage.lastErrorCode})`,
      lastErrorCode: this.outage.lastErrorCode,
    };
  }

  private maybeSummarize(now: number): void {
    if (this.counts.size === 0 || now - this.lastSummaryAt < this.intervalMs) return;
    now = Math.min(now, this.o.clock.now());
    this.lastSummaryAt = now;
    const counts = this.counts;
    this.counts = new Map();
    if (this.outage) {
      for (const [k, v] of counts) this.outage.totals.set(k, (this.outage.totals.get(k) ?? 0) + v);
      this.o.logger.warn(
        { ...Object.fromEntries(counts), lastErrorCode: this.outage.lastErrorCode, lastErrorMessage: this.outage.lastErrorMessage, outageMs: now - this.outage.since },
        `delivery failing: ${describe(counts)}, last error ${this.outage.lastErrorCode}`,
      );
    } else {
      // Outside an outage: expiries or rejections are problems; spills and replays alone are the buffer at work.
      const problem = counts.has('expired') || counts.has('rejected') || counts.has('dropped');
      this.o.logger[problem ? 'warn' : 'info']({ ...Object.fromEntries(counts) }, `${problem ? 'delivery problems' : 'delivery summary'}: ${describe(counts)}`);
    }
  }
}

function describe(counts: Map<string, number>): string {
  const names = [...counts.keys()].sort((a, b) => rank(a) - rank(b));
  return names.map((k) => `${(counts.get(k) ?? 0).toLocaleString('en-US')} ${k}`).join(', ');
}

function rank(name: string): number {
  const i = ORDER.indexOf(name);
  return i < 0 ? ORDER.length : i;
}

/** The producer events a summarizer follows (ProducerEvents satisfies it). */
export interface DeliveryEventSource {
  on<K extends 'retry' | 'request-error' | 'failure' | 'records-put' | 'shard-map-error'>(event: K, listener: (payload: ProducerEventMap[K]) => void): unknown;
}

/**
 * A summarizer fed by a producer's events: whole PutRecords calls failing transiently (network, 5xx, timeouts) for
 * `outageAfterMs` without a success mean an outage; a stored record ends it. Failed entries of answered calls
 * (InternalFailure), throttling and a failing ListShards are counted but are not an outage: Kinesis answers.
 */
export function summarizeDeliveries(events: DeliveryEventSource, options: DeliveryLogSummarizerOptions): DeliveryLogSummarizer {
  const log = new DeliveryLogSummarizer(options);
  events.on('request-error', (e) => {
    if (e.kind === 'transient') log.failed(e.code);
  });
  events.on('retry', (e) => log.count(e.kind === 'throttled' ? 'throttled' : 'retries', e.userRecords));
  events.on('failure', (e) => log.count(e.code === 'RECORD_EXPIRED' ? 'expired' : 'rejected', e.records));
  events.on('records-put', () => log.delivered());
  events.on('shard-map-error', () => log.count('shard-map errors', 1));
  return log;
}
