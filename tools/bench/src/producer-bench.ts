/**
 * Producer throughput into the emulator, side by side in one run: a naive loop of SDK PutRecords calls against
 * KinesisProducer (@tributary/kinesis-producer) with aggregation off and on.
 *
 *   npm run bench:producer -- [--runs 5] [--records 500000] [--seconds 5] [--shards 64] [--devices 10000]
 *                             [--only naive,agg-off,agg-on] [--latency-ms 0] [--unpaced] [--profile]
 *                             [--producer-options JSON] [--node-flags FLAGS]
 *
 * The emulator runs in a child process (bench-server.ts, `limits: false`); each producer run in a fresh child
 * process of its own (producer-bench-worker.ts), so that producer and emulator get a core each and each run's
 * peak memory is its own. 100-byte records under per-device partition keys (10,000 devices), on a fresh stream
 * of 64 shards per run:
 *
 *   naive     the SDK's default KinesisClient, PutRecords of 500 records, one call at a time (what a naive user
 *             writes; no retries of failed entries, none fail with limits off)
 *   agg-off   KinesisProducer, aggregation off: 500 Kinesis records per call, paced per shard
 *   agg-on    KinesisProducer, aggregation on (KPL format): aggregates of up to 51,200 bytes, paced per shard
 *
 * The producer paces each shard at AWS's limits (1,000 records/s and 1 MiB/s per shard) unless `--unpaced`; 64
 * shards put that ceiling at 64 MiB/s (about 500,000 aggregated 100-byte records/s), above the target, but at
 * 64,000 records/s for aggregation off: that is what the same stream on AWS would allow without aggregation.
 *
 * Against the emulator on the same machine a PutRecords call answers in a few milliseconds, far sooner than AWS
 * (tens of milliseconds in region); `--latency-ms N` adds N ms to every PutRecords answer through the emulator's
 * fault injection, for the comparison a user sees against AWS, where the naive loop waits for every call.
 *
 * Each run puts until `--records` or `--seconds`, and the clock stops once every record is acknowledged. Every
 * run is checked: every record acknowledged, none failed, and the stream holds exactly the user records
 * acknowledged (read back with GetRecords and deaggregated). One untimed warm-up round of every variant first,
 * then `--runs` rounds, the variants interleaved; medians. Results go to tools/bench/results/producer-latest.json.
 */
import * as path from 'node:path';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { jsonObjectOption, onlyOption, parseBenchArgs, positiveIntegerOption, positiveOption, zeroOrPositiveOption } from './bench-args';
import { BenchSession, fmtCpuPercent, fmtMiB, fmtMicros, fmtRate, mediansOf, printMetricTable, type MetricRow } from './bench-report';
import { countStoredUserRecords, createStream, deleteStream, interleavedRuns, runBench, runJsonWorker, withKdsEmulator, type ServerProcess } from './bench-support';
import type { ProducerVariant, WorkerInput, WorkerResult } from './producer-bench-worker';

const WORKER_SCRIPT = path.join(__dirname, 'producer-bench-worker.ts');
/** The code under test, fingerprinted before and after the bench. */
const SOURCES = ['libs/kinesis-producer/src', 'libs/partitioning/src'];

const RECORD_BYTES = 100;
/** The targets: with aggregation, in one process, and against the naive loop. */
const TARGET_RECORDS_PER_SECOND = 250_000;
const TARGET_RATIO = 10;
/** AWS's write limits per shard, at which the producer paces itself by default. */
const SHARD_RECORDS_PER_SECOND = 1000;
const SHARD_BYTES_PER_SECOND = 1024 * 1024;
/**
 * Bytes an aggregate spends per 100-byte user record beyond its data: the Record message's tag, length, key index
 * and data header (5 to 6 bytes) and a share of the partition-key table (10,000 keys over 64 shards: ~156 keys of
 * 13 bytes per 461-record aggregate, ~4.6 bytes): 110.9 bytes per user record in a full aggregate of the bench's.
 */
const AGGREGATE_OVERHEAD_BYTES_PER_RECORD = 11;

