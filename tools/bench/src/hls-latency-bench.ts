/**
 * Live latency from capture to playing in the browser (issue "Video playback", section Benchmark): the video
 * producer's test pattern into the emulator, the emulator's HLS (LIVE, PRODUCER_TIMESTAMP selector,
 * DisplayFragmentTimestamp ALWAYS) played by hls.js in Debian's chromium, and the latency read the way a player
 * reads it: `Date.now() - hls.playingDate`, every 250 ms.
 *
 *   npm run bench:hls-latency -- [--runs 3] [--seconds 30] [--warmup 10] [--chase 0.5] [--only tuned,gateway-page,kvs-typical]
 *                                [--modes frames,fragments]
 *
 * Why that is capture → display: the producer stamps each frame with the wall clock when ffmpeg delivers it
 * (origin = arrival time of the first cluster minus its source time; the test pattern is generated in real time,
 * `-re`, and x264 runs with zerolatency), those producer timestamps become the fragments' EXT-X-PROGRAM-DATE-TIME,
 * and hls.js's playingDate is the PDT of the playing segment plus the position within it. Producer, emulator
 * and browser share one clock (one machine).
 *
 * Processes: the emulator (bench-server.ts, limits off, a data dir in a temp folder), one video producer per
 * fragment length (`apps/video-producer/src/main.ts`, test pattern 640x360 at 25 fps, 1 Mbit/s, veryfast: its
 * defaults but for the fragment length), all running through the whole bench so that every variant sees the same
 * load, the playback gateway (`apps/playback-gateway/src/main.ts`, for the gateway-page variant), and chromium
 * (playwright-core, `/usr/bin/chromium`, headless) with a fresh context per measurement. An init script in every
 * page (INSTRUMENT) wraps window.Hls to keep the instance and its errors and samples every 250 ms, so both pages
 * are measured the same way.
 *
 * Variants, side by side in one run, interleaved run by run:
 *   - tuned:          0.5-s fragments; a minimal page of this bench (served from 127.0.0.1, hls.js from
 *                     node_modules) playing the emulator's HLS session URL directly (CORS `*`), hls.js tuned for
 *                     low latency with the player's own module (apps/playback-gateway/public/low-latency.js: config,
 *                     playlist polling, latency chasing);
 *   - gateway-page:   0.5-s fragments; the gateway's own web player as a viewer uses it (sign in with an API key,
 *                     pick the stream, Play live; proxied delivery; the page's own hls.js tuning);
 *   - kvs-typical:    2-s fragments (the producer's default), minimal page, hls.js default config — the baseline;
 *   - tuned-no-chase, default-0.5s (with --only): the tuned config without the chasing, and hls.js defaults on
 *                     0.5-s fragments, to show what each part buys.
 * Send modes (issue 15, "Frames as they come"): every variant runs once per producer `--send-mode` in `--modes`
 * (default both), each mode with producers of its own: `frames` (each frame sent as ffmpeg delivers it, the
 * producer's default) keeps the variant's name, `fragments` (each fragment sent once whole, as before) is named
 * `<variant>/whole`. The ingest part is reported per stream: end of a fragment's capture (the next fragment's
 * ProducerTimestamp) → the emulator holding the fragment whole. With whole fragments that is the fragment's
 * ServerTimestamp (its bytes arrive in one write); streamed, the fragment is whole when the next one's Cluster
 * begins, which is the next fragment's ServerTimestamp.
 *
 * Per run and variant: a new page, `--warmup` s untimed, then `--seconds` s of samples; reported: median, p90 and
 * max latency, hls.js's own `hls.latency` (distance to the live edge), frames decoded (must grow), frames
 * dropped, stalls (`waiting` events) and hls.js errors (a fatal one fails the run). Medians over runs. Results go
 * to tools/bench/results/hls-latency-latest.json.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { CHROMIUM_PATH, chromiumAvailable, hlsErrorRecorderScript, launchChromium } from '@tributary/emulator/testing';
import { parseBenchArgs, positiveIntegerOption, positiveOption } from './bench-args';
import { BenchSession, ROOT, median, mediansOfNumericFields, percentile, printMetricTable, type MetricRow } from './bench-report';
import { interleavedRuns, runBench, sleep, type ServerProcess } from './bench-support';
import { hlsSessionUrl, recentFragments, startGateway, startVideoProducer, waitForFragments, withVideoEmulator } from './media-bench-support';
import type { KinesisVideoClient } from '@aws-sdk/client-kinesis-video';

const SOURCES = ['libs/media/src', 'libs/emulator/src', 'apps/video-producer/src', 'apps/playback-gateway/src'];
const TARGET_MEDIAN_MS = 1200;
/** Issue 15 targets with 0.5-s fragments, frames mode: capture -> playing, and end of capture -> received (medians). */
const FRAMES_TARGET_MEDIAN_MS = 800;
const FRAMES_TARGET_INGEST_MS = 30;
type SendMode = 'frames' | 'fragments';
const SEND_MODES: readonly SendMode[] = ['frames', 'fragments'];
const HLS_JS = path.join(ROOT, 'node_modules/hls.js/dist/hls.min.js');
const LOW_LATENCY_JS = path.join(ROOT, 'apps/playback-gateway/public/low-latency.js');
/** hls.latency (s behind hls.js's estimate of the live edge) the tuned page steers to. */
const CHASE_SEC = 0.75;
/** How often the tuned page's playlist loader asks again while the playlist has nothing new. */
const POLL_MS = 200; // the player's default (KVS allows 5 playlist calls per second per session)


