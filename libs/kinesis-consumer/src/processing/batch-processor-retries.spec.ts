/**
 * The batch processor's retries on fake time: full-jitter exponential backoff, unlimited retries, the retry and
 * dead-letter hooks, aborts (during a wait, before the first call, between calls), the options' validation and
 * defaults, and failures of the platform, which spend no retry budget (split from batch-processor.spec.ts, which
 * keeps the poison-record handling).
 */
import { BatchProcessor } from './batch-processor';
import type { BatchProcessorOptions } from './processing-options';
import { recordIdentifier, type ProcessingDeadLetterEvent, type ProcessingRetryEvent } from './processing-types';
import {
  contextOf,
  indexOf,
  makeRecords,
  MemoryDeadLetterSink,
  processorWith,
  recordingHandler,
  rejectionOf,
  reportOn,
  SHARD,
  SteppingClock,
  throwOn,
} from '../testing/processing-test-kit';

describe('BatchProcessor: retries and backoff', () => {
  it('waits full-jitter exponential delays, capped', async () => {
    const records = makeRecords({ count: 1 });
    const { handler } = recordingHandler(() => {
      throw new Error('down');
    });
    const sink = new MemoryDeadLetterSink();
    const { processor, clock } = processorWith({
      handler,
      maximumRetryAttempts: 4,
      retryBackoff: { baseMs: 100, maxMs: 350 },
      random: () => 0.9999999,
      onFailure: sink,
    });
    await processor.process(records, contextOf());
    expect(clock.waits).toEqual([100, 200, 350, 350]);
    const low = processorWith({ handler, maximumRetryAttempts: 2, retryBackoff: { baseMs: 100, maxMs: 350 }, random: () => 0, onFailure: sink });
    await low.processor.process(records, contextOf());
    expect(low.clock.waits).toEqual([]); // a zero delay does not set a timer
  });

  it('-1 retries until the handler succeeds', async () => {
    const records = makeRecords({ count: 3 });
    let failures = 25;
    const { calls, handler } = recordingHandler(() => {
      if (failures-- > 0) throw new Error('flaky');
    });
    const sink = new MemoryDeadLetterSink();
    const outcome = await processorWith({ handler, maximumRetryAttempts: -1, bisectBatchOnFunctionError: false, onFailure: sink, retryBackoff: { baseMs: 10, maxMs: 1_000 } })
      .processor.process(records, contextOf());
    expect(calls).toHaveLength(26);
    expect(sink.entries).toEqual([]);
    expect(outcome).toMatchObject({ handled: 3, retries: 25, processedUpTo: records[2] });
  });

  it('reports retries and dead letters to the hooks; a throwing hook changes nothing', async () => {
    const records = makeRecords({ count: 8 });
    const events: ProcessingRetryEvent[] = [];
    const dead: ProcessingDeadLetterEvent[] = [];
    const { handler } = recordingHandler(throwOn(new Set([2])));
    const outcome = await processorWith({
      handler,
      maximumRetryAttempts: 1,
      onFailure: new MemoryDeadLetterSink(),
      onRetry: (e) => {
        events.push(e);
        throw new Error('listener bug');
      },
      onDeadLettered: (e) => dead.push(e),
    }).processor.process(records, contextOf());
    expect(events.map((e) => [e.kind, e.failedRecords, e.nextRecords])).toEqual([
      ['bisect', 8, 4],
      ['bisect', 4, 2],
      ['bisect', 2, 1],
      ['retry', 1, 1],
    ]);
    expect(events[3]).toMatchObject({ shardId: SHARD, streamName: 'telemetry', retry: 1, error: { message: 'cannot process record 2' } });
    expect(dead).toHaveLength(1);
    expect(dead[0].entries.map((e) => indexOf(e.record))).toEqual([2]);
    expect(outcome.deadLettered).toBe(1);
  });
});

