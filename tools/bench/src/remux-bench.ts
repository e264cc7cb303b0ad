/**
 * Remux speed: a stored KVS fragment (Matroska stream header + Cluster) into a fragmented-MP4 media segment, in
 * process (libs/media parseMatroskaFragment + remuxFragment, once per fragment, what the emulator's HLS endpoint
 * does per request) against spawning `ffmpeg -c copy` per fragment (the fragment as a Matroska document on stdin,
 * fMP4 on stdout), the same fragments, side by side in one run (issue "Video playback", section Benchmark).
 *
 *   npm run bench:remux -- [--runs 5] [--sizes 640x360,1280x720] [--seconds 20] [--repeat 20]
 *
 * Fragments: test-pattern recordings made once by the system ffmpeg (cached in os.tmpdir()/tributary-video-bench/):
 * testsrc2 with temporal noise, 30 fps, libx264 veryfast zerolatency, no B-frames, a keyframe every second,
 * 1.5 Mbit/s at 640x360 and 4 Mbit/s at 1280x720; cut into 1-s fragments by libs/media's Fragmenter exactly as the
 * video producer cuts them (writeStreamHeader + writeFragment: the bytes the emulator stores).
 *
 * Per run and size:
 *   - in process: each fragment `--repeat` times (after an untimed warm-up pass: JIT), one call of
 *     parseMatroskaFragment(header, cluster) + remuxFragment(parsed, 1, n, { fragmentDurationMs }) timed with
 *     performance.now(); the output stays as its parts (zero-copy, what the server writes). A second column adds
 *     what a self-contained answer also needs, the init segment (mp4TrackFromMatroska + writeInitSegment), and the
 *     concatenation into one buffer, for the fairest comparison with ffmpeg's single output;
 *   - ffmpeg: each fragment once, `ffmpeg -hide_banner -loglevel error -f matroska -i pipe:0 -map 0:v:0 -c copy -f mp4
 *     -movflags frag_keyframe+empty_moov+default_base_moof pipe:1`, timed from spawn to the process closing with
 *     all of stdout read, one at a time.
 * Reported: per-fragment time median and p99 over all timings of a run, then the medians of those over the runs,
 * and the ratio ffmpeg / in process (target ≥ 20×). Outputs are checked: the in-process init + segments of every
 * fragment decode with ffprobe to exactly the fragments' frame count, and so does one ffmpeg output.
 * Results go to tools/bench/results/remux-latest.json.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { bytesLength, mp4TrackFromMatroska, parseMatroskaFragment, remuxFragment, writeInitSegment } from '@tributary/media';
import { parseBenchArgs, positiveIntegerOption } from './bench-args';
import { BenchSession, fmtMicros, median, mediansOfNumericFields, percentile, printMetricTable, type MetricRow } from './bench-report';
import { runBench } from './bench-support';
import { ffmpegPath, ffprobeVideo, fragmentsOf, patternRecording, type StoredFragment } from './media-bench-support';

const SOURCES = ['libs/media/src'];
const TARGET_RATIO = 20;
const FPS = 30;
const FRAGMENT_MS = 1000;
/** Bit rates per size: what a camera of that size typically sends. */
const BITRATE_KBPS: Record<string, number> = { '640x360': 1500, '1280x720': 4000, '1920x1080': 6000 };
const FFMPEG_ARGS = ['-hide_banner', '-loglevel', 'error', '-f', 'matroska', '-i', 'pipe:0', '-map', '0:v:0', '-c', 'copy', '-f', 'mp4', '-movflags', 'frag_keyframe+empty_moov+default_base_moof', 'pipe:1'];

const USAGE = `Usage: npm run bench:remux -- [options]

Remux of stored KVS fragments (Matroska) into fMP4 media segments: in process (libs/media) against spawning
\`ffmpeg -c copy\` per fragment, the same 1-s fragments, side by side.

Options:
  --runs N        measured runs (default 5), medians reported
  --sizes LIST    test-pattern sizes, comma-separated (default 640x360,1280x720)
  --seconds S     length of each recording = fragments per size (default 20)
  --repeat N      timed in-process remuxes of each fragment per run (default 20)
  --help
`;