const VARIANTS: readonly ProducerVariant[] = ['naive', 'agg-off', 'agg-on'];
const VARIANT_LABELS: Record<ProducerVariant, string> = {
  naive: 'naive SDK loop',
  'agg-off': 'producer, aggregation off',
  'agg-on': 'producer, aggregation on',
};

const USAGE = `Usage: npm run bench:producer -- [options]

Measures user records/s into the emulator (limits off, in a child process) of a naive loop of SDK PutRecords
calls and of KinesisProducer with aggregation off and on, each run in a fresh process.

Options:
  --runs N          measured rounds (default 5); the median is reported
  --records N       user records per run (default 500000)
  --seconds S       time cap of one run's put loop, seconds (default 5)
  --shards N        shards of each run's stream (default 64)
  --devices N       distinct partition keys, one per device (default 10000)
  --only LIST       comma-separated subset of naive,agg-off,agg-on (ratios need naive)
  --latency-ms N    add N ms to every PutRecords answer (emulator fault injection; default 0), as a stand-in
                    for the round trip to AWS
  --unpaced         lift the producer's per-shard pacing (AWS's 1,000 records/s and 1 MiB/s per shard)
  --producer-options JSON
                    extra KinesisProducerOptions for both producer variants, e.g. '{"maxBufferedRecords":20000}'
                    (for tuning studies: the default is the producer's defaults)
  --node-flags FLAGS
                    extra Node flags for the producer processes, e.g. '--max-semi-space-size=64'
  --profile         run the producer processes and the emulator with --cpu-prof; profiles go to
                    tools/bench/results/profiles/ (the per-run lines name each process id)
  --help            this text
`;

interface BenchOptions {
  runs: number;
  records: number;
  seconds: number;
  shards: number;
  devices: number;
  variants: ProducerVariant[];
  latencyMs: number;
  unpaced: boolean;
  producerOptions: Record<string, unknown>;
  nodeFlags: string[];
  profile: boolean;
}

function parseOptions(argv: string[]): BenchOptions | undefined {
  const values = parseBenchArgs(argv, ['runs', 'records', 'seconds', 'shards', 'devices', 'only', 'latency-ms', 'producer-options', 'node-flags'], ['unpaced', 'profile']);
  if (values === undefined) return undefined;
  const variants = onlyOption(values.only, VARIANTS);
  return {
    runs: positiveIntegerOption('runs', values.runs, 5),
    records: positiveIntegerOption('records', values.records, 500_000),
    seconds: positiveOption('seconds', values.seconds, 5),
    shards: positiveIntegerOption('shards', values.shards, 64),
    devices: positiveIntegerOption('devices', values.devices, 10_000),
    variants,
    latencyMs: zeroOrPositiveOption('latency-ms', values['latency-ms'], 0),
    unpaced: values.unpaced ?? false,
    // The producer validates them itself (an unknown or bad option fails the first run with its name).
    producerOptions: jsonObjectOption('producer-options', values['producer-options']) ?? {},
    nodeFlags: values['node-flags']?.split(/\s+/).filter((f) => f !== '') ?? [],
    profile: values.profile ?? false,
  };
}

// ---------------------------------------------------------------------------------------------------------
// One run

interface RunMeasurement {
  pid: number;
  userRecords: number;
  seconds: number;
  recordsPerSecond: number;
  /** CPU used during the timed phase, in % of one core: near 100 % that process is the bottleneck. */
  producerCpuPercent: number;
  emulatorCpuPercent: number;
  producerCpuMicrosPerRecord: number;
  emulatorCpuMicrosPerRecord: number;
  peakRssBytes: number;
  peakHeapUsedBytes: number;
  maxRssBytes: number;
  putRecordsCalls: number;
  /** User records per Kinesis record: 1 without aggregation. */
  userRecordsPerKinesisRecord: number;
  /** User records found in the stream afterwards (warm-up included), deaggregated. */
  storedUserRecords: number;
}

