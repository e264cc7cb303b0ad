/**
 * The batch processor's poison-pill handling on fake time: a poison record reaches the dead-letter destination
 * after exactly its retry budget while every other record is handled in order; bisection finds it in O(log n)
 * calls; partial batch responses follow Lambda's rules; record age, non-retriable failures, a missing or failing
 * destination and aborts end where at-least-once requires (never reporting a record done that is not).
 */
import type { ConsumerRecord } from '../consumer-types';
import { BatchProcessor } from './batch-processor';
import type { BatchOutcome } from '../consumer-error';
import { recordIdentifier, type BatchContext, type BatchResponse, type ProcessingRetryEvent } from './processing-types';
import {
  contextOf,
  indexOf,
  makeRecords,
  MemoryDeadLetterSink,
  processorWith,
  recordingHandler,
  rejectionOf,
  reportOn,
  SteppingClock,
  succeededCalls,
  throwOn,
} from '../testing/processing-test-kit';

describe('BatchProcessor: a batch without failures', () => {
  it('calls the handler once with every record in order and reports the last one processed', async () => {
    const records = makeRecords({ count: 10 });
    const { calls, handler } = recordingHandler(() => undefined);
    const { processor } = processorWith({ handler });
    const outcome = await processor.process(records, contextOf());
    expect(calls).toEqual([[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]]);
    expect(outcome).toEqual<BatchOutcome>({
      processedUpTo: records[9],
      handled: 10,
      deadLettered: 0,
      discarded: 0,
      retries: 0,
      bisections: 0,
      handlerCalls: 1,
    });
  });

  it('does not call the handler for an empty batch', async () => {
    const { calls, handler } = recordingHandler(() => undefined);
    const outcome = await processorWith({ handler }).processor.process([], contextOf());
    expect(calls).toEqual([]);
    expect(outcome.processedUpTo).toBeUndefined();
  });

  it('passes the context through to the handler', async () => {
    const seen: BatchContext[] = [];
    const context = contextOf();
    await processorWith({ handler: async (_r, c) => void seen.push(c) }).processor.process(makeRecords({ count: 1 }), context);
    expect(seen).toEqual([context]);
  });

  it.each([
    ['undefined', undefined],
    ['null', null],
    ['an empty object', {}],
    ['an empty list', { batchItemFailures: [] }],
    ['a null list', { batchItemFailures: null }],
  ])('treats %s as success (Lambda)', async (_name, response) => {
    const handler = jest.fn(async () => response as unknown as BatchResponse);
    const outcome = await processorWith({ handler }).processor.process(makeRecords({ count: 5 }), contextOf());
    expect(handler).toHaveBeenCalledTimes(1);
    expect(outcome.handled).toBe(5);
  });
});