interface Variant {
  name: string;
  fragmentMs: number;
  /** The producer's --send-mode (set by --modes). */
  sendMode?: SendMode;
  /** The bench's minimal page playing the emulator's HLS directly, or the gateway's own web player (proxied). */
  page: 'minimal' | 'gateway';
  /** Start from the player's LOW_LATENCY_CONFIG (apps/playback-gateway/public/low-latency.js). */
  preset?: 'low-latency';
  /** hls.js config of the minimal page, over the preset (the gateway page has its own). */
  config: Record<string, unknown>;
  /** The minimal page's latency chasing: hls.latency goal in seconds (0: off). */
  chaseSec: number;
  /** The minimal page's playlist polling interval in ms (0: hls.js's own reload timing). */
  pollMs: number;
  describe: string;
}

const VARIANTS: readonly Variant[] = [
  {
    name: 'tuned',
    fragmentMs: 500,
    page: 'minimal',
    preset: 'low-latency',
    config: {},
    chaseSec: CHASE_SEC,
    pollMs: POLL_MS,
    describe: `0.5-s fragments, minimal page, hls.js tuned for low latency, playlist polling every ${POLL_MS} ms, chasing hls.latency ${CHASE_SEC} s`,
  },
  {
    name: 'gateway-page',
    fragmentMs: 500,
    page: 'gateway',
    config: {},
    chaseSec: 0,
    pollMs: 0,
    describe: "0.5-s fragments, the gateway's web player (proxied, its own hls.js config), signed in with an API key",
  },
  { name: 'kvs-typical', fragmentMs: 2000, page: 'minimal', config: {}, chaseSec: 0, pollMs: 0, describe: '2-s fragments, minimal page, hls.js defaults (baseline)' },
  {
    name: 'tuned-no-poll',
    fragmentMs: 500,
    page: 'minimal',
    preset: 'low-latency',
    config: {},
    chaseSec: CHASE_SEC,
    pollMs: 0,
    describe: `0.5-s fragments, minimal page, hls.js tuned, chasing hls.latency ${CHASE_SEC} s, hls.js's own playlist reloads`,
  },
  {
    name: 'tuned-no-chase',
    fragmentMs: 500,
    page: 'minimal',
    preset: 'low-latency',
    config: { maxLiveSyncPlaybackRate: 1.5 },
    chaseSec: 0,
    pollMs: POLL_MS,
    describe: `0.5-s fragments, minimal page, hls.js tuned with its own rate control, playlist polling every ${POLL_MS} ms`,
  },
  { name: 'default-0.5s', fragmentMs: 500, page: 'minimal', config: {}, chaseSec: 0, pollMs: 0, describe: '0.5-s fragments, minimal page, hls.js defaults' },
];