interface BenchOptions {
  runs: number;
  sizes: string[];
  seconds: number;
  repeat: number;
}

function parseOptions(argv: string[]): BenchOptions | undefined {
  const values = parseBenchArgs(argv, ['runs', 'sizes', 'seconds', 'repeat']);
  if (values === undefined) return undefined;
  const sizes = (values.sizes ?? '640x360,1280x720').split(',').map((s) => s.trim());
  for (const s of sizes) if (!/^\d+x\d+$/.test(s)) throw new Error(`--sizes: ${s} is not WIDTHxHEIGHT`);
  return {
    runs: positiveIntegerOption('runs', values.runs, 5),
    sizes,
    seconds: positiveIntegerOption('seconds', values.seconds, 20),
    repeat: positiveIntegerOption('repeat', values.repeat, 20),
  };
}

// ---------------------------------------------------------------------------------------------------------
// The two ways

/** One in-process remux: what the emulator does per media-segment request. */
function remuxInProcess(f: StoredFragment, sequence: number): Uint8Array[] {
  return remuxFragment(parseMatroskaFragment(f.header, f.cluster), 1, sequence, { fragmentDurationMs: f.durationMs });
}

/** Init segment + media segment, concatenated: a self-contained fMP4 like ffmpeg's output. */
function remuxInProcessWhole(f: StoredFragment, sequence: number): Uint8Array {
  const parsed = parseMatroskaFragment(f.header, f.cluster);
  const video = parsed.header.tracks.find((t) => t.number === 1);
  if (video === undefined) throw new Error('fragment without track 1');
  const parts = [writeInitSegment([mp4TrackFromMatroska(video)]), ...remuxFragment(parsed, 1, sequence, { fragmentDurationMs: f.durationMs })];
  return Buffer.concat(parts, bytesLength(parts));
}

/** `ffmpeg -c copy` of one fragment; resolves with its output once the process has closed. */
function remuxWithFfmpeg(ffmpeg: string, f: StoredFragment): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const p = spawn(ffmpeg, FFMPEG_ARGS, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    p.stdout.on('data', (c: Buffer) => out.push(c));
    p.stderr.on('data', (c: Buffer) => (err += c.toString()));
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve(Buffer.concat(out)) : reject(new Error(`ffmpeg exited with ${code}: ${err}`))));
    p.stdin.on('error', () => undefined); // an early ffmpeg failure shows in its exit code
    p.stdin.write(f.header);
    p.stdin.end(f.cluster);
  });
}

// ---------------------------------------------------------------------------------------------------------

interface RunFigures {
  inProcessMedianUs: number;
  inProcessP99Us: number;
  wholeMedianUs: number;
  wholeP99Us: number;
  ffmpegMedianUs: number;
  ffmpegP99Us: number;
  ratio: number;
  ratioWhole: number;
}

function timeInProcess(fragments: StoredFragment[], repeat: number): { parts: number[]; whole: number[] } {
  const parts: number[] = [];
  const whole: number[] = [];
  let seq = 0;
  let sink = 0;
  for (let r = 0; r < repeat; r++) {
    for (const f of fragments) {
      let t = performance.now();
      sink += remuxInProcess(f, ++seq).length;
      parts.push((performance.now() - t) * 1000);
      t = performance.now();
      sink += remuxInProcessWhole(f, ++seq).length;
      whole.push((performance.now() - t) * 1000);
    }
  }
  if (sink === 0) throw new Error('remux produced nothing');
  return { parts, whole };
}

async function timeFfmpeg(ffmpeg: string, fragments: StoredFragment[]): Promise<number[]> {
  const out: number[] = [];
  for (const f of fragments) {
    const t = performance.now();
    const bytes = await remuxWithFfmpeg(ffmpeg, f);
    out.push((performance.now() - t) * 1000);
    if (bytes.length === 0) throw new Error('ffmpeg wrote nothing');
  }
  return out;
}

