/**
 * One KinesisConsumer worker (@tributary/kinesis-consumer) of the consumer bench, in a fresh process of its own
 * so that its CPU time and peak memory are its own and it can be killed with SIGKILL. Started by
 * consumer-bench.ts as
 *
 *   node --import tsx tools/bench/src/consumer-bench-worker.ts '<WorkerInput as JSON>'
 *
 * it writes JSON lines (WorkerMessage) on stdout: `ready` once start() returned, `acquired` / `lost` per lease,
 * then per mode:
 *
 *   throughput  the handler touches every record (sums its data length, reads its index from bytes 0–3 and marks
 *               it seen); once every one of the stream's `records` was seen, one `throughput` line: time and CPU
 *               (own, and the emulator's from /proc) from the first record handed to the handler to the return of
 *               the handler call that completed the set, peak RSS sampled every 50 ms. Then it exits.
 *   latency     the handler takes the time it was called (epochMs) and subtracts each record's put() time; when
 *               a LatencyRequest arrives on stdin it waits for the last measured record and writes a `latency`
 *               line with the percentiles; SIGTERM stops it gracefully.
 *   failover    a `batch` line per handler call (shard, time); default settings; SIGTERM stops it gracefully.
 */
import { createInterface } from 'node:readline';
import { KinesisConsumer, type BatchHandler, type KinesisConsumerOptions } from '@tributary/kinesis-consumer';
import { BENCH_CREDENTIALS, BENCH_REGION, ownMemory, processCpuSeconds, startPeakSampling } from './bench-support';
import {
  INDEX_OFFSET,
  PHASE_INDEX_OFFSET,
  PHASE_MEASURED,
  PHASE_OFFSET,
  PUT_TIME_OFFSET,
  epochMs,
  percentile,
  writeLine,
  type LatencyRequest,
  type LatencyResult,
  type ThroughputResult,
  type WorkerInput,
} from './consumer-bench-protocol';

type Input<M extends WorkerInput['mode']> = Extract<WorkerInput, { mode: M }>;

function baseOptions(input: WorkerInput, handler: BatchHandler): KinesisConsumerOptions {
  return {
    streamName: input.stream,
    applicationName: input.applicationName,
    workerId: input.workerId,
    clientOptions: { endpoint: input.url, region: BENCH_REGION, credentials: BENCH_CREDENTIALS },
    handler,
  };
}

function reportLeases(consumer: KinesisConsumer): void {
  consumer.on('leaseAcquired', (e) => writeLine({ type: 'acquired', shardId: e.shardId, t: epochMs() }));
  consumer.on('leaseLost', (e) => writeLine({ type: 'lost', shardId: e.shardId, t: epochMs() }));
  consumer.on('error', (e) => process.stderr.write(`consumer bench worker ${process.pid}: ${e.code}: ${e.message}\n`));
}