/** A fault rule of the emulator (README, "Fault injection") that delays every PutRecords answer. */
async function addPutRecordsLatency(url: string, latencyMs: number): Promise<void> {
  const res = await fetch(`${url}/_tributary/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ operations: ['PutRecords'], latencyMs }),
  });
  if (res.status !== 201) throw new Error(`the emulator refused the latency rule: ${res.status} ${await res.text()}`);
}

async function runOnce(
  variant: ProducerVariant,
  tag: string,
  options: BenchOptions,
  emulator: ServerProcess,
  admin: KinesisClient,
  size: { records: number; seconds: number },
): Promise<RunMeasurement> {
  const stream = `bench-producer-${variant}-${tag}`;
  await createStream(admin, stream, options.shards);
  try {
    const input: WorkerInput = {
      variant,
      url: emulator.url,
      emulatorPid: emulator.pid,
      stream,
      records: size.records,
      seconds: size.seconds,
      warmupRecords: Math.min(size.records, 100_000),
      warmupSeconds: 1,
      devices: options.devices,
      recordBytes: RECORD_BYTES,
      unpaced: options.unpaced,
      producerOptions: options.producerOptions,
    };
    const result = await runJsonWorker<WorkerResult>(WORKER_SCRIPT, input, `${variant} worker`, { profile: options.profile, nodeFlags: options.nodeFlags });
    const { warmup, timed } = result;
    // Every record handed over must have been acknowledged before the clock stopped: none failed, none pending.
    for (const [name, phase] of [['warm-up', warmup], ['timed', timed]] as const) {
      if (phase.failed > 0 || phase.acknowledged !== phase.sent || phase.sent === 0) {
        throw new Error(`${VARIANT_LABELS[variant]}, ${name} phase: ${phase.sent} records sent, ${phase.acknowledged} acknowledged, ${phase.failed} failed`);
      }
    }
    const stored = await countStoredUserRecords(admin, stream, (partitionKey, data) => {
      if (data.length !== RECORD_BYTES || !partitionKey.startsWith('device-')) {
        throw new Error(`${stream} holds a record that the bench did not put (key ${partitionKey}, ${data.length} bytes)`);
      }
    });
    if (stored !== warmup.acknowledged + timed.acknowledged) {
      throw new Error(`${VARIANT_LABELS[variant]}: the stream holds ${stored} user records, ${warmup.acknowledged + timed.acknowledged} were acknowledged`);
    }
    const n = timed.acknowledged;
    return {
      pid: result.pid,
      userRecords: n,
      seconds: timed.seconds,
      recordsPerSecond: n / timed.seconds,
      producerCpuPercent: (timed.ownCpuSeconds / timed.seconds) * 100,
      emulatorCpuPercent: (timed.emulatorCpuSeconds / timed.seconds) * 100,
      producerCpuMicrosPerRecord: (timed.ownCpuSeconds * 1e6) / n,
      emulatorCpuMicrosPerRecord: (timed.emulatorCpuSeconds * 1e6) / n,
      peakRssBytes: result.peakRssBytes,
      peakHeapUsedBytes: result.peakHeapUsedBytes,
      maxRssBytes: result.maxRssBytes,
      putRecordsCalls: timed.putRecordsCalls,
      userRecordsPerKinesisRecord: n / timed.kinesisRecords,
      storedUserRecords: stored,
    };
  } finally {
    await deleteStream(admin, stream);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Reporting

type Metric = Exclude<keyof RunMeasurement, 'pid'>;

interface VariantResult {
  runs: RunMeasurement[];
  medians: Record<Metric, number>;
  /** Median records/s over the naive loop's; absent for the naive loop itself or without it. */
  ratioToNaive?: number;
}

const METRICS: readonly Metric[] = [
  'userRecords',
  'seconds',
  'recordsPerSecond',
  'producerCpuPercent',
  'emulatorCpuPercent',
  'producerCpuMicrosPerRecord',
  'emulatorCpuMicrosPerRecord',
  'peakRssBytes',
  'peakHeapUsedBytes',
  'maxRssBytes',
  'putRecordsCalls',
  'userRecordsPerKinesisRecord',
  'storedUserRecords',
];

function summarise(runs: RunMeasurement[]): VariantResult {
  return { runs, medians: mediansOf(runs, METRICS) };
}

function printTable(variants: ProducerVariant[], results: Record<string, VariantResult>): void {
  const col = (v: ProducerVariant) => results[v].medians;
  const rows: Array<MetricRow<ProducerVariant>> = [
    ['user records/s', (v) => fmtRate(col(v).recordsPerSecond)],
    ['ratio to the naive loop', (v) => (results[v].ratioToNaive !== undefined ? `${results[v].ratioToNaive.toFixed(1)}x` : v === 'naive' ? '1.0x' : 'n/a')],
    ['CPU µs per user record, producer process', (v) => fmtMicros(col(v).producerCpuMicrosPerRecord)],
    ['CPU µs per user record, emulator process', (v) => fmtMicros(col(v).emulatorCpuMicrosPerRecord)],
    ['CPU use, producer / emulator (% of a core)', (v) => `${fmtCpuPercent(col(v).producerCpuPercent)} / ${fmtCpuPercent(col(v).emulatorCpuPercent)}`],
    ['peak RSS, producer process (50 ms samples)', (v) => fmtMiB(col(v).peakRssBytes)],
    ['peak heap used, producer process', (v) => fmtMiB(col(v).peakHeapUsedBytes)],
    ['user records per Kinesis record', (v) => col(v).userRecordsPerKinesisRecord.toFixed(1)],
    ['PutRecords calls per run', (v) => fmtRate(col(v).putRecordsCalls)],
    ['user records per run', (v) => fmtRate(col(v).userRecords)],
  ];
  console.log('');
  printMetricTable('Medians', variants, (v) => VARIANT_LABELS[v], rows);
}

function printTargets(results: Record<string, VariantResult>, options: BenchOptions): void {
  const on = results['agg-on'];
  if (!on) return;
  const rate = on.medians.recordsPerSecond;
  console.log('');
  console.log(
    `Targets (producer, aggregation on, one process): >= ${fmtRate(TARGET_RECORDS_PER_SECOND)} user records/s: ${fmtRate(rate)} -> ${rate >= TARGET_RECORDS_PER_SECOND ? 'met' : 'NOT met'}` +
      (on.ratioToNaive !== undefined ? `; >= ${TARGET_RATIO}x the naive loop: ${on.ratioToNaive.toFixed(1)}x -> ${on.ratioToNaive >= TARGET_RATIO ? 'met' : 'NOT met'}` : ''),
  );
  const naive = results['naive'];
  if (naive && !options.unpaced) {
    // The pacing ceiling: the shards' byte limit over the bytes a full aggregate spends per user record.
    const bytesPerUserRecord = RECORD_BYTES + AGGREGATE_OVERHEAD_BYTES_PER_RECORD;
    const ceiling = (options.shards * SHARD_BYTES_PER_SECOND) / bytesPerUserRecord;
    console.log(
      `Pacing at AWS's limits caps a sustained rate with aggregation at about ${fmtRate(ceiling)} user records/s on ${options.shards} shards ` +
        `(${(ceiling / naive.medians.recordsPerSecond).toFixed(1)}x this naive loop); a run shorter than a few seconds also spends each shard's ` +
        `1-second burst, so it can exceed that.`,
    );
  }
}

