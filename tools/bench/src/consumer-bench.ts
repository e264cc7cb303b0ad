/**
 * Consumer workers (KinesisConsumer, @tributary/kinesis-consumer) against the emulator, in one run: throughput
 * per worker, end-to-end latency put() → handler, and failover time after a SIGKILL.
 *
 *   npm run bench:consumer -- [--runs 3] [--only throughput,latency,failover] [--records 1000000] [--shards 16]
 *                             [--consumer-options JSON] [--rate 5000] [--latency-seconds 20] [--linger-ms 10]
 *                             [--latency-shards 4] [--profile]
 *
 * Every side runs in a process of its own (2 cores: the emulator gets one, the process measured the other):
 * two emulators (bench-server.ts `emulator` with AWS's limits off, `emulator-aws-limits` with them on; Kinesis
 * and the DynamoDB lease tables on one port), the producer (consumer-bench-producer.ts) and every consumer worker
 * (consumer-bench-worker.ts), fresh per run.
 *
 * 1. Throughput per worker (emulator limits off). A stream of `--shards` shards is filled once with `--records`
 *    100-byte user records by KinesisProducer with aggregation on (~400 user records per Kinesis record of ~47 KB); each
 *    run then starts ONE worker under a fresh application name (a fresh lease table, so it reads everything
 *    again from TRIM_HORIZON) with deaggregation and checkpointing after every handler batch (checkpointAfter
 *    'batch'), a handler that touches every record (sums the data lengths, marks each record's index seen), and
 *    times the first record handed to the handler → the handler call that completed the set. Polling and
 *    enhanced fan-out (a fresh registered consumer per run, deregistered after). Reported: user records/s,
 *    CPU µs per record of the worker and of the emulator (/proc), peak RSS of the worker (50 ms samples).
 *    The polling reader keeps itself within AWS's read quota of 2 MiB/s per shard even against an emulator that
 *    does not enforce it, so its ceiling is shards × 2 MiB/s ÷ bytes per aggregated user record (~120 with
 *    10,000 distinct partition keys; printed): the default 16 shards put it near 280,000 records/s, 8 would cap
 *    it near 140,000 — on AWS as here. Enhanced fan-out has no such brake with limits off (the emulator then
 *    pushes events of up to 10 MiB; AWS's 2 MiB/s per shard and consumer would bound them). Options beyond the
 *    consumer's defaults are those of DEFAULT_THROUGHPUT_OPTIONS below (why there); the worker also reports the
 *    leases it lost and took again, and the duplicates that followed.
 * 2. Latency put() → handler (emulator limits ON): a fresh `--latency-shards`-shard stream per run, a worker
 *    with the consumer's defaults (polling: 200-ms idle interval), then a producer paced at `--rate` records/s
 *    (aggregation on, linger `--linger-ms`: the linger is part of put → handler, so it is set and reported), 2 s
 *    of warm-up records, then `--latency-seconds` of measured ones. Each record carries its put() time
 *    (performance.timeOrigin + performance.now(), the same wall clock in every process of the machine, to a µs);
 *    the worker subtracts it from the time its handler was called. p50/p90/p99/max over the measured records;
 *    every measured record must arrive.
 * 3. Failover (emulator limits on): 3 workers with default settings (polling, 3-s leases, 1-s taker) on a 6-shard
 *    stream, 1,000 records/s flowing; once each worker holds 2 leases, one is killed with SIGKILL, and the
 *    failover time is kill → the last of its shards handled again by another worker (its first handler call
 *    there), as in libs/kinesis-consumer/src/consumer/failover.int.spec.ts.
 *
 * One untimed warm-up round of the throughput and latency variants first (the emulators' JIT; the workers are
 * fresh processes anyway), then `--runs` rounds, variants interleaved; medians of every figure. The figures of
 * one run go to tools/bench/results/consumer-latest.json with the machine, its load average and fingerprints of
 * the sources measured (compared before and after: other engineers may edit them while the bench runs).
 */
import { parseArgs } from 'node:util';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { DeregisterStreamConsumerCommand, DescribeStreamSummaryCommand, GetRecordsCommand, GetShardIteratorCommand, KinesisClient, ListShardsCommand } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { CONSUMER_DEFAULTS, RETRIEVAL_DEFAULTS } from '@tributary/kinesis-consumer';
import { deaggregate } from '@tributary/kpl';
import {
  BENCH_CREDENTIALS,
  BENCH_REGION,
  createStream,
  deleteStream,
  fmtCpuPercent,
  fmtMiB,
  fmtMicros,
  fmtRate,
  loadAverage,
  machineInfo,
  median,
  positiveOption,
  printGrid,
  printLoadNote,
  runBench,
  sleep,
  sourceFingerprint,
  spawnScript,
  startServerProcess,
  warnIfSourcesChanged,
  writeResults,
  type ServerProcess,
} from './bench-support';
import {
  epochMs,
  onJsonLines,
  type LatencyRequest,
  type LatencyResult,
  type ProducerInput,
  type ProducerMessage,
  type ProducerResult,
  type Retrieval,
  type ThroughputResult,
  type TunedConsumerOptions,
  type WorkerInput,
  type WorkerMessage,
} from './consumer-bench-protocol';

