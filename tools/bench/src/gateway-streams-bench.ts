/**
 * The gateway's stream list at 1,000 cameras (issue 17): `GET /api/streams` (the first page, and a search) through
 * the gateway as deployed, side by side with the listing the gateway made before (the baseline), in the same run.
 *
 *   npm run bench:gateway-streams -- [--runs 3] [--seconds 10] [--streams 1000] [--concurrency 4]
 *
 * Set-up: the emulator in a child process (bench-server.ts, limits off, KVS + DynamoDB), `--streams` KVS streams
 * (CreateStream), the camera-health table in the video producer's layout (@tributary/schemas, hash key streamName)
 * with one fresh item per stream, written with BatchWriteItem; the gateway (`apps/playback-gateway/src/main.ts`,
 * configured by flags and environment only) started twice: with `--camera-health-table` (health from one shared
 * Scan) and without (every stream of the page falls back to ListFragments).
 *
 * Targets, each measured for `--seconds` by `--concurrency` clients in a closed loop (each sends its next request
 * when the answer is in), latency from send to the last byte:
 *   - first page:        GET /api/streams                     (50 streams, health from the table)
 *   - search:            GET /api/streams?q=<3 digits>&limit=50 (a substring that matches 1–10 names)
 *   - first page, no table: the same page from the second gateway (50 ListFragments per health cache period)
 *   - baseline:          the listing the gateway made before this change, reproduced with the official SDK client
 *                        (tools may not import apps): ListStreams, then for every stream ListFragments over the last
 *                        minute on its LIST_FRAGMENTS data endpoint (GetDataEndpoint cached, as the gateway cached
 *                        it), 8 streams at a time — what `GET /api/streams` cost before, without the HTTP and auth
 *                        around it. The per-stream health cache (2 s) it had does not help: one listing of 1,000
 *                        streams takes longer than that.
 * Reported: p50/p99/max latency, requests/s, non-2xx and errors, CPU of the gateway and the emulator per request.
 * Medians over `--runs`. Target: p99 <= 100 ms for the first page and the search. Results go to
 * tools/bench/results/gateway-streams-latest.json.
 */
import { BatchWriteItemCommand, DynamoDBClient, type WriteRequest } from '@aws-sdk/client-dynamodb';
import { CreateStreamCommand, GetDataEndpointCommand, ListStreamsCommand, type KinesisVideoClient } from '@aws-sdk/client-kinesis-video';
import { KinesisVideoArchivedMediaClient, ListFragmentsCommand } from '@aws-sdk/client-kinesis-video-archived-media';
import { marshall } from '@aws-sdk/util-dynamodb';
import { ensureTable } from '@tributary/dynamodb-tables';
import { mapWithConcurrency } from '@tributary/runtime';
import { CAMERA_HEALTH_TABLE_KEYS, type CameraHealthItem } from '@tributary/schemas';
import { parseBenchArgs, positiveIntegerOption, positiveOption } from './bench-args';
import { BenchSession, fmtCpuPercent, fmtRate, mediansOfNumericFields, percentile, printMetricTable, type MetricRow } from './bench-report';
import { BENCH_CREDENTIALS, BENCH_REGION, runBench, sleep, startCpuMeasurement, type ServerProcess } from './bench-support';
import { startGateway, withVideoEmulator } from './media-bench-support';

const SOURCES = ['apps/playback-gateway/src', 'libs/emulator/src', 'libs/runtime/src'];
const TARGET_P99_MS = 100;
const TARGETS = ['first page', 'search', 'first page, no table', 'baseline: ListFragments per stream'] as const;
type Target = (typeof TARGETS)[number];

const USAGE = `Usage: npm run bench:gateway-streams -- [options]

GET /api/streams of apps/playback-gateway with 1,000 KVS streams and their camera-health items in the emulator,
against the listing it made before (ListFragments per stream), on loopback.

Options:
  --runs N          measured runs (default 3), medians reported
  --seconds S       duration of each measurement (default 10)
  --streams N       KVS streams, each with a camera-health item (default 1000)
  --concurrency N   clients in a closed loop per measurement (default 4)
  --help
`;

interface BenchOptions {
  runs: number;
  seconds: number;
  streams: number;
  concurrency: number;
}

function parseOptions(argv: string[]): BenchOptions | undefined {
  const values = parseBenchArgs(argv, ['runs', 'seconds', 'streams', 'concurrency']);
  if (values === undefined) return undefined;
  return {
    runs: positiveIntegerOption('runs', values.runs, 3),
    seconds: positiveOption('seconds', values.seconds, 10),
    streams: positiveIntegerOption('streams', values.streams, 1000),
    concurrency: positiveIntegerOption('concurrency', values.concurrency, 4),
  };
}

