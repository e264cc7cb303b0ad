/**
 * What the consumer bench's processes say to each other (consumer-bench.ts starts them): the inputs of the
 * consumer worker (consumer-bench-worker.ts) and of the producer (consumer-bench-producer.ts), the JSON lines
 * they write on stdout, the layout of the records they exchange, and the clock they share.
 */
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/**
 * Milliseconds since the epoch with sub-millisecond precision. Every process of the bench runs on the same
 * machine, so their wall clocks are one clock; `performance.timeOrigin` (the wall clock when the process started)
 * plus the monotonic `performance.now()` gives that clock to a microsecond instead of Date.now()'s millisecond.
 * (A wall-clock step between two processes' starts would offset them; NTP slews of a few µs/s are negligible.)
 */
export const epochMs = (): number => performance.timeOrigin + performance.now();

// ---------------------------------------------------------------------------------------------------------
// Record layout (little-endian), 100 bytes each

/** Throughput records: bytes 0–3 the record's index (0 … n−1), the rest random. */
export const INDEX_OFFSET = 0;
/** Latency records: bytes 0–7 the put() time (epochMs, float64), byte 8 the phase, bytes 9–12 the index. */
export const PUT_TIME_OFFSET = 0;
export const PHASE_OFFSET = 8;
export const PHASE_INDEX_OFFSET = 9;
export const PHASE_WARMUP = 0;
export const PHASE_MEASURED = 1;

// ---------------------------------------------------------------------------------------------------------
// Consumer worker

export type Retrieval = 'polling' | 'fan-out';

/** KinesisConsumer options a user would tune, passed through to the worker (JSON). */
export interface TunedConsumerOptions {
  batchSize?: number;
  maxRecordsPerCall?: number;
  idleTimeBetweenReadsMs?: number;
  checkpointAfter?: 'batch' | 'manual' | { records?: number; ms?: number };
}

interface WorkerBase {
  url: string;
  stream: string;
  applicationName: string;
  workerId: string;
}

export type WorkerInput =
  | (WorkerBase & {
      mode: 'throughput';
      retrieval: Retrieval;
      emulatorPid: number;
      /** User records in the stream: the worker is done once it has handled each of them. */
      records: number;
      consumerOptions: TunedConsumerOptions;
    })
  | (WorkerBase & { mode: 'latency'; retrieval: Retrieval; consumerOptions: TunedConsumerOptions })
  | (WorkerBase & { mode: 'failover' });

export interface ThroughputResult {
  /** Distinct user records handled, duplicates (a record handled again), and the data bytes the handler summed. */
  records: number;
  duplicates: number;
  dataBytes: number;
  /** First record handed to the handler → the handler call that completed the set returned. */
  seconds: number;
  ownCpuSeconds: number;
  emulatorCpuSeconds: number;
  /** Start of start() → first record: lease table, leases, (fan-out) consumer registration, first read. */
  startupSeconds: number;
  handlerCalls: number;
  /** Kinesis records (aggregates) handed to the handler: sub-record 0 of each, or the plain record. */
  kinesisRecords: number;
  /** Checkpoints written until the last record was handled (the last batch's comes after). */
  checkpoints: number;
  /**
   * Leases this lone worker lost (a renewal that could not land within the failover time, e.g. behind a stalled
   * event loop): it takes them again and re-reads from the last checkpoint, hence duplicates.
   */
  leasesLost: number;
  peakRssBytes: number;
  peakHeapUsedBytes: number;
  maxRssBytes: number;
}

export interface LatencyResult {
  /** Measured-phase records handled (first deliveries), and how many came again. */
  records: number;
  duplicates: number;
  /** put() → handler call, ms, over the measured-phase records. */
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
  ownCpuSeconds: number;
  /** Handler calls and checkpoints written per second, over the worker's whole run. */
  handlerCallsPerSecond: number;
  checkpointsPerSecond: number;
}

/** Lines the worker writes on stdout. */
export type WorkerMessage =
  | { type: 'ready'; t: number; leases: number }
  | { type: 'acquired'; shardId: string; t: number }
  | { type: 'lost'; shardId: string; t: number }
  | { type: 'batch'; shardId: string; t: number; records: number }
  | { type: 'throughput'; pid: number; result: ThroughputResult }
  | { type: 'latency'; pid: number; result: LatencyResult; missing: number }
  | { type: 'error'; message: string };

/** What the orchestrator writes to a latency worker's stdin once the producer is done. */
export interface LatencyRequest {
  /** Measured-phase records the producer had acknowledged (indices 0 … measured−1). */
  measured: number;
  /** Longest wait for the last of them, ms. */
  timeoutMs: number;
}

// ---------------------------------------------------------------------------------------------------------
// Producer

export type ProducerInput =
  | {
      mode: 'fill';
      url: string;
      stream: string;
      records: number;
      devices: number;
      recordBytes: number;
    }
  | {
      mode: 'paced';
      url: string;
      stream: string;
      /** User records per second. */
      rate: number;
      /** Warm-up phase (records marked PHASE_WARMUP), then the measured phase; 0 measured seconds: until SIGTERM. */
      warmupSeconds: number;
      seconds: number;
      devices: number;
      recordBytes: number;
      maxBufferedTimeMs: number;
    };

export interface ProducerResult {
  pid: number;
  sent: number;
  acknowledged: number;
  failed: number;
  /** Measured-phase records acknowledged (paced mode). */
  measured: number;
  seconds: number;
  /** Achieved put() rate over the measured phase (paced mode). */
  measuredRate: number;
}

export type ProducerMessage = { type: 'started'; t: number } | { type: 'measuring'; t: number } | { type: 'result'; result: ProducerResult };

// ---------------------------------------------------------------------------------------------------------

/** Calls `onMessage` with every JSON line a child writes to stdout (lines that are not JSON are ignored). */
export function onJsonLines<T>(child: ChildProcess, onMessage: (message: T) => void): void {
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  lines.on('line', (line) => {
    let message: T;
    try {
      message = JSON.parse(line) as T;
    } catch {
      return;
    }
    onMessage(message);
  });
}

/** Writes one JSON line to stdout. */
export const writeLine = (message: object): void => {
  process.stdout.write(`${JSON.stringify(message)}\n`);
};

/** The value at percentile p (nearest rank) of ascending `sorted`. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
