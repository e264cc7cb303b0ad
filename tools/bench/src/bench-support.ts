/**
 * What every bench in tools/bench shares to run: servers and workers in child processes (bench-server.ts) so that
 * the load generator and the process under test each get a core of the 2-core bench machine; CPU time of a child
 * from /proc and of this process from process.cpuUsage(); peak memory sampling; the emulator with an admin client;
 * streams; and the common main() (runBench, with `--node N`). Option parsing is in bench-args.ts, tables, medians
 * and the results file (tools/bench/results/, git-ignored) in bench-report.ts.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import {
  CreateStreamCommand,
  DeleteStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
} from '@aws-sdk/client-kinesis';
import { deaggregate } from '@tributary/kpl';
import { RESULTS_DIR, ROOT } from './bench-report';

// Under Node 20 the SDK (@aws-sdk/core, pinned at a 3.x that still runs there) prints a multi-line process warning
// that its releases after the first week of January 2027 need Node 22. The apps turn it into one log line of their
// own (nodeSupportNotice in libs/runtime); a bench has no log, and the warning would only clutter its tables, so it
// is switched off here — on Node 20 only: on 22 and 24 the SDK has nothing to say. Read by the SDK when a client
// first sends, so setting it on import is early enough; child processes inherit it (and run on the same Node).
if (nodeMajor(process.version) < 22) process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

/** The repository root (from bench-report.ts, which writes the results under it). */
export { ROOT };
export const PROFILE_DIR = path.join(RESULTS_DIR, 'profiles');
const SERVER_SCRIPT = path.join(__dirname, 'bench-server.ts');

/** The emulator accepts any credentials; the SDK still wants some to sign with. */
export const BENCH_REGION = 'us-east-1';
export const BENCH_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

// ---------------------------------------------------------------------------------------------------------
// Child processes and their CPU time

/** Kernel clock ticks per second for /proc/<pid>/stat (USER_HZ, 100 on every Linux the bench runs on). */
const CLOCK_TICKS = 100;

/** utime + stime of a process from /proc (Linux), in seconds; NaN elsewhere, and the CPU columns show as n/a. */
export function processCpuSeconds(pid: number | undefined): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name: state is field 3, utime 14 and stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return Number.NaN;
  }
}

/** Node flags that make a child write a CPU profile into PROFILE_DIR when it exits. */
export function profileFlags(profile: boolean): string[] {
  if (!profile) return [];
  fs.mkdirSync(PROFILE_DIR, { recursive: true });
  return ['--cpu-prof', '--cpu-prof-dir', PROFILE_DIR];
}

/** A TypeScript script of tools/bench run by Node in a child process, through tsx. */
export function spawnScript(
  script: string,
  args: string[],
  options: { profile?: boolean; stdin?: 'pipe' | 'ignore'; env?: Record<string, string>; nodeFlags?: string[] } = {},
): ChildProcess {
  return spawn(process.execPath, [...profileFlags(options.profile ?? false), ...(options.nodeFlags ?? []), '--import', 'tsx', script, ...args], {
    cwd: ROOT,
    stdio: [options.stdin ?? 'pipe', 'pipe', 'inherit'],
    ...(options.env ? { env: { ...process.env, ...options.env } } : {}),
  });
}

/**
 * The first line a child writes to stdout, parsed as JSON; rejects if the child ends first. 'close', not 'exit':
 * a child that writes its line and exits at once can fire 'exit' before its stdout has been read.
 */
export function firstJsonLine<T>(child: ChildProcess, label: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void =>
      reject(new Error(`${label} exited with ${signal ?? code} before writing its result`));
    lines.once('line', (line) => {
      lines.close();
      child.off('close', onExit);
      try {
        resolve(JSON.parse(line) as T);
      } catch {
        reject(new Error(`${label} wrote ${JSON.stringify(line.slice(0, 200))} instead of JSON`));
      }
    });
    child.once('close', onExit);
  });
}

