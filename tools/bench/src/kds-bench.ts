/**
 * KDS throughput, side by side: the tributary emulator (in memory; with a data dir and the default fsync policy)
 * against kinesalite 3.3.3, all driven by the official @aws-sdk/client-kinesis v3 client.
 *
 *   npm run bench:kds -- [--runs 5] [--records 50000] [--seconds 4] [--only emulator|kinesalite] [--profile]
 *
 * Each server runs in its own child process (bench-server.ts), so the load generator and the server under test
 * get a core each; every server is treated the same way. The main comparison uses one keep-alive HTTP/1.1
 * NodeHttpHandler per server (kinesalite speaks nothing else); the emulator is also measured with the SDK's
 * default HTTP/2 handler. Scenarios, all with 200-byte records and PutRecords calls of 500 records:
 *
 *   put-sequential   one client, one call at a time, on a 1-shard stream
 *   put-concurrent   8 concurrent call loops on a 4-shard stream
 *   get-records      everything put-concurrent wrote, read back with GetRecords (Limit 10000), all shards at once
 *
 * A put scenario stops at `--records` records or `--seconds`, whichever comes first. Each scenario is repeated
 * `--runs` times, the servers interleaved run by run (so drift of the machine hits them alike), after one
 * untimed warm-up round; the table shows the median records/s and the emulator/kinesalite ratio. The results
 * are also written to tools/bench/results/kds-latest.json.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
  PutRecordsCommand,
  type PutRecordsRequestEntry,
} from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { parseBenchArgs, positiveIntegerOption, positiveOption } from './bench-args';
import { BenchSession, fmtCpuPercent as cpu, fmtMicros as micros, fmtRate, mediansOf, printGrid } from './bench-report';
import { BENCH_CREDENTIALS, BENCH_REGION, createStream, deleteStream, runBench, startCpuMeasurement, startServerProcess, type ServerProcess } from './bench-support';

const RECORD_BYTES = 200;
const RECORDS_PER_CALL = 500;
const CONCURRENCY = 8;
const CONCURRENT_SHARDS = 4;
const GET_LIMIT = 10_000;
/** The targets for the emulator with limits off. */
const TARGET_PUT_RECORDS_PER_SECOND = 100_000;
const TARGET_RATIO = 10;

const USAGE = `Usage: npm run bench:kds -- [options]

Measures KDS PutRecords and GetRecords throughput of the tributary emulator and of kinesalite,
each server in its own child process, driven by @aws-sdk/client-kinesis v3.

Options:
  --runs N                     measured repetitions of each scenario (default 5); the median is reported
  --records N                  records per put scenario and run (default 50000)
  --seconds S                  time cap of one put scenario run, seconds (default 4)
  --only emulator|kinesalite   measure one server only (no ratios then)
  --profile                    run the servers with --cpu-prof; profiles go to tools/bench/results/profiles/
  --help                       this text
`;

interface BenchOptions {
  runs: number;
  records: number;
  seconds: number;
  only?: 'emulator' | 'kinesalite';
  profile: boolean;
}

function parseOptions(argv: string[]): BenchOptions | undefined {
  const values = parseBenchArgs(argv, ['runs', 'records', 'seconds', 'only'], ['profile']);
  if (values === undefined) return undefined;
  if (values.only !== undefined && values.only !== 'emulator' && values.only !== 'kinesalite') {
    throw new Error(`--only must be emulator or kinesalite, got ${values.only}`);
  }
  return {
    runs: positiveIntegerOption('runs', values.runs, 5),
    records: positiveIntegerOption('records', values.records, 50_000),
    seconds: positiveOption('seconds', values.seconds, 4),
    only: values.only,
    profile: values.profile ?? false,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Servers and clients

type ServerKind = 'emulator' | 'kinesalite';

interface Target {
  id: string;
  label: string;
  server: ServerKind;
  storage: 'memory' | 'data dir, fsync interval' | 'memdown';
  transport: 'HTTP/1.1 keep-alive' | 'HTTP/2 (SDK default)';
  client: KinesisClient;
  process: ServerProcess;
}

/** What is measured, in this order; kinesalite is the baseline of the ratios. */
const TARGET_SPECS: ReadonlyArray<Omit<Target, 'client' | 'process'>> = [
  { id: 'kinesalite-h1', label: 'kinesalite', server: 'kinesalite', storage: 'memdown', transport: 'HTTP/1.1 keep-alive' },
  { id: 'emulator-memory-h1', label: 'emulator (memory)', server: 'emulator', storage: 'memory', transport: 'HTTP/1.1 keep-alive' },
  { id: 'emulator-disk-h1', label: 'emulator (data dir)', server: 'emulator', storage: 'data dir, fsync interval', transport: 'HTTP/1.1 keep-alive' },
  { id: 'emulator-memory-h2', label: 'emulator (memory, h2)', server: 'emulator', storage: 'memory', transport: 'HTTP/2 (SDK default)' },
];

function kinesisClient(url: string, transport: Target['transport']): KinesisClient {
  const client = new KinesisClient({
    endpoint: url,
    region: BENCH_REGION,
    credentials: BENCH_CREDENTIALS,
    // A failure should show, not be hidden by a retry (nothing throttles with limits off).
    maxAttempts: 1,
    ...(transport === 'HTTP/1.1 keep-alive'
      ? { requestHandler: new NodeHttpHandler({ httpAgent: new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY * 2 }) }) }
      : {}),
  });
  // The SDK's logger middleware runs every input and output through its sensitive-data filter even when the
  // logger is the default no-op: a tenth of the load generator's CPU. Removed for every server alike.
  client.middlewareStack.remove('loggerMiddleware');
  return client;
}