describe('BatchProcessor: one poison record among 1000', () => {
  const N = 1000;
  const cases = [0, 1, 137, 499, 500, 998, 999].flatMap((poison) => [0, 3].map((maximumRetryAttempts) => ({ poison, maximumRetryAttempts })));

  it.each(cases)('bisection isolates record $poison and dead-letters it after 1 + $maximumRetryAttempts attempts', async ({ poison, maximumRetryAttempts }) => {
    const records = makeRecords({ count: N });
    const bad = new Set([poison]);
    const { calls, handler } = recordingHandler(throwOn(bad));
    const sink = new MemoryDeadLetterSink();
    const retries: ProcessingRetryEvent[] = [];
    const { processor, clock } = processorWith({ handler, maximumRetryAttempts, onFailure: sink, onRetry: (e) => retries.push(e) });

    const outcome = await processor.process(records, contextOf());

    // Exactly the poison, once, after its budget.
    expect(sink.entries.map((e) => indexOf(e.record))).toEqual([poison]);
    const [entry] = sink.entries;
    expect(entry).toMatchObject({
      condition: 'RetryAttemptsExhausted',
      attempts: maximumRetryAttempts + 1,
      streamName: 'telemetry',
      error: { name: 'Error', message: `cannot process record ${poison}`, code: 'E_POISON' },
    });
    expect(entry.lastFailureAt.getTime()).toBeGreaterThanOrEqual(entry.firstFailureAt.getTime());
    const alone = calls.filter((c) => c.length === 1 && c[0] === poison).length;
    expect(alone).toBe(maximumRetryAttempts + 1);
    // O(log n) calls: at most two per bisection level, the isolated attempts, and the rest in one call.
    expect(calls.length).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(N)) + maximumRetryAttempts + 2);
    // Every other record handled exactly once by a successful call, in shard order.
    expect(succeededCalls(calls, bad)).toEqual(records.map(indexOf).filter((i) => i !== poison));
    // Each call is in order and never starts before the previous one: processing moves forward only.
    for (const c of calls) expect(c).toEqual([...c].sort((a, b) => a - b));
    for (let k = 1; k < calls.length; k++) expect(calls[k][0]).toBeGreaterThanOrEqual(calls[k - 1][0]);
    expect(outcome).toMatchObject({ processedUpTo: records[N - 1], handled: N - 1, deadLettered: 1, handlerCalls: calls.length });
    // Splits are free and immediate; only the isolated record's retries waited (one backoff each).
    expect(retries.filter((e) => e.kind === 'retry').map((e) => e.retry)).toEqual(Array.from({ length: maximumRetryAttempts }, (_, k) => k + 1));
    expect(retries.filter((e) => e.kind === 'bisect').every((e) => e.delayMs === 0)).toBe(true);
    expect(outcome.bisections).toBe(retries.filter((e) => e.kind === 'bisect').length);
    expect(outcome.retries).toBe(retries.length);
    expect(clock.waits).toHaveLength(maximumRetryAttempts);
  });

  it.each([0, 499, 999])('a partial batch response dead-letters record %i without bisecting', async (poison) => {
    const records = makeRecords({ count: N });
    const { calls, handler } = recordingHandler(reportOn(new Set([poison])));
    const sink = new MemoryDeadLetterSink();
    const outcome = await processorWith({ handler, maximumRetryAttempts: 3, onFailure: sink }).processor.process(records, contextOf());
    expect(sink.entries.map((e) => [indexOf(e.record), e.condition, e.attempts])).toEqual([[poison, 'RetryAttemptsExhausted', 4]]);
    // Lambda: retried from the lowest failed record to the end of the batch; once it is dead-lettered, the
    // records after it run again (the handler may have stopped at its failure).
    const tail = records.map(indexOf).filter((i) => i >= poison);
    const after = tail.slice(1);
    expect(calls).toEqual([records.map(indexOf), tail, tail, tail, ...(after.length > 0 ? [after] : [])]);
    expect(outcome).toMatchObject({ processedUpTo: records[N - 1], handled: N - 1, deadLettered: 1, bisections: 0, retries: 3 });
    expect(sink.entries[0].error).toEqual({ name: 'BatchItemFailure', message: 'The handler reported this record as failed.' });
  });

  it('without bisection a throwing handler dead-letters the whole batch after its retries (Lambda semantics)', async () => {
    const records = makeRecords({ count: 20 });
    const { calls, handler } = recordingHandler(throwOn(new Set([7])));
    const sink = new MemoryDeadLetterSink();
    const outcome = await processorWith({ handler, bisectBatchOnFunctionError: false, maximumRetryAttempts: 2, onFailure: sink }).processor.process(
      records,
      contextOf(),
    );
    expect(calls).toHaveLength(3);
    expect(sink.entries.map((e) => indexOf(e.record))).toEqual(records.map(indexOf));
    expect(sink.entries.every((e) => e.attempts === 3 && e.condition === 'RetryAttemptsExhausted')).toBe(true);
    expect(outcome).toMatchObject({ processedUpTo: records[19], handled: 0, deadLettered: 20 });
  });
});