// ---------------------------------------------------------------------------------------------------------

function printHeader(options: BenchOptions, session: BenchSession): void {
  const ceilingOff = options.shards * SHARD_RECORDS_PER_SECOND;
  console.log(
    `Producer bench: ${options.variants.map((v) => VARIANT_LABELS[v]).join(', ')}; ${options.runs} runs of up to ${fmtRate(options.records)} user records or ${options.seconds} s; ` +
      `${RECORD_BYTES}-byte records under ${fmtRate(options.devices)} per-device keys; a fresh ${options.shards}-shard stream per run; ` +
      session.machineSummary(),
  );
  console.log(
    options.unpaced
      ? 'Producer pacing: lifted (--unpaced): the producer sends as fast as the emulator answers.'
      : `Producer pacing: AWS's limits per shard (${fmtRate(SHARD_RECORDS_PER_SECOND)} records/s, 1 MiB/s), so with ${options.shards} shards at most ` +
          `${fmtRate(ceilingOff)} records/s without aggregation and ${options.shards} MiB/s (about ${fmtRate((options.shards * SHARD_BYTES_PER_SECOND) / (RECORD_BYTES + 12))} ` +
          `aggregated ${RECORD_BYTES}-byte records/s) with it; the naive loop does not pace. The emulator runs with limits off.`,
  );
  if (Object.keys(options.producerOptions).length > 0) console.log(`Producer options beyond the defaults: ${JSON.stringify(options.producerOptions)}`);
  if (options.nodeFlags.length > 0) console.log(`Node flags of the producer processes: ${options.nodeFlags.join(' ')}`);
  if (options.latencyMs > 0) console.log(`Every PutRecords answer is delayed by ${options.latencyMs} ms (emulator fault injection), as a stand-in for the round trip to AWS.`);
}

