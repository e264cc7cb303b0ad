/**
 * `tributary tail` throughput (issue 18: ≥ 200,000 records/s to /dev/null), side by side with a naive SDK v3
 * GetRecords loop (cli-tail-baseline.ts, why that baseline there).
 *
 *   npm run bench:cli -- [--records 1000000] [--shards 16] [--runs 3] [--bytes 60] [--aggregated] [--profile]
 *
 * 1. Both programs are bundled with esbuild (the CLI exactly as `nx run cli:bundle` builds it: plain node, no tsx
 *    start-up), so each run measures a process as users start it.
 * 2. The emulator runs in a child process (bench-server.ts, AWS's limits off: the CLI's reader paces itself to
 *    AWS's 5 GetRecords/s and 2 MiB/s per shard anyway; the baseline does not pace). A `--shards` stream is filled
 *    with `--records` records (PutRecords, 8 calls in flight) of about `--bytes` bytes of JSON, 10,000 partition
 *    keys: plain (500 Kinesis records a call: the SDK decodes one record, its base64 and its Date, per user record),
 *    or with `--aggregated` in KPL aggregates of 400 user records (@tributary/kpl AggregateBuilder, 25 a call).
 * 3. Runs, interleaved: `tributary tail <stream> --count N` with stdout on /dev/null, the same with stdout on a pipe
 *    this process drains and counts (the line count is checked: N lines), and the baseline to /dev/null. Wall
 *    time from spawn to exit (process start included, ~0.3 s); for the pipe also first byte → last byte.
 * Reported: medians of `--runs` runs of records/s, and the CPU time of each process per record (user + system from
 * process.cpuUsage() at its exit, reported by a --require'd hook): what others sharing the 2 cores change least; and
 * the emulator's CPU per record while it served `tail > /dev/null` (from /proc), the other half of the 2 cores.
 * `--profile`: CPU profiles of the emulator and of each `tail > /dev/null` run in tools/bench/results/profiles.
 */