function stopOnSigterm(consumer: KinesisConsumer): void {
  process.once('SIGTERM', () => {
    consumer.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}

async function throughput(input: Input<'throughput'>): Promise<void> {
  const total = input.records;
  const seen = new Uint8Array(total);
  let distinct = 0;
  let duplicates = 0;
  let dataBytes = 0;
  let handlerCalls = 0;
  let kinesisRecords = 0;
  let checkpoints = 0;
  let leasesLost = 0;
  let firstAt = Number.NaN;
  let cpu0: NodeJS.CpuUsage | undefined;
  let emulatorCpu0 = Number.NaN;
  let done: (end: { ms: number; cpu: NodeJS.CpuUsage; emulatorCpu: number }) => void = () => undefined;
  const finished = new Promise<{ ms: number; cpu: NodeJS.CpuUsage; emulatorCpu: number }>((resolve) => (done = resolve));
  const startedAt = performance.now();
  const stopSampling = startPeakSampling(ownMemory, 50);

  const handler: BatchHandler = async (records) => {
    if (cpu0 === undefined) {
      firstAt = performance.now();
      cpu0 = process.cpuUsage();
      emulatorCpu0 = processCpuSeconds(input.emulatorPid);
    }
    handlerCalls++;
    for (const r of records) {
      const d = r.data;
      dataBytes += d.length;
      // Sub-record 0 of each aggregate (or a plain record): one per Kinesis record read.
      if (r.subSequenceNumber === 0) kinesisRecords++;
      const i = (d[INDEX_OFFSET] | (d[INDEX_OFFSET + 1] << 8) | (d[INDEX_OFFSET + 2] << 16) | (d[INDEX_OFFSET + 3] << 24)) >>> 0;
      if (i >= total) {
        // Not a record the bench put: report it and stop (a throw would only be retried by the consumer).
        writeLine({ type: 'error', message: `record index ${i} out of range (the stream holds ${total})` });
        process.exit(1);
      }
      if (seen[i] === 0) {
        seen[i] = 1;
        distinct++;
      } else {
        duplicates++;
      }
    }
    if (distinct === total) done({ ms: performance.now() - firstAt, cpu: process.cpuUsage(cpu0), emulatorCpu: processCpuSeconds(input.emulatorPid) - emulatorCpu0 });
  };
  const consumer = new KinesisConsumer({ ...baseOptions(input, handler), retrieval: input.retrieval, ...input.consumerOptions });
  reportLeases(consumer);
  consumer.on('checkpointed', () => checkpoints++);
  consumer.on('leaseLost', () => leasesLost++);
  await consumer.start();
  writeLine({ type: 'ready', t: epochMs(), leases: consumer.stats().leasesHeld.length });
  const end = await finished;
  const peak = stopSampling();
  const result: ThroughputResult = {
    records: distinct,
    duplicates,
    dataBytes,
    seconds: end.ms / 1000,
    ownCpuSeconds: (end.cpu.user + end.cpu.system) / 1e6,
    emulatorCpuSeconds: end.emulatorCpu,
    startupSeconds: (firstAt - startedAt) / 1000,
    handlerCalls,
    kinesisRecords,
    checkpoints,
    leasesLost,
    peakRssBytes: peak.rssBytes,
    peakHeapUsedBytes: peak.heapUsedBytes,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
  };
  writeLine({ type: 'throughput', pid: process.pid, result });
}

async function latency(input: Input<'latency'>): Promise<void> {
  // put() → handler per measured record, by index (first delivery only), NaN until seen.
  let latencies = new Float64Array(1 << 17).fill(Number.NaN);
  let seenMeasured = 0;
  let duplicates = 0;
  let wake: (() => void) | undefined;
  let handlerCalls = 0;
  let checkpoints = 0;
  const handler: BatchHandler = async (records) => {
    const now = epochMs();
    handlerCalls++;
    for (const r of records) {
      const d = r.data;
      const view = new DataView(d.buffer, d.byteOffset, d.byteLength);
      if (view.getUint8(PHASE_OFFSET) !== PHASE_MEASURED) continue;
      const i = view.getUint32(PHASE_INDEX_OFFSET, true);
      if (i >= latencies.length) {
        const bigger = new Float64Array(Math.max(i + 1, latencies.length * 2)).fill(Number.NaN);
        bigger.set(latencies);
        latencies = bigger;
      }
      if (Number.isNaN(latencies[i])) {
        latencies[i] = now - view.getFloat64(PUT_TIME_OFFSET, true);
        seenMeasured++;
      } else {
        duplicates++;
      }
    }
    wake?.();
  };
  const consumer = new KinesisConsumer({ ...baseOptions(input, handler), retrieval: input.retrieval, ...input.consumerOptions });
  reportLeases(consumer);
  consumer.on('checkpointed', () => checkpoints++);
  stopOnSigterm(consumer);
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  await consumer.start();
  writeLine({ type: 'ready', t: epochMs(), leases: consumer.stats().leasesHeld.length });

  const lines = createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    const request = JSON.parse(line) as LatencyRequest;
    void (async () => {
      const deadline = performance.now() + request.timeoutMs;
      while (seenMeasured < request.measured && performance.now() < deadline) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 100);
        });
      }
      wake = undefined;
      const values: number[] = [];
      for (let i = 0; i < request.measured && i < latencies.length; i++) if (!Number.isNaN(latencies[i])) values.push(latencies[i]);
      const sorted = Float64Array.from(values).sort();
      let sum = 0;
      for (const v of sorted) sum += v;
      const cpu = process.cpuUsage(cpu0);
      const result: LatencyResult = {
        records: sorted.length,
        duplicates,
        p50: percentile(sorted, 50),
        p90: percentile(sorted, 90),
        p99: percentile(sorted, 99),
        max: sorted.length > 0 ? sorted[sorted.length - 1] : Number.NaN,
        mean: sorted.length > 0 ? sum / sorted.length : Number.NaN,
        ownCpuSeconds: (cpu.user + cpu.system) / 1e6,
        handlerCallsPerSecond: handlerCalls / ((performance.now() - started) / 1000),
        checkpointsPerSecond: checkpoints / ((performance.now() - started) / 1000),
      };
      writeLine({ type: 'latency', pid: process.pid, result, missing: request.measured - sorted.length });
    })();
  });
}

async function failover(input: Input<'failover'>): Promise<void> {
  // Default settings: only what names the stream, the application and the worker.
  const handler: BatchHandler = async (records, context) => {
    writeLine({ type: 'batch', shardId: context.shardId, t: epochMs(), records: records.length });
  };
  const consumer = new KinesisConsumer(baseOptions(input, handler));
  reportLeases(consumer);
  stopOnSigterm(consumer);
  await consumer.start();
  writeLine({ type: 'ready', t: epochMs(), leases: consumer.stats().leasesHeld.length });
}

async function main(): Promise<void> {
  const input = JSON.parse(process.argv[2] ?? '') as WorkerInput;
  if (input.mode === 'throughput') {
    await throughput(input);
    // Exit at once: the bench has its figures, the lease table is thrown away (and --cpu-prof still writes).
    process.exit(0);
  }
  if (input.mode === 'latency') await latency(input);
  else await failover(input);
}

main().catch((err: unknown) => {
  writeLine({ type: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  process.exit(1);
});
