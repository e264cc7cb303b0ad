/**
 * One measured producer run, in a fresh process of its own so that its peak memory is its own (RSS hardly ever
 * shrinks: a run in the same process as an earlier one would inherit that one's peak) and it gets a core while
 * the emulator has the other. Started by producer-bench.ts as
 *
 *   node --import tsx tools/bench/src/producer-bench-worker.ts '<WorkerInput as JSON>'
 *
 * it writes one line, the WorkerResult as JSON, and exits. The run: an untimed warm-up on the same stream (JIT,
 * sockets, the producer's shard map), then the timed phase, which puts until `records` user records or
 * `seconds` have passed and stops the clock once every record has been acknowledged (the naive loop awaits each
 * call; the producer is flushed). The emulator's CPU time is read from /proc/<pid>/stat around the timed phase.
 */
import { randomBytes } from 'node:crypto';
import { KinesisClient, PutRecordsCommand, type PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import { KinesisProducer, type KinesisProducerOptions } from '@tributary/kinesis-producer';
import { AckCounter, BENCH_CREDENTIALS, BENCH_REGION, ownMemory, processCpuSeconds, startCpuMeasurement, startPeakSampling } from './bench-support';

export type ProducerVariant = 'naive' | 'agg-off' | 'agg-on';

export interface WorkerInput {
  variant: ProducerVariant;
  url: string;
  emulatorPid: number;
  stream: string;
  records: number;
  seconds: number;
  warmupRecords: number;
  warmupSeconds: number;
  devices: number;
  recordBytes: number;
  /** Lift the producer's per-shard pacing (AWS's limits by default) to measure its raw cost. */
  unpaced: boolean;
  /** Extra KinesisProducerOptions (tuning studies); validated by the producer. */
  producerOptions: Partial<KinesisProducerOptions>;
}

export interface PhaseResult {
  /** User records handed over: to put(), or in a PutRecords call. */
  sent: number;
  /** User records acknowledged (a put() resolved, or counted in a PutRecords answer without ErrorCode). */
  acknowledged: number;
  failed: number;
  seconds: number;
  ownCpuSeconds: number;
  emulatorCpuSeconds: number;
  putRecordsCalls: number;
  kinesisRecords: number;
}

export interface WorkerResult {
  pid: number;
  warmup: PhaseResult;
  timed: PhaseResult;
  peakRssBytes: number;
  peakHeapUsedBytes: number;
  maxRssBytes: number;
}

/** PutRecords entries per call: the API's maximum, what both the naive loop and the producer use. */
const RECORDS_PER_CALL = 500;
/** Distinct payloads cycled through (generated once: the bench measures putting, not random bytes). */
const PAYLOADS = 1024;

interface Workload {
  keys: string[];
  payloads: Buffer[];
}

function makeWorkload(input: WorkerInput): Workload {
  const width = String(input.devices - 1).length;
  return {
    // Per-device keys, as telemetry uses them (one key per device keeps each device's order).
    keys: Array.from({ length: input.devices }, (_, i) => `device-${String(i).padStart(width, '0')}`),
    payloads: Array.from({ length: PAYLOADS }, () => randomBytes(input.recordBytes)),
  };
}

/** What a naive user writes: the SDK's default client, 500 records per PutRecords, one call at a time. */
async function naiveLoop(client: KinesisClient, input: WorkerInput, w: Workload, records: number, seconds: number): Promise<Omit<PhaseResult, 'ownCpuSeconds' | 'emulatorCpuSeconds' | 'seconds'>> {
  const deadline = performance.now() + seconds * 1000;
  let sent = 0;
  let acknowledged = 0;
  let failed = 0;
  let calls = 0;
  while (sent < records && performance.now() < deadline) {
    const n = Math.min(RECORDS_PER_CALL, records - sent);
    const batch: PutRecordsRequestEntry[] = new Array(n);
    for (let j = 0; j < n; j++, sent++) batch[j] = { Data: w.payloads[sent % PAYLOADS], PartitionKey: w.keys[sent % w.keys.length] };
    const out = await client.send(new PutRecordsCommand({ StreamName: input.stream, Records: batch }));
    calls++;
    const f = out.FailedRecordCount ?? 0;
    failed += f;
    acknowledged += n - f;
  }
  return { sent, acknowledged, failed, putRecordsCalls: calls, kinesisRecords: acknowledged };
}

/**
 * A high-rate caller that does not await each put: it waits only when the producer says its buffer is full,
 * counts the acknowledgements, and flushes before the clock stops.
 */
async function producerLoop(producer: KinesisProducer, w: Workload, records: number, seconds: number): Promise<Omit<PhaseResult, 'ownCpuSeconds' | 'emulatorCpuSeconds' | 'seconds'>> {
  const before = producer.stats().totals;
  const deadline = performance.now() + seconds * 1000;
  const acks = new AckCounter();
  const keys = w.keys;
  const payloads = w.payloads;
  let sent = 0;
  for (; sent < records; sent++) {
    if (!producer.writable) await producer.whenWritable();
    // The clock is read once per 1,024 records: reading it per record would cost more than some puts.
    if ((sent & 1023) === 0 && performance.now() >= deadline) break;
    producer.put({ partitionKey: keys[sent % keys.length], data: payloads[sent % PAYLOADS] }).then(acks.ok, acks.fail);
  }
  await producer.flush();
  const after = producer.stats().totals;
  return {
    sent,
    acknowledged: acks.acknowledged,
    failed: acks.failed,
    putRecordsCalls: after.putRecordsCalls - before.putRecordsCalls,
    kinesisRecords: after.kinesisRecordsPut - before.kinesisRecordsPut,
  };
}

async function main(): Promise<void> {
  const input = JSON.parse(process.argv[2] ?? '') as WorkerInput;
  const workload = makeWorkload(input);
  const emulator = { cpuSeconds: () => processCpuSeconds(input.emulatorPid) };
  const clientOptions = { endpoint: input.url, region: BENCH_REGION, credentials: BENCH_CREDENTIALS };

  let run: (records: number, seconds: number) => ReturnType<typeof naiveLoop>;
  let close: () => Promise<void>;
  if (input.variant === 'naive') {
    // The SDK's defaults, as a user who copies the documentation gets them: HTTP/2 handler, 3 attempts, logger middleware.
    const client = new KinesisClient(clientOptions);
    run = (records, seconds) => naiveLoop(client, input, workload, records, seconds);
    close = async () => client.destroy();
  } else {
    const producer = new KinesisProducer({
      streamName: input.stream,
      clientOptions,
      aggregation: input.variant === 'agg-on',
      ...(input.unpaced ? { shardLimits: { recordsPerSecond: 1e9, bytesPerSecond: 1e12 } } : {}),
      ...input.producerOptions,
    });
    run = (records, seconds) => producerLoop(producer, workload, records, seconds);
    close = () => producer.close();
  }

  const phase = async (records: number, seconds: number): Promise<PhaseResult> => {
    const stop = startCpuMeasurement([emulator]);
    const counts = await run(records, seconds);
    const { ms, ownCpuSeconds, serverCpuSeconds } = stop();
    return { ...counts, seconds: ms / 1000, ownCpuSeconds, emulatorCpuSeconds: serverCpuSeconds[0] };
  };

  const warmup = await phase(input.warmupRecords, input.warmupSeconds);
  const stopSampling = startPeakSampling(ownMemory, 50);
  const timed = await phase(input.records, input.seconds);
  const peak = stopSampling();
  await close();
  const result: WorkerResult = {
    pid: process.pid,
    warmup,
    timed,
    peakRssBytes: peak.rssBytes,
    peakHeapUsedBytes: peak.heapUsedBytes,
    // The kernel's high-water mark since the process started (the warm-up included): the upper bound of the samples.
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
  };
  process.stdout.write(JSON.stringify(result) + '\n');
}

main().then(
  // Exit explicitly: a lingering keep-alive socket must not keep the run waiting (and --cpu-prof still writes).
  () => process.exit(0),
  (err: unknown) => {
    console.error('producer bench worker failed:', err);
    process.exit(1);
  },
);
