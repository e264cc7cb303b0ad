/**
 * The telemetry-producer ingest API (`POST /v1/telemetry`) under 50 concurrent keep-alive clients, each request
 * one JSON record or one NDJSON batch, authenticated with an API key, into the emulator.
 *
 *   npm run bench:ingest -- [--runs 5] [--seconds 5] [--clients 50] [--batch 10] [--shards 16] [--only json,ndjson]
 *                           [--profile]
 *
 * Three processes: the emulator (bench-server.ts, `limits: false`), the app as it is deployed
 * (`apps/telemetry-producer/src/main.ts --mode ingest`, configured by flags and environment only: AWS_ENDPOINT_URL
 * points it at the emulator, TELEMETRY_API_KEYS holds the hashed keys, every other setting at its default), and
 * this process, the load generator (node:http with a keep-alive Agent). The app is a process of its own rather
 * than a factory call in here: tools may not import apps (module boundaries), and its CPU is then its own.
 *
 * Each client has its own API key and loops: send, wait for the answer, send again. An answer is a success when
 * it is 200 with every record accepted; anything else (207, 4xx, 5xx, a socket error) counts as an error. The
 * app answers only once Kinesis has acknowledged the records (the producer's 100 ms linger plus a PutRecords
 * round trip), so at a fixed number of clients requests/s is latency-bound (≈ clients / latency) long before
 * the app's CPU is: the CPU cost per request, reported too, says what one core could serve.
 *
 * Per run: a fresh stream, a fresh app process, 1 s of untimed warm-up per scenario, then each scenario for
 * `--seconds`; then the app is stopped with SIGTERM (it must flush and exit 0) and the stream must hold exactly
 * the records the app accepted. `--runs` runs, the scenarios interleaved; medians. Results go to
 * tools/bench/results/ingest-latest.json.
 */
import * as http from 'node:http';
import * as path from 'node:path';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { generateApiKey, type GeneratedApiKey } from '@tributary/auth';
import { onlyOption, parseBenchArgs, positiveIntegerOption, positiveOption } from './bench-args';
import { BenchSession, fmtCpuPercent, fmtMiB, fmtMicros, fmtRate, mediansOfNumericFields, percentile, printMetricTable, type MetricRow } from './bench-report';
import {
  BENCH_CREDENTIALS,
  BENCH_REGION,
  ROOT,
  countStoredUserRecords,
  createStream,
  deleteStream,
  runBench,
  sleep,
  startCpuMeasurement,
  startListeningProcess,
  startPeakSampling,
  withKdsEmulator,
  type ServerProcess,
} from './bench-support';

const APP_SCRIPT = path.join(ROOT, 'apps/telemetry-producer/src/main.ts');
/** The code under test, fingerprinted before and after the bench. */
const SOURCES = ['apps/telemetry-producer/src', 'libs/kinesis-producer/src', 'libs/auth/src', 'libs/schemas/src', 'libs/partitioning/src'];
/** Distinct request bodies per scenario, cycled through (generated once: the bench measures the server). */
const BODIES = 1000;
const DEVICES = 10_000;
const WARMUP_SECONDS = 1;
const IDLE_SECONDS = 1;

const SCENARIOS = ['json', 'ndjson'] as const;
type Scenario = (typeof SCENARIOS)[number];

const USAGE = `Usage: npm run bench:ingest -- [options]

Measures POST /v1/telemetry of apps/telemetry-producer (its own process, default settings, --mode ingest)
into the emulator (its own process, limits off) from concurrent keep-alive clients, each with an API key.

Options:
  --runs N          measured runs (default 5), each with a fresh app process and stream; medians reported
  --seconds S       duration of each scenario in a run (default 5)
  --clients N       concurrent clients, one keep-alive connection and one API key each (default 50)
  --batch N         records per NDJSON request (default 10)
  --shards N        shards of each run's stream (default 16)
  --only LIST       comma-separated subset of json,ndjson
  --profile         run the app and the emulator with --cpu-prof; profiles go to tools/bench/results/profiles/
  --help            this text
`;

interface BenchOptions {
  runs: number;
  seconds: number;
  clients: number;
  batch: number;
  shards: number;
  scenarios: Scenario[];
  profile: boolean;
}

