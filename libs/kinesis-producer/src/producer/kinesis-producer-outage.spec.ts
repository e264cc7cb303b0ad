/**
 * The producer through an outage, on a fake clock against the in-memory Kinesis (issue 12):
 * - the log: a minute-long outage wrote 24,008 lines (18 MB), a warning per expiry batch and a stack per record;
 *   now the outage is logged once, then one summary per interval, then the recovery once;
 * - the delivery status a health check reports: degraded while calls fail, ok once records are stored again;
 * - `expireBehind` (ordered mode): a record that expires takes the records queued behind it on its shard with it,
 *   so a later record of its key never goes out ahead of it (what the durable buffer's per-key order rests on).
 */
import { FakeTimers } from '@tributary/runtime/testing';
import { KinesisProducer } from './kinesis-producer';
import type { KinesisProducerOptions } from './producer-options';
import type { FailedRecord } from './producer-types';
import { CountingLogger } from '../testing/counting-logger';
import { FakeKinesisClient, networkError } from '../testing/fake-kinesis-client';
import { unitProducer } from '../testing/producer-unit-kit';

function harness(options: Partial<KinesisProducerOptions> = {}) {
  const timers = new FakeTimers(undefined, 3);
  const client = new FakeKinesisClient(2);
  const logger = new CountingLogger();
  const failures: FailedRecord[] = [];
  const producer = unitProducer(client, timers, { logger, onFailure: (f) => void failures.push(...f), ...options });
  return { producer, client, timers, logger, failures };
}

/** Awaits `p` while moving the fake clock (a put resolves only once the linger timer fires). */
async function settle<T>(timers: FakeTimers, p: Promise<T>): Promise<T> {
  let done = false;
  void p.then(
    () => (done = true),
    () => (done = true),
  );
  await timers.advanceUntil(() => done, 20);
  return p;
}

describe('KinesisProducer through an outage', () => {
  it('logs the outage once, one summary per 10 s, and the recovery once: a bounded number of lines, no stacks', async () => {
    const h = harness({ recordTtlMs: 2_000, retry: { baseDelayMs: 50, maxDelayMs: 500 } });
    // Delivery works, then Kinesis is unreachable for 61 s, then back.
    await settle(h.timers, h.producer.put({ partitionKey: 'dev-0', data: 'before' }));
    let down = true;
    h.client.callError = () => (down ? networkError('ECONNREFUSED') : undefined);
    const linesBefore = h.logger.shown.length;
    const puts: Array<Promise<unknown>> = [];
    for (let t = 0; t < 61_000; t += 20) {
      // 50 records/s from 20 devices.
      puts.push(h.producer.put({ partitionKey: `dev-${(t / 20) % 20}`, data: `r-${t}` }).catch(() => undefined));
      await h.timers.advance(20);
    }
    expect(h.producer.deliveryStatus()).toEqual(expect.objectContaining({ state: 'degraded', lastErrorCode: 'ECONNREFUSED', reason: expect.stringContaining('ECONNREFUSED') }));
    down = false;
    await settle(h.timers, h.producer.put({ partitionKey: 'dev-0', data: 'after' }));
    await settle(h.timers, Promise.all(puts));
    expect(h.producer.deliveryStatus()).toEqual({ state: 'ok' });
    const lines = h.logger.shown.slice(linesBefore);
    // 1 outage line + at most one summary per 10 s of 61 s + 1 recovery line (it was 1 warning per expiry batch).
    expect(lines.length).toBeLessThanOrEqual(1 + 7 + 1);
    expect(lines.filter((l) => /unreachable/.test(l.msg))).toHaveLength(1);
    expect(lines.filter((l) => /reachable again/.test(l.msg))).toHaveLength(1);
    const summaries = lines.filter((l) => l.msg.startsWith('delivery failing:'));
    expect(summaries.length).toBeGreaterThanOrEqual(5);
    expect(summaries[0].msg).toMatch(/^delivery failing: [\d,]+ retries, [\d,]+ expired, last error ECONNREFUSED$/);
    // Counts, never an error object (a stack) in a shown line.
    expect(lines.every((l) => !('err' in l.obj))).toBe(true);
    const recovery = lines.find((l) => /reachable again/.test(l.msg));
    // Totals of the outage (a few records expire at its very end, after the recovery line).
    expect(recovery?.obj).toEqual(expect.objectContaining({ outageMs: expect.any(Number), retries: expect.any(Number) }));
    expect(recovery?.obj.expired).toBeGreaterThan(h.failures.length - 20);
    expect(h.failures.length).toBeGreaterThan(2_900);
    await settle(h.timers, h.producer.close());
  });

  it('intermittent failures among successes (every third call, 30 % of entries) are not an outage: no outage line, status ok', async () => {
    const h = harness({ retry: { baseDelayMs: 20, maxDelayMs: 100 } });
    h.client.callError = (call) => (call % 3 === 0 ? networkError('ECONNRESET') : undefined);
    h.client.entryOutcome = (_e, i, call) => ((i + call) % 10 < 3 ? 'internal' : 'ok');
    const before = h.logger.shown.length;
    for (let i = 0; i < 300; i++) {
      void h.producer.put({ partitionKey: `k${i % 7}`, data: `r${i}` });
      await h.timers.advance(50);
      expect(h.producer.deliveryStatus()).toEqual({ state: 'ok' });
    }
    await settle(h.timers, h.producer.close());
    const lines = h.logger.shown.slice(before);
    expect(lines.filter((l) => /reachable/.test(l.msg))).toEqual([]);
    expect(lines.length).toBeLessThanOrEqual(3);
  });

  it('throttling alone is not an outage: the status stays ok', async () => {
    const h = harness();
    let calls = 0;
    h.client.entryOutcome = () => (++calls <= 3 ? 'throttle' : 'ok');
    await settle(h.timers, h.producer.put({ partitionKey: 'k', data: 'x' }));
    expect(h.producer.deliveryStatus()).toEqual({ state: 'ok' });
    await settle(h.timers, h.producer.close());
  });

  describe('expireBehind (ordered mode)', () => {
    it('a record that expires takes the records queued behind it on its shard: a later record of its key never goes first', async () => {
      const h = harness({ ordered: true, expireBehind: true, recordTtlMs: 1_000, retry: { baseDelayMs: 100, maxDelayMs: 100 } });
      let down = true;
      h.client.callError = () => (down ? networkError('ECONNREFUSED') : undefined);
      const first = h.producer.put({ partitionKey: 'dev', data: 'first' }).then(
        () => 'delivered',
        (e: { code: string }) => e.code,
      );
      await h.timers.advance(500);
      // Put 500 ms later: 500 ms of its TTL left when `first` expires.
      const second = h.producer.put({ partitionKey: 'dev', data: 'second' }).then(
        () => 'delivered',
        (e: { code: string }) => e.code,
      );
      await h.timers.advance(520);
      down = false;
      await h.timers.advance(1_000);
      expect(await first).toBe('RECORD_EXPIRED');
      // Without expireBehind `second` would have been delivered, ahead of `first` once that is put again.
      expect(await second).toBe('RECORD_EXPIRED');
      expect(h.failures.map((f) => Buffer.from(f.data).toString())).toEqual(['first', 'second']);
      expect(h.client.stored).toHaveLength(0);
      await settle(h.timers, h.producer.close());
    });

    it('is refused without ordered mode', () => {
      expect(() => new KinesisProducer({ streamName: 's', client: new FakeKinesisClient(), expireBehind: true })).toThrow(
        expect.objectContaining({ code: 'INVALID_OPTION', message: expect.stringContaining('expireBehind') }),
      );
    });
  });
});