const WORKER_SCRIPT = path.join(__dirname, 'consumer-bench-worker.ts');
const PRODUCER_SCRIPT = path.join(__dirname, 'consumer-bench-producer.ts');
const RESULTS_FILE = 'consumer-latest.json';
/** The code under test, fingerprinted before and after the bench. */
const SOURCES = ['libs/kinesis-consumer/src', 'libs/kinesis-producer/src', 'libs/emulator/src'];

const RECORD_BYTES = 100;
const DEVICES = 10_000;
/** The issue's targets. */
const TARGET_RECORDS_PER_SECOND = 200_000;
const TARGET_P99_MS: Record<Retrieval, number> = { polling: 300, 'fan-out': 50 };
const TARGET_FAILOVER_MS = 5_000;
/** Failover scenario (fixed by the issue). */
const FAILOVER_SHARDS = 6;
const FAILOVER_WORKERS = 3;
const FAILOVER_RATE = 1_000;
const FAILOVER_LINGER_MS = 50;
const LATENCY_WARMUP_SECONDS = 2;

const RETRIEVALS: readonly Retrieval[] = ['polling', 'fan-out'];
const LABELS: Record<Retrieval, string> = { polling: 'polling', 'fan-out': 'enhanced fan-out' };
type Part = 'throughput' | 'latency' | 'failover';
const PARTS: readonly Part[] = ['throughput', 'latency', 'failover'];

/**
 * Throughput settings beyond the consumer's defaults (options a user sets; `--consumer-options` replaces them):
 * - batchSize 10,000 (the maximum; Lambda's BatchSize) rather than 1,000: checkpointAfter 'batch' then writes
 *   the lease once per 10,000 records instead of once per 1,000 (measured: ~4.5 against ~6.5 CPU µs/record).
 * - maxRecordsPerCall 20 (polling only): 20 aggregates of ~400 user records are ~0.9 MiB and ~8,000 records,
 *   about one handler batch per GetRecords. With the default 10,000 a catching-up reader gets each shard's whole
 *   backlog (up to 10 MiB) in one response, which is parsed and deaggregated in one go: the worker's event loop
 *   stalls for seconds, lease renewals miss the 3-s failover time, the lone worker drops its own leases and reads
 *   again from its last checkpoint (duplicates); it also delays every shard's first record.
 */
const DEFAULT_THROUGHPUT_OPTIONS: TunedConsumerOptions = { batchSize: 10_000, maxRecordsPerCall: 20 };

const USAGE = `Usage: npm run bench:consumer -- [options]

Measures KinesisConsumer workers against the emulator (child processes): user records/s of one worker (polling
and enhanced fan-out), put() -> handler latency at a paced rate, and failover time after a SIGKILL.

Options:
  --runs N              measured rounds (default 3); medians are reported
  --only LIST           comma-separated subset of throughput,latency,failover
  --records N           user records in the throughput stream (default 1000000)
  --shards N            shards of the throughput stream (default 16: polling reads <= 2 MiB/s per shard)
  --consumer-options JSON
                        KinesisConsumer options of the throughput workers, replacing the bench's
                        ${JSON.stringify(DEFAULT_THROUGHPUT_OPTIONS)} (batchSize, maxRecordsPerCall, idleTimeBetweenReadsMs)
  --latency-consumer-options JSON
                        KinesisConsumer options of the latency workers (default: none, the consumer's defaults)
  --rate N              put() rate of the latency runs, records/s (default 5000)
  --latency-seconds S   measured seconds per latency run (default 20)
  --latency-shards N    shards of the latency streams (default 4)
  --linger-ms N         the producer's maxBufferedTimeMs in the latency runs (default 10)
  --profile             run the consumer workers and the emulators with --cpu-prof; profiles go to
                        tools/bench/results/profiles/ (the per-run lines name each worker's process id)
  --help                this text
`;

interface BenchOptions {
  runs: number;
  parts: Part[];
  records: number;
  shards: number;
  consumerOptions: TunedConsumerOptions;
  latencyConsumerOptions: TunedConsumerOptions;
  rate: number;
  latencySeconds: number;
  latencyShards: number;
  lingerMs: number;
  profile: boolean;
}

