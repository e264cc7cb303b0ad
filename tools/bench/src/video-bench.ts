/**
 * Video ingest: N concurrent camera streams of a 2 Mbit/s H.264 test pattern through the video producer's
 * pipeline into Kinesis Video Streams on the emulator (issue "Video ingest", section Benchmark).
 *
 *   npm run bench:video -- [--runs 3] [--streams 1,4,16] [--seconds 20] [--warmup 3]
 *   npm run bench:video -- --mode camera [--runs 3] [--seconds 20] [--warmup 6] [--entry bundle|tsx]
 *
 * `--mode camera` is another bench (video-camera-bench.ts, see its header): the CPU of one 1080p camera through the
 * real app WITH its ffmpeg, stream copy against re-encode, from a looped file played in real time (-re). What
 * follows describes the default mode, `--mode streams`.
 *
 * The recording: made once by the system ffmpeg (cached in os.tmpdir()/tributary-video-bench/, keyed by its
 * settings) — testsrc2 at 640x360, 30 fps, with temporal noise so that the encoder really spends its bitrate,
 * libx264 `-b:v 2M -maxrate 2M -bufsize 1M`, a keyframe every second (`-g 30`, no scene cuts, no B-frames),
 * `-tune zerolatency`, live Matroska (`-f matroska -live 1`), as long as a run needs (60 s at the defaults).
 *
 * The producer (video-bench-worker.ts, a fresh child process per run) replays that recording in real time for N
 * streams: each stream's bytes are handed over at the wall-clock pace of the file (2 Mbit/s per stream), one chunk
 * per frame, through the real pipeline — libs/media's MatroskaStreamReader → Fragmenter → writeFragment, then
 * libs/kvs's PutMediaSession (one PutMedia connection per stream, SigV4, acks parsed full duplex) — into N KVS
 * streams. So the producer CPU measured here is the producer's own work (parse, fragment, upload, acks), WITHOUT
 * ffmpeg: encoding is not in the loop (a live producer would also run one ffmpeg per camera; with a camera that
 * delivers H.264, ffmpeg only copies the stream, otherwise it encodes, which costs far more than all of this).
 *
 * The emulator runs in a child process of its own (bench-server.ts: `limits: false`, a data dir in a temp folder,
 * the default fsync policy `interval` — write(2) before PERSISTED, fdatasync every second), so producer and
 * emulator get a core each on the 2-core bench machine.
 *
 * Per N, per run, over the steady window (`--seconds`, after `--warmup` untimed seconds):
 *   - producer CPU in % of one core per stream: process.cpuUsage() over the window / window / N;
 *   - ack latency: sent → PERSISTED of each fragment first sent in the window (the session's own
 *     `fragment-persisted` figure, ackLatencyMs), p50 / p99 / max;
 *   - emulator ingest: bytes of the fragments acknowledged PERSISTED in the window / window, in MB/s (10^6), and
 *     the emulator's CPU (from /proc);
 *   - fragments lost (must be 0): after the window the feeds stop, each Fragmenter is flushed and each session
 *     ended; every fragment cut must have been PERSISTED (none refused), and ListFragments must list each
 *     stream's fragments exactly once.
 * One untimed warm-up run first (the emulator's JIT), then `--runs` rounds over the stream counts; medians of the
 * per-run figures. Results go to tools/bench/results/video-latest.json.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { KinesisVideoClient } from '@aws-sdk/client-kinesis-video';
import { parseBenchArgs, positiveIntegerOption, positiveOption } from './bench-args';
import { BenchSession, fmtCpuPercent, fmtMiB, mediansOf, percentile, printMetricTable, type MetricRow } from './bench-report';
import { runBench, runJsonWorker, type ServerProcess } from './bench-support';
import { cachedRecording, createVideoStream, recentFragments, withVideoEmulator } from './media-bench-support';
import type { VideoWorkerInput, VideoWorkerResult } from './video-bench-worker';
import { runCameraBench, type CameraBenchOptions, type CameraEntry } from './video-camera-bench';

const WORKER_SCRIPT = path.join(__dirname, 'video-bench-worker.ts');
const SOURCES = ['libs/media/src', 'libs/kvs/src', 'libs/emulator/src'];

/** Targets of the issue: per stream in the producer, and p99 sent → PERSISTED locally. */
const TARGET_CPU_PERCENT_PER_STREAM = 2;
const TARGET_P99_MS = 50;

/** The test pattern (see the header comment). */
const PATTERN = { size: '640x360', fps: 30, bitrate: '2M', maxrate: '2M', bufsize: '1M', noise: 'alls=25:allf=t' };