// ---------------------------------------------------------------------------------------------------------
// Scenarios

/** 500 entries of 200 random bytes under distinct random partition keys, spread over every shard. */
function makeEntries(): PutRecordsRequestEntry[] {
  return Array.from({ length: RECORDS_PER_CALL }, () => ({
    Data: randomBytes(RECORD_BYTES),
    PartitionKey: randomBytes(16).toString('hex'),
  }));
}

interface Measurement {
  records: number;
  seconds: number;
  recordsPerSecond: number;
  failedRecords: number;
  /** CPU used during the measurement, in % of one core: above ~90 % that side is the bottleneck. */
  clientCpuPercent: number;
  serverCpuPercent: number;
  /** CPU microseconds per record moved: the cost, less sensitive than records/s to other load on the machine. */
  clientCpuMicrosPerRecord: number;
  serverCpuMicrosPerRecord: number;
}

/** Times `work` (which returns the records it moved and the records that failed) with both sides' CPU use. */
async function measure(target: Target, work: () => Promise<{ records: number; failed: number }>): Promise<Measurement> {
  const stop = startCpuMeasurement([target.process]);
  const { records, failed } = await work();
  const { ms, ownCpuSeconds: client, serverCpuSeconds: [server] } = stop();
  return {
    records,
    seconds: ms / 1000,
    recordsPerSecond: records / (ms / 1000),
    failedRecords: failed,
    clientCpuPercent: ((client * 1000) / ms) * 100,
    serverCpuPercent: ((server * 1000) / ms) * 100,
    clientCpuMicrosPerRecord: (client * 1e6) / records,
    serverCpuMicrosPerRecord: (server * 1e6) / records,
  };
}

/** `loops` concurrent loops of PutRecords until `records` records were sent or `seconds` have passed. */
function putLoad(target: Target, stream: string, entries: PutRecordsRequestEntry[], loops: number, records: number, seconds: number): Promise<Measurement> {
  return measure(target, async () => {
    let sent = 0;
    let ok = 0;
    let failed = 0;
    const deadline = performance.now() + seconds * 1000;
    const loop = async (): Promise<void> => {
      while (sent < records && performance.now() < deadline) {
        sent += entries.length;
        const out = await target.client.send(new PutRecordsCommand({ StreamName: stream, Records: entries }));
        const f = out.FailedRecordCount ?? 0;
        failed += f;
        ok += entries.length - f;
      }
    };
    await Promise.all(Array.from({ length: loops }, loop));
    return { records: ok, failed };
  });
}

/** Reads every shard from TRIM_HORIZON to the tip, all shards at once; a shard is done at an empty batch. */
async function readAll(target: Target, stream: string): Promise<Measurement> {
  const { client } = target;
  const shards = (await client.send(new ListShardsCommand({ StreamName: stream }))).Shards ?? [];
  return measure(target, async () => {
    let read = 0;
    await Promise.all(
      shards.map(async (shard) => {
        let iterator = (
          await client.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON' }))
        ).ShardIterator;
        while (iterator) {
          const out = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: GET_LIMIT }));
          const n = out.Records?.length ?? 0;
          read += n;
          if (n === 0) break;
          iterator = out.NextShardIterator;
        }
      }),
    );
    return { records: read, failed: 0 };
  });
}