function parseOptions(argv: string[]): BenchOptions | undefined {
  const { values } = parseArgs({
    args: argv,
    options: {
      runs: { type: 'string' },
      only: { type: 'string' },
      records: { type: 'string' },
      shards: { type: 'string' },
      'consumer-options': { type: 'string' },
      'latency-consumer-options': { type: 'string' },
      rate: { type: 'string' },
      'latency-seconds': { type: 'string' },
      'latency-shards': { type: 'string' },
      'linger-ms': { type: 'string' },
      profile: { type: 'boolean' },
      help: { type: 'boolean' },
    },
    strict: true,
  });
  if (values.help) return undefined;
  const parts = values.only === undefined ? [...PARTS] : values.only.split(',').map((p) => p.trim());
  for (const p of parts) if (!PARTS.includes(p as Part)) throw new Error(`--only takes throughput, latency and failover, got ${p}`);
  return {
    runs: Math.round(positiveOption('runs', values.runs, 3)),
    parts: PARTS.filter((p) => parts.includes(p)),
    records: Math.round(positiveOption('records', values.records, 1_000_000)),
    shards: Math.round(positiveOption('shards', values.shards, 16)),
    consumerOptions: parseConsumerOptions(values['consumer-options'], DEFAULT_THROUGHPUT_OPTIONS),
    latencyConsumerOptions: parseConsumerOptions(values['latency-consumer-options'], {}),
    rate: positiveOption('rate', values.rate, 5_000),
    latencySeconds: positiveOption('latency-seconds', values['latency-seconds'], 20),
    latencyShards: Math.round(positiveOption('latency-shards', values['latency-shards'], 4)),
    lingerMs: values['linger-ms'] === '0' ? 0 : positiveOption('linger-ms', values['linger-ms'], 10),
    profile: values.profile ?? false,
  };
}

function parseConsumerOptions(text: string | undefined, fallback: TunedConsumerOptions): TunedConsumerOptions {
  if (text === undefined) return fallback;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`--consumer-options must be a JSON object, got ${text}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error(`--consumer-options must be a JSON object, got ${text}`);
  // The consumer validates them itself (a bad one fails the first run with its name).
  return parsed as TunedConsumerOptions;
}

// ---------------------------------------------------------------------------------------------------------
// Child processes that talk in JSON lines

class LineChild<M> {
  readonly messages: M[] = [];
  private readonly waiters = new Set<() => void>();
  readonly exited: Promise<number | null>;
  private exitedWith: string | undefined;

  constructor(
    readonly proc: ChildProcess,
    readonly label: string,
  ) {
    this.exited = new Promise((resolve) =>
      proc.once('exit', (code, signal) => {
        this.exitedWith = String(signal ?? code);
        for (const w of this.waiters) w();
        resolve(code);
      }),
    );
    onJsonLines<M>(proc, (m) => {
      this.messages.push(m);
      for (const w of this.waiters) w();
    });
  }

  get pid(): number {
    return this.proc.pid as number;
  }

  /** Resolves with `find()`'s first defined answer, looked at on every message; rejects on exit or timeout. */
  waitFor<T>(what: string, find: () => T | undefined, timeoutMs: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const check = (): void => {
        let found: T | undefined;
        try {
          found = find();
        } catch (err) {
          finish();
          reject(err as Error);
          return;
        }
        if (found !== undefined) {
          finish();
          resolve(found);
        } else if (this.exitedWith !== undefined) {
          finish();
          reject(new Error(`${this.label} exited (${this.exitedWith}) while the bench waited for ${what}`));
        }
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`${this.label}: timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const finish = (): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  send(message: object): void {
    this.proc.stdin?.write(`${JSON.stringify(message)}\n`);
  }

  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
  async stop(graceMs = 35_000): Promise<void> {
    if (this.exitedWith !== undefined) return;
    this.proc.kill('SIGTERM');
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

function startWorker(input: WorkerInput, profile: boolean): LineChild<WorkerMessage> {
  return new LineChild<WorkerMessage>(spawnScript(WORKER_SCRIPT, [JSON.stringify(input)], { profile, stdin: 'pipe' }), `worker ${input.workerId} (${input.mode})`);
}

function startProducer(input: ProducerInput): LineChild<ProducerMessage> {
  return new LineChild<ProducerMessage>(spawnScript(PRODUCER_SCRIPT, [JSON.stringify(input)], { stdin: 'ignore' }), `producer (${input.mode})`);
}

const errorOf = (c: LineChild<WorkerMessage>): string | undefined => {
  const e = c.messages.find((m) => m.type === 'error');
  return e && e.type === 'error' ? e.message : undefined;
};

/** The worker's message of type `type`, or a thrown error if the worker reported one first. */
function messageOf<T extends WorkerMessage['type']>(c: LineChild<WorkerMessage>, type: T): Extract<WorkerMessage, { type: T }> | undefined {
  const error = errorOf(c);
  if (error !== undefined) throw new Error(`${c.label} failed: ${error}`);
  return c.messages.find((m): m is Extract<WorkerMessage, { type: T }> => m.type === type);
}

/** Leases a worker holds now, from its acquired/lost lines. */
function heldBy(c: LineChild<WorkerMessage>): Set<string> {
  const held = new Set<string>();
  for (const m of c.messages) {
    if (m.type === 'acquired') held.add(m.shardId);
    if (m.type === 'lost') held.delete(m.shardId);
  }
  return held;
}

async function producerResult(p: LineChild<ProducerMessage>, timeoutMs: number): Promise<ProducerResult> {
  const m = await p.waitFor('its result', () => p.messages.find((x) => x.type === 'result'), timeoutMs);
  await p.exited;
  if (m.type !== 'result') throw new Error('unreachable');
  if (m.result.failed > 0 || m.result.acknowledged !== m.result.sent) throw new Error(`${p.label}: ${m.result.sent} sent, ${m.result.acknowledged} acknowledged, ${m.result.failed} failed`);
  return m.result;
}

// ---------------------------------------------------------------------------------------------------------
// 1. Throughput

interface ThroughputMeasurement extends ThroughputResult {
  pid: number;
  recordsPerSecond: number;
  cpuMicrosPerRecord: number;
  emulatorCpuMicrosPerRecord: number;
  cpuPercent: number;
  emulatorCpuPercent: number;
}

interface Setup {
  options: BenchOptions;
  fast: ServerProcess;
  aws: ServerProcess;
  fastAdmin: KinesisClient;
  awsAdmin: KinesisClient;
}

const unique = (prefix: string): string => `${prefix}-${process.pid}-${Date.now().toString(36)}`;

/** Bytes (data + partition key, what the read quota counts) per user record of the filled stream. */
async function bytesPerUserRecord(admin: KinesisClient, stream: string): Promise<number> {
  const shards = (await admin.send(new ListShardsCommand({ StreamName: stream }))).Shards ?? [];
  const iterator = (await admin.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shards[0]?.ShardId, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
  const out = await admin.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 50 }));
  let bytes = 0;
  let users = 0;
  for (const r of out.Records ?? []) {
    const data = r.Data as Uint8Array;
    bytes += data.length + (r.PartitionKey ?? '').length;
    users += deaggregate(data)?.length ?? 1;
  }
  return users > 0 ? bytes / users : Number.NaN;
}