const USAGE = `Usage: npm run bench:hls-latency -- [options]

Live latency capture -> playing (Date.now() - hls.playingDate) of the video producer's test pattern through the
emulator's HLS into hls.js in chromium; tuned (0.5-s fragments) against KVS-typical (2-s fragments, hls.js defaults).

Options:
  --runs N        measured runs (default 3), variants interleaved, medians reported
  --seconds S     samples per run and variant, every 250 ms (default 30)
  --warmup S      untimed seconds after the page starts playing (default 10)
  --chase S       hls.latency goal of the tuned page's latency chasing, seconds (default ${CHASE_SEC})
  --only LIST     variants, comma-separated: ${VARIANTS.map((v) => v.name).join(', ')} (default tuned,gateway-page,kvs-typical)
  --modes LIST    producer send modes, each variant runs in each: frames, fragments (default frames,fragments;
                  fragments runs are named <variant>/whole)
  --help
`;

interface BenchOptions {
  runs: number;
  seconds: number;
  warmup: number;
  variants: Variant[];
}

function parseOptions(argv: string[]): BenchOptions | undefined {
  const values = parseBenchArgs(argv, ['runs', 'seconds', 'warmup', 'chase', 'only', 'modes']);
  if (values === undefined) return undefined;
  const names = (values.only ?? 'tuned,gateway-page,kvs-typical').split(',').map((s) => s.trim());
  const chase = positiveOption('chase', values.chase, CHASE_SEC);
  const modes = (values.modes ?? SEND_MODES.join(',')).split(',').map((s) => s.trim());
  for (const m of modes) if (!SEND_MODES.includes(m as SendMode)) throw new Error(`--modes: unknown send mode ${m} (frames, fragments)`);
  const variants = names.flatMap((n) => {
    const found = VARIANTS.find((x) => x.name === n);
    if (found === undefined) throw new Error(`--only: unknown variant ${n}`);
    const v = found.chaseSec > 0 ? { ...found, chaseSec: chase, describe: found.describe.replace(String(CHASE_SEC), String(chase)) } : found;
    return (modes as SendMode[]).map((sendMode) =>
      sendMode === 'frames' ? { ...v, sendMode, describe: `${v.describe}; frames streamed` } : { ...v, sendMode, name: `${v.name}/whole`, describe: `${v.describe}; whole fragments` },
    );
  });
  return {
    runs: positiveIntegerOption('runs', values.runs, 3),
    seconds: positiveOption('seconds', values.seconds, 30),
    warmup: positiveOption('warmup', values.warmup, 10),
    variants,
  };
}

// ---------------------------------------------------------------------------------------------------------
// The page

/**
 * Runs in every page before its own scripts (both pages): when hls.min.js defines window.Hls it is replaced by a
 * subclass that keeps the instance (window.__hls) and records hls.js errors (the tests' recorder, from
 * @tributary/emulator/testing), and a sample is taken every 250 ms:
 * the latency as a player computes it, Date.now() - hls.playingDate, and the video's progress.
 */
const INSTRUMENT = `${hlsErrorRecorderScript({ errorsVar: '__errors', instanceVar: '__hls' })};
(() => {
  window.__samples = [];
  window.__stalls = 0;
  setInterval(() => {
    const hls = window.__hls;
    const video = document.querySelector('video');
    if (!hls || !video) return;
    if (!video.__counted) {
      video.__counted = true;
      video.addEventListener('waiting', () => { window.__stalls++; });
    }
    const date = hls.playingDate;
    const q = video.getVideoPlaybackQuality();
    window.__samples.push({
      at: Date.now(),
      latencyMs: date ? Date.now() - date.getTime() : null,
      hlsLatency: hls.latency,
      currentTime: video.currentTime,
      frames: q.totalVideoFrames,
      dropped: q.droppedVideoFrames,
      rate: video.playbackRate,
    });
  }, 250);
})()`;