// ---------------------------------------------------------------------------------------------------------
// The fleet: streams and their camera-health items

const streamName = (i: number): string => `bench-cam-${String(i).padStart(4, '0')}`;

async function createStreams(admin: KinesisVideoClient, count: number): Promise<void> {
  await mapWithConcurrency(
    Array.from({ length: count }, (_, i) => streamName(i)),
    16,
    (StreamName) => admin.send(new CreateStreamCommand({ StreamName, DataRetentionInHours: 24, MediaType: 'video/h264' })),
  );
  // ACTIVE once listed as such (the emulator activates them after a moment, as KVS does).
  for (let i = 0; i < 600; i++) {
    const active = (await listAllStreams(admin)).filter((s) => s.status === 'ACTIVE').length;
    if (active >= count) return;
    await sleep(100);
  }
  throw new Error(`${count} streams did not all become ACTIVE`);
}

async function listAllStreams(admin: KinesisVideoClient): Promise<Array<{ name: string; status: string | undefined }>> {
  const out: Array<{ name: string; status: string | undefined }> = [];
  let NextToken: string | undefined;
  do {
    const page = await admin.send(new ListStreamsCommand({ MaxResults: 10_000, NextToken }));
    for (const s of page.StreamInfoList ?? []) if (s.StreamName) out.push({ name: s.StreamName, status: s.Status });
    NextToken = page.NextToken || undefined;
  } while (NextToken);
  return out;
}

/** One fresh item per stream, as the video producer writes it every 5 s. */
function healthItem(name: string, now: number): CameraHealthItem {
  return {
    streamName: name,
    producerId: 'bench-edge',
    state: 'streaming',
    fragmentsAcked: 600,
    fragmentsPerSecond: 1,
    bitrateKbps: 1000,
    ackLatencyP50Ms: 40,
    ackLatencyP99Ms: 120,
    lastFragmentAt: now - 900,
    lastAckAt: now - 500,
    spooledFragments: 0,
    // A long interval keeps the items fresh (not stale) for the whole bench.
    intervalMs: 3_600_000,
    updatedAt: now,
  };
}

async function writeCameraHealth(ddb: DynamoDBClient, table: string, count: number): Promise<void> {
  await ensureTable(ddb, { tableName: table, keys: [{ name: CAMERA_HEALTH_TABLE_KEYS.hash, type: 'S', role: 'HASH' }] });
  const now = Date.now();
  const items = Array.from({ length: count }, (_, i) => healthItem(streamName(i), now));
  for (let i = 0; i < items.length; i += 25) {
    let RequestItems: Record<string, WriteRequest[]> | undefined = {
      [table]: items.slice(i, i + 25).map((item) => ({ PutRequest: { Item: marshall(item, { removeUndefinedValues: true }) } })),
    };
    while (RequestItems && Object.keys(RequestItems).length > 0) {
      const out: { UnprocessedItems?: Record<string, WriteRequest[]> } = await ddb.send(new BatchWriteItemCommand({ RequestItems }));
      RequestItems = out.UnprocessedItems;
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// The baseline: the listing the gateway made before (per-stream ListFragments)

/** The old GET /api/streams' KVS calls: ListStreams, then ListFragments over the last minute for every stream. */
function legacyListing(admin: KinesisVideoClient): () => Promise<number> {
  const endpoints = new Map<string, Promise<string>>();
  const archived = new Map<string, KinesisVideoArchivedMediaClient>();
  const endpointOf = (name: string): Promise<string> => {
    let e = endpoints.get(name);
    if (!e) {
      e = admin.send(new GetDataEndpointCommand({ StreamName: name, APIName: 'LIST_FRAGMENTS' })).then((o) => o.DataEndpoint ?? '');
      endpoints.set(name, e);
    }
    return e;
  };
  const clientOf = (endpoint: string): KinesisVideoArchivedMediaClient => {
    let c = archived.get(endpoint);
    if (!c) {
      c = new KinesisVideoArchivedMediaClient({ endpoint, region: BENCH_REGION, credentials: BENCH_CREDENTIALS, maxAttempts: 1 });
      archived.set(endpoint, c);
    }
    return c;
  };
  return async () => {
    const streams = await listAllStreams(admin);
    const now = Date.now();
    const healths = await mapWithConcurrency(streams, 8, async (s) => {
      const client = clientOf(await endpointOf(s.name));
      const out = await client.send(
        new ListFragmentsCommand({
          StreamName: s.name,
          MaxResults: 1000,
          FragmentSelector: { FragmentSelectorType: 'SERVER_TIMESTAMP', TimestampRange: { StartTimestamp: new Date(now - 60_000), EndTimestamp: new Date(now) } },
        }),
      );
      return out.Fragments?.length ?? 0;
    });
    return healths.length;
  };
}

// ---------------------------------------------------------------------------------------------------------
// Measurements

interface Measurement {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  requestsPerSecond: number;
  requests: number;
  failures: number;
  gatewayCpuPercent: number;
  emulatorCpuPercent: number;
  gatewayCpuMsPerRequest: number;
  emulatorCpuMsPerRequest: number;
}

/** `concurrency` clients calling `call` back to back for `seconds`; a call resolves true for a good answer. */
async function closedLoop(call: () => Promise<boolean>, concurrency: number, seconds: number): Promise<{ latencies: number[]; failures: number; ms: number }> {
  const latencies: number[] = [];
  let failures = 0;
  const t0 = performance.now();
  const endAt = t0 + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      // At least one call each, however slow (the baseline's listing can outlast --seconds).
      do {
        const sent = performance.now();
        const ok = await call().catch(() => false);
        latencies.push(performance.now() - sent);
        if (!ok) failures++;
      } while (performance.now() < endAt);
    }),
  );
  return { latencies, failures, ms: performance.now() - t0 };
}

