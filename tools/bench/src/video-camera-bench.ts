/**
 * `npm run bench:video -- --mode camera [--runs 3] [--seconds 20] [--warmup 6] [--entry bundle|tsx]`: the CPU one 1080p camera costs,
 * ffmpeg included, stream copy against re-encode (issue 15, "No re-encoding where the camera already encodes").
 *
 * The camera: a 1080p H.264 recording with AAC audio, as an IP camera sends it — testsrc2 1920x1080 at 25 fps with
 * temporal noise (so the encoder spends its bit rate), libx264 veryfast 4 Mbit/s, a keyframe every 2 s, no
 * B-frames, AAC 48 kHz 64 kbit/s, 20 s in Matroska — made once by the system ffmpeg and cached in
 * os.tmpdir()/tributary-video-bench/. It is NOT a live camera: the producer reads it as `file:` with `--loop on`,
 * i.e. ffmpeg `-stream_loop -1 -re`, which plays it in real time, the pace an RTSP camera delivers (an RTSP
 * session's own demuxing cost is not in the figure).
 *
 * The producer: the real app as an edge device runs it (`--entry bundle`, the default: the esbuild bundle of the
 * app's bundle target, built first into dist/bench-video-producer, under `node --enable-source-maps` as the
 * systemd unit starts it) or
 * from its sources (`--entry tsx`: apps/video-producer/src/main.ts under tsx), a process of its own, its real ffmpeg
 * adapter and spool on disk, fsync on, against the emulator in another process (bench-server.ts). Three modes per
 * run, interleaved: `copy` (`--copy auto`: the probe finds H.264 + AAC with a 2-s GOP and ffmpeg copies both; frames
 * streamed as they come, the default), `copy-whole` (the same with `--send-mode fragments`: one write per fragment)
 * and `re-encode` (`--copy off`: libx264 veryfast at the source's 4 Mbit/s and size, the app's default encoding).
 * Once ffmpeg runs and `--warmup` seconds later (the JIT, the first fragments), the CPU time (utime + stime from
 * /proc) of the producer process and of its ffmpeg child is taken over the `--seconds` window; the figure is per
 * camera in % of one core. (Under tsx, its esbuild service, a child the bundle does not have, is left out.) Fragments PERSISTED in the window are counted (ListFragments) as a check that
 * the camera really streamed; the decision line of the app's log is checked to be the mode's.
 * Medians over `--runs`. Results go to tools/bench/results/video-camera-latest.json.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import type { KinesisVideoClient } from '@aws-sdk/client-kinesis-video';
import { buildBundle } from '@tributary/runtime/testing';
import { BenchSession, fmtCpuPercent, mediansOf, printMetricTable, type MetricRow } from './bench-report';
import { BENCH_CREDENTIALS, BENCH_REGION, processCpuSeconds, profileFlags, ROOT, sleep, type ServerProcess } from './bench-support';
import { cachedRecording, createVideoStream, recentFragments, withVideoEmulator } from './media-bench-support';

const SOURCES = ['apps/video-producer/src', 'libs/media/src', 'libs/kvs/src'];
const MAIN = path.join(ROOT, 'apps/video-producer/src/main.ts');
/** Where the bench builds the bundle: under the workspace, so its external packages resolve from its node_modules. */
const BUNDLE_DIR = path.join(ROOT, 'dist', 'bench-video-producer');

/** How the app is started: as deployed (the bundle, as the systemd unit runs it) or from its sources under tsx. */
export type CameraEntry = 'bundle' | 'tsx';

/** The node arguments that start the app for `entry`; the bundle is built first, by the app's own bundle target. */
function producerEntry(entry: CameraEntry): string[] {
  if (entry === 'tsx') return ['--import', 'tsx', MAIN];
  buildBundle(ROOT, 'apps/video-producer', 'video-producer', BUNDLE_DIR);
  // apps/video-producer/deploy/video-producer.service: ExecStart=/usr/bin/node --enable-source-maps .../main.js
  return ['--enable-source-maps', path.join(BUNDLE_DIR, 'main.js')];
}