/** The minimal player: hls.js (config from the query) on a muted autoplaying video, optional latency chasing. */
const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>hls latency bench</title></head>
<body style="margin:0;background:#000">
<video id="v" muted autoplay playsinline style="width:640px;height:360px"></video>
<script src="/hls.js"></script>
<script type="module">
  // The player's own low-latency module (apps/playback-gateway/public/low-latency.js): what is measured here is
  // what viewers run. preset=low-latency starts from its LOW_LATENCY_CONFIG; poll=<ms> adds its polling playlist
  // loader; chase=<s> its latency chasing.
  import { LOW_LATENCY_CONFIG, pollingPlaylistLoader, startLatencyChase } from '/low-latency.js';
  const params = new URLSearchParams(location.search);
  const video = document.getElementById('v');
  const config = { ...(params.get('preset') === 'low-latency' ? LOW_LATENCY_CONFIG : {}), ...JSON.parse(params.get('config') || '{}') };
  const poll = Number(params.get('poll') || 0);
  if (poll > 0) config.pLoader = pollingPlaylistLoader(Hls, poll);
  const hls = new Hls(config);
  hls.loadSource(params.get('src'));
  hls.attachMedia(video);
  const chase = Number(params.get('chase') || 0);
  if (chase > 0) startLatencyChase(hls, video, { goalSec: chase });
</script></body></html>`;

function startPageServer(): Promise<{ url: string; close(): Promise<void> }> {
  const hlsJs = fs.readFileSync(HLS_JS);
  const lowLatencyJs = fs.readFileSync(LOW_LATENCY_JS);
  const server = http.createServer((req, res) => {
    const p = new URL(req.url ?? '/', 'http://x').pathname;
    if (p === '/') res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE);
    else if (p === '/hls.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(hlsJs);
    else if (p === '/low-latency.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(lowLatencyJs);
    else res.writeHead(404).end();
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => r())) });
    });
  });
}

// ---------------------------------------------------------------------------------------------------------
// One measurement

interface Sample {
  at: number;
  latencyMs: number | null;
  hlsLatency: number;
  currentTime: number;
  frames: number;
  dropped: number;
  rate: number;
}

interface RunMeasurement {
  medianMs: number;
  p90Ms: number;
  maxMs: number;
  minMs: number;
  hlsLatencyMedianS: number;
  samples: number;
  framesDecoded: number;
  framesDropped: number;
  playedSeconds: number;
  stalls: number;
  errors: number;
  /** Non-fatal hls.js errors by `details` (bufferStalledError, fragLoadError, …). */
  errorKinds: Record<string, number>;
}

/** Where a variant plays: the minimal page with the emulator's session URL, or the gateway's player and its stream. */
interface PlayTarget {
  pageUrl: string;
  /** minimal page: the HLS session URL. */
  src?: string;
  /** gateway page: the stream to pick and the API key to sign in with. */
  stream?: string;
  apiKey?: string;
}

/**
 * Waits until `expression` is truthy in the page, polling from here: page.waitForFunction polls inside the page
 * with code it builds at run time, which the gateway page's CSP (no 'unsafe-eval') refuses.
 */
async function pollPage(page: Page, expression: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await page.evaluate(expression))) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${expression}`);
    await sleep(100);
  }
}