/**
 * Runs a worker script of tools/bench in a child process with `input` as its one (JSON) argument and resolves with
 * the first JSON line it writes, once it has exited; rejects if it exits with another code than 0.
 */
export async function runJsonWorker<R>(script: string, input: unknown, label: string, options: { profile?: boolean; nodeFlags?: string[] } = {}): Promise<R> {
  const worker = spawnScript(script, [JSON.stringify(input)], { profile: options.profile, stdin: 'ignore', nodeFlags: options.nodeFlags });
  const exited = new Promise<number | null>((resolve) => worker.once('exit', (code) => resolve(code)));
  const result = await firstJsonLine<R>(worker, label);
  const code = await exited;
  if (code !== 0) throw new Error(`${label} exited with ${code}`);
  return result;
}

/**
 * `runs` rounds over `variants`, interleaved (each round measures every variant once, so that drift of the machine
 * hits them alike); `log` prints each measurement as it comes. The measurements of each variant, in run order.
 */
export async function interleavedRuns<V extends string, M>(
  runs: number,
  variants: readonly V[],
  measure: (variant: V, run: number) => Promise<M>,
  log: (run: number, variant: V, m: M) => void,
): Promise<Record<V, M[]>> {
  const raw = Object.fromEntries(variants.map((v) => [v, []])) as unknown as Record<V, M[]>;
  for (let run = 1; run <= runs; run++) {
    for (const v of variants) {
      const m = await measure(v, run);
      raw[v].push(m);
      log(run, v, m);
    }
  }
  return raw;
}

/**
 * Counts the outcomes of puts a loop does not await one by one: `put(…).then(acks.ok, acks.fail)`. (Fields of one
 * object, as cheap per call as counters in the loop's own closure.)
 */
export class AckCounter {
  acknowledged = 0;
  failed = 0;
  readonly ok = (): void => {
    this.acknowledged++;
  };
  readonly fail = (): void => {
    this.failed++;
  };
}