describe('BatchProcessor: abort', () => {
  it('stops a backoff wait and rejects with SHUTDOWN and the progress so far', async () => {
    const clock = new SteppingClock();
    clock.hold = true;
    const records = makeRecords({ count: 10 });
    const { calls, handler } = recordingHandler(reportOn(new Set([6])));
    const controller = new AbortController();
    const { processor } = processorWith({ handler, maximumRetryAttempts: -1, onFailure: new MemoryDeadLetterSink(), clock });
    const run = rejectionOf(processor.process(records, contextOf(controller.signal)));
    while (clock.pending === 0) await new Promise((r) => setImmediate(r));
    controller.abort(new Error('lease lost'));
    const err = await run;
    expect(err).toMatchObject({ code: 'SHUTDOWN', retriable: false });
    expect(err.outcome.processedUpTo).toBe(records[5]);
    expect(err.context.record).toBe(records[6]);
    expect(calls).toHaveLength(1);
    expect(clock.pending).toBe(0);
  });

  it('rejects before any call when already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const handler = jest.fn(async () => undefined);
    const err = await rejectionOf(processorWith({ handler }).processor.process(makeRecords({ count: 3 }), contextOf(controller.signal)));
    expect(err.code).toBe('SHUTDOWN');
    expect(err.outcome.processedUpTo).toBeUndefined();
    expect(handler).not.toHaveBeenCalled();
  });

  it('does not interrupt a call in progress, and stops before the next one', async () => {
    const controller = new AbortController();
    const records = makeRecords({ count: 4 });
    const { calls, handler } = recordingHandler((indices) => {
      controller.abort();
      if (indices.length > 1) throw new Error('fails');
    });
    const err = await rejectionOf(processorWith({ handler }).processor.process(records, contextOf(controller.signal)));
    expect(calls).toHaveLength(1);
    expect(err.code).toBe('SHUTDOWN');
  });
});

describe('BatchProcessor: options', () => {
  const handler = async (): Promise<void> => undefined;
  it.each<[string, Partial<BatchProcessorOptions>]>([
    ['maximumRetryAttempts', { maximumRetryAttempts: -2 }],
    ['maximumRetryAttempts', { maximumRetryAttempts: 1.5 }],
    ['maximumRecordAgeInSeconds', { maximumRecordAgeInSeconds: 0 }],
    ['bisectBatchOnFunctionError', { bisectBatchOnFunctionError: 'yes' as unknown as boolean }],
    ['retryBackoff.maxMs', { retryBackoff: { baseMs: 100, maxMs: 10 } }],
    ['retryBackoff.baseMs', { retryBackoff: { baseMs: -1 } }],
    ['onFailure', { onFailure: {} as never }],
    ['handler', { handler: undefined as never }],
  ])('refuses a bad %s', (setting, options) => {
    expect(() => new BatchProcessor({ handler, ...options })).toThrow(expect.objectContaining({ code: 'INVALID_OPTION', message: expect.stringContaining(setting) }));
  });

  it('applies the defaults', () => {
    const { settings } = new BatchProcessor({ handler });
    expect(settings).toMatchObject({
      maximumRetryAttempts: 3,
      bisectBatchOnFunctionError: true,
      maximumRecordAgeInSeconds: -1,
      retryBackoff: { baseMs: 500, maxMs: 30_000 },
    });
    expect(settings.onFailure).toBeUndefined();
  });
});