async function measure(browser: Browser, target: PlayTarget, variant: Variant, options: BenchOptions): Promise<RunMeasurement> {
  const context = await browser.newContext();
  await context.addInitScript(INSTRUMENT);
  const page = await context.newPage();
  try {
    if (variant.page === 'minimal') {
      await page.goto(`${target.pageUrl}/?src=${encodeURIComponent(target.src ?? '')}&config=${encodeURIComponent(JSON.stringify(variant.config))}&preset=${variant.preset ?? ''}&chase=${variant.chaseSec}&poll=${variant.pollMs}`);
    } else {
      // The viewer's path through the gateway's web player: sign in, pick the stream, play live (proxied).
      await page.goto(target.pageUrl);
      await page.fill('#api-key', target.apiKey ?? '');
      await page.click('#sign-in');
      await page.click(`[data-stream="${target.stream}"]`, { timeout: 15_000 });
      await page.selectOption('#delivery', 'proxied');
      await page.click('#play-live');
    }
    // Page code as strings: this project is typed for Node, without the DOM library.
    await pollPage(page, 'document.querySelector("video") !== null && document.querySelector("video").currentTime > 0', 30_000);
    await sleep(options.warmup * 1000);
    await page.evaluate('window.__samples = []; window.__stalls = 0;');
    await sleep(options.seconds * 1000);
    const r = (await page.evaluate('window.__report = { samples: window.__samples, stalls: window.__stalls, errors: window.__errors }')) as {
      samples: unknown[];
      stalls: number;
      errors: Array<{ fatal: boolean; details: string }>;
    };
    const samples = r.samples as Sample[];
    const fatal = r.errors.filter((e) => e.fatal);
    if (fatal.length > 0) throw new Error(`${variant.name}: hls.js fatal error(s): ${fatal.map((e) => e.details).join(', ')}`);
    const latencies = samples.map((s) => s.latencyMs).filter((l): l is number => l !== null);
    if (samples.length < 2 || latencies.length === 0) throw new Error(`${variant.name}: no latency samples (hls.playingDate stayed null: no EXT-X-PROGRAM-DATE-TIME?)`);
    const first = samples[0];
    const last = samples[samples.length - 1];
    if (!(last.frames > first.frames) || !(last.currentTime > first.currentTime)) {
      throw new Error(`${variant.name}: playback did not advance (frames ${first.frames} -> ${last.frames}, currentTime ${first.currentTime} -> ${last.currentTime})`);
    }
    return {
      medianMs: median(latencies),
      p90Ms: percentile(latencies, 90),
      maxMs: Math.max(...latencies),
      minMs: Math.min(...latencies),
      hlsLatencyMedianS: median(samples.map((s) => s.hlsLatency).filter((x) => Number.isFinite(x))),
      samples: latencies.length,
      framesDecoded: last.frames - first.frames,
      framesDropped: last.dropped - first.dropped,
      playedSeconds: last.currentTime - first.currentTime,
      stalls: r.stalls,
      errors: r.errors.length,
      errorKinds: r.errors.reduce<Record<string, number>>((acc, e) => ({ ...acc, [e.details]: (acc[e.details] ?? 0) + 1 }), {}),
    };
  } finally {
    await context.close();
  }
}

/**
 * How long after the end of a fragment's capture the emulator starts receiving it, over the last minute: the
 * producer sends a fragment once the next keyframe closes it, so ServerTimestamp of fragment i minus the
 * ProducerTimestamp of fragment i + 1 (= the end of fragment i) is the ingest part of the latency.
 */
async function ingestDelayMs(admin: KinesisVideoClient, stream: string, sendMode: SendMode): Promise<number> {
  const f = await recentFragments(admin, stream, 60);
  const delays: number[] = [];
  for (let i = 0; i + 1 < f.length; i++) {
    // Whole: fragment i arrives in one write at its ServerTimestamp. Streamed: it is whole once fragment i + 1's
    // Cluster begins, at i + 1's ServerTimestamp.
    const server = (sendMode === 'frames' ? f[i + 1] : f[i]).ServerTimestamp?.getTime();
    const nextStart = f[i + 1].ProducerTimestamp?.getTime();
    if (server !== undefined && nextStart !== undefined) delays.push(server - nextStart);
  }
  return delays.length > 0 ? median(delays) : Number.NaN;
}

/** Streams are per fragment length and send mode. */
function streamKey(v: Pick<Variant, 'fragmentMs' | 'sendMode'>): string {
  return `${v.fragmentMs}-ms fragments, ${v.sendMode ?? 'frames'}`;
}

// ---------------------------------------------------------------------------------------------------------

/** One stream per fragment length, each fed by its own video producer (added to `producers`), and its LIVE session. */
async function startStreams(options: BenchOptions, emulator: ServerProcess, admin: KinesisVideoClient, producers: ServerProcess[]): Promise<{ streams: Map<string, string>; sessions: Map<string, string> }> {
  const kinds = new Map(options.variants.map((v) => [streamKey(v), { fragmentMs: v.fragmentMs, sendMode: v.sendMode ?? 'frames' }]));
  const streams = new Map<string, string>();
  for (const [key, { fragmentMs: ms, sendMode }] of kinds) {
    const stream = `bench-hls-${ms}ms-${sendMode}-${process.pid}`;
    streams.set(key, stream);
    producers.push(await startVideoProducer(emulator.url, { stream, fragmentMs: ms, width: 640, height: 360, fps: 25, bitrateKbps: 1000, sendMode }));
  }
  for (const [key, stream] of streams) await waitForFragments(admin, stream, Math.max(3, Math.ceil(4000 / (kinds.get(key)?.fragmentMs ?? 1000))));
  const sessions = new Map<string, string>();
  for (const [key, stream] of streams) {
    sessions.set(
      key,
      await hlsSessionUrl(admin, {
        StreamName: stream,
        PlaybackMode: 'LIVE',
        HLSFragmentSelector: { FragmentSelectorType: 'PRODUCER_TIMESTAMP' },
        DisplayFragmentTimestamp: 'ALWAYS',
        ContainerFormat: 'FRAGMENTED_MP4',
        Expires: 43_200,
      }),
    );
  }
  return { streams, sessions };
}