async function throughputRun(setup: Setup, stream: string, retrieval: Retrieval, tag: string): Promise<ThroughputMeasurement> {
  const { options, fast, fastAdmin } = setup;
  const applicationName = unique(`bench-consumer-tp-${retrieval}-${tag}`);
  const worker = startWorker(
    {
      mode: 'throughput',
      url: fast.url,
      stream,
      applicationName,
      workerId: 'w1',
      retrieval,
      emulatorPid: fast.pid,
      records: options.records,
      consumerOptions: options.consumerOptions,
    },
    options.profile,
  );
  try {
    const m = await worker.waitFor('every record handled', () => messageOf(worker, 'throughput'), 300_000);
    await worker.exited;
    const r = m.result;
    if (r.records !== options.records || r.dataBytes < options.records * RECORD_BYTES) {
      throw new Error(`${LABELS[retrieval]}: ${r.records} distinct records handled (${r.dataBytes} bytes), the stream holds ${options.records}`);
    }
    return {
      ...r,
      pid: m.pid,
      recordsPerSecond: r.records / r.seconds,
      cpuMicrosPerRecord: (r.ownCpuSeconds * 1e6) / r.records,
      emulatorCpuMicrosPerRecord: (r.emulatorCpuSeconds * 1e6) / r.records,
      cpuPercent: (r.ownCpuSeconds / r.seconds) * 100,
      emulatorCpuPercent: (r.emulatorCpuSeconds / r.seconds) * 100,
    };
  } finally {
    if (worker.proc.exitCode === null && worker.proc.signalCode === null) worker.proc.kill('SIGKILL');
    if (retrieval === 'fan-out') {
      const arn = (await fastAdmin.send(new DescribeStreamSummaryCommand({ StreamName: stream }))).StreamDescriptionSummary?.StreamARN;
      await fastAdmin.send(new DeregisterStreamConsumerCommand({ StreamARN: arn, ConsumerName: applicationName })).catch(() => undefined);
    }
  }
}

const THROUGHPUT_METRICS = [
  'recordsPerSecond',
  'seconds',
  'cpuMicrosPerRecord',
  'emulatorCpuMicrosPerRecord',
  'cpuPercent',
  'emulatorCpuPercent',
  'peakRssBytes',
  'peakHeapUsedBytes',
  'maxRssBytes',
  'startupSeconds',
  'handlerCalls',
  'kinesisRecords',
  'checkpoints',
  'leasesLost',
  'duplicates',
] as const satisfies readonly (keyof ThroughputMeasurement)[];