const SCENARIOS = ['put-sequential', 'put-concurrent', 'get-records'] as const;
type Scenario = (typeof SCENARIOS)[number];

const SCENARIO_LABELS: Record<Scenario, string> = {
  'put-sequential': 'PutRecords, 1 client, sequential (1 shard)',
  'put-concurrent': `PutRecords, ${CONCURRENCY} calls in flight (${CONCURRENT_SHARDS} shards)`,
  'get-records': `GetRecords Limit ${GET_LIMIT}, all ${CONCURRENT_SHARDS} shards`,
};

/** One round of every scenario against one target, on fresh streams that are deleted afterwards. */
async function runRound(target: Target, tag: string, entries: PutRecordsRequestEntry[], records: number, seconds: number): Promise<Record<Scenario, Measurement>> {
  const { client } = target;
  const seqStream = `bench-seq-${tag}`;
  const concStream = `bench-conc-${tag}`;
  await createStream(client, seqStream, 1);
  await createStream(client, concStream, CONCURRENT_SHARDS);
  const sequential = await putLoad(target, seqStream, entries, 1, records, seconds);
  const concurrent = await putLoad(target, concStream, entries, CONCURRENCY, records, seconds);
  const get = await readAll(target, concStream);
  if (get.records !== concurrent.records) {
    throw new Error(`${target.label}: GetRecords read ${get.records} records, PutRecords wrote ${concurrent.records}`);
  }
  await deleteStream(client, seqStream);
  await deleteStream(client, concStream);
  return { 'put-sequential': sequential, 'put-concurrent': concurrent, 'get-records': get };
}

// ---------------------------------------------------------------------------------------------------------
// Reporting

interface ScenarioResult {
  runs: Measurement[];
  medianRecordsPerSecond: number;
  medianServerCpuMicrosPerRecord: number;
  medianClientCpuMicrosPerRecord: number;
  /** Median of this target over kinesalite's median; absent for kinesalite itself or without it. */
  ratioToKinesalite?: number;
}

function printTable(targets: Target[], results: Record<string, Record<Scenario, ScenarioResult>>): void {
  console.log('');
  printGrid(
    ['Median records/s (ratio to kinesalite)', ...targets.map((t) => t.label)],
    SCENARIOS.map((s) => [
      SCENARIO_LABELS[s],
      ...targets.map((t) => {
        const r = results[t.id][s];
        return fmtRate(r.medianRecordsPerSecond) + (r.ratioToKinesalite !== undefined ? ` (${r.ratioToKinesalite.toFixed(1)}x)` : '');
      }),
    ]),
  );
  console.log('');
  printGrid(
    ['Median CPU µs per record, server / client', ...targets.map((t) => t.label)],
    SCENARIOS.map((s) => [
      SCENARIO_LABELS[s],
      ...targets.map((t) => `${micros(results[t.id][s].medianServerCpuMicrosPerRecord)} / ${micros(results[t.id][s].medianClientCpuMicrosPerRecord)}`),
    ]),
  );
  console.log('');
  for (const t of targets) console.log(`  ${t.label}: ${t.server}, ${t.storage}, client over ${t.transport}`);
}

function printTargets(targets: Target[], results: Record<string, Record<Scenario, ScenarioResult>>): void {
  const main = targets.find((t) => t.id === 'emulator-memory-h1');
  if (!main) return;
  const put = Math.max(results[main.id]['put-sequential'].medianRecordsPerSecond, results[main.id]['put-concurrent'].medianRecordsPerSecond);
  const ratio = results[main.id]['put-concurrent'].ratioToKinesalite;
  console.log('');
  console.log(
    `Targets (emulator in memory, limits off): PutRecords >= ${fmtRate(TARGET_PUT_RECORDS_PER_SECOND)} records/s: ${fmtRate(put)} -> ${put >= TARGET_PUT_RECORDS_PER_SECOND ? 'met' : 'NOT met'}` +
      (ratio !== undefined ? `; >= ${TARGET_RATIO}x kinesalite (put-concurrent): ${ratio.toFixed(1)}x -> ${ratio >= TARGET_RATIO ? 'met' : 'NOT met'}` : ''),
  );
}

// ---------------------------------------------------------------------------------------------------------