import { spawn, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PutRecordsCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { AggregateBuilder } from '@tributary/kpl';
import { parseBenchArgs, positiveIntegerOption } from './bench-args';
import { fmtRate, loadAverage, median, printGrid, printLoadNote } from './bench-report';
import { PROFILE_DIR, ROOT, createStream, runBench, withKdsEmulator } from './bench-support';

const USAGE = `npm run bench:cli -- [--records 1000000] [--shards 16] [--runs 3] [--bytes 60] [--aggregated] [--profile]\n`;

interface Options {
  records: number;
  shards: number;
  runs: number;
  bytes: number;
  aggregated: boolean;
  profile: boolean;
}

const OUT_DIR = path.join(ROOT, 'dist/cli-bench');
const CLI_BUNDLE = path.join(OUT_DIR, 'tributary.js');
const BASELINE_BUNDLE = path.join(OUT_DIR, 'cli-tail-baseline.js');

function parse(argv: string[]): Options | undefined {
  const flags = parseBenchArgs(argv, ['records', 'shards', 'runs', 'bytes'] as const, ['aggregated', 'profile'] as const);
  if (!flags) return undefined;
  return {
    records: positiveIntegerOption('--records', flags.records, 1_000_000),
    shards: positiveIntegerOption('--shards', flags.shards, 16),
    runs: positiveIntegerOption('--runs', flags.runs, 3),
    bytes: positiveIntegerOption('--bytes', flags.bytes, 60),
    aggregated: flags.aggregated === true,
    profile: flags.profile === true,
  };
}

function bundle(): void {
  fs.mkdirSync(OUT_DIR, { recursive: true });
  fs.writeFileSync(CPU_HOOK, CPU_HOOK_SOURCE);
  const esbuild = path.join(ROOT, 'node_modules/.bin/esbuild');
  const common = ['--bundle', '--platform=node', '--target=node20', '--format=cjs', '--log-level=warning'];
  execFileSync(esbuild, ['apps/cli/src/main.ts', ...common, '--tsconfig=apps/cli/tsconfig.json', `--outfile=${CLI_BUNDLE}`], { cwd: ROOT, stdio: 'inherit' });
  execFileSync(esbuild, ['tools/bench/src/cli-tail-baseline.ts', ...common, '--tsconfig=tools/bench/tsconfig.json', `--outfile=${BASELINE_BUNDLE}`], { cwd: ROOT, stdio: 'inherit' });
}

function userRecord(i: number, pad: string): { partitionKey: string; data: Buffer } {
  return { partitionKey: `device-${i % 10_000}`, data: Buffer.from(`{"id":${i},"temp":${(i % 400) / 10},"p":"${pad}"}`) };
}

/** The PutRecords entries for user records [start, end): one each, or KPL aggregates of 400. */
function entries(start: number, end: number, o: Options, pad: string): Array<{ PartitionKey: string; Data: Uint8Array }> {
  const out: Array<{ PartitionKey: string; Data: Uint8Array }> = [];
  if (!o.aggregated) {
    for (let i = start; i < end; i++) {
      const r = userRecord(i, pad);
      out.push({ PartitionKey: r.partitionKey, Data: r.data });
    }
    return out;
  }
  for (let first = start; first < end; first += 400) {
    const builder = new AggregateBuilder();
    for (let i = first; i < Math.min(end, first + 400); i++) {
      const r = userRecord(i, pad);
      builder.add({ partitionKey: r.partitionKey, partitionKeyBytes: Buffer.byteLength(r.partitionKey), data: r.data });
    }
    out.push({ PartitionKey: `device-${first % 10_000}`, Data: builder.encode() });
  }
  return out;
}

async function fill(admin: KinesisClient, stream: string, o: Options): Promise<void> {
  const pad = 'x'.repeat(Math.max(0, o.bytes - 45));
  const perCall = o.aggregated ? 400 * 25 : 500;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < o.records) {
      const start = next;
      next = Math.min(o.records, next + perCall);
      const out = await admin.send(new PutRecordsCommand({ StreamName: stream, Records: entries(start, next, o, pad) }));
      if (out.FailedRecordCount) throw new Error(`${out.FailedRecordCount} records failed while filling the stream`);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

const CPU_HOOK = path.join(OUT_DIR, 'cpu-at-exit.js');
/** Loaded with --require into each measured process: writes its CPU seconds to $BENCH_CPU_FILE when it exits. */
const CPU_HOOK_SOURCE = `process.on('exit', () => { const u = process.cpuUsage(); require('fs').writeFileSync(process.env.BENCH_CPU_FILE, String((u.user + u.system) / 1e6)); });\n`;
const CPU_FILE = path.join(OUT_DIR, 'cpu-seconds.txt');

function readCpuSeconds(): number {
  return Number(fs.readFileSync(CPU_FILE, 'utf8'));
}

const ENV = { ...process.env, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_REGION: 'us-east-1', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', BENCH_CPU_FILE: CPU_FILE };

/** Runs a bundle with stdout on /dev/null (with a CPU profile when asked); wall ms from spawn to exit. */
function runToDevNull(script: string, args: string[], profile = false): Promise<number> {
  const devNull = fs.openSync('/dev/null', 'w');
  const started = performance.now();
  const flags = profile ? ['--cpu-prof', '--cpu-prof-dir', PROFILE_DIR] : [];
  const child = spawn(process.execPath, [...flags, '--require', CPU_HOOK, script, ...args], { env: ENV, stdio: ['ignore', devNull, 'inherit'] });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => {
      fs.closeSync(devNull);
      if (code === 0) resolve(performance.now() - started);
      else reject(new Error(`${path.basename(script)} exited with ${code}`));
    });
  });
}

/** Runs a bundle with stdout on a pipe drained here; wall ms, first byte → last byte ms, and the lines counted. */
function runToPipe(script: string, args: string[]): Promise<{ wallMs: number; streamMs: number; lines: number }> {
  const started = performance.now();
  const child = spawn(process.execPath, ['--require', CPU_HOOK, script, ...args], { env: ENV, stdio: ['ignore', 'pipe', 'inherit'] });
  let first = 0;
  let last = 0;
  let lines = 0;
  child.stdout.on('data', (chunk: Buffer) => {
    if (first === 0) first = performance.now();
    last = performance.now();
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve({ wallMs: performance.now() - started, streamMs: last - first, lines });
      else reject(new Error(`${path.basename(script)} exited with ${code}`));
    });
  });
}