// Regression (issue 12, item 15): a sink whose backend was down made the handler throw, and with the default
// budget the records went to the dead-letter destination 1.5 s into the outage although they were valid.
describe('BatchProcessor: failures of the platform spend no retry budget', () => {
  const unreachable = (): Error => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8000'), { code: 'ECONNREFUSED' });
  const sinkDown = (): Error => Object.assign(new Error('device-state write failed'), { name: 'TelemetryConsumerError', code: 'DEVICE_STATE_FAILED', retriable: true });

  it('retries a batch the platform keeps failing (far past maximumRetryAttempts) until it succeeds: nothing dead-lettered, nothing bisected', async () => {
    const records = makeRecords({ count: 10 });
    let outage = 25;
    const { calls, handler } = recordingHandler(() => {
      if (outage-- > 0) throw outage % 2 === 0 ? unreachable() : sinkDown();
    });
    const sink = new MemoryDeadLetterSink();
    const retries: ProcessingRetryEvent[] = [];
    const { processor, clock } = processorWith({ handler, maximumRetryAttempts: 3, retryBackoff: { baseMs: 100, maxMs: 1_000 }, onFailure: sink, onRetry: (e) => retries.push(e) });

    const outcome = await processor.process(records, contextOf());

    expect(sink.entries).toEqual([]);
    expect(calls).toHaveLength(26);
    for (const c of calls) expect(c).toEqual(records.map(indexOf));
    expect(outcome).toMatchObject({ processedUpTo: records[9], handled: 10, deadLettered: 0, bisections: 0, retries: 25 });
    expect(retries.map((e) => e.kind)).toEqual(Array(25).fill('platform'));
    expect(retries.map((e) => e.retry)).toEqual(Array.from({ length: 25 }, (_, k) => k + 1));
    // Capped backoff: full jitter (random 0.5) under min(maxMs, baseMs · 2^(n−1)).
    expect(clock.waits.slice(0, 5)).toEqual([50, 100, 200, 400, 500]);
    expect(Math.max(...clock.waits)).toBe(500);
  });

  it('counts only the handler’s own failures: a poison record is dead-lettered after 1 + maximumRetryAttempts of them, whatever the outages between', async () => {
    const records = makeRecords({ count: 8 });
    let call = 0;
    const { calls, handler } = recordingHandler((indices) => {
      call++;
      // Every other call meets an outage; the others reach record 5, which the handler rejects.
      if (call % 2 === 1) throw sinkDown();
      throwOn(new Set([5]))(indices);
    });
    const sink = new MemoryDeadLetterSink();
    const outcome = await processorWith({ handler, maximumRetryAttempts: 2, retryBackoff: { baseMs: 1, maxMs: 1 }, onFailure: sink }).processor.process(records, contextOf());
    expect(sink.entries.map((e) => [indexOf(e.record), e.condition, e.attempts, e.error.code])).toEqual([[5, 'RetryAttemptsExhausted', 3, 'E_POISON']]);
    expect(outcome).toMatchObject({ processedUpTo: records[7], handled: 7, deadLettered: 1 });
    expect(calls.filter((c) => c.length === 1 && c[0] === 5).length).toBeGreaterThanOrEqual(3);
  });

  it('a reported failure whose error is the platform’s is retried without budget; a non-retriable one is dead-lettered at once', async () => {
    const records = makeRecords({ count: 6 });
    let outage = 10;
    const { calls, handler } = recordingHandler((_indices, recs) => {
      const failures = [];
      const two = recs.find((r) => indexOf(r) === 2);
      const four = recs.find((r) => indexOf(r) === 4);
      if (two && outage-- > 0) failures.push({ itemIdentifier: recordIdentifier(two), error: unreachable() });
      if (four) failures.push({ itemIdentifier: recordIdentifier(four), retriable: false, error: new Error('invalid') });
      return { batchItemFailures: failures };
    });
    const sink = new MemoryDeadLetterSink();
    const outcome = await processorWith({ handler, maximumRetryAttempts: 1, retryBackoff: { baseMs: 1, maxMs: 1 }, onFailure: sink }).processor.process(records, contextOf());
    expect(sink.entries.map((e) => [indexOf(e.record), e.condition])).toEqual([[4, 'NonRetriableFailure']]);
    expect(outcome).toMatchObject({ processedUpTo: records[5], handled: 5, deadLettered: 1 });
    expect(calls.length).toBeGreaterThan(10);
  });

  it('stops waiting when the shard is aborted, with nothing reported done', async () => {
    const records = makeRecords({ count: 3 });
    const controller = new AbortController();
    const { handler } = recordingHandler(() => {
      controller.abort();
      throw unreachable();
    });
    const err = await rejectionOf(processorWith({ handler, onFailure: new MemoryDeadLetterSink() }).processor.process(records, contextOf(controller.signal)));
    expect(err.code).toBe('SHUTDOWN');
    expect(err.outcome.processedUpTo).toBeUndefined();
  });
});

