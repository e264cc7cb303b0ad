/**
 * apps/log-agent shipping combined Apache log lines with LOGTOJSON (COMBINEDAPACHELOG) into the emulator, side
 * by side with a naive tailer, and its memory while Kinesis is unreachable.
 *
 *   npm run bench:log-agent -- [--runs 3] [--lines 400000] [--naive-lines 60000] [--shards 64] [--latency-ms 20]
 *                              [--outage-seconds 15] [--profile] [--deterministic] [--timeline]
 *
 * Processes: the emulator (bench-server.ts, `limits: false`, every PutRecords answer delayed by `--latency-ms`
 * through its fault injection, an AWS-like round trip), the agent as deployed (apps/log-agent/src/main.ts with an
 * agent.json: one flow, START_OF_FILE, LOGTOJSON COMBINEDAPACHELOG, maxBufferAgeMillis 1000; aggregation on, the
 * default), and this process (file writer, naive tailer, measurements). Tools may not import apps: the agent is
 * a process of its own, and its CPU is then its own (/proc/<pid>/stat).
 *
 * Per run, the agent: a fresh stream of `--shards` shards (the producer paces each shard at AWS's 1 MiB/s, so
 * the shards bound the rate: 64 shards ≈ 64 MiB/s of JSON), a fresh agent with an empty log; once it is up, a
 * pre-written file of `--lines` lines is renamed into the glob, and the clock runs from that rename until
 * /healthz reports every line acknowledged. Lines/s = lines / that time; CPU µs/line = the agent process's CPU
 * time over the same span / lines. That time ends with the flow's `maxBufferAgeMillis` (1 s here): the last
 * aggregate waits for company that never comes, as the agent's buffer does. So the steady rate is given too: lines
 * between 10 % and 90 % of the file acknowledged / the time between (from the 20-ms /healthz polls; for the naive
 * tailer, from its acknowledged calls). The stream must then hold exactly `--lines` user records (deaggregated).
 *
 * The naive tailer: what a script would do — readline over the same file, 500 lines collected, one PutRecords
 * (SDK v3, default client) awaited, the next 500; random partition keys, the raw line as data (no JSON: the
 * naive tailer is spared the conversion). It runs over the first `--naive-lines` lines (it is slow; lines/s is
 * what is compared), its CPU is this process's.
 *
 * Memory while Kinesis is unreachable: an agent pointed at a port nothing listens on, a writer appending 20,000
 * lines/s for `--outage-seconds`; the agent's RSS is sampled each second. Bounded means it levels off (the
 * producer holds at most its record bound; the rest stays unread on disk).
 *
 * `--runs` runs, agent and naive interleaved; medians. Results: tools/bench/results/log-agent-latest.json.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { parseBenchArgs, positiveIntegerOption, zeroOrPositiveOption } from './bench-args';
import { BenchSession, fmtMicros, fmtMiB, fmtRate, median, printMetricTable, ROOT } from './bench-report';
import {
  BENCH_CREDENTIALS,
  BENCH_REGION,
  countStoredUserRecords,
  createStream,
  interleavedRuns,
  processCpuSeconds,
  processRssBytes,
  runBench,
  sleep,
  startListeningProcess,
  startServerProcess,
  type ServerProcess,
} from './bench-support';

const AGENT_SCRIPT = path.join(ROOT, 'apps/log-agent/src/main.ts');
const SOURCES = ['apps/log-agent/src', 'libs/kinesis-producer/src', 'libs/kpl/src'];

const USAGE = `npm run bench:log-agent -- [options]

Measures apps/log-agent (LOGTOJSON COMBINEDAPACHELOG, aggregation on) against a naive tailer (readline + one
PutRecords of 500 at a time), both into the emulator with every PutRecords answer delayed, and the agent's RSS while
Kinesis is unreachable.

  --runs N            runs, agent and naive interleaved (default 3); medians
  --lines N           lines per agent run (default 400000)
  --naive-lines N     lines per naive run (default 60000)
  --shards N          shards per stream (default 64)
  --latency-ms N      delay of every PutRecords answer (default 20, AWS-like)
  --outage-seconds N  length of the unreachable-Kinesis memory test (default 15; 0 skips it)
  --profile           write CPU profiles of each agent process and of the emulator to tools/bench/results/profiles
  --deterministic     the flow's partitionKeyOption DETERMINISTIC (default RANDOM)
  --timeline          print each agent run's lines read and acknowledged every 250 ms (where the time goes)
`;

interface Options {
  runs: number;
  lines: number;
  naiveLines: number;
  shards: number;
  latencyMs: number;
  outageSeconds: number;
  profile: boolean;
  /** The flow's partitionKeyOption: RANDOM (default; the agent builds the aggregates) or DETERMINISTIC. */
  deterministic: boolean;
  /** Print lines read and acknowledged over each agent run (from the bench's /healthz polls). */
  timeline: boolean;
}