function parseOptions(argv: string[]): BenchOptions | undefined {
  const values = parseBenchArgs(argv, ['runs', 'seconds', 'clients', 'batch', 'shards', 'only'], ['profile']);
  if (values === undefined) return undefined;
  const scenarios = onlyOption(values.only, SCENARIOS);
  return {
    runs: positiveIntegerOption('runs', values.runs, 5),
    seconds: positiveOption('seconds', values.seconds, 5),
    clients: positiveIntegerOption('clients', values.clients, 50),
    batch: positiveIntegerOption('batch', values.batch, 10),
    shards: positiveIntegerOption('shards', values.shards, 16),
    scenarios,
    profile: values.profile ?? false,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Requests

interface RequestBody {
  bytes: Buffer;
  records: number;
}

/** A plausible telemetry record (@tributary/schemas v1, about 230 bytes of JSON). */
function telemetryRecord(device: number, seq: number): Record<string, unknown> {
  return {
    schemaVersion: 1,
    deviceId: `dev-${String(device).padStart(5, '0')}`,
    seq,
    ts: Date.UTC(2025, 5, 1) + seq * 1000,
    metrics: { temperature_c: 20 + (device % 100) / 10, humidity_pct: 40 + (seq % 20), battery_pct: 100 - (seq % 100), rssi_dbm: -60 - (device % 30) },
    location: { lat: 47.6 + (device % 1000) / 10_000, lon: -122.3 - (device % 1000) / 10_000 },
    tags: { site: `site-${device % 8}`, fw: '1.4.2' },
  };
}

function makeBodies(scenario: Scenario, batch: number): RequestBody[] {
  const seqs = new Map<number, number>();
  let next = 0;
  const record = (): Record<string, unknown> => {
    const device = next++ % DEVICES;
    const seq = seqs.get(device) ?? 0;
    seqs.set(device, seq + 1);
    return telemetryRecord(device, seq);
  };
  return Array.from({ length: BODIES }, () => {
    if (scenario === 'json') return { bytes: Buffer.from(JSON.stringify(record())), records: 1 };
    const lines = Array.from({ length: batch }, () => JSON.stringify(record()) + '\n');
    return { bytes: Buffer.from(lines.join('')), records: batch };
  });
}

const CONTENT_TYPES: Record<Scenario, string> = { json: 'application/json', ndjson: 'application/x-ndjson' };

interface Answer {
  status: number;
  body: string;
}

function post(agent: http.Agent, url: URL, headers: http.OutgoingHttpHeaders, body: Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: url.hostname, port: url.port, path: '/v1/telemetry', method: 'POST', agent, headers: { ...headers, 'content-length': body.length } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

interface LoadResult {
  requests: number;
  okRequests: number;
  acceptedRecords: number;
  errors: number;
  /** Status (and problem code) → count, for the requests that were not a full success. */
  errorKinds: Record<string, number>;
  latenciesMs: number[];
}

/** `clients` loops, each with its own connection and API key, sending bodies in turn until `seconds` pass. */
async function generateLoad(app: URL, scenario: Scenario, bodies: RequestBody[], keys: GeneratedApiKey[], seconds: number): Promise<LoadResult> {
  const result: LoadResult = { requests: 0, okRequests: 0, acceptedRecords: 0, errors: 0, errorKinds: {}, latenciesMs: [] };
  const deadline = performance.now() + seconds * 1000;
  let nextBody = 0;
  const error = (kind: string): void => {
    result.errors++;
    result.errorKinds[kind] = (result.errorKinds[kind] ?? 0) + 1;
  };
  const client = async (key: GeneratedApiKey): Promise<void> => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const headers = { 'content-type': CONTENT_TYPES[scenario], 'x-api-key': key.key };
    try {
      while (performance.now() < deadline) {
        const body = bodies[nextBody++ % bodies.length];
        const start = performance.now();
        let answer: Answer;
        try {
          answer = await post(agent, app, headers, body.bytes);
        } catch (err) {
          result.requests++;
          error((err as NodeJS.ErrnoException).code ?? 'socket error');
          continue;
        }
        result.latenciesMs.push(performance.now() - start);
        result.requests++;
        if (answer.status === 200) {
          const accepted = (JSON.parse(answer.body) as { accepted: number }).accepted;
          result.acceptedRecords += accepted;
          if (accepted === body.records) result.okRequests++;
          else error(`200 with ${accepted} of ${body.records} accepted`);
        } else {
          let code = '';
          try {
            const parsed = JSON.parse(answer.body) as { code?: string; accepted?: number };
            code = parsed.code ? ` ${parsed.code}` : '';
            // A 207 carries accepted records too: they are in the stream and must be counted.
            if (typeof parsed.accepted === 'number') result.acceptedRecords += parsed.accepted;
          } catch {
            // not JSON: the status says enough
          }
          error(`${answer.status}${code}`);
        }
      }
    } finally {
      agent.destroy();
    }
  };
  await Promise.all(keys.map(client));
  return result;
}

// ---------------------------------------------------------------------------------------------------------
// Runs

interface Measurement {
  requests: number;
  errors: number;
  errorKinds: Record<string, number>;
  seconds: number;
  requestsPerSecond: number;
  recordsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  appCpuPercent: number;
  emulatorCpuPercent: number;
  loadGeneratorCpuPercent: number;
  appCpuMicrosPerRequest: number;
  appCpuMicrosPerRecord: number;
  emulatorCpuMicrosPerRequest: number;
  loadGeneratorCpuMicrosPerRequest: number;
  appPeakRssBytes: number;
  /** The app's CPU use in the second before the warm-up, without requests. */
  appIdleCpuPercent: number;
}

async function measureScenario(app: ServerProcess, emulator: ServerProcess, scenario: Scenario, bodies: RequestBody[], keys: GeneratedApiKey[], seconds: number) {
  const stopCpu = startCpuMeasurement([app, emulator]);
  const stopRss = startPeakSampling(() => ({ rss: app.rssBytes() }));
  const load = await generateLoad(new URL(app.url), scenario, bodies, keys, seconds);
  const { ms, ownCpuSeconds, serverCpuSeconds } = stopCpu();
  const { rss } = stopRss();
  const [appCpu, emulatorCpu] = serverCpuSeconds;
  const s = ms / 1000;
  const m: Omit<Measurement, 'appIdleCpuPercent'> = {
    requests: load.requests,
    errors: load.errors,
    errorKinds: load.errorKinds,
    seconds: s,
    requestsPerSecond: load.okRequests / s,
    recordsPerSecond: load.acceptedRecords / s,
    p50Ms: percentile(load.latenciesMs, 50),
    p99Ms: percentile(load.latenciesMs, 99),
    appCpuPercent: (appCpu / s) * 100,
    emulatorCpuPercent: (emulatorCpu / s) * 100,
    loadGeneratorCpuPercent: (ownCpuSeconds / s) * 100,
    appCpuMicrosPerRequest: (appCpu * 1e6) / load.requests,
    appCpuMicrosPerRecord: (appCpu * 1e6) / load.acceptedRecords,
    emulatorCpuMicrosPerRequest: (emulatorCpu * 1e6) / load.requests,
    loadGeneratorCpuMicrosPerRequest: (ownCpuSeconds * 1e6) / load.requests,
    appPeakRssBytes: rss,
  };
  return { m, acceptedRecords: load.acceptedRecords };
}

interface RunContext {
  options: BenchOptions;
  emulator: ServerProcess;
  admin: KinesisClient;
  keys: GeneratedApiKey[];
  bodies: Record<Scenario, RequestBody[]>;
}

/** A fresh stream and app process; warm-up, then every scenario; stop the app and check what the stream holds. */
async function runOnce(ctx: RunContext, tag: string): Promise<Partial<Record<Scenario, Measurement>>> {
  const { options, emulator, admin, keys, bodies } = ctx;
  const stream = `bench-ingest-${tag}`;
  await createStream(admin, stream, options.shards);
  const app = await startListeningProcess({
    label: 'telemetry-producer',
    script: APP_SCRIPT,
    args: ['--mode', 'ingest', '--host', '127.0.0.1', '--port', '0', '--stream', stream, '--log-level', 'info'],
    env: {
      AWS_ENDPOINT_URL: emulator.url,
      AWS_REGION: BENCH_REGION,
      AWS_ACCESS_KEY_ID: BENCH_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: BENCH_CREDENTIALS.secretAccessKey,
      TELEMETRY_API_KEYS: keys.map((k) => `${k.record.id}:${k.record.hash}:${k.record.scopes.join(',')}`).join(';'),
    },
    profile: options.profile,
    // pino writes JSON lines when stdout is not a terminal; main.ts logs "ready" with the URL once it listens.
    urlFrom: (line) => {
      const entry = JSON.parse(line) as { msg?: string; url?: string };
      return entry.msg === 'ready' ? entry.url : undefined;
    },
  });
  let accepted = 0;
  const out: Partial<Record<Scenario, Measurement>> = {};
  let idleCpuPercent: number;
  try {
    // The app's CPU use without requests (timers, metrics): at a low request rate it weighs in the cost per request.
    const stopIdle = startCpuMeasurement([app]);
    await sleep(IDLE_SECONDS * 1000);
    const idle = stopIdle();
    idleCpuPercent = (idle.serverCpuSeconds[0] * 1000 * 100) / idle.ms;
    for (const s of options.scenarios) {
      accepted += (await generateLoad(new URL(app.url), s, bodies[s], keys, WARMUP_SECONDS)).acceptedRecords;
    }
    for (const s of options.scenarios) {
      const { m, acceptedRecords } = await measureScenario(app, emulator, s, bodies[s], keys, options.seconds);
      accepted += acceptedRecords;
      out[s] = { ...m, appIdleCpuPercent: idleCpuPercent };
    }
  } catch (err) {
    await app.stop();
    throw err;
  }
  const code = await app.stop();
  if (code !== 0) throw new Error(`telemetry-producer exited with ${code} on SIGTERM:\n${app.recentOutput().join('\n')}`);
  const problems = app.recentOutput().filter((line) => /"level":(40|50|60)/.test(line));
  if (problems.length > 0) console.log(`  the app logged warnings:\n  ${problems.slice(0, 5).join('\n  ')}`);
  const stored = await countStoredUserRecords(admin, stream, (partitionKey, data) => {
    if (!partitionKey.startsWith('dev-') || data[0] !== 0x7b) throw new Error(`${stream} holds a record that the bench did not send (key ${partitionKey})`);
  });
  await deleteStream(admin, stream);
  if (stored !== accepted) throw new Error(`the stream holds ${stored} records, the app accepted ${accepted}`);
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Reporting

type Metric = Exclude<keyof Measurement, 'errorKinds'>;

function scenarioLabel(s: Scenario, batch: number): string {
  return s === 'json' ? '1 JSON record per request' : `NDJSON, ${batch} records per request`;
}

function printTable(options: BenchOptions, medians: Partial<Record<Scenario, Record<Metric, number>>>): void {
  const scenarios = options.scenarios;
  const col = (s: Scenario): Record<Metric, number> => medians[s] as Record<Metric, number>;
  const ms = (n: number): string => (Number.isFinite(n) ? n.toFixed(1) : 'n/a');
  const rows: Array<MetricRow<Scenario>> = [
    ['requests/s (fully accepted)', (s) => fmtRate(col(s).requestsPerSecond)],
    ['records/s (accepted)', (s) => fmtRate(col(s).recordsPerSecond)],
    ['latency p50 / p99, ms', (s) => `${ms(col(s).p50Ms)} / ${ms(col(s).p99Ms)}`],
    ['errors per run (not 200 with all accepted)', (s) => fmtRate(col(s).errors)],
    ['CPU µs per request, app', (s) => fmtMicros(col(s).appCpuMicrosPerRequest)],
    ['CPU µs per record, app', (s) => fmtMicros(col(s).appCpuMicrosPerRecord)],
    ['CPU µs per request, emulator / load generator', (s) => `${fmtMicros(col(s).emulatorCpuMicrosPerRequest)} / ${fmtMicros(col(s).loadGeneratorCpuMicrosPerRequest)}`],
    ['CPU use, app / emulator / load gen (% of a core)', (s) => [col(s).appCpuPercent, col(s).emulatorCpuPercent, col(s).loadGeneratorCpuPercent].map(fmtCpuPercent).join(' / ')],
    ['app CPU use without requests (% of a core)', (s) => fmtCpuPercent(col(s).appIdleCpuPercent)],
    ['requests/s one app core could serve at this cost (1e6 / µs)', (s) => fmtRate(1e6 / col(s).appCpuMicrosPerRequest)],
    ['peak RSS, app process', (s) => fmtMiB(col(s).appPeakRssBytes)],
  ];
  console.log('');
  printMetricTable(`Medians, ${options.clients} clients`, scenarios, (s) => scenarioLabel(s, options.batch), rows);
}

// ---------------------------------------------------------------------------------------------------------

/** `--runs` runs, each with a fresh app process and stream; each scenario of a run printed. */
async function measureRuns(ctx: RunContext): Promise<Record<string, Measurement[]>> {
  const { options } = ctx;
  const raw: Record<string, Measurement[]> = Object.fromEntries(options.scenarios.map((s) => [s, []]));
  for (let run = 1; run <= options.runs; run++) {
    const round = await runOnce(ctx, `${process.pid}-${run}`);
    for (const s of options.scenarios) {
      const m = round[s] as Measurement;
      raw[s].push(m);
      console.log(
        `run ${run}/${options.runs} ${scenarioLabel(s, options.batch).padEnd(30)} ${fmtRate(m.requestsPerSecond).padStart(6)} req/s ${fmtRate(m.recordsPerSecond).padStart(7)} records/s  ` +
          `p50/p99 ${m.p50Ms.toFixed(1)}/${m.p99Ms.toFixed(1)} ms  errors ${m.errors}${m.errors > 0 ? ` ${JSON.stringify(m.errorKinds)}` : ''}  ` +
          `cpu app/emu/gen ${fmtCpuPercent(m.appCpuPercent)}/${fmtCpuPercent(m.emulatorCpuPercent)}/${fmtCpuPercent(m.loadGeneratorCpuPercent)}  ` +
          `app µs/request ${fmtMicros(m.appCpuMicrosPerRequest)} (idle app ${fmtCpuPercent(m.appIdleCpuPercent)})`,
      );
    }
    console.log(`run ${run}/${options.runs} app stopped cleanly (exit 0); the stream holds exactly the accepted records`);
  }
  return raw;
}

async function main(options: BenchOptions): Promise<void> {
  const session = new BenchSession('ingest', SOURCES);
  await withKdsEmulator(options.profile, async (emulator, admin) => {
    const keys = Array.from({ length: options.clients }, (_, i) => generateApiKey({ scopes: ['telemetry:write'], name: `bench client ${i}` }));
    const bodies = { json: makeBodies('json', 1), ndjson: makeBodies('ndjson', options.batch) };
    const ctx: RunContext = { options, emulator, admin, keys, bodies };
    console.log(
      `Ingest bench: POST /v1/telemetry, ${options.clients} concurrent keep-alive clients with an API key each; ${options.scenarios.map((s) => scenarioLabel(s, options.batch)).join(', ')}; ` +
        `${options.runs} runs of ${options.seconds} s per scenario, a fresh app process and ${options.shards}-shard stream per run; ` +
        session.machineSummary(),
    );
    console.log(
      'The app runs with its default settings (aggregation on, ordered on, linger 100 ms, rate limit 1,000 records/s per key) and answers once Kinesis acknowledged the records.',
    );
    const raw = await measureRuns(ctx);
    const medians: Partial<Record<Scenario, Record<Metric, number>>> = {};
    for (const s of options.scenarios) medians[s] = mediansOfNumericFields(raw[s]);
    printTable(options, medians);
    session.printClosingNotes('the app or its libs', { label: 'Sources under test', describe: 'the app and the libs it uses' });
    if (options.profile) console.log(`Profiles of the app and the emulator (pid ${emulator.pid}) are in tools/bench/results/profiles/.`);
    session.writeResults({
      options: { ...options, devices: DEVICES, app: 'apps/telemetry-producer/src/main.ts --mode ingest, default settings', emulator: 'limits: false, memory' },
      scenarios: Object.fromEntries(options.scenarios.map((s) => [s, { label: scenarioLabel(s, options.batch), medians: medians[s], runs: raw[s] }])),
    });
  });
}

runBench(USAGE, parseOptions, main);