function apiCall(url: string, apiKey: string, expectStreams: number): () => Promise<boolean> {
  return async () => {
    const res = await fetch(url, { headers: { 'x-api-key': apiKey } });
    const body = (await res.json()) as { streams?: Array<{ health: unknown }> };
    return res.status === 200 && (body.streams?.length ?? 0) >= expectStreams && (body.streams ?? []).every((s) => s.health !== null);
  };
}

async function measure(call: () => Promise<boolean>, options: BenchOptions, gateway: ServerProcess | undefined, emulator: ServerProcess): Promise<Measurement> {
  const servers = gateway ? [emulator, gateway] : [emulator];
  const stop = startCpuMeasurement(servers);
  const r = await closedLoop(call, options.concurrency, options.seconds);
  const cpu = stop();
  const seconds = cpu.ms / 1000;
  const gatewayCpu = gateway ? cpu.serverCpuSeconds[1] : 0;
  return {
    p50Ms: percentile(r.latencies, 50),
    p99Ms: percentile(r.latencies, 99),
    maxMs: percentile(r.latencies, 100),
    requestsPerSecond: r.latencies.length / (r.ms / 1000),
    requests: r.latencies.length,
    failures: r.failures,
    gatewayCpuPercent: (gatewayCpu / seconds) * 100,
    emulatorCpuPercent: (cpu.serverCpuSeconds[0] / seconds) * 100,
    gatewayCpuMsPerRequest: (gatewayCpu * 1000) / r.latencies.length,
    emulatorCpuMsPerRequest: (cpu.serverCpuSeconds[0] * 1000) / r.latencies.length,
  };
}

function printMedians(options: BenchOptions, medians: Record<Target, Measurement>): Record<string, boolean> {
  const rows: Array<MetricRow<Target>> = (
    [
      ['latency p50 (ms)', (m) => m.p50Ms.toFixed(1)],
      [`latency p99 (ms; target <= ${TARGET_P99_MS} for first page and search)`, (m) => m.p99Ms.toFixed(1)],
      ['latency max (ms)', (m) => m.maxMs.toFixed(0)],
      ['requests/s', (m) => m.requestsPerSecond.toFixed(1)],
      ['requests measured', (m) => fmtRate(m.requests)],
      ['failed or incomplete answers (must be 0)', (m) => String(m.failures)],
      ['gateway CPU (% of a core)', (m) => fmtCpuPercent(m.gatewayCpuPercent)],
      ['gateway CPU per request (ms)', (m) => m.gatewayCpuMsPerRequest.toFixed(2)],
      ['emulator CPU (% of a core)', (m) => fmtCpuPercent(m.emulatorCpuPercent)],
      ['emulator CPU per request (ms)', (m) => m.emulatorCpuMsPerRequest.toFixed(2)],
    ] as Array<[string, (m: Measurement) => string]>
  ).map(([label, f]) => [label, (t: Target) => f(medians[t])]);
  console.log('');
  printMetricTable(`Medians, ${options.streams} streams, ${options.concurrency} clients in a closed loop`, TARGETS, (t) => t, rows);
  const verdicts: Record<string, boolean> = {};
  for (const t of ['first page', 'search'] as const) verdicts[t] = medians[t].p99Ms <= TARGET_P99_MS && medians[t].failures === 0;
  console.log('');
  const word = (ok: boolean): string => (ok ? 'met' : 'MISSED');
  console.log(
    `Target: GET /api/streams p99 <= ${TARGET_P99_MS} ms with ${options.streams} streams: first page ${medians['first page'].p99Ms.toFixed(1)} ms -> ${word(verdicts['first page'])}; ` +
      `search ${medians['search'].p99Ms.toFixed(1)} ms -> ${word(verdicts['search'])} (baseline p50 ${medians['baseline: ListFragments per stream'].p50Ms.toFixed(0)} ms)`,
  );
  return verdicts;
}