function logRun(run: number, runs: number, name: string, m: RunMeasurement): void {
  console.log(
    `run ${run}/${runs} ${name.padEnd(12)}: latency median ${m.medianMs.toFixed(0)} ms, p90 ${m.p90Ms.toFixed(0)}, min ${m.minMs.toFixed(0)}, max ${m.maxMs.toFixed(0)} ` +
      `(${m.samples} samples); hls.latency ${m.hlsLatencyMedianS.toFixed(2)} s; ${m.framesDecoded} frames decoded, ${m.framesDropped} dropped, ` +
      `${m.playedSeconds.toFixed(1)} s played; ${m.stalls} stalls, ${m.errors} non-fatal hls.js errors${m.errors > 0 ? ` ${JSON.stringify(m.errorKinds)}` : ''}`,
  );
}

/** The table of medians, the ingest part, and the target line; the verdict (undefined without the tuned variant). */
function printReport(options: BenchOptions, medians: Record<string, RunMeasurement>, ingest: Record<string, number>): boolean | undefined {
  const framesTuned = medians['tuned'];
  const framesIngest = ingest[streamKey({ fragmentMs: 500, sendMode: 'frames' })];
  console.log('');
  const rows: Array<MetricRow<RunMeasurement>> = [
    [`latency capture -> playing, median (ms; target <= ${TARGET_MEDIAN_MS} tuned)`, (m) => m.medianMs.toFixed(0)],
    ['latency p90 (ms)', (m) => m.p90Ms.toFixed(0)],
    ['latency max (ms)', (m) => m.maxMs.toFixed(0)],
    ["hls.js's hls.latency (s behind its live edge)", (m) => m.hlsLatencyMedianS.toFixed(2)],
    ['frames decoded per run', (m) => m.framesDecoded.toFixed(0)],
    ['frames dropped per run', (m) => m.framesDropped.toFixed(0)],
    ['seconds played per run', (m) => m.playedSeconds.toFixed(1)],
    ['stalls (waiting events) per run', (m) => m.stalls.toFixed(0)],
    ['non-fatal hls.js errors per run', (m) => m.errors.toFixed(0)],
  ];
  printMetricTable('Medians over runs', options.variants, (v) => v.name, rows.map(([label, f]): MetricRow<Variant> => [label, (v) => f(medians[v.name])]));
  console.log(
    `Ingest part of it: end of a fragment's capture -> the emulator holding it whole (whole fragments: its ServerTimestamp; streamed: the next one's; minus the next fragment's ProducerTimestamp), median: ` +
      Object.entries(ingest).map(([key, d]) => `${d.toFixed(0)} ms with ${key}`).join('; '),
  );
  if (framesTuned && options.variants.some((v) => v.name === 'tuned' && v.sendMode === 'frames')) {
    console.log(
      `Frame streaming targets (0.5-s fragments): capture -> playing <= ${FRAMES_TARGET_MEDIAN_MS} ms: ${framesTuned.medianMs.toFixed(0)} ms -> ${framesTuned.medianMs <= FRAMES_TARGET_MEDIAN_MS ? 'met' : 'MISSED'}; ` +
        `end of capture -> received <= ${FRAMES_TARGET_INGEST_MS} ms: ${Number.isFinite(framesIngest) ? framesIngest.toFixed(0) : '?'} ms -> ${framesIngest <= FRAMES_TARGET_INGEST_MS ? 'met' : 'MISSED'}`,
    );
  }
  console.log('');
  const tuned = medians['tuned'];
  const baseline = medians['kvs-typical'];
  const verdict = tuned ? tuned.medianMs <= TARGET_MEDIAN_MS : undefined;
  if (tuned) console.log(`Target: median latency <= ${TARGET_MEDIAN_MS} ms with 0.5-s fragments: ${tuned.medianMs.toFixed(0)} ms -> ${verdict ? 'met' : 'MISSED'}`);
  if (tuned && baseline) console.log(`Baseline (2-s fragments, hls.js defaults): ${baseline.medianMs.toFixed(0)} ms median, ${(baseline.medianMs / tuned.medianMs).toFixed(1)}x the tuned latency.`);
  return verdict;
}