/** The resident set size of a process from /proc (Linux), in bytes; NaN elsewhere. */
export function processRssBytes(pid: number | undefined): number {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /^VmRSS:\s+(\d+) kB$/m.exec(status);
    return m ? Number(m[1]) * 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

export interface ServerProcess {
  url: string;
  pid: number;
  /** CPU time the server process used so far, in seconds (user + system, all threads). */
  cpuSeconds(): number;
  rssBytes(): number;
  /** The last lines it wrote to stdout (after the one that gave its URL), for diagnostics. */
  recentOutput(): string[];
  /** SIGTERM, then its exit code (null when a signal ended it). */
  stop(): Promise<number | null>;
}

export interface ListeningProcessOptions {
  label: string;
  script: string;
  args?: string[];
  /** Added to this process's environment. */
  env?: Record<string, string>;
  profile?: boolean;
  /** The URL it listens on, from one line of its stdout; undefined for the lines before that one. */
  urlFrom(line: string): string | undefined;
}

/**
 * Starts a TypeScript script that runs a server and waits until a line of its stdout gives its URL. Its stdout
 * is drained (the last 50 lines kept) so that it never blocks on a full pipe; it stops on stop() (SIGTERM; a
 * clean exit, so `--cpu-prof` writes its profile).
 */
export async function startListeningProcess(options: ListeningProcessOptions): Promise<ServerProcess> {
  const child = spawnScript(options.script, options.args ?? [], { profile: options.profile, env: options.env });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const recent: string[] = [];
  const url = await new Promise<string>((resolve, reject) => {
    let found: string | undefined;
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.on('line', (line) => {
      if (found !== undefined) {
        recent.push(line);
        if (recent.length > 50) recent.shift();
        return;
      }
      try {
        found = options.urlFrom(line);
      } catch {
        found = undefined;
      }
      if (found !== undefined) resolve(found);
      else recent.push(line);
    });
    child.once('close', (code) => {
      if (found === undefined) reject(new Error(`${options.label} exited with ${code} before listening:\n${recent.join('\n')}`));
    });
  });
  recent.length = 0;
  return {
    url,
    pid: child.pid as number,
    cpuSeconds: () => processCpuSeconds(child.pid),
    rssBytes: () => processRssBytes(child.pid),
    recentOutput: () => [...recent],
    stop: async () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

/**
 * Starts `bench-server.ts <kind> [args…]` (see there for the kinds): it prints `{"port":N}` once it listens on
 * 127.0.0.1, and also stops when this process dies (its stdin closes).
 */
export function startServerProcess(kind: string, args: string[] = [], options: { profile?: boolean } = {}): Promise<ServerProcess> {
  return startListeningProcess({
    label: `${kind} server`,
    script: SERVER_SCRIPT,
    args: [kind, ...args],
    profile: options.profile,
    urlFrom: (line) => `http://127.0.0.1:${(JSON.parse(line) as { port: number }).port}`,
  });
}

/**
 * Starts a CPU and wall-clock measurement of this process and of `servers`; the returned function ends it.
 * CPU per record is the figure to compare when other work shares the machine: throughput depends on what else
 * runs, the CPU cost of a record much less.
 */
export function startCpuMeasurement(servers: ReadonlyArray<{ cpuSeconds(): number }>): () => { ms: number; ownCpuSeconds: number; serverCpuSeconds: number[] } {
  const own0 = process.cpuUsage();
  const servers0 = servers.map((s) => s.cpuSeconds());
  const start = performance.now();
  return () => {
    const ms = performance.now() - start;
    const own = process.cpuUsage(own0);
    return { ms, ownCpuSeconds: (own.user + own.system) / 1e6, serverCpuSeconds: servers.map((s, i) => s.cpuSeconds() - servers0[i]) };
  };
}

/**
 * Samples `read()` every `intervalMs` (and once more at the end) and keeps the largest value of each field, e.g.
 * the peak RSS and heap of this process or the RSS of a child. A busy event loop delays the samples, so a short
 * spike can be missed.
 */
export function startPeakSampling<K extends string>(read: () => Record<K, number>, intervalMs = 50): () => Record<K, number> {
  const peak = read();
  const sample = (): void => {
    const now = read();
    for (const k of Object.keys(now) as K[]) if (!(now[k] <= peak[k])) peak[k] = now[k];
  };
  const timer = setInterval(sample, intervalMs);
  return () => {
    clearInterval(timer);
    sample();
    return peak;
  };
}

/** RSS and V8 heap in use of this process, for startPeakSampling. */
export function ownMemory(): { rssBytes: number; heapUsedBytes: number } {
  const m = process.memoryUsage();
  return { rssBytes: m.rss, heapUsedBytes: m.heapUsed };
}

// ---------------------------------------------------------------------------------------------------------
// The emulator and its streams

/**
 * The emulator in a child process (`limits: false`, in memory) with a Kinesis client of it that does not retry (a
 * failure shows), for the time of `body`; both are closed after it.
 */
export async function withKdsEmulator<T>(profile: boolean, body: (emulator: ServerProcess, admin: KinesisClient) => Promise<T>): Promise<T> {
  const emulator = await startServerProcess('emulator', [], { profile });
  const admin = new KinesisClient({ endpoint: emulator.url, region: BENCH_REGION, credentials: BENCH_CREDENTIALS, maxAttempts: 1 });
  try {
    return await body(emulator, admin);
  } finally {
    admin.destroy();
    await emulator.stop();
  }
}

// Real-time waits: node's own (the runtime's sleep is for injected timers).
export { sleep };

export async function createStream(client: KinesisClient, name: string, shards: number): Promise<void> {
  await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
  for (let i = 0; i < 500; i++) {
    const d = await client.send(new DescribeStreamSummaryCommand({ StreamName: name }));
    if (d.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') return;
    await sleep(10);
  }
  throw new Error(`stream ${name} did not become ACTIVE`);
}

export async function deleteStream(client: KinesisClient, name: string): Promise<void> {
  await client.send(new DeleteStreamCommand({ StreamName: name }));
}

/**
 * Every user record in the stream, counted from TRIM_HORIZON with GetRecords (Limit 10,000), all shards at once,
 * each until an empty batch; KPL aggregates are deaggregated (their MD5 checked). `check` sees each user record
 * (throw to refuse one that the bench did not put).
 */
export async function countStoredUserRecords(client: KinesisClient, stream: string, check: (partitionKey: string, data: Uint8Array) => void): Promise<number> {
  const shards = (await client.send(new ListShardsCommand({ StreamName: stream }))).Shards ?? [];
  let count = 0;
  await Promise.all(
    shards.map(async (shard) => {
      let iterator = (await client.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON' })))
        .ShardIterator;
      while (iterator) {
        const out = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
        const records = out.Records ?? [];
        if (records.length === 0) break;
        for (const r of records) {
          const data = r.Data as Uint8Array;
          const users = deaggregate(data);
          if (users === undefined) {
            check(r.PartitionKey as string, data);
            count++;
          } else {
            for (const u of users) check(u.partitionKey, u.data);
            count += users.length;
          }
        }
        iterator = out.NextShardIterator;
      }
    }),
  );
  return count;
}

// ---------------------------------------------------------------------------------------------------------
// The common main(), under the Node asked for

/** The option every bench takes, handled by runBench before the bench's own parser sees the arguments. */
export const NODE_OPTION_USAGE = `
Every bench also takes:
  --node N        run the bench, and every server and worker it starts, under Node N (20, 22 or 24): the bench
                  re-executes itself with that Node's binary (tools/node-matrix, installed on first use with
                  \`npm ci --prefix tools/node-matrix\`; Node 20 is the \`node\` on PATH); results record the version
`;

/** The major version of a Node version string ("v24.22.3" → 24). */
export function nodeMajor(version: string): number {
  return Number(/^v?(\d+)\./.exec(version)?.[1] ?? Number.NaN);
}

/**
 * `--node N` / `--node=N` taken out of a bench's arguments: the major asked for (undefined when absent) and the
 * other arguments, in order, for the bench's own parser. Throws on a value that is not a whole major version.
 */
export function splitNodeOption(argv: readonly string[]): { major: number | undefined; rest: string[] } {
  let major: number | undefined;
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    let value: string | undefined;
    if (arg === '--node') {
      value = argv[++i];
      if (value === undefined) throw new Error('--node needs a major version, e.g. --node 24');
    } else if (arg.startsWith('--node=')) value = arg.slice('--node='.length);
    else {
      rest.push(arg);
      continue;
    }
    if (!/^\d+$/.test(value)) throw new Error(`--node takes a major version (20, 22 or 24), got ${value}`);
    major = Number(value);
  }
  return { major, rest };
}

/** Where tools/node-matrix (the pinned Node binaries `npm test` runs the suites under) puts Node N. */
const NODE_MATRIX_DIR = path.join(ROOT, 'tools/node-matrix');
const matrixNodePath = (major: number): string => path.join(NODE_MATRIX_DIR, 'node_modules', `node${major}`, 'bin', 'node');

/** The major of a Node binary (`<binary> -v`), or undefined when it cannot be run. */
function binaryMajor(binary: string): number | undefined {
  try {
    return nodeMajor(execFileSync(binary, ['-v'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
  } catch {
    return undefined;
  }
}

/**
 * The Node binary of major `major`: tools/node-matrix's node<major> (installed with `npm ci --prefix
 * tools/node-matrix` when its package.json lists that major and the binary is missing, as the test runner does),
 * else the `node` on PATH when it is that major (Node 20 on the bench machines). Throws with what to do otherwise.
 */
export function nodeBinaryFor(major: number): string {
  const matrix = matrixNodePath(major);
  const matrixManifest = path.join(NODE_MATRIX_DIR, 'package.json');
  const listed = fs.existsSync(matrixManifest) && `node${major}` in ((JSON.parse(fs.readFileSync(matrixManifest, 'utf8')) as { dependencies?: object }).dependencies ?? {});
  if (listed && !fs.existsSync(matrix)) {
    process.stderr.write(`Node ${major} is not installed yet: npm ci --prefix tools/node-matrix\n`);
    execFileSync('npm', ['ci', '--prefix', 'tools/node-matrix', '--no-audit', '--no-fund'], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  }
  if (binaryMajor(matrix) === major) return matrix;
  if (binaryMajor('node') === major) return 'node';
  throw new Error(
    `--node ${major}: no Node ${major} binary; tools/node-matrix provides ` +
      `${fs.existsSync(matrixManifest) ? 'those its package.json lists (npm ci --prefix tools/node-matrix)' : 'none (tools/node-matrix/package.json is missing)'}, and the node on PATH is ${binaryMajor('node') ?? 'missing'}`,
  );
}

/** Set in the re-executed bench: the major it must run under, so that a wrong binary cannot loop. */
const NODE_ENV_MARK = 'TRIBUTARY_BENCH_NODE';

/**
 * `--node N` for a bench: when N differs from the running major, runs the same script with the same arguments
 * (minus --node) under Node N's binary through tsx, as spawnScript does, and resolves to its exit code (128 + the
 * signal number when a signal ended it); SIGINT and SIGTERM sent to this process are passed on. Resolves to
 * undefined when this process is to run the bench itself. The servers and workers a bench starts use
 * process.execPath (spawnScript), so they run under Node N too.
 */
async function runUnderRequestedNode(major: number | undefined, rest: string[]): Promise<number | undefined> {
  const running = nodeMajor(process.version);
  const marked = process.env[NODE_ENV_MARK];
  if (marked !== undefined && Number(marked) !== running) throw new Error(`asked to run under Node ${marked}, running under ${process.version} (${process.execPath})`);
  if (major === undefined || major === running) return undefined;
  const binary = nodeBinaryFor(major);
  const script = process.argv[1];
  const child = spawn(binary, ['--import', 'tsx', script, ...rest], { cwd: ROOT, stdio: 'inherit', env: { ...process.env, [NODE_ENV_MARK]: String(major) } });
  const forward = (signal: NodeJS.Signals): void => {
    child.kill(signal);
  };
  process.on('SIGINT', forward).on('SIGTERM', forward);
  try {
    return await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code, signal) => resolve(code ?? 128 + (signal ? os.constants.signals[signal] : 0)));
    });
  } finally {
    process.off('SIGINT', forward).off('SIGTERM', forward);
  }
}

/**
 * The common main(): takes `--node N` out of the arguments (and re-executes under that Node when it is not the
 * running one), parses the rest (undefined means `--help`), prints the usage on `--help` or on a bad option (exit
 * code 2), runs the bench, and sets exit code 1 if it throws.
 */
export function runBench<O>(usage: string, parse: (argv: string[]) => O | undefined, bench: (options: O) => Promise<void>): void {
  const fullUsage = usage.endsWith('\n') ? `${usage}${NODE_OPTION_USAGE}` : `${usage}\n${NODE_OPTION_USAGE}`;
  let split: { major: number | undefined; rest: string[] };
  try {
    split = splitNodeOption(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${fullUsage}`);
    process.exitCode = 2;
    return;
  }
  runUnderRequestedNode(split.major, split.rest).then(
    (code) => {
      if (code === undefined) runBenchHere(fullUsage, split.rest, parse, bench);
      else process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`${(err as Error).message}\n`);
      process.exitCode = 1;
    },
  );
}

function runBenchHere<O>(usage: string, argv: string[], parse: (argv: string[]) => O | undefined, bench: (options: O) => Promise<void>): void {
  let options: O | undefined;
  try {
    options = parse(argv);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${usage}`);
    process.exitCode = 2;
    return;
  }
  if (options === undefined) {
    process.stdout.write(usage);
    return;
  }
  bench(options).catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