/** The issue's target: with copy, at most 3 % of one core per camera, ffmpeg included. */
const TARGET_COPY_CPU_PERCENT = 3;

const CAMERA = { size: '1920x1080', fps: 25, bitrateKbps: 4000, gopSeconds: 2, seconds: 20 };

/** `copy` streams frames as they come (the default send mode); `copy-whole` sends whole fragments (`--send-mode fragments`). */
export type CameraMode = 'copy' | 'copy-whole' | 're-encode';
const MODES: readonly CameraMode[] = ['copy', 'copy-whole', 're-encode'];

export interface CameraBenchOptions {
  runs: number;
  seconds: number;
  warmup: number;
  /** Default `bundle`. */
  entry?: CameraEntry;
  /** CPU profiles of the producer processes into tools/bench/results/profiles/ (the figures then include the profiler). */
  profile?: boolean;
}

/** The cached camera recording (see the header). */
function cameraRecording(): { file: string; args: string[]; madeInSeconds: number } {
  const gop = CAMERA.fps * CAMERA.gopSeconds;
  // prettier-ignore
  const args = [
    '-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', `testsrc2=size=${CAMERA.size}:rate=${CAMERA.fps}`,
    '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
    '-vf', 'noise=alls=12:allf=t', '-t', String(CAMERA.seconds),
    '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p',
    '-b:v', `${CAMERA.bitrateKbps}k`, '-maxrate', `${CAMERA.bitrateKbps}k`, '-bufsize', `${CAMERA.bitrateKbps * 2}k`,
    '-g', String(gop), '-keyint_min', String(gop), '-sc_threshold', '0', '-bf', '0',
    '-c:a', 'aac', '-b:a', '64k',
    '-f', 'matroska',
  ];
  return cachedRecording('camera-1080p', args);
}

/** The pids under `root` (children, grandchildren, …), from /proc. */
function descendants(root: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      parentOf.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const p = queue.shift() as number;
    for (const [child, parent] of parentOf) {
      if (parent === p) {
        out.push(child);
        queue.push(child);
      }
    }
  }
  return out;
}

/** The one ffmpeg under `pid`, once it runs; rejects after `timeoutMs` with the app's last log lines. */
async function ffmpegUnder(pid: number, timeoutMs: number, lastLog: () => string): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // The capture itself writes to pipe:1; fluent-ffmpeg's short capability runs (`ffmpeg -formats`, …) do not.
    const found = descendants(pid).filter((p) => isCaptureFfmpeg(p));
    if (found.length === 1) return found[0];
    if (found.length > 1) throw new Error(`more than one ffmpeg under the producer: ${found.join(', ')}`);
    if (Date.now() > deadline) throw new Error(`no ffmpeg under the producer after ${timeoutMs} ms; its log: ${lastLog()}`);
    await sleep(200);
  }
}

function isCaptureFfmpeg(pid: number): boolean {
  try {
    const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return (argv[0] ?? '').endsWith('ffmpeg') && argv.includes('pipe:1');
  } catch {
    return false;
  }
}

interface CameraRun {
  mode: CameraMode;
  seconds: number;
  /** Producer process + its ffmpeg, % of one core. */
  totalCpuPercent: number;
  producerCpuPercent: number;
  ffmpegCpuPercent: number;
  fragmentsInWindow: number;
  /** The app's copy decision line. */
  decision: string;
}

/** Starts the app for one camera; resolves with the process and its log lines (pino JSON on stdout). */
function startProducer(entry: string[], emulator: ServerProcess, stream: string, mode: CameraMode, file: string, spoolDir: string): { child: ChildProcess; lines: Array<Record<string, unknown>> } {
  // prettier-ignore
  const args = [
    '--stream', stream, '--source', `file:${file}`, '--loop', 'on', '--copy', mode === 're-encode' ? 'off' : 'auto',
    '--send-mode', mode === 'copy-whole' ? 'fragments' : 'frames',
    '--fragment-ms', '2000', '--bitrate', String(CAMERA.bitrateKbps), '--preset', 'veryfast',
    '--spool-dir', spoolDir, '--port', '0', '--host', '127.0.0.1', '--log-level', 'info',
  ];
  const child = spawn(process.execPath, [...entry, ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: {
      ...process.env,
      AWS_ENDPOINT_URL: emulator.url,
      AWS_REGION: BENCH_REGION,
      AWS_ACCESS_KEY_ID: BENCH_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: BENCH_CREDENTIALS.secretAccessKey,
    },
  });
  const lines: Array<Record<string, unknown>> = [];
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    try {
      lines.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      lines.push({ msg: line });
    }
  });
  return { child, lines };
}

