/**
 * The delivery log on a fake clock: an outage is logged once when calls have failed for `outageAfterMs` without a
 * success, then one summary per interval with counts, then the recovery once with totals (issue 12: a warning per
 * expired record flooded the log, and the recovery was not logged at all).
 */
import { FakeTimers } from '@tributary/runtime/testing';
import { DeliveryLogSummarizer } from './delivery-log-summarizer';
import { CountingLogger } from '../testing/counting-logger';

function make() {
  const timers = new FakeTimers(Date.UTC(2026, 0, 1), 1);
  const logger = new CountingLogger();
  const log = new DeliveryLogSummarizer({ logger, clock: timers, intervalMs: 10_000, outageAfterMs: 2_000, subject: 'Kinesis' });
  return { timers, logger, log };
}

describe('DeliveryLogSummarizer', () => {
  it('an outage: one line when it starts, one per 10 s with counts, one when it ends; the status follows', () => {
    const { timers, logger, log } = make();
    log.failed('ECONNREFUSED');
    expect(log.status()).toEqual({ state: 'ok' });
    for (let t = 0; t < 61_000; t += 100) {
      timers.set(Date.UTC(2026, 0, 1) + t);
      log.failed('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:4566');
      log.count('retries', 3);
      if (t % 1_000 === 0) log.count('expired', 10);
    }
    expect(log.status()).toEqual({
      state: 'degraded',
      since: Date.UTC(2026, 0, 1), // the first failure of the run that became the outage
      lastErrorCode: 'ECONNREFUSED',
      reason: 'Kinesis unreachable: deliveries failing since 2026-01-01T00:00:00.000Z (ECONNREFUSED)',
    });
    log.delivered();
    expect(log.status()).toEqual({ state: 'ok' });
    const msgs = logger.lines.map((l) => `${l.level} ${l.msg}`);
    expect(msgs[0]).toBe('warn Kinesis unreachable: delivery failing (one summary line every 10 s until it recovers)');
    // The outage began 2 s in (outageAfterMs); summaries at 12, 22, 32, 42 and 52 s; counts from before it included.
    expect(msgs.filter((m) => m.startsWith('warn delivery failing:'))).toHaveLength(5);
    expect(msgs[1]).toBe('warn delivery failing: 360 retries, 120 expired, last error ECONNREFUSED');
    expect(msgs[2]).toBe('warn delivery failing: 300 retries, 100 expired, last error ECONNREFUSED');
    expect(msgs.at(-1)).toBe('info Kinesis reachable again after 60.9 s: 1,830 retries, 610 expired during the outage');
    expect(logger.lines.at(-1)?.obj).toEqual(expect.objectContaining({ outageMs: 60_900, retries: 1_830, expired: 610 }));
    expect(msgs).toHaveLength(7);
  });

  it('a failure followed by a success within outageAfterMs is not an outage', () => {
    const { timers, logger, log } = make();
    log.failed('ECONNRESET');
    timers.set(timers.now() + 1_500);
    log.failed('ECONNRESET');
    log.delivered();
    timers.set(timers.now() + 1_500);
    log.failed('ECONNRESET');
    expect(log.status()).toEqual({ state: 'ok' });
    expect(logger.lines).toEqual([]);
  });

  it('counts outside an outage: a summary at most once per interval, the rest written by flush()', () => {
    const { timers, logger, log } = make();
    timers.set(timers.now() + 10_000);
    log.count('rejected', 2);
    log.count('rejected', 1);
    log.count('spilled', 5);
    expect(logger.lines.map((l) => l.msg)).toEqual(['delivery problems: 2 rejected']);
    log.flush();
    expect(logger.lines.map((l) => `${l.level} ${l.msg}`)).toEqual(['warn delivery problems: 2 rejected', 'warn delivery problems: 1 rejected, 5 spilled']);
    timers.set(timers.now() + 10_000);
    log.count('replayed', 7);
    expect(logger.lines.at(-1)).toEqual(expect.objectContaining({ level: 'info', msg: 'delivery summary: 7 replayed' }));
  });
});