async function throughputPart(setup: Setup): Promise<Record<string, unknown>> {
  const { options, fast, fastAdmin } = setup;
  const stream = unique('bench-consumer-throughput');
  await createStream(fastAdmin, stream, options.shards);
  try {
    const fillStarted = performance.now();
    const filler = startProducer({ mode: 'fill', url: fast.url, stream, records: options.records, devices: DEVICES, recordBytes: RECORD_BYTES });
    const filled = await producerResult(filler, 300_000);
    const perRecord = await bytesPerUserRecord(fastAdmin, stream);
    const maxBytes = RETRIEVAL_DEFAULTS.polling.maxBytesPerSecond;
    const pollingCeiling = (options.shards * maxBytes) / perRecord;
    console.log(
      `\n1. Throughput of one worker: ${fmtRate(options.records)} user records of ${RECORD_BYTES} bytes in a ${options.shards}-shard stream (put in ` +
        `${((performance.now() - fillStarted) / 1000).toFixed(1)} s, ${fmtRate(filled.acknowledged / filled.seconds)} records/s, aggregated: ` +
        `${perRecord.toFixed(1)} bytes per user record); emulator limits off; deaggregation and checkpointAfter 'batch' on; ` +
        `options beyond the defaults: ${JSON.stringify(options.consumerOptions)}.`,
    );
    console.log(
      `   Polling keeps within ${fmtMiB(maxBytes)}/s per shard (AWS's read quota): at most ${fmtRate(pollingCeiling)} user records/s with ${options.shards} shards.`,
    );
    for (const r of RETRIEVALS) await throughputRun(setup, stream, r, 'warmup');
    const raw: Record<Retrieval, ThroughputMeasurement[]> = { polling: [], 'fan-out': [] };
    for (let run = 1; run <= options.runs; run++) {
      for (const r of RETRIEVALS) {
        const m = await throughputRun(setup, stream, r, String(run));
        raw[r].push(m);
        console.log(
          `   run ${run}/${options.runs} ${LABELS[r].padEnd(16)} ${fmtRate(m.recordsPerSecond).padStart(9)} records/s in ${m.seconds.toFixed(2)} s  ` +
            `cpu worker/emulator ${fmtCpuPercent(m.cpuPercent)}/${fmtCpuPercent(m.emulatorCpuPercent)}  µs/record ${fmtMicros(m.cpuMicrosPerRecord)}/${fmtMicros(m.emulatorCpuMicrosPerRecord)}  ` +
            `peak RSS ${fmtMiB(m.peakRssBytes)}  ${m.handlerCalls} handler calls, ${m.checkpoints} checkpoints` +
            (m.leasesLost > 0 ? `, ${m.leasesLost} leases lost and taken again` : '') +
            (m.duplicates > 0 ? `, ${m.duplicates} duplicates` : '') +
            (options.profile ? `  (pid ${m.pid})` : ''),
        );
      }
    }
    const medians = Object.fromEntries(
      RETRIEVALS.map((r) => [r, Object.fromEntries(THROUGHPUT_METRICS.map((k) => [k, median(raw[r].map((m) => m[k]))]))]),
    ) as Record<Retrieval, Record<(typeof THROUGHPUT_METRICS)[number], number>>;
    console.log('');
    const rows: Array<[string, (r: Retrieval) => string]> = [
      ['user records/s (first record -> last handled)', (r) => fmtRate(medians[r].recordsPerSecond)],
      ['CPU µs per user record, worker', (r) => fmtMicros(medians[r].cpuMicrosPerRecord)],
      ['CPU µs per user record, emulator', (r) => fmtMicros(medians[r].emulatorCpuMicrosPerRecord)],
      ['CPU use, worker / emulator (% of a core)', (r) => `${fmtCpuPercent(medians[r].cpuPercent)} / ${fmtCpuPercent(medians[r].emulatorCpuPercent)}`],
      ['peak RSS, worker (50 ms samples)', (r) => fmtMiB(medians[r].peakRssBytes)],
      ['peak heap used, worker', (r) => fmtMiB(medians[r].peakHeapUsedBytes)],
      ['seconds per run', (r) => medians[r].seconds.toFixed(2)],
      ['start() -> first record, s', (r) => medians[r].startupSeconds.toFixed(2)],
      ['handler calls / checkpoints per run', (r) => `${fmtRate(medians[r].handlerCalls)} / ${fmtRate(medians[r].checkpoints)}`],
      ['Kinesis records (aggregates) read', (r) => fmtRate(medians[r].kinesisRecords)],
      ['leases lost and taken again / duplicates', (r) => `${fmtRate(medians[r].leasesLost)} / ${fmtRate(medians[r].duplicates)}`],
    ];
    printGrid(['Medians, one worker', ...RETRIEVALS.map((r) => LABELS[r])], rows.map(([label, f]) => [label, ...RETRIEVALS.map(f)]));
    return {
      stream: { shards: options.shards, records: options.records, recordBytes: RECORD_BYTES, bytesPerUserRecord: perRecord, fillSeconds: filled.seconds },
      consumerOptions: options.consumerOptions,
      pollingCeilingRecordsPerSecond: pollingCeiling,
      variants: Object.fromEntries(RETRIEVALS.map((r) => [r, { label: LABELS[r], runs: raw[r], medians: medians[r] }])),
    };
  } finally {
    await deleteStream(fastAdmin, stream).catch(() => undefined);
  }
}

// ---------------------------------------------------------------------------------------------------------
// 2. Latency

interface LatencyMeasurement extends LatencyResult {
  pid: number;
  producedRate: number;
  measuredRecords: number;
}

