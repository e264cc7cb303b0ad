/**
 * `tributary tail` throughput (issue 18: ≥ 200,000 records/s to /dev/null), side by side with a naive SDK v3
 * GetRecords loop (cli-tail-baseline.ts, why that baseline there).
 *
 *   npm run bench:cli -- [--records 1000000] [--shards 16] [--runs 3] [--bytes 60]
 *
 * 1. Both programs are bundled with esbuild (the CLI exactly as `nx run cli:bundle` builds it: plain node, no tsx
 *    start-up), so each run measures a process as users start it.
 * 2. The emulator runs in a child process (bench-server.ts, AWS's limits off: the CLI's reader paces itself to
 *    AWS's 5 GetRecords/s and 2 MiB/s per shard anyway; the baseline does not pace). A `--shards` stream is filled
 *    with `--records` plain records (PutRecords, 500 a call, 8 calls in flight) of about `--bytes` bytes of JSON,
 *    10,000 partition keys.
 * 3. Runs, interleaved: `tributary tail <stream> --count N` with stdout on /dev/null, the same with stdout on a pipe
 *    this process drains and counts (the line count is checked: N lines), and the baseline to /dev/null. Wall
 *    time from spawn to exit (process start included, ~0.3 s); for the pipe also first byte → last byte.
 * Reported: medians of `--runs` runs of records/s, with the load average (others share the 2 cores).
 */
import { spawn, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PutRecordsCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { parseBenchArgs, positiveIntegerOption } from './bench-args';
import { fmtRate, loadAverage, median, printGrid, printLoadNote } from './bench-report';
import { ROOT, createStream, runBench, withKdsEmulator } from './bench-support';

const USAGE = `npm run bench:cli -- [--records 1000000] [--shards 16] [--runs 3] [--bytes 60]\n`;

interface Options {
  records: number;
  shards: number;
  runs: number;
  bytes: number;
}

const OUT_DIR = path.join(ROOT, 'dist/cli-bench');
const CLI_BUNDLE = path.join(OUT_DIR, 'tributary.js');
const BASELINE_BUNDLE = path.join(OUT_DIR, 'cli-tail-baseline.js');

function parse(argv: string[]): Options | undefined {
  const flags = parseBenchArgs(argv, ['records', 'shards', 'runs', 'bytes'] as const);
  if (!flags) return undefined;
  return {
    records: positiveIntegerOption('--records', flags.records, 1_000_000),
    shards: positiveIntegerOption('--shards', flags.shards, 16),
    runs: positiveIntegerOption('--runs', flags.runs, 3),
    bytes: positiveIntegerOption('--bytes', flags.bytes, 60),
  };
}

function bundle(): void {
  const esbuild = path.join(ROOT, 'node_modules/.bin/esbuild');
  const common = ['--bundle', '--platform=node', '--target=node20', '--format=cjs', '--log-level=warning'];
  execFileSync(esbuild, ['apps/cli/src/main.ts', ...common, '--tsconfig=apps/cli/tsconfig.json', `--outfile=${CLI_BUNDLE}`], { cwd: ROOT, stdio: 'inherit' });
  execFileSync(esbuild, ['tools/bench/src/cli-tail-baseline.ts', ...common, '--tsconfig=tools/bench/tsconfig.json', `--outfile=${BASELINE_BUNDLE}`], { cwd: ROOT, stdio: 'inherit' });
}

async function fill(admin: KinesisClient, stream: string, o: Options): Promise<void> {
  const pad = 'x'.repeat(Math.max(0, o.bytes - 45));
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < o.records) {
      const start = next;
      next = Math.min(o.records, next + 500);
      const records = [];
      for (let i = start; i < next; i++) {
        records.push({ PartitionKey: `device-${i % 10_000}`, Data: Buffer.from(`{"id":${i},"temp":${(i % 400) / 10},"p":"${pad}"}`) });
      }
      const out = await admin.send(new PutRecordsCommand({ StreamName: stream, Records: records }));
      if (out.FailedRecordCount) throw new Error(`${out.FailedRecordCount} records failed while filling the stream`);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

const ENV = { ...process.env, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_REGION: 'us-east-1', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };

/** Runs a bundle with stdout on /dev/null; wall ms from spawn to exit. */
function runToDevNull(script: string, args: string[]): Promise<number> {
  const devNull = fs.openSync('/dev/null', 'w');
  const started = performance.now();
  const child = spawn(process.execPath, [script, ...args], { env: ENV, stdio: ['ignore', devNull, 'inherit'] });
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
  const child = spawn(process.execPath, [script, ...args], { env: ENV, stdio: ['ignore', 'pipe', 'inherit'] });
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
  await withKdsEmulator(false, async (emulator, admin) => {
    const stream = `cli-tail-bench-${Date.now()}`;
    await createStream(admin, stream, o.shards);
    const fillStarted = performance.now();
    await fill(admin, stream, o);
    process.stdout.write(`filled ${stream}: ${fmtRate(o.records)} records, ${o.shards} shards, in ${((performance.now() - fillStarted) / 1000).toFixed(1)} s\n`);
    const tailArgs = ['tail', stream, '--count', String(o.records), '--endpoint-url', emulator.url];
    const results = { devNull: [] as number[], pipe: [] as number[], pipeStream: [] as number[], baseline: [] as number[] };
    for (let run = 1; run <= o.runs; run++) {
      const devNullMs = await runToDevNull(CLI_BUNDLE, tailArgs);
      const piped = await runToPipe(CLI_BUNDLE, tailArgs);
      if (piped.lines !== o.records) throw new Error(`tail printed ${piped.lines} lines, expected ${o.records}`);
      const baselineMs = await runToDevNull(BASELINE_BUNDLE, [emulator.url, stream, String(o.records)]);
      const rate = (ms: number): number => o.records / (ms / 1000);
      results.devNull.push(rate(devNullMs));
      results.pipe.push(rate(piped.wallMs));
      results.pipeStream.push(rate(piped.streamMs));
      results.baseline.push(rate(baselineMs));
      process.stdout.write(
        `run ${run}: tail > /dev/null ${fmtRate(rate(devNullMs))}/s (${(devNullMs / 1000).toFixed(2)} s), tail | pipe ${fmtRate(rate(piped.wallMs))}/s ` +
          `(first→last byte ${fmtRate(rate(piped.streamMs))}/s), baseline > /dev/null ${fmtRate(rate(baselineMs))}/s (${(baselineMs / 1000).toFixed(2)} s)\n`,
      );
    }
    printGrid(
      ['records/s (median of ' + o.runs + ')', 'wall, process start included', 'first → last byte'],
      [
        ['tributary tail > /dev/null', fmtRate(median(results.devNull)), '-'],
        ['tributary tail | pipe (lines checked)', fmtRate(median(results.pipe)), fmtRate(median(results.pipeStream))],
        ['naive SDK v3 GetRecords loop > /dev/null', fmtRate(median(results.baseline)), '-'],
      ],
    );
    process.stdout.write(`target: >= 200,000 records/s (tributary tail > /dev/null): ${median(results.devNull) >= 200_000 ? 'met' : 'NOT met'}\n`);
  });
  printLoadNote(loadBefore);
}

runBench(USAGE, parse, bench);