async function runCamera(tag: string, mode: CameraMode, entry: string[], options: CameraBenchOptions, file: string, emulator: ServerProcess, admin: KinesisVideoClient): Promise<CameraRun> {
  const stream = `bench-camera-${tag}-${mode}`;
  await createVideoStream(admin, stream);
  const spoolDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-camera-bench-spool-'));
  const { child, lines } = startProducer(entry, emulator, stream, mode, file, spoolDir);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    const pid = child.pid as number;
    // The app starts (under tsx, compiling itself), creates nothing (the stream exists), probes, then starts ffmpeg: up to a
    // minute on a loaded machine. The warm-up counts from ffmpeg's start.
    const ffmpegPid = await ffmpegUnder(pid, 60_000, () => lines.slice(-5).map((l) => String(l['msg'])).join(' | '));
    await sleep(options.warmup * 1000);
    const t0 = Date.now();
    const producer0 = processCpuSeconds(pid);
    const ffmpeg0 = processCpuSeconds(ffmpegPid);
    const windowStart = Date.now();
    await sleep(options.seconds * 1000);
    const producer1 = processCpuSeconds(pid);
    const ffmpeg1 = processCpuSeconds(ffmpegPid);
    const seconds = (Date.now() - t0) / 1000;
    if (!Number.isFinite(ffmpeg1) || !descendants(pid).includes(ffmpegPid)) throw new Error(`${mode}: ffmpeg ${ffmpegPid} is gone after the window (restarted?)`);
    const fragments = (await recentFragments(admin, stream, options.seconds + options.warmup)).filter((f) => (f.ProducerTimestamp?.getTime() ?? 0) >= windowStart - 2000);
    const decision = String(lines.find((l) => typeof l['msg'] === 'string' && /^(copying|re-encoding)/.test(l['msg'] as string))?.['msg'] ?? '(no decision logged)');
    const expected = mode === 're-encode' ? 're-encoding' : 'copying';
    if (!decision.startsWith(expected)) throw new Error(`${mode}: the app decided "${decision}"`);
    if (fragments.length === 0) throw new Error(`${mode}: no fragment persisted in the window`);
    return {
      mode,
      seconds,
      totalCpuPercent: ((producer1 - producer0 + ffmpeg1 - ffmpeg0) / seconds) * 100,
      producerCpuPercent: ((producer1 - producer0) / seconds) * 100,
      ffmpegCpuPercent: ((ffmpeg1 - ffmpeg0) / seconds) * 100,
      fragmentsInWindow: fragments.length,
      decision,
    };
  } finally {
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
    fs.rmSync(spoolDir, { recursive: true, force: true });
  }
}

type Metric = 'totalCpuPercent' | 'producerCpuPercent' | 'ffmpegCpuPercent' | 'fragmentsInWindow' | 'seconds';
const METRICS: readonly Metric[] = ['totalCpuPercent', 'producerCpuPercent', 'ffmpegCpuPercent', 'fragmentsInWindow', 'seconds'];

const fmtPct = (n: number): string => (Number.isFinite(n) ? `${n.toFixed(2)}%` : 'n/a');