async function latencyRun(setup: Setup, retrieval: Retrieval, seconds: number): Promise<LatencyMeasurement> {
  const { options, aws, awsAdmin } = setup;
  const stream = unique(`bench-consumer-latency-${retrieval}`);
  await createStream(awsAdmin, stream, options.latencyShards);
  const worker = startWorker({ mode: 'latency', url: aws.url, stream, applicationName: unique('bench-consumer-lat'), workerId: 'w1', retrieval, consumerOptions: options.latencyConsumerOptions }, options.profile);
  let producer: LineChild<ProducerMessage> | undefined;
  try {
    await worker.waitFor('start()', () => messageOf(worker, 'ready'), 60_000);
    await worker.waitFor('every lease', () => (heldBy(worker).size === options.latencyShards ? true : undefined), 30_000);
    producer = startProducer({
      mode: 'paced',
      url: aws.url,
      stream,
      rate: options.rate,
      warmupSeconds: LATENCY_WARMUP_SECONDS,
      seconds,
      devices: DEVICES,
      recordBytes: RECORD_BYTES,
      maxBufferedTimeMs: options.lingerMs,
    });
    const produced = await producerResult(producer, (seconds + LATENCY_WARMUP_SECONDS) * 1000 + 60_000);
    const request: LatencyRequest = { measured: produced.measured, timeoutMs: 15_000 };
    worker.send(request);
    const m = await worker.waitFor('the latency figures', () => messageOf(worker, 'latency'), 30_000);
    if (m.missing > 0) throw new Error(`${LABELS[retrieval]}: ${m.missing} of ${produced.measured} measured records never reached the handler`);
    return { ...m.result, pid: m.pid, producedRate: produced.measuredRate, measuredRecords: produced.measured };
  } finally {
    if (producer) await producer.stop(5_000);
    await worker.stop();
    await deleteStream(awsAdmin, stream).catch(() => undefined);
  }
}

const LATENCY_METRICS = ['p50', 'p90', 'p99', 'max', 'mean', 'records', 'duplicates', 'producedRate', 'handlerCallsPerSecond', 'checkpointsPerSecond'] as const satisfies readonly (keyof LatencyMeasurement)[];

async function latencyPart(setup: Setup): Promise<Record<string, unknown>> {
  const { options } = setup;
  console.log(
    `\n2. Latency put() -> handler: ${fmtRate(options.rate)} records/s for ${options.latencySeconds} s per run (after ${LATENCY_WARMUP_SECONDS} s of warm-up records) ` +
      `into a fresh ${options.latencyShards}-shard stream; emulator with AWS's limits on; producer aggregation on, maxBufferedTimeMs ${options.lingerMs}; ` +
      `consumer defaults (polling idle time ${RETRIEVAL_DEFAULTS.polling.idleTimeBetweenReadsMs} ms, batchSize ${CONSUMER_DEFAULTS.batchSize}, checkpointAfter 'batch')` +
      (Object.keys(options.latencyConsumerOptions).length > 0 ? `, and ${JSON.stringify(options.latencyConsumerOptions)}.` : '.'),
  );
  for (const r of RETRIEVALS) await latencyRun(setup, r, Math.min(options.latencySeconds, 3));
  const raw: Record<Retrieval, LatencyMeasurement[]> = { polling: [], 'fan-out': [] };
  for (let run = 1; run <= options.runs; run++) {
    for (const r of RETRIEVALS) {
      const m = await latencyRun(setup, r, options.latencySeconds);
      raw[r].push(m);
      console.log(
        `   run ${run}/${options.runs} ${LABELS[r].padEnd(16)} p50 ${m.p50.toFixed(1)} ms  p90 ${m.p90.toFixed(1)} ms  p99 ${m.p99.toFixed(1)} ms  max ${m.max.toFixed(1)} ms  ` +
          `(${fmtRate(m.records)} records at ${fmtRate(m.producedRate)}/s${m.duplicates > 0 ? `, ${m.duplicates} duplicates` : ''})` +
          (options.profile ? `  (pid ${m.pid})` : ''),
      );
    }
  }
  const medians = Object.fromEntries(
    RETRIEVALS.map((r) => [r, Object.fromEntries(LATENCY_METRICS.map((k) => [k, median(raw[r].map((m) => m[k]))]))]),
  ) as Record<Retrieval, Record<(typeof LATENCY_METRICS)[number], number>>;
  console.log('');
  const ms = (n: number): string => `${n.toFixed(1)} ms`;
  const rows: Array<[string, (r: Retrieval) => string]> = [
    ['p50', (r) => ms(medians[r].p50)],
    ['p90', (r) => ms(medians[r].p90)],
    ['p99', (r) => ms(medians[r].p99)],
    ['max', (r) => ms(medians[r].max)],
    ['mean', (r) => ms(medians[r].mean)],
    ['measured records per run', (r) => fmtRate(medians[r].records)],
    ['handler calls / checkpoints per second', (r) => `${fmtRate(medians[r].handlerCallsPerSecond)} / ${fmtRate(medians[r].checkpointsPerSecond)}`],
  ];
  printGrid([`Medians, put() -> handler (linger ${options.lingerMs} ms)`, ...RETRIEVALS.map((r) => LABELS[r])], rows.map(([label, f]) => [label, ...RETRIEVALS.map(f)]));
  return {
    rate: options.rate,
    seconds: options.latencySeconds,
    warmupSeconds: LATENCY_WARMUP_SECONDS,
    shards: options.latencyShards,
    producer: { aggregation: true, maxBufferedTimeMs: options.lingerMs },
    consumerOptions: options.latencyConsumerOptions,
    variants: Object.fromEntries(RETRIEVALS.map((r) => [r, { label: LABELS[r], runs: raw[r], medians: medians[r] }])),
  };
}