const USAGE = `Usage: npm run bench:video -- [options]

  --mode M          streams (default): N streams of a recording through the pipeline, ffmpeg excluded;
                    camera: one 1080p camera through the real app and its ffmpeg, copy vs re-encode
                    (--runs, --seconds, --warmup apply; warm-up default 6)
  --entry E         camera mode: bundle (default: the esbuild bundle, as deployed) or tsx (the sources)
  --runs N          rounds over the stream counts, medians reported (default 3)
  --streams LIST    concurrent streams per measurement, comma-separated (default 1,4,16)
  --seconds S       steady window per measurement, after the warm-up (default 20)
  --warmup S        untimed seconds before the window (default 3)
  --profile         write CPU profiles (--cpu-prof) of the producer and emulator processes to tools/bench/results/profiles/
  --help
`;

interface BenchOptions {
  runs: number;
  streams: number[];
  seconds: number;
  warmup: number;
  /** CPU profiles of the producer processes (and the emulator) into tools/bench/results/profiles/. */
  profile: boolean;
  /** `camera`: video-camera-bench.ts instead. */
  camera?: CameraBenchOptions;
}

function cameraEntryOption(value: string | undefined): CameraEntry {
  if (value === undefined || value === 'bundle' || value === 'tsx') return value ?? 'bundle';
  throw new Error(`--entry must be bundle or tsx, got ${value}`);
}

function parseOptions(argv: string[]): BenchOptions | undefined {
  const values = parseBenchArgs(argv, ['runs', 'streams', 'seconds', 'warmup', 'mode', 'entry'], ['profile']);
  if (values === undefined) return undefined;
  if (values.mode !== undefined && values.mode !== 'streams' && values.mode !== 'camera') throw new Error(`--mode must be streams or camera, got ${values.mode}`);
  const camera =
    values.mode === 'camera'
      ? {
          runs: positiveIntegerOption('runs', values.runs, 3),
          seconds: positiveOption('seconds', values.seconds, 20),
          warmup: positiveOption('warmup', values.warmup, 6),
          entry: cameraEntryOption(values.entry),
          profile: values.profile ?? false,
        }
      : undefined;
  const streams = (values.streams ?? '1,4,16').split(',').map((s) => positiveIntegerOption('streams', s.trim(), 1));
  return {
    runs: positiveIntegerOption('runs', values.runs, 3),
    streams: [...new Set(streams)].sort((a, b) => a - b),
    seconds: positiveOption('seconds', values.seconds, 20),
    warmup: positiveOption('warmup', values.warmup, 3),
    profile: values.profile ?? false,
    ...(camera ? { camera } : {}),
  };
}

// ---------------------------------------------------------------------------------------------------------
// The recording

/** The cached recording of `seconds`, made by ffmpeg when missing; its path, size and how long it took to make. */
function testPattern(seconds: number): { file: string; bytes: number; madeInSeconds: number; args: string[] } {
  // prettier-ignore
  const args = [
    '-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', `testsrc2=size=${PATTERN.size}:rate=${PATTERN.fps}`,
    '-vf', `noise=${PATTERN.noise}`,
    '-t', String(seconds),
    '-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency',
    '-b:v', PATTERN.bitrate, '-maxrate', PATTERN.maxrate, '-bufsize', PATTERN.bufsize,
    '-g', String(PATTERN.fps), '-keyint_min', String(PATTERN.fps), '-sc_threshold', '0', '-bf', '0', '-pix_fmt', 'yuv420p',
    '-f', 'matroska', '-live', '1',
  ];
  const { file, args: made, madeInSeconds } = cachedRecording(`pattern-${seconds}s`, args);
  return { file, bytes: fs.statSync(file).size, madeInSeconds, args: made };
}

// ---------------------------------------------------------------------------------------------------------
// One run

interface RunMeasurement {
  streams: number;
  seconds: number;
  cpuPercentPerStream: number;
  producerCpuPercent: number;
  emulatorCpuPercent: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  latencySamples: number;
  ingestMBps: number;
  fedMbpsPerStream: number;
  fragmentsCut: number;
  fragmentsLost: number;
  fragmentsFailed: number;
  fragmentsResent: number;
  reconnects: number;
  storedFragments: number;
  idleCpuPercent: number;
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  peakRssBytes: number;
  /** The latency samples themselves (for the p99 pooled over runs). */
  latenciesMs: number[];
}