/** One untimed warm-up round per target, then `--runs` rounds, the targets interleaved; each round printed. */
async function measureTargets(targets: Target[], options: BenchOptions): Promise<Record<string, Record<Scenario, Measurement[]>>> {
  const entries = makeEntries();
  const raw: Record<string, Record<Scenario, Measurement[]>> = {};
  for (const t of targets) {
    raw[t.id] = { 'put-sequential': [], 'put-concurrent': [], 'get-records': [] };
    // Warm-up: JIT, sockets, first stream.
    await runRound(t, 'warmup', entries, Math.min(options.records, 20 * RECORDS_PER_CALL), Math.min(options.seconds, 2));
  }
  for (let run = 1; run <= options.runs; run++) {
    for (const t of targets) {
      const round = await runRound(t, String(run), entries, options.records, options.seconds);
      for (const s of SCENARIOS) raw[t.id][s].push(round[s]);
      console.log(
        `run ${run}/${options.runs} ${t.label.padEnd(22)} ` + SCENARIOS.map((s) => `${s} ${fmtRate(round[s].recordsPerSecond)}/s (cpu c/s ${cpu(round[s].clientCpuPercent)}/${cpu(round[s].serverCpuPercent)})`).join('  '),
      );
    }
  }
  return raw;
}

/** Medians per target and scenario, and the ratio of each to kinesalite's when it was measured. */
function summarise(targets: Target[], raw: Record<string, Record<Scenario, Measurement[]>>): Record<string, Record<Scenario, ScenarioResult>> {
  const results: Record<string, Record<Scenario, ScenarioResult>> = {};
  for (const t of targets) {
    results[t.id] = {} as Record<Scenario, ScenarioResult>;
    for (const s of SCENARIOS) {
      const runs = raw[t.id][s];
      const m = mediansOf(runs, ['recordsPerSecond', 'serverCpuMicrosPerRecord', 'clientCpuMicrosPerRecord']);
      results[t.id][s] = {
        runs,
        medianRecordsPerSecond: m.recordsPerSecond,
        medianServerCpuMicrosPerRecord: m.serverCpuMicrosPerRecord,
        medianClientCpuMicrosPerRecord: m.clientCpuMicrosPerRecord,
      };
    }
  }
  const baseline = results['kinesalite-h1'];
  if (baseline) {
    for (const t of targets) {
      if (t.server === 'kinesalite') continue;
      for (const s of SCENARIOS) results[t.id][s].ratioToKinesalite = results[t.id][s].medianRecordsPerSecond / baseline[s].medianRecordsPerSecond;
    }
  }
  return results;
}

async function main(options: BenchOptions): Promise<void> {
  const session = new BenchSession('kds');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-bench-'));
  const servers: ServerProcess[] = [];
  const targets: Target[] = [];
  try {
    for (const spec of TARGET_SPECS) {
      if (options.only !== undefined && spec.server !== options.only) continue;
      const server = await startServerProcess(spec.server, spec.storage === 'data dir, fsync interval' ? [dataDir] : [], { profile: options.profile });
      servers.push(server);
      targets.push({ ...spec, client: kinesisClient(server.url, spec.transport), process: server });
    }
    console.log(
      `KDS bench: ${targets.map((t) => t.label).join(', ')}; ${options.runs} runs of up to ${fmtRate(options.records)} records or ${options.seconds} s per put scenario; ` +
        `${RECORD_BYTES}-byte records, ${RECORDS_PER_CALL} per PutRecords; ${session.machineSummary()}`,
    );
    const raw = await measureTargets(targets, options);
    const results = summarise(targets, raw);
    printTable(targets, results);
    printTargets(targets, results);
    session.printClosingNotes('the servers');
    const failed = targets.reduce((n, t) => n + SCENARIOS.reduce((m, s) => m + raw[t.id][s].reduce((k, r) => k + r.failedRecords, 0), 0), 0);
    if (failed > 0) console.log(`WARNING: ${failed} records failed in PutRecords results (FailedRecordCount).`);
    session.writeResults({
      options: { ...options, recordBytes: RECORD_BYTES, recordsPerCall: RECORDS_PER_CALL, concurrency: CONCURRENCY, concurrentShards: CONCURRENT_SHARDS, getLimit: GET_LIMIT },
      scenarios: SCENARIO_LABELS,
      targets: targets.map(({ client: _client, process: _process, ...t }) => ({ ...t, results: results[t.id] })),
    });
  } finally {
    for (const t of targets) t.client.destroy();
    await Promise.all(servers.map((s) => s.stop()));
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

runBench(USAGE, parseOptions, main);