// ---------------------------------------------------------------------------------------------------------
// 3. Failover

interface FailoverMeasurement {
  /** Kill → the last of the victim's shards handled by another worker. */
  failoverMs: number;
  /** Per victim shard: kill → taken by another worker, and kill → first handled there. */
  shards: Array<{ shardId: string; takenMs: number; handledMs: number; by: string }>;
  /** Start of the first worker → every worker at its share. */
  convergeMs: number;
}

async function failoverRun(setup: Setup): Promise<FailoverMeasurement> {
  const { options, aws, awsAdmin } = setup;
  const stream = unique('bench-consumer-failover');
  await createStream(awsAdmin, stream, FAILOVER_SHARDS);
  const applicationName = unique('bench-consumer-fo');
  const producer = startProducer({
    mode: 'paced',
    url: aws.url,
    stream,
    rate: FAILOVER_RATE,
    warmupSeconds: 0,
    seconds: 0,
    devices: DEVICES,
    recordBytes: RECORD_BYTES,
    maxBufferedTimeMs: FAILOVER_LINGER_MS,
  });
  const workers: LineChild<WorkerMessage>[] = [];
  try {
    const started = epochMs();
    for (let i = 1; i <= FAILOVER_WORKERS; i++) {
      const w = startWorker({ mode: 'failover', url: aws.url, stream, applicationName, workerId: `w${i}` }, options.profile);
      workers.push(w);
      await w.waitFor('start()', () => messageOf(w, 'ready'), 60_000);
    }
    const share = FAILOVER_SHARDS / FAILOVER_WORKERS;
    await workers[0].waitFor('an even share of the leases', () => (workers.every((w) => heldBy(w).size === share) ? true : undefined), 60_000);
    const convergeMs = epochMs() - started;
    await sleep(1_000);
    const [victim, ...others] = workers;
    const victimShards = [...heldBy(victim)];
    const killedAt = epochMs();
    victim.proc.kill('SIGKILL');
    const firstAfter = (shardId: string, type: 'acquired' | 'batch'): { t: number; by: string } | undefined => {
      let best: { t: number; by: string } | undefined;
      for (const w of others) {
        for (const m of w.messages) {
          if (m.type === type && m.shardId === shardId && m.t > killedAt && (best === undefined || m.t < best.t)) best = { t: m.t, by: w.label };
        }
      }
      return best;
    };
    await others[0].waitFor(
      "the victim's shards handled elsewhere",
      () => (victimShards.every((s) => firstAfter(s, 'batch') !== undefined) ? true : undefined),
      30_000,
    );
    const shards = victimShards.map((shardId) => {
      const handled = firstAfter(shardId, 'batch') as { t: number; by: string };
      const taken = firstAfter(shardId, 'acquired');
      return { shardId, takenMs: taken ? taken.t - killedAt : Number.NaN, handledMs: handled.t - killedAt, by: handled.by.replace(/ \(failover\)$/, '').replace(/^worker /, '') };
    });
    return { failoverMs: Math.max(...shards.map((s) => s.handledMs)), shards, convergeMs };
  } finally {
    await producer.stop(5_000);
    await Promise.all(workers.map((w) => w.stop()));
    await deleteStream(awsAdmin, stream).catch(() => undefined);
  }
}

async function failoverPart(setup: Setup): Promise<Record<string, unknown>> {
  const { options } = setup;
  console.log(
    `\n3. Failover after SIGKILL: ${FAILOVER_WORKERS} workers (default settings: ${CONSUMER_DEFAULTS.retrieval}, failoverTimeMs ${CONSUMER_DEFAULTS.failoverTimeMs}, ` +
      `takerIntervalMs ${CONSUMER_DEFAULTS.takerIntervalMs}) on a ${FAILOVER_SHARDS}-shard stream, ${fmtRate(FAILOVER_RATE)} records/s flowing; emulator limits on; ` +
      'kill -> the last of its shards handled by another worker.',
  );
  const runs: FailoverMeasurement[] = [];
  for (let run = 1; run <= options.runs; run++) {
    const m = await failoverRun(setup);
    runs.push(m);
    console.log(
      `   run ${run}/${options.runs} failover ${fmtRate(m.failoverMs)} ms  (` +
        m.shards.map((s) => `shard ${Number(s.shardId.replace(/^shardId-/, ''))}: taken ${fmtRate(s.takenMs)} ms, handled ${fmtRate(s.handledMs)} ms by ${s.by}`).join('; ') +
        `; converged ${(m.convergeMs / 1000).toFixed(1)} s after the first start)`,
    );
  }
  const medianMs = median(runs.map((r) => r.failoverMs));
  console.log('');
  printGrid(
    ['Failover after SIGKILL', 'ms'],
    [
      ['median', fmtRate(medianMs)],
      ['min', fmtRate(Math.min(...runs.map((r) => r.failoverMs)))],
      ['max', fmtRate(Math.max(...runs.map((r) => r.failoverMs)))],
    ],
  );
  return {
    workers: FAILOVER_WORKERS,
    shards: FAILOVER_SHARDS,
    rate: FAILOVER_RATE,
    producerLingerMs: FAILOVER_LINGER_MS,
    settings: { retrieval: CONSUMER_DEFAULTS.retrieval, failoverTimeMs: CONSUMER_DEFAULTS.failoverTimeMs, takerIntervalMs: CONSUMER_DEFAULTS.takerIntervalMs },
    runs,
    medianFailoverMs: medianMs,
  };
}