async function runOnce(tag: string, n: number, options: { seconds: number; warmup: number; profile: boolean }, file: string, emulator: ServerProcess, admin: KinesisVideoClient): Promise<RunMeasurement> {
  const names = Array.from({ length: n }, (_, i) => `bench-video-${tag}-n${n}-${i}`);
  for (const name of names) await createVideoStream(admin, name);
  const input: VideoWorkerInput = { url: emulator.url, emulatorPid: emulator.pid, streams: names, file, warmupSeconds: options.warmup, seconds: options.seconds };
  const r = await runJsonWorker<VideoWorkerResult>(WORKER_SCRIPT, input, 'video worker', { profile: options.profile });
  if (r.sessionErrors.length > 0) throw new Error(`${n} streams: session errors:\n${r.sessionErrors.join('\n')}`);
  // What the emulator stored: each stream's fragments, each once.
  let stored = 0;
  for (let i = 0; i < n; i++) {
    const fragments = await recentFragments(admin, names[i]);
    const distinct = new Set(fragments.map((f) => f.ProducerTimestamp?.getTime())).size;
    if (distinct !== fragments.length) throw new Error(`${names[i]}: ListFragments lists ${fragments.length} fragments, ${distinct} distinct producer timestamps (duplicates)`);
    if (fragments.length !== r.fragmentsCutPerStream[i]) {
      console.log(`  ${names[i]}: ${r.fragmentsCutPerStream[i]} fragments cut, ListFragments lists ${fragments.length}`);
    }
    stored += fragments.length;
  }
  return {
    streams: n,
    seconds: r.seconds,
    cpuPercentPerStream: (r.ownCpuSeconds / r.seconds / n) * 100,
    producerCpuPercent: (r.ownCpuSeconds / r.seconds) * 100,
    emulatorCpuPercent: (r.emulatorCpuSeconds / r.seconds) * 100,
    p50Ms: percentile(r.latenciesMs, 50),
    p99Ms: percentile(r.latenciesMs, 99),
    maxMs: percentile(r.latenciesMs, 100),
    latencySamples: r.latenciesMs.length,
    ingestMBps: r.persistedBytesInWindow / r.seconds / 1e6,
    fedMbpsPerStream: (r.bytesFed * 8) / r.seconds / n / 1e6,
    fragmentsCut: r.fragmentsCut,
    fragmentsLost: Math.max(r.fragmentsCut - r.fragmentsPersisted, r.fragmentsCut - stored),
    fragmentsFailed: r.fragmentsFailed,
    fragmentsResent: r.fragmentsResent,
    reconnects: r.reconnects,
    storedFragments: stored,
    idleCpuPercent: r.idleCpuFraction * 100,
    loopDelayP99Ms: r.loopDelayP99Ms,
    loopDelayMaxMs: r.loopDelayMaxMs,
    peakRssBytes: r.peakRssBytes,
    latenciesMs: r.latenciesMs,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Reporting

type Metric = Exclude<keyof RunMeasurement, 'streams' | 'latenciesMs'>;
const METRICS: readonly Metric[] = [
  'seconds',
  'cpuPercentPerStream',
  'producerCpuPercent',
  'emulatorCpuPercent',
  'p50Ms',
  'p99Ms',
  'maxMs',
  'latencySamples',
  'ingestMBps',
  'fedMbpsPerStream',
  'fragmentsCut',
  'fragmentsLost',
  'fragmentsFailed',
  'fragmentsResent',
  'reconnects',
  'storedFragments',
  'idleCpuPercent',
  'loopDelayP99Ms',
  'loopDelayMaxMs',
  'peakRssBytes',
];

interface CountResult {
  runs: RunMeasurement[];
  medians: Record<Metric, number>;
  /** Over all runs: fragments lost, refused; the worst p99. */
  totalLost: number;
  totalFailed: number;
  worstP99Ms: number;
  /** p99 and sample count of all runs' latencies together. */
  pooledP99Ms: number;
  pooledSamples: number;
}

function summarise(runs: RunMeasurement[]): CountResult {
  return {
    runs,
    medians: mediansOf(runs, METRICS),
    totalLost: runs.reduce((a, r) => a + r.fragmentsLost, 0),
    totalFailed: runs.reduce((a, r) => a + r.fragmentsFailed, 0),
    worstP99Ms: Math.max(...runs.map((r) => r.p99Ms)),
    pooledP99Ms: percentile(runs.flatMap((r) => r.latenciesMs), 99),
    pooledSamples: runs.reduce((a, r) => a + r.latenciesMs.length, 0),
  };
}

const fmtPct = (n: number): string => (Number.isFinite(n) ? `${n.toFixed(2)}%` : 'n/a');
const fmtMs = (n: number): string => (Number.isFinite(n) ? n.toFixed(1) : 'n/a');

function logRun(run: string, m: RunMeasurement): void {
  console.log(
    `run ${run} ${String(m.streams).padStart(2)} stream(s): cpu/stream ${fmtPct(m.cpuPercentPerStream)}  producer ${fmtCpuPercent(m.producerCpuPercent)}  ` +
      `emulator ${fmtCpuPercent(m.emulatorCpuPercent)}  ack p50/p99/max ${fmtMs(m.p50Ms)}/${fmtMs(m.p99Ms)}/${fmtMs(m.maxMs)} ms (${m.latencySamples} fragments)  ` +
      `ingest ${m.ingestMBps.toFixed(2)} MB/s  fed ${m.fedMbpsPerStream.toFixed(2)} Mbit/s/stream  lost ${m.fragmentsLost}  failed ${m.fragmentsFailed}  ` +
      `stored ${m.storedFragments}/${m.fragmentsCut}`,
  );
}

function printTable(counts: number[], results: Map<number, CountResult>): void {
  const col = (n: number): Record<Metric, number> => (results.get(n) as CountResult).medians;
  const rows: Array<MetricRow<number>> = [
    [`producer CPU per stream (% of a core; target <= ${TARGET_CPU_PERCENT_PER_STREAM}%)`, (n) => fmtPct(col(n).cpuPercentPerStream)],
    ['producer CPU, whole process (% of a core)', (n) => fmtPct(col(n).producerCpuPercent)],
    ['emulator CPU (% of a core)', (n) => fmtPct(col(n).emulatorCpuPercent)],
    ['sent -> PERSISTED p50 (ms)', (n) => fmtMs(col(n).p50Ms)],
    [`sent -> PERSISTED p99 (ms; target <= ${TARGET_P99_MS})`, (n) => fmtMs(col(n).p99Ms)],
    ['sent -> PERSISTED max (ms)', (n) => fmtMs(col(n).maxMs)],
    ['sent -> PERSISTED p99, all runs pooled (ms)', (n) => `${fmtMs((results.get(n) as CountResult).pooledP99Ms)} (${(results.get(n) as CountResult).pooledSamples})`],
    ['fragments in the window (latency samples)', (n) => String(Math.round(col(n).latencySamples))],
    ['emulator ingest, PERSISTED (MB/s)', (n) => col(n).ingestMBps.toFixed(2)],
    ['fed per stream (Mbit/s)', (n) => col(n).fedMbpsPerStream.toFixed(2)],
    ['fragments lost, all runs (must be 0)', (n) => String((results.get(n) as CountResult).totalLost)],
    ['fragments refused / resent / reconnects (median)', (n) => `${col(n).fragmentsFailed} / ${col(n).fragmentsResent} / ${col(n).reconnects}`],
    ['producer process idle, before the streams (% of a core)', (n) => fmtPct(col(n).idleCpuPercent)],
    ['producer event-loop delay p99 / max (ms)', (n) => `${fmtMs(col(n).loopDelayP99Ms)} / ${fmtMs(col(n).loopDelayMaxMs)}`],
    ['peak RSS, producer process (500 ms samples)', (n) => fmtMiB(col(n).peakRssBytes)],
  ];
  console.log('');
  printMetricTable('Medians', counts, (n) => `${n} stream${n === 1 ? '' : 's'}`, rows);
}

function printTargets(counts: number[], results: Map<number, CountResult>): Record<string, { cpuMet: boolean; p99Met: boolean; noLoss: boolean }> {
  console.log('');
  console.log(`Targets: producer CPU <= ${TARGET_CPU_PERCENT_PER_STREAM}% of one core per stream (ffmpeg excluded); p99 sent -> PERSISTED <= ${TARGET_P99_MS} ms locally; no fragment lost.`);
  const verdicts: Record<string, { cpuMet: boolean; p99Met: boolean; noLoss: boolean }> = {};
  const word = (ok: boolean): string => (ok ? 'met' : 'MISSED');
  for (const n of counts) {
    const r = results.get(n) as CountResult;
    const v = {
      cpuMet: r.medians.cpuPercentPerStream <= TARGET_CPU_PERCENT_PER_STREAM,
      p99Met: r.medians.p99Ms <= TARGET_P99_MS,
      noLoss: r.totalLost === 0 && r.totalFailed === 0,
    };
    verdicts[String(n)] = v;
    console.log(
      `  ${String(n).padStart(2)} stream(s): CPU/stream ${fmtPct(r.medians.cpuPercentPerStream)} -> ${word(v.cpuMet)}; ` +
        `p99 ${fmtMs(r.medians.p99Ms)} ms (worst run ${fmtMs(r.worstP99Ms)}) -> ${word(v.p99Met)}; ` +
        `lost ${r.totalLost}, refused ${r.totalFailed} -> ${word(v.noLoss)}`,
    );
  }
  if (counts.length > 1) {
    const lo = results.get(counts[0]) as CountResult;
    const hi = results.get(counts[counts.length - 1]) as CountResult;
    const marginal = (hi.medians.producerCpuPercent - lo.medians.producerCpuPercent) / (counts[counts.length - 1] - counts[0]);
    console.log(
      `  Marginal producer CPU per added stream (${counts[0]} -> ${counts[counts.length - 1]} streams, whole-process medians): ${fmtPct(marginal)} of a core; ` +
        `the process's fixed cost with no stream: about ${fmtPct(lo.medians.idleCpuPercent)} idle.`,
    );
  }
  return verdicts;
}

// ---------------------------------------------------------------------------------------------------------

function printHeader(options: BenchOptions, session: BenchSession, recordingSeconds: number, pattern: ReturnType<typeof testPattern>, mbps: number): void {
  console.log(
    `Video bench: ${options.runs} runs over ${options.streams.join(', ')} concurrent stream(s); ${options.seconds} s steady window after ${options.warmup} s warm-up; ` +
      session.machineSummary(),
  );
  console.log(
    `Recording: ${recordingSeconds} s of H.264 ${PATTERN.size} ${PATTERN.fps} fps, keyframe every 1 s, ${(pattern.bytes / 1e6).toFixed(1)} MB = ${mbps.toFixed(2)} Mbit/s, live Matroska ` +
      `(${pattern.madeInSeconds > 0 ? `made by ffmpeg in ${pattern.madeInSeconds.toFixed(0)} s` : 'cached'}: ${pattern.file}).`,
  );
  console.log(
    'Each stream replays it in real time through MatroskaStreamReader -> Fragmenter -> PutMediaSession (one PutMedia connection per stream); ' +
      'ffmpeg is not in the loop, so producer CPU excludes encoding. Emulator: own process, data dir in a temp folder, default fsync (interval).',
  );
}

async function main(options: BenchOptions): Promise<void> {
  if (options.camera) return runCameraBench(options.camera);
  const session = new BenchSession('video', SOURCES);
  const recordingSeconds = Math.max(60, Math.ceil(options.warmup + options.seconds + 10));
  const pattern = testPattern(recordingSeconds);
  const mbps = (pattern.bytes * 8) / recordingSeconds / 1e6;
  await withVideoEmulator('tributary-video-bench-data-', { profile: options.profile }, async (emulator, admin) => {
    printHeader(options, session, recordingSeconds, pattern, mbps);
    // Warm-up: the emulator's JIT and file handles; discarded.
    await runOnce('warmup', options.streams[0], { seconds: Math.min(3, options.seconds), warmup: 1, profile: false }, pattern.file, emulator, admin);
    const raw = new Map<number, RunMeasurement[]>(options.streams.map((n) => [n, []]));
    for (let run = 1; run <= options.runs; run++) {
      for (const n of options.streams) {
        const m = await runOnce(`r${run}`, n, options, pattern.file, emulator, admin);
        (raw.get(n) as RunMeasurement[]).push(m);
        logRun(`${run}/${options.runs}`, m);
      }
    }
    const results = new Map<number, CountResult>(options.streams.map((n) => [n, summarise(raw.get(n) as RunMeasurement[])]));
    printTable(options.streams, results);
    const verdicts = printTargets(options.streams, results);
    session.printClosingNotes('libs/media, libs/kvs or the emulator');
    session.writeResults({
      options,
      recording: { seconds: recordingSeconds, bytes: pattern.bytes, mbitPerSecond: mbps, ffmpeg: ['ffmpeg', ...pattern.args] },
      emulator: 'own process, limits: false, dataDir in os.tmpdir(), default fsync policy (interval)',
      targets: { cpuPercentPerStream: TARGET_CPU_PERCENT_PER_STREAM, p99Ms: TARGET_P99_MS },
      verdicts,
      streams: Object.fromEntries(options.streams.map((n) => [String(n), results.get(n)])),
    });
  });
}

runBench(USAGE, parseOptions, main);