describe('BatchProcessor: several poison records (seeded fuzz)', () => {
  /** mulberry32: a small deterministic generator, so a failure reproduces. */
  function seeded(seed: number): () => number {
    let a = seed;
    return () => {
      a = (a + 0x6d2b79f5) | 0;
      let t = Math.imul(a ^ (a >>> 15), 1 | a);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  it.each(Array.from({ length: 40 }, (_, seed) => seed + 1))('seed %i: exactly the poisons are dead-lettered, the rest handled, in order', async (seed) => {
    const rnd = seeded(seed);
    const n = 1 + Math.floor(rnd() * 300);
    const poison = new Set(Array.from({ length: Math.floor(rnd() * 6) }, () => Math.floor(rnd() * n)));
    const mode = (['throw', 'report-all', 'report-first'] as const)[Math.floor(rnd() * 3)];
    const retriesAllowed = Math.floor(rnd() * 3);
    const records = makeRecords({ count: n, perAggregate: 1 + Math.floor(rnd() * 4) });
    const { calls, handler } = recordingHandler((indices, recs) => {
      if (mode === 'throw') return throwOn(poison)(indices);
      const failed = recs.filter((r) => poison.has(indexOf(r)));
      return { batchItemFailures: (mode === 'report-all' ? failed : failed.slice(0, 1)).map((r) => ({ itemIdentifier: recordIdentifier(r) })) };
    });
    const sink = new MemoryDeadLetterSink();
    const { processor } = processorWith({ handler, maximumRetryAttempts: retriesAllowed, onFailure: sink, retryBackoff: { baseMs: 0, maxMs: 0 } });
    const outcome = await processor.process(records, contextOf());
    expect(sink.entries.map((e) => indexOf(e.record)).sort((a, b) => a - b)).toEqual([...poison].sort((a, b) => a - b));
    expect(sink.entries.every((e) => e.attempts === retriesAllowed + 1)).toBe(true);
    expect(outcome).toMatchObject({ processedUpTo: records[n - 1], handled: n - poison.size, deadLettered: poison.size });
    for (const c of calls) expect(c).toEqual([...c].sort((a, b) => a - b));
    for (let k = 1; k < calls.length; k++) expect(calls[k][0]).toBeGreaterThanOrEqual(calls[k - 1][0]);
    // A record the handler succeeded on is never passed again once everything before it is done.
    if (mode === 'throw') expect(succeededCalls(calls, poison)).toEqual(records.map(indexOf).filter((i) => !poison.has(i)));
  });
});

describe('BatchProcessor: partial batch responses', () => {
  it("a handler that stops at its first failure (AWS's example) loses nothing after it", async () => {
    const records = makeRecords({ count: 10 });
    const sink = new MemoryDeadLetterSink();
    const processed: number[] = [];
    const handler = async (recs: ConsumerRecord[]): Promise<BatchResponse> => {
      for (const r of recs) {
        if (indexOf(r) === 3) return { batchItemFailures: [{ itemIdentifier: recordIdentifier(r) }] };
        processed.push(indexOf(r));
      }
      return { batchItemFailures: [] };
    };
    const outcome = await processorWith({ handler, maximumRetryAttempts: 1, onFailure: sink }).processor.process(records, contextOf());
    expect(processed).toEqual([0, 1, 2, 4, 5, 6, 7, 8, 9]);
    expect(sink.entries.map((e) => indexOf(e.record))).toEqual([3]);
    expect(outcome).toMatchObject({ processedUpTo: records[9], handled: 9, deadLettered: 1 });
  });

  it('retries from the lowest failed record; records before it are not passed again', async () => {
    const records = makeRecords({ count: 10 });
    let call = 0;
    const { calls, handler } = recordingHandler((_i, recs) => (++call === 1 ? { batchItemFailures: [{ itemIdentifier: recordIdentifier(recs[6]) }, { itemIdentifier: recordIdentifier(recs[4]) }] } : undefined));
    const outcome = await processorWith({ handler }).processor.process(records, contextOf());
    expect(calls).toEqual([
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
      [4, 5, 6, 7, 8, 9],
    ]);
    expect(outcome).toMatchObject({ processedUpTo: records[9], handled: 10, retries: 1, deadLettered: 0 });
  });

  it('names sub-records of an aggregate by sequenceNumber:subSequenceNumber', async () => {
    const records = makeRecords({ count: 8, perAggregate: 4 });
    expect(recordIdentifier(records[5])).toBe(`${records[5].sequenceNumber}:1`);
    const sink = new MemoryDeadLetterSink();
    const { calls, handler } = recordingHandler(reportOn(new Set([5])));
    await processorWith({ handler, maximumRetryAttempts: 0, onFailure: sink }).processor.process(records, contextOf());
    expect(calls).toEqual([
      [0, 1, 2, 3, 4, 5, 6, 7],
      [6, 7],
    ]);
    expect(sink.entries.map((e) => [indexOf(e.record), e.record.subSequenceNumber])).toEqual([[5, 1]]);
  });

  it('reads a plain sequence number of an aggregate as its first sub-record in the batch', async () => {
    const records = makeRecords({ count: 8, perAggregate: 4 });
    let call = 0;
    const { calls, handler } = recordingHandler(() => (++call === 1 ? { batchItemFailures: [{ itemIdentifier: records[6].sequenceNumber }] } : undefined));
    await processorWith({ handler }).processor.process(records, contextOf());
    expect(calls[1]).toEqual([4, 5, 6, 7]);
  });

  const invalid: Array<[string, unknown]> = [
    ['a misnamed key', { batchItemFailures: [{ itemId: 'x' }] }],
    ['an empty identifier', { batchItemFailures: [{ itemIdentifier: '' }] }],
    ['a null identifier', { batchItemFailures: [{ itemIdentifier: null }] }],
    ['an identifier not in the batch', { batchItemFailures: [{ itemIdentifier: '123' }] }],
    ['a list that is not an array', { batchItemFailures: 'all' }],
    ['a null entry', { batchItemFailures: [null] }],
  ];
  it.each(invalid)('treats %s as a whole-batch failure', async (_name, response) => {
    const records = makeRecords({ count: 4 });
    const sink = new MemoryDeadLetterSink();
    const handler = jest.fn(async () => response as BatchResponse);
    const outcome = await processorWith({ handler, bisectBatchOnFunctionError: false, maximumRetryAttempts: 0, onFailure: sink }).processor.process(
      records,
      contextOf(),
    );
    expect(sink.entries).toHaveLength(4);
    expect(sink.entries[0].error.name).toBe('InvalidBatchResponse');
    expect(outcome).toMatchObject({ handled: 0, deadLettered: 4 });
  });

  it('an invalid response bisects like a thrown error', async () => {
    const records = makeRecords({ count: 4 });
    const { calls, handler } = recordingHandler((indices) => (indices.length > 1 ? ({ batchItemFailures: [{}] } as unknown as BatchResponse) : undefined));
    await processorWith({ handler }).processor.process(records, contextOf());
    expect(calls).toEqual([[0, 1, 2, 3], [0, 1], [0], [1], [2, 3], [2], [3]]);
  });
});

describe('BatchProcessor: non-retriable failures', () => {
  it('dead-letters a retriable:false record at once, without retries, and goes on with the records after it', async () => {
    const records = makeRecords({ count: 10 });
    const sink = new MemoryDeadLetterSink();
    const { calls, handler } = recordingHandler((_i, recs) => ({
      batchItemFailures: recs.filter((r) => indexOf(r) === 5).map((r) => ({ itemIdentifier: recordIdentifier(r), retriable: false, error: new TypeError('bad schema') })),
    }));
    const outcome = await processorWith({ handler, onFailure: sink }).processor.process(records, contextOf());
    expect(calls).toEqual([
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
      [6, 7, 8, 9],
    ]);
    expect(sink.entries).toHaveLength(1);
    expect(sink.entries[0]).toMatchObject({ condition: 'NonRetriableFailure', attempts: 1, error: { name: 'TypeError', message: 'bad schema' } });
    expect(outcome).toMatchObject({ processedUpTo: records[9], handled: 9, deadLettered: 1, retries: 0 });
  });

  it('with a retriable failure before it: the non-retriable one leaves at once, the retry skips it', async () => {
    const records = makeRecords({ count: 10 });
    const sink = new MemoryDeadLetterSink();
    let call = 0;
    const { calls, handler } = recordingHandler((_i, recs) =>
      ++call === 1
        ? {
            batchItemFailures: [
              { itemIdentifier: recordIdentifier(recs[6]), retriable: false },
              { itemIdentifier: recordIdentifier(recs[3]) },
            ],
          }
        : undefined,
    );
    const outcome = await processorWith({ handler, onFailure: sink }).processor.process(records, contextOf());
    expect(calls).toEqual([
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
      [3, 4, 5, 7, 8, 9],
    ]);
    expect(sink.entries.map((e) => [indexOf(e.record), e.condition])).toEqual([[6, 'NonRetriableFailure']]);
    expect(outcome).toMatchObject({ processedUpTo: records[9], handled: 9, deadLettered: 1 });
  });
});

describe('BatchProcessor: maximum record age', () => {
  const NOW = 1_700_000_100_000;

  it('dead-letters records older than the limit without calling the handler with them', async () => {
    // Arrivals at NOW-100 s, -90 s, … : with a 55 s limit the first five are too old.
    const records = makeRecords({ count: 10, arrivalStartMs: NOW - 100_000, arrivalStepMs: 10_000 });
    const sink = new MemoryDeadLetterSink();
    const { calls, handler } = recordingHandler(() => undefined);
    const outcome = await processorWith({ handler, maximumRecordAgeInSeconds: 55, onFailure: sink, clock: new SteppingClock(NOW) }).processor.process(
      records,
      contextOf(),
    );
    expect(calls).toEqual([[5, 6, 7, 8, 9]]);
    expect(sink.entries.map((e) => [indexOf(e.record), e.condition, e.attempts])).toEqual([0, 1, 2, 3, 4].map((i) => [i, 'RecordAgeExceeded', 0]));
    expect(sink.entries[0].error.name).toBe('RecordAgeExceeded');
    expect(outcome).toMatchObject({ processedUpTo: records[9], handled: 5, deadLettered: 5 });
  });

  it('checks the age before each attempt: a record that ages out while retried leaves with its attempts', async () => {
    const clock = new SteppingClock(NOW);
    const records = makeRecords({ count: 3, arrivalStartMs: NOW - 50_000 });
    const sink = new MemoryDeadLetterSink();
    const { calls, handler } = recordingHandler(throwOn(new Set([1])));
    // Each retry waits 6 s (random ~1 → the ceiling, base = max = 6 s): record 1 passes the 60 s limit on its
    // second wait; record 2, behind it, is then too old as well. Record 0 was handled in time.
    const outcome = await new BatchProcessor({
      handler,
      maximumRetryAttempts: -1,
      maximumRecordAgeInSeconds: 60,
      retryBackoff: { baseMs: 6_000, maxMs: 6_000 },
      random: () => 0.9999999,
      onFailure: sink,
      clock,
      timers: clock,
    }).process(records, contextOf());
    expect(sink.entries.map((e) => [indexOf(e.record), e.condition, e.attempts])).toEqual([
      [1, 'RecordAgeExceeded', 2],
      [2, 'RecordAgeExceeded', 0],
    ]);
    expect(calls).toEqual([[0, 1, 2], [0], [1, 2], [1], [1]]);
    expect(outcome).toMatchObject({ processedUpTo: records[2], handled: 1, deadLettered: 2 });
  });

  it('without a destination drops expired records (as Lambda) and reports them', async () => {
    const records = makeRecords({ count: 4, arrivalStartMs: NOW - 100_000, arrivalStepMs: 30_000 });
    const discarded: number[] = [];
    const { calls, handler } = recordingHandler(() => undefined);
    const outcome = await processorWith({
      handler,
      maximumRecordAgeInSeconds: 60,
      clock: new SteppingClock(NOW),
      onDiscarded: (e) => discarded.push(...e.records.map(indexOf)),
    }).processor.process(records, contextOf());
    expect(discarded).toEqual([0, 1]);
    expect(calls).toEqual([[2, 3]]);
    expect(outcome).toMatchObject({ processedUpTo: records[3], handled: 2, discarded: 2, deadLettered: 0 });
  });
});

describe('BatchProcessor: no dead-letter destination, or a failing one', () => {
  it('rejects with HANDLER_FAILED once the poison exhausts its retries; processedUpTo stops before it', async () => {
    const records = makeRecords({ count: 1000 });
    const { calls, handler } = recordingHandler(throwOn(new Set([500])));
    const err = await rejectionOf(processorWith({ handler, maximumRetryAttempts: 2 }).processor.process(records, contextOf()));
    expect(err).toMatchObject({ code: 'HANDLER_FAILED', retriable: true });
    expect(err.context.record).toBe(records[500]);
    expect(err.context.attempts).toBe(3);
    expect(err.outcome.processedUpTo).toBe(records[499]);
    expect(err.outcome.handled).toBe(500);
    expect(err.outcome.deadLettered).toBe(0);
    expect(calls.filter((c) => c.includes(501) && !c.includes(500))).toEqual([]);
  });

  it('rejects at once for a non-retriable record, with the records before it done', async () => {
    const records = makeRecords({ count: 10 });
    const { calls, handler } = recordingHandler(reportOn(new Set([4]), { retriable: false }));
    const err = await rejectionOf(processorWith({ handler }).processor.process(records, contextOf()));
    expect(calls).toHaveLength(1);
    expect(err).toMatchObject({ code: 'HANDLER_FAILED', retriable: false });
    expect(err.outcome.processedUpTo).toBe(records[3]);
  });

  it('rejects with DEAD_LETTER_FAILED (retriable) when the destination refuses; nothing past it is done', async () => {
    const records = makeRecords({ count: 100 });
    const sink = new MemoryDeadLetterSink();
    sink.failNext(1);
    const { handler } = recordingHandler(throwOn(new Set([40])));
    const err = await rejectionOf(processorWith({ handler, maximumRetryAttempts: 0, onFailure: sink }).processor.process(records, contextOf()));
    expect(err).toMatchObject({ code: 'DEAD_LETTER_FAILED', retriable: true });
    expect((err.cause as Error).message).toBe('dead-letter destination unavailable');
    expect(err.outcome.processedUpTo).toBe(records[39]);
    expect(err.outcome.deadLettered).toBe(0);
    expect(sink.entries).toEqual([]);
  });

  it('a partial response: the records before the lowest failure are done even if the destination refuses', async () => {
    const records = makeRecords({ count: 10 });
    const sink = new MemoryDeadLetterSink();
    sink.failNext(1);
    const { handler } = recordingHandler(reportOn(new Set([6]), { retriable: false }));
    const err = await rejectionOf(processorWith({ handler, onFailure: sink }).processor.process(records, contextOf()));
    expect(err.code).toBe('DEAD_LETTER_FAILED');
    expect(err.outcome).toMatchObject({ processedUpTo: records[5], handled: 6 });
  });
});