/** One untimed warm-up round of every variant, then `--runs` rounds, the variants interleaved; each run printed. */
async function measureVariants(options: BenchOptions, emulator: ServerProcess, admin: KinesisClient): Promise<Record<string, RunMeasurement[]>> {
  // Warm-up: the emulator's JIT and allocations (each worker also warms itself up before its timed phase).
  for (const v of options.variants) {
    await runOnce(v, 'warmup', options, emulator, admin, { records: Math.min(options.records, 100_000), seconds: Math.min(options.seconds, 2) });
  }
  return interleavedRuns(
    options.runs,
    options.variants,
    (v, run) => runOnce(v, String(run), options, emulator, admin, { records: options.records, seconds: options.seconds }),
    (run, v, m) =>
      console.log(
        `run ${run}/${options.runs} ${VARIANT_LABELS[v].padEnd(26)} ${fmtRate(m.recordsPerSecond).padStart(9)} records/s  ` +
          `${fmtRate(m.userRecords)} records in ${m.seconds.toFixed(2)} s  cpu producer/emulator ${fmtCpuPercent(m.producerCpuPercent)}/${fmtCpuPercent(m.emulatorCpuPercent)}  ` +
          `µs/record ${fmtMicros(m.producerCpuMicrosPerRecord)}/${fmtMicros(m.emulatorCpuMicrosPerRecord)}  peak RSS ${fmtMiB(m.peakRssBytes)}  ` +
          `stream holds ${fmtRate(m.storedUserRecords)} = acknowledged` + (options.profile ? `  (pid ${m.pid})` : ''),
      ),
  );
}

async function main(options: BenchOptions): Promise<void> {
  const session = new BenchSession('producer', SOURCES);
  await withKdsEmulator(options.profile, async (emulator, admin) => {
    if (options.latencyMs > 0) await addPutRecordsLatency(emulator.url, options.latencyMs);
    printHeader(options, session);
    const raw = await measureVariants(options, emulator, admin);
    const results: Record<string, VariantResult> = {};
    for (const v of options.variants) results[v] = summarise(raw[v]);
    const naive = results['naive'];
    if (naive) {
      for (const v of options.variants) if (v !== 'naive') results[v].ratioToNaive = results[v].medians.recordsPerSecond / naive.medians.recordsPerSecond;
    }
    printTable(options.variants, results);
    printTargets(results, options);
    session.printClosingNotes('the producer', { label: 'Producer sources' });
    if (options.profile) console.log(`Emulator process id (for its profile): ${emulator.pid}`);
    session.writeResults({
      options: { ...options, recordBytes: RECORD_BYTES, emulator: 'limits: false, memory', pacing: options.unpaced ? 'off' : 'AWS limits per shard' },
      variants: Object.fromEntries(options.variants.map((v) => [v, { label: VARIANT_LABELS[v], ...results[v] }])),
    });
  });
}

runBench(USAGE, parseOptions, main);