export async function runCameraBench(options: CameraBenchOptions): Promise<void> {
  const session = new BenchSession('video-camera', SOURCES);
  const recording = cameraRecording();
  const entryName = options.entry ?? 'bundle';
  const entry = [...profileFlags(options.profile ?? false), ...producerEntry(entryName)];
  const mbps = (fs.statSync(recording.file).size * 8) / CAMERA.seconds / 1e6;
  await withVideoEmulator('tributary-camera-bench-data-', {}, async (emulator, admin) => {
    console.log(`Camera bench: ${options.runs} runs of copy and re-encode, interleaved; ${options.seconds} s window after ${options.warmup} s warm-up; ${session.machineSummary()}`);
    console.log(
      `Camera: H.264 ${CAMERA.size} ${CAMERA.fps} fps, keyframe every ${CAMERA.gopSeconds} s, no B-frames, + AAC 48 kHz; ${mbps.toFixed(2)} Mbit/s; ` +
        `a ${CAMERA.seconds}-s file looped in real time (ffmpeg -stream_loop -1 -re), not a live camera (${recording.madeInSeconds > 0 ? `made in ${recording.madeInSeconds.toFixed(0)} s` : 'cached'}: ${recording.file}).`,
    );
    console.log(
      `Producer: the video-producer app (${entryName === 'bundle' ? 'its bundle under node --enable-source-maps, as deployed' : 'its sources under tsx'}${options.profile ? ', profiled' : ''}), its ffmpeg and spool (fsync on), ` +
        'into the emulator (own process). CPU: the producer process + its ffmpeg, from /proc.',
    );
    const raw = new Map<CameraMode, CameraRun[]>(MODES.map((m) => [m, []]));
    for (let run = 1; run <= options.runs; run++) {
      for (const mode of MODES) {
        const r = await runCamera(`r${run}-${process.pid}`, mode, entry, options, recording.file, emulator, admin);
        (raw.get(mode) as CameraRun[]).push(r);
        console.log(
          `run ${run}/${options.runs} ${mode.padEnd(9)}: producer + ffmpeg ${fmtPct(r.totalCpuPercent)} (producer ${fmtCpuPercent(r.producerCpuPercent)}, ffmpeg ${fmtCpuPercent(r.ffmpegCpuPercent)}), ` +
            `${r.fragmentsInWindow} fragments persisted in ${r.seconds.toFixed(1)} s; app: "${r.decision}"`,
        );
      }
    }
    const medians = new Map(MODES.map((m) => [m, mediansOf(raw.get(m) as CameraRun[], METRICS)]));
    const col = (m: CameraMode): Record<Metric, number> => medians.get(m) as Record<Metric, number>;
    const rows: Array<MetricRow<CameraMode>> = [
      [`CPU per camera, producer + ffmpeg (% of a core; copy target <= ${TARGET_COPY_CPU_PERCENT}%)`, (m) => fmtPct(col(m).totalCpuPercent)],
      ['  of which the producer process (node)', (m) => fmtPct(col(m).producerCpuPercent)],
      ['  of which ffmpeg', (m) => fmtPct(col(m).ffmpegCpuPercent)],
      ['fragments persisted in the window', (m) => String(Math.round(col(m).fragmentsInWindow))],
    ];
    console.log('');
    printMetricTable('Medians', MODES, (m) => m, rows);
    const copy = col('copy').totalCpuPercent;
    const encode = col('re-encode').totalCpuPercent;
    console.log('');
    console.log(
      `Target: copy <= ${TARGET_COPY_CPU_PERCENT}% of one core per camera, everything included: ${fmtPct(copy)} -> ${copy <= TARGET_COPY_CPU_PERCENT ? 'met' : 'MISSED'}; ` +
        `re-encode costs ${Number.isFinite(encode / copy) ? (encode / copy).toFixed(0) : 'n/a'}x as much.`,
    );
    session.printClosingNotes('the video producer, libs/media or libs/kvs');
    session.writeResults({
      options: { ...options, entry: entryName },
      camera: { ...CAMERA, mbitPerSecond: mbps, ffmpeg: ['ffmpeg', ...recording.args] },
      target: { copyCpuPercentPerCamera: TARGET_COPY_CPU_PERCENT, met: copy <= TARGET_COPY_CPU_PERCENT },
      modes: Object.fromEntries(MODES.map((m) => [m, { runs: raw.get(m), medians: medians.get(m) }])),
    });
  });
}
