/**
 * Test helpers for the processing part: consumer records built in shard order (plain or as sub-records of KPL
 * aggregates), a clock whose timers fire on their own after moving time forward (backoff runs without waiting,
 * and the waits are recorded), and an in-memory dead-letter sink whose failures a test can script.
 */
import type { Clock, ConsumerRecord, Timers } from '../consumer-types';
import { BatchProcessor } from '../processing/batch-processor';
import { BatchProcessingError } from '../consumer-error';
import type { BatchProcessorOptions } from '../processing/processing-options';
import { recordIdentifier, type BatchContext, type BatchResponse, type DeadLetterEntry, type DeadLetterSink } from '../processing/processing-types';

export interface RecordsSpec {
  count: number;
  shardId?: string;
  /** Arrival time of the first record (epoch ms) and the step between records. */
  arrivalStartMs?: number;
  arrivalStepMs?: number;
  /** Records per KPL aggregate: > 1 makes sub-records `seq:0..n-1` sharing one sequence number. */
  perAggregate?: number;
  partitionKeyOf?: (index: number) => string;
}

/** Records of one shard in order; record i carries data `record-<i>` and sequence numbers that sort like Kinesis's. */
export function makeRecords(spec: RecordsSpec): ConsumerRecord[] {
  const per = spec.perAggregate ?? 1;
  const records: ConsumerRecord[] = [];
  for (let i = 0; i < spec.count; i++) {
    const aggregateIndex = Math.floor(i / per);
    const aggregateSize = Math.min(per, spec.count - aggregateIndex * per);
    records.push({
      shardId: spec.shardId ?? 'shardId-000000000000',
      data: new TextEncoder().encode(`record-${i}`),
      partitionKey: spec.partitionKeyOf ? spec.partitionKeyOf(i) : `key-${i % 7}`,
      sequenceNumber: (49_600_000_000_000_000_000_000_000_000_000_000_000_000_000n + BigInt(aggregateIndex) * 1_000n).toString(),
      subSequenceNumber: per > 1 ? i % per : 0,
      aggregated: per > 1,
      aggregateSize: per > 1 ? aggregateSize : 1,
      approximateArrivalTimestamp: new Date((spec.arrivalStartMs ?? 1_700_000_000_000) + i * (spec.arrivalStepMs ?? 0)),
    });
  }
  return records;
}

/** The index encoded in a record built by makeRecords. */
export function indexOf(record: ConsumerRecord): number {
  return Number(new TextDecoder().decode(record.data).slice('record-'.length));
}

/**
 * A clock with timers that fire by themselves: setTimeout moves the clock forward by its delay and runs the
 * callback on the next macrotask. With `hold = true`, timers wait until `fireAll()` (to test aborts mid-wait).
 */
export class SteppingClock implements Clock, Timers {
  readonly waits: number[] = [];
  hold = false;
  private readonly held = new Map<number, () => void>();
  private readonly cancelled = new Set<number>();
  private nextId = 1;

  constructor(private current = 1_700_000_000_000) {}

  now(): number {
    return this.current;
  }

  advance(ms: number): void {
    this.current += ms;
  }

  setTimeout(callback: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.waits.push(ms);
    const fire = (): void => {
      if (this.cancelled.has(id)) return;
      this.current += Math.max(0, ms);
      callback();
    };
    if (this.hold) this.held.set(id, fire);
    else setImmediate(fire);
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.cancelled.add(handle as number);
    this.held.delete(handle as number);
  }

  get pending(): number {
    return this.held.size;
  }

  fireAll(): void {
    const due = [...this.held.values()];
    this.held.clear();
    for (const fire of due) fire();
  }
}

/** Keeps what it is sent; `failNext(n)` makes the next n sends reject. */
export class MemoryDeadLetterSink implements DeadLetterSink {
  readonly entries: DeadLetterEntry[] = [];
  sends = 0;
  closed = false;
  private failures = 0;

  failNext(count = 1): void {
    this.failures = count;
  }

  async send(entries: DeadLetterEntry[]): Promise<void> {
    this.sends++;
    if (this.failures > 0) {
      this.failures--;
      throw new Error('dead-letter destination unavailable');
    }
    this.entries.push(...entries);
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

// The batch processor's spec helpers (batch-processor.spec.ts and batch-processor-retries.spec.ts).

export const SHARD = 'shardId-000000000000';

export function contextOf(signal?: AbortSignal): BatchContext {
  return { shardId: SHARD, streamName: 'telemetry', checkpoint: async () => undefined, ...(signal ? { signal } : {}) };
}

/** A handler that records each call's record indices and applies `behave` to them. */
export function recordingHandler(behave: (indices: number[], records: ConsumerRecord[]) => void | BatchResponse) {
  const calls: number[][] = [];
  const handler = async (records: ConsumerRecord[]): Promise<void | BatchResponse> => {
    const indices = records.map(indexOf);
    calls.push(indices);
    return behave(indices, records);
  };
  return { calls, handler };
}

export const throwOn = (poison: Set<number>) => (indices: number[]) => {
  const bad = indices.find((i) => poison.has(i));
  if (bad !== undefined) throw Object.assign(new Error(`cannot process record ${bad}`), { code: 'E_POISON' });
};

export const reportOn =
  (poison: Set<number>, extra: Partial<{ retriable: boolean }> = {}) =>
  (_indices: number[], records: ConsumerRecord[]): BatchResponse => ({
    batchItemFailures: records.filter((r) => poison.has(indexOf(r))).map((r) => ({ itemIdentifier: recordIdentifier(r), ...extra })),
  });

export function processorWith(options: Omit<BatchProcessorOptions, 'clock' | 'timers'> & { clock?: SteppingClock }): {
  processor: BatchProcessor;
  clock: SteppingClock;
} {
  const clock = options.clock ?? new SteppingClock();
  return { processor: new BatchProcessor({ random: () => 0.5, ...options, clock, timers: clock }), clock };
}

export async function rejectionOf(promise: Promise<unknown>): Promise<BatchProcessingError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(BatchProcessingError);
    return err as BatchProcessingError;
  }
  throw new Error('expected process() to reject');
}

/** Indices whose handling succeeded, in call order, when a throwing handler only succeeds on clean calls. */
export function succeededCalls(calls: number[][], poison: Set<number>): number[] {
  return calls.filter((c) => !c.some((i) => poison.has(i))).flat();
}