function parse(argv: string[]): Options | undefined {
  const v = parseBenchArgs(argv, ['runs', 'lines', 'naive-lines', 'shards', 'latency-ms', 'outage-seconds'], ['profile', 'deterministic', 'timeline']);
  if (!v) return undefined;
  return {
    runs: positiveIntegerOption('runs', v.runs, 3),
    lines: positiveIntegerOption('lines', v.lines, 400_000),
    naiveLines: positiveIntegerOption('naive-lines', v['naive-lines'], 60_000),
    shards: positiveIntegerOption('shards', v.shards, 64),
    latencyMs: zeroOrPositiveOption('latency-ms', v['latency-ms'], 20),
    outageSeconds: zeroOrPositiveOption('outage-seconds', v['outage-seconds'], 15),
    profile: v.profile === true,
    deterministic: v.deterministic === true,
    timeline: v.timeline === true,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Log lines (the format of apps/log-agent's test writer: httpd's combined format, a sequence number in the path)

const METHODS = ['GET', 'GET', 'GET', 'POST', 'PUT', 'DELETE'];
const PATHS = ['/index.html', '/api/v1/telemetry', '/static/app.js', '/images/logo.png', '/login', '/api/v1/devices'];
const AGENTS = ['Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36', 'curl/8.5.0'];

function accessLine(seq: number): string {
  const ip = `10.${(seq >> 16) & 255}.${(seq >> 8) & 255}.${seq & 255}`;
  return `${ip} - - [07/Dec/2026:06:00:00 +0000] "${METHODS[seq % 6]} ${PATHS[seq % 6]}?x=${seq} HTTP/1.1" ${seq % 17 === 0 ? 404 : 200} ${200 + (seq % 5000)} "https://example.com/" "${AGENTS[seq % 2]}"\n`;
}

function writeLogFile(file: string, first: number, count: number): number {
  const fd = fs.openSync(file, 'w');
  let bytes = 0;
  for (let i = 0; i < count; i += 10_000) {
    let text = '';
    for (let j = i; j < Math.min(count, i + 10_000); j++) text += accessLine(first + j);
    bytes += fs.writeSync(fd, text);
  }
  fs.closeSync(fd);
  return bytes;
}

// ---------------------------------------------------------------------------------------------------------
// The agent, in its own process

interface FlowHealth {
  recordsAcknowledged: number;
  linesRead: number;
  parseFailures: number;
}

function writeAgentJson(dir: string, endpoint: string, stream: string, deterministic = false): string {
  const file = path.join(dir, 'agent.json');
  fs.writeFileSync(
    file,
    JSON.stringify({
      checkpointFile: path.join(dir, 'checkpoints'),
      'kinesis.endpoint': endpoint,
      'kinesis.region': BENCH_REGION,
      awsAccessKeyId: BENCH_CREDENTIALS.accessKeyId,
      awsSecretAccessKey: BENCH_CREDENTIALS.secretAccessKey,
      flows: [
        {
          filePattern: path.join(dir, 'access.log*'),
          kinesisStream: stream,
          initialPosition: 'START_OF_FILE',
          partitionKeyOption: deterministic ? 'DETERMINISTIC' : 'RANDOM',
          maxBufferAgeMillis: 1000,
          dataProcessingOptions: [{ optionName: 'LOGTOJSON', logFormat: 'COMBINEDAPACHELOG' }],
        },
      ],
    }),
  );
  return file;
}

function startAgent(configFile: string, profile = false): Promise<ServerProcess> {
  return startListeningProcess({
    label: 'log-agent',
    profile,
    script: AGENT_SCRIPT,
    args: ['--config', configFile, '--host', '127.0.0.1', '--port', '0', '--log-level', 'info'],
    urlFrom: (line) => {
      const parsed = JSON.parse(line) as { msg?: string; url?: string };
      return parsed.msg === 'ready' ? parsed.url : undefined;
    },
  });
}

async function flowHealth(agent: ServerProcess): Promise<FlowHealth> {
  const res = await fetch(`${agent.url}/healthz`);
  return ((await res.json()) as { flows: FlowHealth[] }).flows[0];
}

interface Measurement {
  lines: number;
  seconds: number;
  linesPerSecond: number;
  /** Lines acknowledged between 10 % and 90 % of the run / the time between (see the header). */
  steadyLinesPerSecond: number;
  cpuMicrosPerLine: number;
  /** The emulator's CPU over the same span, per line (it shares the 2 cores). */
  emulatorCpuMicrosPerLine: number;
  stored: number;
}

/** The rate between the first observations at or past 10 % and 90 % of `total` (see the header). */
class SteadyRate {
  private from: { count: number; ms: number } | undefined;
  private to: { count: number; ms: number } | undefined;

  constructor(private readonly total: number) {}

  observe(count: number, ms: number): void {
    if (this.from === undefined && count >= this.total * 0.1) this.from = { count, ms };
    if (this.to === undefined && count >= this.total * 0.9) this.to = { count, ms };
  }

  /** Lines per second; NaN when the run never got from 10 % to 90 % in two observations. */
  rate(): number {
    if (this.from === undefined || this.to === undefined || this.to.ms <= this.from.ms) return NaN;
    return ((this.to.count - this.from.count) * 1000) / (this.to.ms - this.from.ms);
  }
}

async function measureAgent(emulator: ServerProcess, admin: KinesisClient, options: Options, run: number, staged: string): Promise<Measurement> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'log-agent-bench-'));
  const stream = `log-agent-bench-${run}-${Date.now().toString(36)}`;
  await createStream(admin, stream, options.shards);
  fs.writeFileSync(path.join(dir, 'access.log'), '');
  const agent = await startAgent(writeAgentJson(dir, emulator.url, stream, options.deterministic), options.profile);
  try {
    const cpu0 = processCpuSeconds(agent.pid);
    const emu0 = emulator.cpuSeconds();
    const t0 = performance.now();
    // A new file appears under the glob: read from its start (a hard link, so the staged file stays for the next run).
    fs.linkSync(staged, path.join(dir, 'access.log.1'));
    const timeline: string[] = [];
    let nextMark = 0;
    const steady = new SteadyRate(options.lines);
    for (;;) {
      const h = await flowHealth(agent);
      const ms = performance.now() - t0;
      steady.observe(h.recordsAcknowledged, ms);
      if (options.timeline && (ms >= nextMark || h.recordsAcknowledged >= options.lines)) {
        timeline.push(`${(ms / 1000).toFixed(2)} s: ${h.linesRead} read, ${h.recordsAcknowledged} acked`);
        nextMark += 250;
      }
      if (h.recordsAcknowledged >= options.lines) break;
      if (performance.now() - t0 > 300_000) throw new Error(`agent stuck: ${JSON.stringify(h)}`);
      await sleep(20);
    }
    const seconds = (performance.now() - t0) / 1000;
    if (options.timeline) console.log(`run ${run} timeline:\n  ${timeline.join('\n  ')}`);
    const cpu = processCpuSeconds(agent.pid) - cpu0;
    const emuCpu = emulator.cpuSeconds() - emu0;
    const stored = await countStoredUserRecords(admin, stream, () => undefined);
    const perLine = (s: number): number => (s * 1e6) / options.lines;
    return { lines: options.lines, seconds, linesPerSecond: options.lines / seconds, steadyLinesPerSecond: steady.rate(), cpuMicrosPerLine: perLine(cpu), emulatorCpuMicrosPerLine: perLine(emuCpu), stored };
  } finally {
    const code = await agent.stop();
    if (code !== 0) console.error(`log-agent exited with ${code}`);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------------------
// The naive tailer, in this process

async function measureNaive(emulator: ServerProcess, admin: KinesisClient, options: Options, run: number, staged: string): Promise<Measurement> {
  const stream = `naive-bench-${run}-${Date.now().toString(36)}`;
  await createStream(admin, stream, options.shards);
  const client = new KinesisClient({ endpoint: emulator.url, region: BENCH_REGION, credentials: BENCH_CREDENTIALS });
  const cpu0 = process.cpuUsage();
  const emu0 = emulator.cpuSeconds();
  const t0 = performance.now();
  let sent = 0;
  const steady = new SteadyRate(options.naiveLines);
  let batch: { Data: Uint8Array; PartitionKey: string }[] = [];
  const put = async (): Promise<void> => {
    const out = await client.send(new PutRecordsCommand({ StreamName: stream, Records: batch }));
    if ((out.FailedRecordCount ?? 0) > 0) throw new Error('naive tailer: records failed');
    sent += batch.length;
    steady.observe(sent, performance.now() - t0);
    batch = [];
  };
  const lines = readline.createInterface({ input: fs.createReadStream(staged), crlfDelay: Infinity });
  for await (const line of lines) {
    batch.push({ Data: Buffer.from(`${line}\n`), PartitionKey: String(Math.random() * 1_000_000) });
    if (batch.length === 500) await put();
    if (sent >= options.naiveLines) break;
  }
  lines.close();
  if (batch.length > 0) await put();
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const emuCpu = emulator.cpuSeconds() - emu0;
  client.destroy();
  const stored = await countStoredUserRecords(admin, stream, () => undefined);
  return { lines: sent, seconds, linesPerSecond: sent / seconds, steadyLinesPerSecond: steady.rate(), cpuMicrosPerLine: (cpu.user + cpu.system) / sent, emulatorCpuMicrosPerLine: (emuCpu * 1e6) / sent, stored };
}

// ---------------------------------------------------------------------------------------------------------
// Memory with Kinesis unreachable

/** The agent's V8 heap in use, from its /metrics (prom-client's process metrics). */
async function heapUsedMiB(agent: ServerProcess): Promise<number> {
  const text = await (await fetch(`${agent.url}/metrics`)).text();
  const m = /^nodejs_heap_size_used_bytes (\S+)$/m.exec(text);
  return m ? Number(m[1]) / (1024 * 1024) : Number.NaN;
}

async function measureOutageMemory(options: Options): Promise<{ rssMiB: number[]; heapMiB: number[]; linesWritten: number; linesRead: number }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'log-agent-bench-outage-'));
  // A port nothing listens on: bind one, note it, close it.
  const probe = await new Promise<number>((resolve) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
  const logPath = path.join(dir, 'access.log');
  fs.writeFileSync(logPath, '');
  const agent = await startAgent(writeAgentJson(dir, `http://127.0.0.1:${probe}`, 'unreachable'));
  const rss: number[] = [];
  const heap: number[] = [];
  let seq = 0;
  try {
    const t0 = Date.now();
    while (Date.now() - t0 < options.outageSeconds * 1000) {
      // 20,000 lines/s, in 100 ms batches.
      for (let i = 0; i < 10; i++) {
        let text = '';
        for (let j = 0; j < 2000; j++) text += accessLine(seq++);
        fs.appendFileSync(logPath, text);
        await sleep(100);
      }
      rss.push(processRssBytes(agent.pid) / (1024 * 1024));
      heap.push(await heapUsedMiB(agent));
    }
    const h = await flowHealth(agent);
    return { rssMiB: rss, heapMiB: heap, linesWritten: seq, linesRead: h.linesRead };
  } finally {
    // SIGTERM would wait for the flush deadline (Kinesis is away): this agent's state does not matter.
    process.kill(agent.pid, 'SIGKILL');
    await agent.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------------------

async function addPutRecordsLatency(url: string, latencyMs: number): Promise<void> {
  if (latencyMs === 0) return;
  const res = await fetch(`${url}/_tributary/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ operations: ['PutRecords'], latencyMs }),
  });
  if (res.status !== 201) throw new Error(`the emulator refused the latency rule: ${res.status} ${await res.text()}`);
}

type Variant = 'log-agent' | 'naive';

async function bench(options: Options): Promise<void> {
  const session = new BenchSession('log-agent', SOURCES);
  const stagingDir = fs.mkdtempSync(path.join(os.tmpdir(), 'log-agent-bench-staged-'));
  const staged = path.join(stagingDir, 'staged.log');
  const bytes = writeLogFile(staged, 0, options.lines);
  console.log(`${options.lines.toLocaleString('en-US')} combined Apache lines (${fmtMiB(bytes)}), ${options.shards} shards, PutRecords answered after ${options.latencyMs} ms.`);
  const emulator = await startServerProcess('emulator', [], { profile: options.profile });
  const admin = new KinesisClient({ endpoint: emulator.url, region: BENCH_REGION, credentials: BENCH_CREDENTIALS, maxAttempts: 1 });
  let raw: Record<Variant, Measurement[]>;
  try {
    await addPutRecordsLatency(emulator.url, options.latencyMs);
    raw = await interleavedRuns<Variant, Measurement>(
      options.runs,
      ['log-agent', 'naive'],
      (variant, run) => (variant === 'log-agent' ? measureAgent(emulator, admin, options, run, staged) : measureNaive(emulator, admin, options, run, staged)),
      (run, variant, m) =>
        console.log(
          `run ${run} ${variant.padEnd(9)} ${fmtRate(m.linesPerSecond).padStart(9)} lines/s (steady ${fmtRate(m.steadyLinesPerSecond)})  ${fmtMicros(m.cpuMicrosPerLine).padStart(6)} µs CPU/line ` +
            `(emulator ${fmtMicros(m.emulatorCpuMicrosPerLine)})  ${m.lines} lines in ${m.seconds.toFixed(2)} s, ${m.stored} in the stream`,
        ),
    );
  } finally {
    admin.destroy();
    await emulator.stop();
    fs.rmSync(stagingDir, { recursive: true, force: true });
  }
  for (const v of ['log-agent', 'naive'] as const) {
    for (const m of raw[v]) if (m.stored !== m.lines) throw new Error(`${v}: ${m.stored} records in the stream for ${m.lines} lines`);
  }
  const med = (v: Variant, k: 'linesPerSecond' | 'steadyLinesPerSecond' | 'cpuMicrosPerLine' | 'emulatorCpuMicrosPerLine'): number => median(raw[v].map((m) => m[k]));
  console.log(`\nMedians of ${options.runs} runs (${session.machineSummary()}):`);
  printMetricTable('', ['log-agent', 'naive'] as const, (v) => v, [
    ['lines/s (whole file, to the last ack)', (v) => fmtRate(med(v, 'linesPerSecond'))],
    ['lines/s steady (10 % to 90 % acked)', (v) => fmtRate(med(v, 'steadyLinesPerSecond'))],
    ['CPU µs per line', (v) => fmtMicros(med(v, 'cpuMicrosPerLine'))],
    ['emulator CPU µs per line', (v) => fmtMicros(med(v, 'emulatorCpuMicrosPerLine'))],
  ]);
  const ratio = med('log-agent', 'linesPerSecond') / med('naive', 'linesPerSecond');
  const steadyRatio = med('log-agent', 'steadyLinesPerSecond') / med('naive', 'steadyLinesPerSecond');
  console.log(`log-agent / naive: ${ratio.toFixed(1)}× whole file, ${steadyRatio.toFixed(1)}× steady (targets: ≥ 150,000 lines/s, ≥ 10×)`);

  let outage: Awaited<ReturnType<typeof measureOutageMemory>> | undefined;
  if (options.outageSeconds > 0) {
    outage = await measureOutageMemory(options);
    console.log(
      `\nKinesis unreachable for ${options.outageSeconds} s, 20,000 lines/s written: agent RSS each second ${outage.rssMiB.map((r) => r.toFixed(0)).join(' ')} MiB, ` +
        `V8 heap in use ${outage.heapMiB.map((r) => r.toFixed(0)).join(' ')} MiB; ` +
        `${outage.linesRead.toLocaleString('en-US')} of ${outage.linesWritten.toLocaleString('en-US')} lines read (the rest waits on disk).`,
    );
  }
  session.printClosingNotes('the sources under test');
  const medians = (v: Variant) => ({ linesPerSecond: med(v, 'linesPerSecond'), steadyLinesPerSecond: med(v, 'steadyLinesPerSecond'), cpuMicrosPerLine: med(v, 'cpuMicrosPerLine') });
  session.writeResults({ options, raw, medians: { agent: medians('log-agent'), naive: medians('naive') }, ratio, steadyRatio, outage });
}

runBench(USAGE, parse, bench);