async function bench(o: Options): Promise<void> {
  const loadBefore = loadAverage();
  bundle();
  await withKdsEmulator(o.profile, async (emulator, admin) => {
    const stream = `cli-tail-bench-${Date.now()}`;
    await createStream(admin, stream, o.shards);
    const fillStarted = performance.now();
    await fill(admin, stream, o);
    process.stdout.write(`filled ${stream}: ${fmtRate(o.records)} records, ${o.shards} shards, in ${((performance.now() - fillStarted) / 1000).toFixed(1)} s\n`);
    const tailArgs = ['tail', stream, '--count', String(o.records), '--endpoint-url', emulator.url];
    const results = { devNull: [] as number[], pipe: [] as number[], pipeStream: [] as number[], baseline: [] as number[], tailCpu: [] as number[], baselineCpu: [] as number[], emulatorCpu: [] as number[] };
    const rate = (ms: number): number => o.records / (ms / 1000);
    const micros = (seconds: number): number => (seconds * 1e6) / o.records;
    for (let run = 1; run <= o.runs; run++) {
      const emulatorBefore = emulator.cpuSeconds();
      const devNullMs = await runToDevNull(CLI_BUNDLE, tailArgs, o.profile);
      const tailCpu = readCpuSeconds();
      results.emulatorCpu.push(micros(emulator.cpuSeconds() - emulatorBefore));
      const piped = await runToPipe(CLI_BUNDLE, tailArgs);
      if (piped.lines !== o.records) throw new Error(`tail printed ${piped.lines} lines, expected ${o.records}`);
      const baselineMs = await runToDevNull(BASELINE_BUNDLE, [emulator.url, stream, String(o.records)]);
      const baselineCpu = readCpuSeconds();
      results.devNull.push(rate(devNullMs));
      results.pipe.push(rate(piped.wallMs));
      results.pipeStream.push(rate(piped.streamMs));
      results.baseline.push(rate(baselineMs));
      results.tailCpu.push(micros(tailCpu));
      results.baselineCpu.push(micros(baselineCpu));
      process.stdout.write(
        `run ${run}: tail > /dev/null ${fmtRate(rate(devNullMs))}/s (${(devNullMs / 1000).toFixed(2)} s, CPU ${micros(tailCpu).toFixed(2)} µs/record, emulator ${results.emulatorCpu[run - 1].toFixed(2)} µs/record), ` +
          `tail | pipe ${fmtRate(rate(piped.wallMs))}/s (first→last byte ${fmtRate(rate(piped.streamMs))}/s), ` +
          `baseline > /dev/null ${fmtRate(rate(baselineMs))}/s (${(baselineMs / 1000).toFixed(2)} s, CPU ${micros(baselineCpu).toFixed(2)} µs/record)\n`,
      );
    }
    const kind = o.aggregated ? 'KPL-aggregated (400 per Kinesis record)' : 'plain';
    process.stdout.write(`${fmtRate(o.records)} ${kind} records of ~${o.bytes} B, ${o.shards} shards; medians of ${o.runs} runs\n`);
    printGrid(
      ['', 'records/s, wall (process start included)', 'first → last byte', 'CPU µs per record (whole process)'],
      [
        ['tributary tail > /dev/null', fmtRate(median(results.devNull)), '-', median(results.tailCpu).toFixed(2)],
        ['tributary tail | pipe (lines checked)', fmtRate(median(results.pipe)), fmtRate(median(results.pipeStream)), '-'],
        // The naive loop does not open aggregates: on an aggregated stream it prints every Kinesis record (one per 400
        // user records) and its figures are per user record only by name.
        [o.aggregated ? 'naive loop (NOT comparable: prints the aggregates unopened)' : 'naive SDK v3 GetRecords loop > /dev/null', fmtRate(median(results.baseline)), '-', median(results.baselineCpu).toFixed(2)],
      ],
    );
    process.stdout.write(`the emulator's CPU per record while serving tail > /dev/null: ${median(results.emulatorCpu).toFixed(2)} µs (median)\n`);
    process.stdout.write(`target: >= 200,000 records/s (tributary tail > /dev/null): ${median(results.devNull) >= 200_000 ? 'met' : 'NOT met'}\n`);
  });
  printLoadNote(loadBefore);
}

runBench(USAGE, parse, bench);