async function main(options: BenchOptions): Promise<void> {
  const session = new BenchSession('hls-latency', SOURCES);
  if (!chromiumAvailable()) throw new Error(`${CHROMIUM_PATH} is missing (apt install chromium)`);
  await withVideoEmulator('tributary-hls-bench-data-', {}, async (emulator, admin) => {
    const producers: ServerProcess[] = [];
    let browser: Browser | undefined;
    let gateway: (ServerProcess & { apiKey: string }) | undefined;
    const pages = await startPageServer();
    try {
      if (options.variants.some((v) => v.page === 'gateway')) gateway = await startGateway(emulator.url);
      const { streams, sessions } = await startStreams(options, emulator, admin, producers);
      browser = await launchChromium();
      console.log(
        `HLS latency bench: ${options.runs} runs x ${options.variants.map((v) => v.name).join(', ')}; ${options.warmup} s warm-up + ${options.seconds} s of samples each; ` +
          session.machineSummary(`chromium ${browser.version()}`),
      );
      for (const v of options.variants) console.log(`  ${v.name}: ${v.describe}${v.page === 'minimal' ? `; hls.js config ${JSON.stringify(v.config)}` : ''}`);
      const variants = new Map(options.variants.map((v) => [v.name, v]));
      const playing = browser;
      const raw = await interleavedRuns(
        options.runs,
        options.variants.map((v) => v.name),
        (name) => {
          const v = variants.get(name) as Variant;
          const target: PlayTarget =
            v.page === 'minimal'
              ? { pageUrl: pages.url, src: sessions.get(streamKey(v)) }
              : { pageUrl: (gateway as ServerProcess).url, stream: streams.get(streamKey(v)), apiKey: gateway?.apiKey };
          return measure(playing, target, v, options);
        },
        (run, name, m) => logRun(run, options.runs, name, m),
      );
      const ingest: Record<string, number> = {};
      for (const v of options.variants) ingest[streamKey(v)] ??= await ingestDelayMs(admin, streams.get(streamKey(v)) ?? '', v.sendMode ?? 'frames');
      const medians = Object.fromEntries(options.variants.map((v) => [v.name, mediansOfNumericFields(raw[v.name])])) as Record<string, RunMeasurement>;
      const verdict = printReport(options, medians, ingest);
      session.printClosingNotes('libs/media, the emulator or the video producer');
      session.writeResults(
        {
          options: { runs: options.runs, seconds: options.seconds, warmup: options.warmup, variants: options.variants },
          producer: 'apps/video-producer/src/main.ts, --source testsrc --width 640 --height 360 --fps 25 --bitrate 1000 --preset veryfast, --fragment-ms and --send-mode per variant',
          session: 'GetHLSStreamingSessionURL LIVE, PRODUCER_TIMESTAMP, DisplayFragmentTimestamp ALWAYS, FRAGMENTED_MP4, played directly from the emulator',
          target: { medianMs: TARGET_MEDIAN_MS, framesMode: { medianMs: FRAMES_TARGET_MEDIAN_MS, ingestMs: FRAMES_TARGET_INGEST_MS } },
          verdict,
          ingestDelayMs: ingest,
          medians,
          runs: raw,
        },
        { chromium: browser.version() },
      );
    } finally {
      await browser?.close();
      await gateway?.stop();
      for (const p of producers) await p.stop();
      await pages.close();
    }
  });
}

runBench(USAGE, parseOptions, main);