async function main(options: BenchOptions): Promise<void> {
  const session = new BenchSession('gateway-streams', SOURCES);
  await withVideoEmulator('tributary-gateway-streams-bench-data-', {}, async (emulator, admin) => {
    const ddb = new DynamoDBClient({ endpoint: emulator.url, region: BENCH_REGION, credentials: BENCH_CREDENTIALS });
    const table = `bench-camera-health-${process.pid}`;
    const gateways: Array<ServerProcess & { apiKey: string }> = [];
    try {
      const t0 = performance.now();
      await createStreams(admin, options.streams);
      await writeCameraHealth(ddb, table, options.streams);
      console.log(`Set-up: ${options.streams} streams and camera-health items in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      const withTable = await startGateway(emulator.url, ['--camera-health-table', table]);
      gateways.push(withTable);
      const noTable = await startGateway(emulator.url);
      gateways.push(noTable);
      console.log(
        `Gateway streams bench: ${options.runs} runs x ${TARGETS.length} targets, ${options.streams} streams, ${options.concurrency} clients, ${options.seconds} s each; ` +
          session.machineSummary(),
      );
      const page = Math.min(50, options.streams);
      const calls: Record<Target, { call: () => Promise<boolean>; gateway?: ServerProcess }> = {
        'first page': { call: apiCall(`${withTable.url}/api/streams`, withTable.apiKey, page), gateway: withTable },
        // "cam-012" matches bench-cam-0120 … 0129 (10 names) of 1,000.
        search: { call: apiCall(`${withTable.url}/api/streams?q=cam-${String(Math.floor(options.streams / 100)).padStart(3, '0').slice(-3)}&limit=50`, withTable.apiKey, 1), gateway: withTable },
        'first page, no table': { call: apiCall(`${noTable.url}/api/streams`, noTable.apiKey, page), gateway: noTable },
        'baseline: ListFragments per stream': { call: async () => (await legacyListing(admin)()) === options.streams },
      };
      // Warm-up, untimed: data endpoints cached, connections open, JIT warm.
      for (const t of TARGETS) await calls[t].call();
      const raw = new Map<Target, Measurement[]>();
      for (let run = 1; run <= options.runs; run++) {
        for (const t of TARGETS) {
          const m = await measure(calls[t].call, options, calls[t].gateway, emulator);
          raw.set(t, [...(raw.get(t) ?? []), m]);
          console.log(
            `run ${run}/${options.runs} ${t.padEnd(34)}: p50 ${m.p50Ms.toFixed(1)} ms, p99 ${m.p99Ms.toFixed(1)} ms, max ${m.maxMs.toFixed(0)} ms; ${m.requestsPerSecond.toFixed(1)} req/s (${m.requests}); ` +
              `failures ${m.failures}; gateway CPU ${fmtCpuPercent(m.gatewayCpuPercent)} (${m.gatewayCpuMsPerRequest.toFixed(2)} ms/request), emulator ${fmtCpuPercent(m.emulatorCpuPercent)} (${m.emulatorCpuMsPerRequest.toFixed(2)} ms/request)`,
          );
        }
      }
      const medians = Object.fromEntries(TARGETS.map((t) => [t, mediansOfNumericFields(raw.get(t) ?? [])])) as Record<Target, Measurement>;
      const verdicts = printMedians(options, medians);
      session.printClosingNotes('the gateway, libs/runtime or the emulator');
      session.writeResults({ options, target: { p99Ms: TARGET_P99_MS }, verdicts, medians, runs: Object.fromEntries(raw) });
    } finally {
      for (const g of gateways) await g.stop();
      ddb.destroy();
    }
  });
}

runBench(USAGE, parseOptions, main);