// ---------------------------------------------------------------------------------------------------------

function printTargets(report: Record<string, Record<string, unknown>>): void {
  const lines: string[] = [];
  const verdict = (ok: boolean): string => (ok ? 'met' : 'NOT met');
  const tp = report['throughput'] as { variants: Record<Retrieval, { medians: { recordsPerSecond: number } }> } | undefined;
  if (tp) {
    for (const r of RETRIEVALS) {
      const v = tp.variants[r].medians.recordsPerSecond;
      lines.push(`throughput per worker, ${LABELS[r]}: >= ${fmtRate(TARGET_RECORDS_PER_SECOND)} records/s: ${fmtRate(v)} -> ${verdict(v >= TARGET_RECORDS_PER_SECOND)}`);
    }
  }
  const lat = report['latency'] as { variants: Record<Retrieval, { medians: { p99: number } }> } | undefined;
  if (lat) {
    for (const r of RETRIEVALS) {
      const v = lat.variants[r].medians.p99;
      lines.push(`put() -> handler p99, ${LABELS[r]}: <= ${TARGET_P99_MS[r]} ms: ${v.toFixed(1)} ms -> ${verdict(v <= TARGET_P99_MS[r])}`);
    }
  }
  const fo = report['failover'] as { medianFailoverMs: number } | undefined;
  if (fo) lines.push(`failover after SIGKILL, default settings: <= ${fmtRate(TARGET_FAILOVER_MS)} ms: ${fmtRate(fo.medianFailoverMs)} ms -> ${verdict(fo.medianFailoverMs <= TARGET_FAILOVER_MS)}`);
  console.log('\nTargets (medians):');
  for (const l of lines) console.log(`  ${l}`);
}

function adminClient(url: string): KinesisClient {
  return new KinesisClient({ endpoint: url, region: BENCH_REGION, credentials: BENCH_CREDENTIALS, requestHandler: new NodeHttpHandler() });
}

async function main(options: BenchOptions): Promise<void> {
  const started = Date.now();
  const loadBefore = loadAverage();
  const sourcesBefore = sourceFingerprint(SOURCES);
  console.log(
    `Consumer bench: ${options.parts.join(', ')}; ${options.runs} runs; ${os.cpus().length} CPUs, Node ${process.version}, load average ${loadBefore.toFixed(2)}`,
  );
  const [fast, aws] = await Promise.all([
    startServerProcess('emulator', [], { profile: options.profile }),
    startServerProcess('emulator-aws-limits', [], { profile: options.profile }),
  ]);
  const setup: Setup = { options, fast, aws, fastAdmin: adminClient(fast.url), awsAdmin: adminClient(aws.url) };
  const report: Record<string, Record<string, unknown>> = {};
  try {
    if (options.parts.includes('throughput')) report['throughput'] = await throughputPart(setup);
    if (options.parts.includes('latency')) report['latency'] = await latencyPart(setup);
    if (options.parts.includes('failover')) report['failover'] = await failoverPart(setup);
    printTargets(report);
    printLoadNote(loadBefore);
    const sourcesAfter = sourceFingerprint(SOURCES);
    console.log(`Sources: commit ${sourcesAfter.commit}, working tree digest ${sourcesAfter.sourcesSha256} (${SOURCES.join(', ')}).`);
    warnIfSourcesChanged(sourcesBefore, sourcesAfter, 'the consumer, producer or emulator');
    if (options.profile) console.log(`Emulator process ids (for their profiles): limits off ${fast.pid}, limits on ${aws.pid}`);
    writeResults(RESULTS_FILE, {
      benchmark: 'consumer',
      date: new Date().toISOString(),
      durationSeconds: (Date.now() - started) / 1000,
      machine: machineInfo(loadBefore),
      sources: { dirs: SOURCES, before: sourcesBefore, after: sourcesAfter },
      options,
      ...report,
    });
  } finally {
    setup.fastAdmin.destroy();
    setup.awsAdmin.destroy();
    await Promise.all([fast.stop(), aws.stop()]);
  }
}

runBench(USAGE, parseOptions, main);