/** The outputs decode: in-process init + all segments, and ffmpeg's output of the first fragment. */
async function checkOutputs(ffmpeg: string, size: string, fragments: StoredFragment[]): Promise<{ inProcessFrames: number; ffmpegFrames: number; codec: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-remux-bench-'));
  try {
    const first = parseMatroskaFragment(fragments[0].header, fragments[0].cluster);
    const track = first.header.tracks.find((t) => t.number === 1);
    if (track === undefined) throw new Error('no track 1');
    const parts = [writeInitSegment([mp4TrackFromMatroska(track)]), ...fragments.flatMap((f, i) => remuxInProcess(f, i + 1))];
    const mine = path.join(dir, 'in-process.mp4');
    fs.writeFileSync(mine, Buffer.concat(parts, bytesLength(parts)));
    const probe = ffprobeVideo(mine);
    const expected = fragments.reduce((n, f) => n + f.frames, 0);
    const [w, h] = size.split('x').map(Number);
    if (probe.codec !== 'h264' || probe.frames !== expected || probe.width !== w || probe.height !== h) {
      throw new Error(`${size}: the in-process fMP4 decodes as ${JSON.stringify(probe)}, expected h264 ${size} with ${expected} frames`);
    }
    const theirs = path.join(dir, 'ffmpeg.mp4');
    fs.writeFileSync(theirs, await remuxWithFfmpeg(ffmpeg, fragments[0]));
    const probe2 = ffprobeVideo(theirs);
    if (probe2.frames !== fragments[0].frames) throw new Error(`${size}: ffmpeg's fMP4 decodes to ${probe2.frames} frames, expected ${fragments[0].frames}`);
    return { inProcessFrames: probe.frames, ffmpegFrames: probe2.frames, codec: probe.codec };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** One size's fragments: the recording cut as the producer cuts it. */
interface FragmentSet {
  size: string;
  recording: ReturnType<typeof patternRecording>;
  fragments: StoredFragment[];
  meanFragmentBytes: number;
  meanFrames: number;
}

function fragmentSet(size: string, seconds: number): FragmentSet {
  const originMs = Date.UTC(2026, 0, 1);
  const rec = patternRecording({ size, fps: FPS, bitrateKbps: BITRATE_KBPS[size] ?? 3000, fragmentMs: FRAGMENT_MS, seconds });
  const { fragments } = fragmentsOf(rec.file, FRAGMENT_MS, originMs);
  const bytes = fragments.reduce((n, f) => n + f.cluster.length, 0);
  return { size, recording: rec, fragments, meanFragmentBytes: bytes / fragments.length, meanFrames: fragments.reduce((n, f) => n + f.frames, 0) / fragments.length };
}

/** `--runs` runs over the sizes: every fragment remuxed both ways, each run's figures printed. */
async function measureRuns(options: BenchOptions, ffmpeg: string, sets: FragmentSet[]): Promise<Map<string, RunFigures[]>> {
  const runs = new Map<string, RunFigures[]>(sets.map((s) => [s.size, []]));
  for (let run = 1; run <= options.runs; run++) {
    for (const s of sets) {
      const mine = timeInProcess(s.fragments, options.repeat);
      const theirs = await timeFfmpeg(ffmpeg, s.fragments);
      const fig: RunFigures = {
        inProcessMedianUs: median(mine.parts),
        inProcessP99Us: percentile(mine.parts, 99),
        wholeMedianUs: median(mine.whole),
        wholeP99Us: percentile(mine.whole, 99),
        ffmpegMedianUs: median(theirs),
        ffmpegP99Us: percentile(theirs, 99),
        ratio: median(theirs) / median(mine.parts),
        ratioWhole: median(theirs) / median(mine.whole),
      };
      (runs.get(s.size) as RunFigures[]).push(fig);
      console.log(
        `run ${run}/${options.runs} ${s.size.padEnd(9)}: in process ${fmtMicros(fig.inProcessMedianUs)} µs (p99 ${fmtMicros(fig.inProcessP99Us)}), ` +
          `with init + concat ${fmtMicros(fig.wholeMedianUs)} µs (p99 ${fmtMicros(fig.wholeP99Us)}); ffmpeg ${fmtMicros(fig.ffmpegMedianUs)} µs (p99 ${fmtMicros(fig.ffmpegP99Us)}); ` +
          `ratio ${fig.ratio.toFixed(0)}x (${fig.ratioWhole.toFixed(0)}x)`,
      );
    }
  }
  return runs;
}

/** The table of medians over the runs and the target lines; the verdict per size. */
function printMedians(sets: FragmentSet[], medians: Record<string, RunFigures>): Record<string, boolean> {
  console.log('');
  const rows: Array<MetricRow<RunFigures>> = [
    ['in process: parse + remux, median (µs)', (m) => fmtMicros(m.inProcessMedianUs)],
    ['in process: parse + remux, p99 (µs)', (m) => fmtMicros(m.inProcessP99Us)],
    ['in process + init segment + concat, median (µs)', (m) => fmtMicros(m.wholeMedianUs)],
    ['in process + init segment + concat, p99 (µs)', (m) => fmtMicros(m.wholeP99Us)],
    ['ffmpeg -c copy per fragment, median (µs)', (m) => fmtMicros(m.ffmpegMedianUs)],
    ['ffmpeg -c copy per fragment, p99 (µs)', (m) => fmtMicros(m.ffmpegP99Us)],
    [`ratio ffmpeg / in process (target >= ${TARGET_RATIO}x)`, (m) => `${m.ratio.toFixed(0)}x`],
    ['ratio ffmpeg / in process with init + concat', (m) => `${m.ratioWhole.toFixed(0)}x`],
  ];
  printMetricTable('Medians over runs, per fragment', sets, (s) => s.size, rows.map(([label, f]): MetricRow<FragmentSet> => [label, (s) => f(medians[s.size])]));
  console.log('');
  const verdicts: Record<string, boolean> = {};
  for (const s of sets) {
    verdicts[s.size] = medians[s.size].ratio >= TARGET_RATIO;
    console.log(`Target: in process at least ${TARGET_RATIO}x faster than ffmpeg per fragment, ${s.size}: ${medians[s.size].ratio.toFixed(0)}x -> ${verdicts[s.size] ? 'met' : 'MISSED'}`);
  }
  return verdicts;
}

async function main(options: BenchOptions): Promise<void> {
  const session = new BenchSession('remux', SOURCES);
  const ffmpeg = ffmpegPath();
  const sets = options.sizes.map((size) => fragmentSet(size, options.seconds));
  console.log(`Remux bench: ${options.runs} runs; ${session.machineSummary()}; ffmpeg ${ffmpeg}`);
  for (const s of sets) {
    console.log(`  ${s.size}: ${s.fragments.length} fragments of ~${FRAGMENT_MS} ms, ${s.meanFrames.toFixed(0)} frames and ${(s.meanFragmentBytes / 1024).toFixed(0)} KiB each (${s.recording.file})`);
  }
  const checks: Record<string, unknown> = {};
  for (const s of sets) {
    checks[s.size] = await checkOutputs(ffmpeg, s.size, s.fragments);
    timeInProcess(s.fragments, 3); // untimed warm-up (JIT)
  }
  await timeFfmpeg(ffmpeg, sets[0].fragments.slice(0, 3)); // warm-up: page cache of the binary
  console.log('Outputs checked: ffprobe decodes every fragment\'s frames from the in-process fMP4 and from ffmpeg\'s.\n');

  const runs = await measureRuns(options, ffmpeg, sets);
  const medians = Object.fromEntries(sets.map((s) => [s.size, mediansOfNumericFields(runs.get(s.size) as RunFigures[])])) as Record<string, RunFigures>;
  const verdicts = printMedians(sets, medians);
  session.printClosingNotes('libs/media');
  session.writeResults({
    options,
    ffmpeg: [ffmpeg, ...FFMPEG_ARGS],
    recordings: Object.fromEntries(sets.map((s) => [s.size, { ffmpeg: ['ffmpeg', ...s.recording.args], fragments: s.fragments.length, meanFragmentBytes: s.meanFragmentBytes, meanFrames: s.meanFrames }])),
    checks,
    target: { ratio: TARGET_RATIO },
    verdicts,
    medians,
    runs: Object.fromEntries(runs),
  });
}

runBench(USAGE, parseOptions, main);
