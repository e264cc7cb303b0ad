/**
 * Segment serving through the playback gateway with 500 concurrent viewers on loopback (issue "Video playback",
 * section Benchmark): autocannon against a proxied segment URL and a proxied media playlist URL of the gateway,
 * side by side with the same resources straight from the emulator (the baseline: what direct playback costs).
 *
 *   npm run bench:gateway -- [--runs 3] [--seconds 10] [--connections 500] [--only viewers,saturation] [--profile]
 *
 * Processes: the emulator (bench-server.ts, limits off, a data dir in a temp folder), the gateway as deployed
 * (`apps/playback-gateway/src/main.ts`, configured by flags and environment only: AWS_ENDPOINT_URL points it at
 * the emulator, GATEWAY_API_KEYS holds the hashed bench key, rate limits off since every viewer here shares one
 * address, default segment cache), and this process, the load generator (autocannon). Before the runs the video
 * producer (`apps/video-producer/src/main.ts`, test pattern 640x360 at 25 fps, 1 Mbit/s, 1-s fragments) fills a
 * stream for a few seconds and stops, so that nothing but serving loads the machine. A proxied playback session
 * (ON_DEMAND over the stored range) is created through the gateway's API with the bench's API key; its master and
 * media playlists give the URLs under test; a direct session over the same range (GetHLSStreamingSessionURL
 * ON_DEMAND on the emulator) gives the baseline URLs.
 *
 * Two load shapes, each for every target:
 *   - viewers:    `--connections` viewers, each on its own keep-alive connection, each fetching the resource once
 *                 per second (a live player's pace with 1-s segments), their phases spread over the second; open
 *                 loop, latency counted from when each request was due (viewerLoad below). The target applies
 *                 here: p99 ≤ 50 ms. (autocannon's own rate limit is not used for this: its connections all
 *                 restart their per-second budget at the same instant, so 500 requests leave in one burst every
 *                 second, and its coordinated-omission correction assumes a 1-ms interval at 1 request/s);
 *   - saturation: autocannon with the same number of connections and no rate: each sends its next request as
 *                 soon as the answer is in, which measures capacity (requests/s) and the queueing latency there;
 *   - low-latency: `--live-viewers` live viewers of one camera (issue 17), each fetching the *live* media playlist
 *                 five times a second (public/low-latency.js's polling): 500 viewers are 2,500 playlists/s. Through
 *                 the gateway each viewer holds a token of its own on the stream's shared LIVE session
 *                 (gateway-live-viewers.ts); the baseline is the emulator's live media playlist of a direct session,
 *                 and a second gateway with `--playlist-share-ms 0` shows the proxy without shared playlists.
 *                 The video producer keeps filling a second stream during this shape (320x180, 10 fps, 1-s
 *                 fragments: a LIVE session needs fresh fragments), so the playlists change as they do live.
 *                 Targets through the gateway: p99 <= 50 ms and gateway CPU per proxied playlist <= 0.2 ms.
 * Per run: one untimed 2-s warm-up per target (the gateway's segment cache then holds the segment), then each
 * target for `--seconds`; reported: p50/p99 latency, requests/s, MB/s, non-2xx and errors (must be 0), CPU of the
 * gateway and the emulator (from /proc) and per request, the gateway's segment-cache hit ratio and its upstream
 * playlist fetches over the run (from /metrics).
 * Medians over `--runs`. Results go to tools/bench/results/gateway-latest.json.
 */
import * as http from 'node:http';
import autocannon from 'autocannon';
import type { KinesisVideoClient } from '@aws-sdk/client-kinesis-video';
import { parseBenchArgs, positiveIntegerOption, positiveOption } from './bench-args';
import { BenchSession, fmtCpuPercent, fmtRate, mediansOfNumericFields, percentile, printMetricTable, type MetricRow } from './bench-report';
import { runBench, sleep, startCpuMeasurement, type ServerProcess } from './bench-support';
import { liveTargets } from './gateway-live-viewers';
import { hlsSessionUrl, recentFragments, startGateway, startVideoProducer, waitForFragments, withVideoEmulator } from './media-bench-support';

const SOURCES = ['apps/playback-gateway/src', 'libs/media/src', 'libs/auth/src', 'libs/emulator/src'];
const TARGET_P99_MS = 50;
const TARGET_CPU_MS_PER_PLAYLIST = 0.2;
/** public/low-latency.js polls a live playlist every 200 ms. */
const LIVE_POLL_MS = 200;
const WARMUP_SECONDS = 2;

const SHAPES = ['viewers', 'saturation', 'low-latency'] as const;
type Shape = (typeof SHAPES)[number];
const TARGETS = ['gateway segment', 'emulator segment', 'gateway playlist', 'emulator playlist'] as const;
const LIVE_TARGETS = ['gateway live playlist', 'gateway, not shared', 'emulator live playlist'] as const;
type Target = (typeof TARGETS)[number] | (typeof LIVE_TARGETS)[number];
const targetsOf = (shape: Shape): readonly Target[] => (shape === 'low-latency' ? LIVE_TARGETS : TARGETS);

const USAGE = `Usage: npm run bench:gateway -- [options]

Proxied HLS segments and playlists through apps/playback-gateway under autocannon, against the same resources
straight from the emulator (baseline), on loopback.

Options:
  --runs N          measured runs (default 3), medians reported
  --seconds S       duration of each measurement (default 10)
  --connections N   concurrent keep-alive connections = viewers (default 500)
  --live-viewers N  viewers of the low-latency shape, 5 live playlists/s each (default 500)
  --only LIST       load shapes, comma-separated: viewers (N requests/s in all), saturation (no rate),
                    low-latency (live media playlist, 5 requests/s per viewer)
                    (default viewers,saturation,low-latency)
  --profile         write a CPU profile of the (shared-playlist) gateway to tools/bench/results/profiles
                    when it stops (read it by function with tools/bench/src/gateway-profile-summary.ts)
  --help
`;

interface BenchOptions {
  runs: number;
  seconds: number;
  connections: number;
  liveViewers: number;
  shapes: Shape[];
  profile: boolean;
}

function parseOptions(argv: string[]): BenchOptions | undefined {
  const values = parseBenchArgs(argv, ['runs', 'seconds', 'connections', 'live-viewers', 'only'], ['profile']);
  if (values === undefined) return undefined;
  const shapes = (values.only ?? SHAPES.join(',')).split(',').map((s) => s.trim());
  for (const s of shapes) if (!(SHAPES as readonly string[]).includes(s)) throw new Error(`--only: unknown load shape ${s}`);
  return {
    runs: positiveIntegerOption('runs', values.runs, 3),
    seconds: positiveOption('seconds', values.seconds, 10),
    connections: positiveIntegerOption('connections', values.connections, 500),
    liveViewers: positiveIntegerOption('live-viewers', values['live-viewers'], 500),
    shapes: shapes as Shape[],
    profile: values.profile === true,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Sessions and URLs

/** The first URI line of a playlist (after #EXT lines), resolved against the playlist's URL; `match` filters. */
function firstUri(text: string, base: string, match: (uri: string) => boolean): string {
  for (const line of text.split('\n').map((l) => l.trim())) {
    if (line === '' || line.startsWith('#')) continue;
    if (match(line)) return new URL(line, base).toString();
  }
  throw new Error(`no matching URI in playlist ${base}:\n${text.slice(0, 600)}`);
}

async function fetchText(url: string, headers: Record<string, string> = {}): Promise<string> {
  const res = await fetch(url, { headers });
  const text = await res.text();
  if (!res.ok) throw new Error(`GET ${url} -> ${res.status}: ${text.slice(0, 300)}`);
  return text;
}

/** master → media playlist URL → its first segment URL (a middle one would do as well: all are immutable). */
async function playlistAndSegment(masterUrl: string): Promise<{ playlist: string; segment: string }> {
  const master = await fetchText(masterUrl);
  const playlist = firstUri(master, masterUrl, () => true);
  const media = await fetchText(playlist);
  const segment = firstUri(media, playlist, (u) => !/init/i.test(u));
  const res = await fetch(segment);
  const bytes = (await res.arrayBuffer()).byteLength;
  if (!res.ok || bytes === 0) throw new Error(`segment ${segment} -> ${res.status}, ${bytes} bytes`);
  return { playlist, segment };
}

/** A proxied playback session through the gateway's API: its master playlist URL. */
async function proxiedSession(gatewayUrl: string, apiKey: string, stream: string, startMs: number, endMs: number): Promise<string> {
  const res = await fetch(`${gatewayUrl}/api/streams/${encodeURIComponent(stream)}/playback`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
    body: JSON.stringify({ mode: 'ON_DEMAND', delivery: 'proxied', start: new Date(startMs).toISOString(), end: new Date(endMs).toISOString() }),
  });
  const body = (await res.json()) as { url?: string };
  if (!res.ok || typeof body.url !== 'string') throw new Error(`create playback session -> ${res.status}: ${JSON.stringify(body).slice(0, 300)}`);
  return new URL(body.url, gatewayUrl).toString();
}

// ---------------------------------------------------------------------------------------------------------
// Measurements

/** What a load generator measured of one URL. */
interface LoadFigures {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  requestsPerSecond: number;
  mbPerSecond: number;
  non2xx: number;
  errors: number;
  /** Requests answered during the whole measurement (the uncounted first interval too): the divisor of CPU per request. */
  answered: number;
}

/** One measurement: the load generator's figures, and what the processes and the gateway's counters say. */
interface Measurement extends LoadFigures {
  gatewayCpuPercent: number;
  emulatorCpuPercent: number;
  loadGeneratorCpuPercent: number;
  cacheHitRatio: number;
  /** Gateway and emulator CPU per request answered, ms. */
  gatewayCpuMsPerRequest: number;
  emulatorCpuMsPerRequest: number;
  /** Media playlists the gateway fetched from KVS per second during the measurement. */
  upstreamPlaylistsPerSecond: number;
  /** Failed KVS calls the gateway counted during the measurement (timeouts, errors). */
  gatewayUpstreamErrors: number;
}

function cannon(url: string, connections: number, seconds: number, rate: number | undefined): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon({ url, connections, duration: seconds, ...(rate !== undefined ? { overallRate: rate } : {}), timeout: 10 }, (err, result) => (err ? reject(err) : resolve(result)));
  });
}

/** The gateway's segment-cache counters and its failed upstream (KVS) calls, from /metrics (prom-client text). */
async function gatewayCounters(gatewayUrl: string): Promise<{ hits: number; misses: number; upstreamErrors: number; upstreamPlaylists: number }> {
  const text = await fetchText(`${gatewayUrl}/metrics`).catch(() => '');
  const sum = (name: string): number => {
    let total = Number.NaN;
    for (const m of text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.eE+-]+)$`, 'gm'))) total = (Number.isNaN(total) ? 0 : total) + Number(m[1]);
    return total;
  };
  return {
    hits: sum('playback_gateway_segment_cache_hits_total'),
    misses: sum('playback_gateway_segment_cache_misses_total'),
    upstreamErrors: sum('playback_gateway_upstream_errors_total'),
    upstreamPlaylists: sum('playback_gateway_upstream_request_duration_seconds_count\\{resource="media"\\}'),
  };
}

/**
 * `viewers` viewers, each on its own keep-alive connection, each fetching `url` once per `intervalMs`, their
 * phases spread evenly over the interval (live players refresh on their own clocks, not in step). Open loop: a
 * request's latency counts from when it was due, so a slow answer that delays the viewer's next request shows in
 * that one's latency too (no coordinated omission). The first interval (connection set-up) is not counted.
 */
async function viewerLoad(urls: string | readonly string[], viewers: number, seconds: number, intervalMs = 1000): Promise<LoadFigures> {
  // One URL for all, or viewer i fetches urls[i] (its own token); all on one host.
  const urlOf = (i: number): string => (typeof urls === 'string' ? urls : urls[i % urls.length]);
  const target = new URL(urlOf(0));
  const paths = Array.from({ length: viewers }, (_, i) => {
    const u = new URL(urlOf(i));
    return `${u.pathname}${u.search}`;
  });
  const agents = Array.from({ length: viewers }, () => new http.Agent({ keepAlive: true, maxSockets: 1 }));
  const latencies: number[] = [];
  let bytes = 0;
  let non2xx = 0;
  let errors = 0;
  let answered = 0;
  const t0 = performance.now() + 50;
  const countFrom = t0 + intervalMs;
  const endAt = countFrom + seconds * 1000;
  const get = (agent: http.Agent, requestPath: string): Promise<{ status: number; bytes: number }> =>
    new Promise((resolve, reject) => {
      const req = http.get({ host: target.hostname, port: target.port, path: requestPath, agent }, (res) => {
        let n = 0;
        res.on('data', (c: Buffer) => (n += c.length));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes: n }));
        res.on('error', reject);
      });
      req.on('error', reject);
    });
  const viewer = async (i: number): Promise<void> => {
    for (let due = t0 + (i * intervalMs) / viewers; due < endAt; due += intervalMs) {
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      // Timers may fire up to a millisecond early on performance.now()'s clock: count from the earlier of the two.
      const sent = Math.min(due, performance.now());
      try {
        const r = await get(agents[i], paths[i]);
        answered++;
        if (due >= countFrom) {
          latencies.push(performance.now() - sent);
          bytes += r.bytes;
          if (r.status < 200 || r.status > 299) non2xx++;
        }
      } catch {
        if (due >= countFrom) errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: viewers }, (_, i) => viewer(i)));
  for (const a of agents) a.destroy();
  const elapsed = (performance.now() - countFrom) / 1000;
  return {
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    maxMs: percentile(latencies, 100),
    requestsPerSecond: latencies.length / elapsed,
    mbPerSecond: bytes / elapsed / 1e6,
    non2xx,
    errors,
    answered,
  };
}

async function autocannonLoad(url: string, connections: number, seconds: number): Promise<LoadFigures> {
  const r = await cannon(url, connections, seconds, undefined);
  return {
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    maxMs: r.latency.max,
    requestsPerSecond: r.requests.average,
    mbPerSecond: r.throughput.average / 1e6,
    non2xx: r.non2xx,
    errors: r.errors,
    answered: r.requests.total,
  };
}

async function measure(url: string | readonly string[], shape: Shape, options: BenchOptions, gateway: ServerProcess, emulator: ServerProcess, gatewayUrl: string): Promise<Measurement> {
  const c0 = await gatewayCounters(gatewayUrl);
  const stop = startCpuMeasurement([gateway, emulator]);
  const r =
    shape === 'viewers'
      ? await viewerLoad(url, options.connections, options.seconds)
      : shape === 'low-latency'
        ? await viewerLoad(url, options.liveViewers, options.seconds, LIVE_POLL_MS)
        : await autocannonLoad(typeof url === 'string' ? url : url[0], options.connections, options.seconds);
  const cpu = stop();
  const c1 = await gatewayCounters(gatewayUrl);
  const lookups = c1.hits - c0.hits + (c1.misses - c0.misses);
  const upstreamPlaylists = (Number.isNaN(c1.upstreamPlaylists) ? 0 : c1.upstreamPlaylists) - (Number.isNaN(c0.upstreamPlaylists) ? 0 : c0.upstreamPlaylists);
  return {
    ...r,
    gatewayCpuPercent: (cpu.serverCpuSeconds[0] / (cpu.ms / 1000)) * 100,
    emulatorCpuPercent: (cpu.serverCpuSeconds[1] / (cpu.ms / 1000)) * 100,
    loadGeneratorCpuPercent: (cpu.ownCpuSeconds / (cpu.ms / 1000)) * 100,
    gatewayCpuMsPerRequest: r.answered > 0 ? (cpu.serverCpuSeconds[0] * 1000) / r.answered : Number.NaN,
    emulatorCpuMsPerRequest: r.answered > 0 ? (cpu.serverCpuSeconds[1] * 1000) / r.answered : Number.NaN,
    upstreamPlaylistsPerSecond: upstreamPlaylists / (cpu.ms / 1000),
    cacheHitRatio: lookups > 0 ? (c1.hits - c0.hits) / lookups : Number.NaN,
    // 0 when the metric has no series yet (no failure so far).
    gatewayUpstreamErrors: (Number.isNaN(c1.upstreamErrors) ? 0 : c1.upstreamErrors) - (Number.isNaN(c0.upstreamErrors) ? 0 : c0.upstreamErrors),
  };
}

// ---------------------------------------------------------------------------------------------------------

/** A few seconds of video in `stream`, then the producer stops: only serving loads the machine during the runs. */
async function recordVideo(emulator: ServerProcess, admin: KinesisVideoClient, stream: string): Promise<{ count: number; first: number; last: number }> {
  const producer = await startVideoProducer(emulator.url, { stream, fragmentMs: 1000, width: 640, height: 360, fps: 25, bitrateKbps: 1000 });
  try {
    await waitForFragments(admin, stream, 6);
  } finally {
    await producer.stop();
  }
  const fragments = await recentFragments(admin, stream, 600);
  const first = fragments[0]?.ProducerTimestamp?.getTime() ?? 0;
  const last = fragments[fragments.length - 1]?.ProducerTimestamp?.getTime() ?? 0;
  return { count: fragments.length, first, last };
}

/** The URLs under test: a proxied session through the gateway and a direct one on the emulator, over the same range. */
async function targetUrls(gateway: ServerProcess & { apiKey: string }, admin: KinesisVideoClient, stream: string, range: { first: number; last: number }): Promise<Record<(typeof TARGETS)[number], string>> {
  const { first, last } = range;
  const proxiedMaster = await proxiedSession(gateway.url, gateway.apiKey, stream, first - 1, last + 1);
  const directMaster = await hlsSessionUrl(admin, {
    StreamName: stream,
    PlaybackMode: 'ON_DEMAND',
    HLSFragmentSelector: { FragmentSelectorType: 'PRODUCER_TIMESTAMP', TimestampRange: { StartTimestamp: new Date(first - 1), EndTimestamp: new Date(last + 1) } },
    DisplayFragmentTimestamp: 'ALWAYS',
    ContainerFormat: 'FRAGMENTED_MP4',
    Expires: 43_200,
  });
  const proxied = await playlistAndSegment(proxiedMaster);
  const direct = await playlistAndSegment(directMaster);
  return {
    'gateway segment': proxied.segment,
    'emulator segment': direct.segment,
    'gateway playlist': proxied.playlist,
    'emulator playlist': direct.playlist,
  };
}

type TargetUrls = Partial<Record<Target, string | readonly string[]>>;

/** `--runs` runs of each of `shapes` against its targets, each measurement printed, added to `raw` keyed `<shape>|<target>`. */
async function measureRuns(
  options: BenchOptions,
  shapes: readonly Shape[],
  urls: TargetUrls,
  gateways: { main: ServerProcess; unshared?: ServerProcess },
  emulator: ServerProcess,
  raw: Map<string, Measurement[]>,
): Promise<void> {
  for (let run = 1; run <= options.runs; run++) {
    for (const shape of shapes) {
      for (const t of targetsOf(shape)) {
        const url = urls[t];
        if (url === undefined) throw new Error(`no URL for ${t}`);
        const gateway = t === 'gateway, not shared' && gateways.unshared ? gateways.unshared : gateways.main;
        const m = await measure(url, shape, options, gateway, emulator, gateway.url);
        const k = `${shape}|${t}`;
        raw.set(k, [...(raw.get(k) ?? []), m]);
        console.log(
          `run ${run}/${options.runs} ${shape.padEnd(11)} ${t.padEnd(22)}: p50 ${m.p50Ms.toFixed(1)} ms, p99 ${m.p99Ms.toFixed(1)} ms, max ${m.maxMs.toFixed(0)} ms; ` +
            `${fmtRate(m.requestsPerSecond)} req/s, ${m.mbPerSecond.toFixed(0)} MB/s; non-2xx ${m.non2xx}, errors ${m.errors}; ` +
            `gateway CPU ${fmtCpuPercent(m.gatewayCpuPercent)}, emulator ${fmtCpuPercent(m.emulatorCpuPercent)}, load generator ${fmtCpuPercent(m.loadGeneratorCpuPercent)}; gateway CPU/request ${m.gatewayCpuMsPerRequest.toFixed(3)} ms; ` +
            `cache hits ${Number.isFinite(m.cacheHitRatio) ? `${(m.cacheHitRatio * 100).toFixed(1)}%` : 'n/a'}; upstream playlists ${m.upstreamPlaylistsPerSecond.toFixed(1)}/s`,
        );
        if (m.non2xx > 0 || m.errors > 0) {
          console.log(`  WARNING: ${t} answered ${m.non2xx} non-2xx and ${m.errors} errors (socket errors or 10-s timeouts); the gateway counted ${m.gatewayUpstreamErrors} upstream errors`);
        }
      }
    }
  }
}

const TITLES: Record<Shape, (o: BenchOptions) => string> = {
  viewers: (o) => `Medians, ${o.connections} viewers, 1 request/s each`,
  saturation: (o) => `Medians, autocannon ${o.connections} connections, no rate`,
  'low-latency': (o) => `Medians, ${o.liveViewers} live viewers, the live media playlist 5 times/s each (${fmtRate((o.liveViewers * 1000) / LIVE_POLL_MS)} requests/s)`,
};

const fmtMs = (n: number, digits: number): string => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

function medianRows(shape: Shape): Array<MetricRow<Measurement>> {
  const targetNote = shape === 'saturation' ? '' : `; target <= ${TARGET_P99_MS} through the gateway`;
  const rows: Array<MetricRow<Measurement>> = [
    [`latency p50 (ms)`, (m) => m.p50Ms.toFixed(1)],
    [`latency p99 (ms${targetNote})`, (m) => m.p99Ms.toFixed(1)],
    ['latency max (ms)', (m) => m.maxMs.toFixed(0)],
    ['requests/s', (m) => fmtRate(m.requestsPerSecond)],
    ['MB/s', (m) => m.mbPerSecond.toFixed(shape === 'low-latency' ? 1 : 0)],
    ['non-2xx + errors (must be 0)', (m) => String(m.non2xx + m.errors)],
    ['gateway upstream (KVS) errors', (m) => String(m.gatewayUpstreamErrors)],
    ['gateway CPU (% of a core)', (m) => fmtCpuPercent(m.gatewayCpuPercent)],
    ['emulator CPU (% of a core)', (m) => fmtCpuPercent(m.emulatorCpuPercent)],
    ['load generator CPU (% of a core)', (m) => fmtCpuPercent(m.loadGeneratorCpuPercent)],
  ];
  if (shape === 'low-latency') {
    rows.push(
      [`gateway CPU per request (ms; target <= ${TARGET_CPU_MS_PER_PLAYLIST} through the gateway)`, (m) => fmtMs(m.gatewayCpuMsPerRequest, 3)],
      ['emulator CPU per request (ms)', (m) => fmtMs(m.emulatorCpuMsPerRequest, 3)],
      ['media playlists the gateway fetched from KVS/s', (m) => m.upstreamPlaylistsPerSecond.toFixed(1)],
    );
  } else {
    rows.push(['gateway segment-cache hit ratio', (m) => (Number.isFinite(m.cacheHitRatio) ? `${(m.cacheHitRatio * 100).toFixed(1)}%` : 'n/a')]);
  }
  return rows;
}

/** A table of medians per load shape, and the target lines; the verdicts of the viewers and low-latency shapes. */
function printMedians(options: BenchOptions, medians: Record<string, Measurement>): Record<string, boolean> {
  const verdicts: Record<string, boolean> = {};
  const clean = (m: Measurement): boolean => m.non2xx + m.errors === 0;
  for (const shape of options.shapes) {
    console.log('');
    const col = (t: Target): Measurement => medians[`${shape}|${t}`];
    const rows: Array<MetricRow<Target>> = medianRows(shape).map(([label, f]) => [label, (t) => f(col(t))]);
    printMetricTable(TITLES[shape](options), targetsOf(shape), (t) => t, rows);
    if (shape === 'viewers') {
      verdicts['segment'] = col('gateway segment').p99Ms <= TARGET_P99_MS && clean(col('gateway segment'));
      verdicts['playlist'] = col('gateway playlist').p99Ms <= TARGET_P99_MS && clean(col('gateway playlist'));
    }
    if (shape === 'low-latency') {
      const live = col('gateway live playlist');
      verdicts['live playlist p99'] = live.p99Ms <= TARGET_P99_MS && clean(live);
      verdicts['live playlist CPU'] = live.gatewayCpuMsPerRequest <= TARGET_CPU_MS_PER_PLAYLIST;
    }
  }
  console.log('');
  const word = (ok: boolean | undefined): string => (ok ? 'met' : 'MISSED');
  if (options.shapes.includes('viewers')) {
    console.log(
      `Target: p99 <= ${TARGET_P99_MS} ms through the gateway with ${options.connections} viewers on loopback: segment ` +
        `${medians['viewers|gateway segment'].p99Ms.toFixed(1)} ms -> ${word(verdicts['segment'])}; playlist ${medians['viewers|gateway playlist'].p99Ms.toFixed(1)} ms -> ${word(verdicts['playlist'])}`,
    );
  }
  if (options.shapes.includes('low-latency')) {
    const live = medians['low-latency|gateway live playlist'];
    console.log(
      `Target: ${options.liveViewers} low-latency viewers (${fmtRate((options.liveViewers * 1000) / LIVE_POLL_MS)} live playlists/s) through the gateway: ` +
        `p99 ${live.p99Ms.toFixed(1)} ms (<= ${TARGET_P99_MS}) -> ${word(verdicts['live playlist p99'])}; ` +
        `CPU per proxied playlist ${fmtMs(live.gatewayCpuMsPerRequest, 3)} ms (<= ${TARGET_CPU_MS_PER_PLAYLIST}) -> ${word(verdicts['live playlist CPU'])}`,
    );
  }
  return verdicts;
}

/**
 * The low-latency shape's runs: a second stream filled live by the producer while they last, its targets
 * (gateway-live-viewers.ts), one untimed warm-up each (every viewer's token verified once), then `--runs` runs.
 */
async function liveRuns(options: BenchOptions, emulator: ServerProcess, admin: KinesisVideoClient, gateway: ServerProcess & { apiKey: string }, raw: Map<string, Measurement[]>): Promise<number> {
  const stream = `bench-gateway-live-${process.pid}`;
  const producer = await startVideoProducer(emulator.url, { stream, fragmentMs: 1000, width: 320, height: 180, fps: 10, bitrateKbps: 300 });
  // The same tokens work on any gateway with the same playback key: this one fetches and rewrites for every request.
  const unshared = await startGateway(emulator.url, ['--playlist-share-ms', '0']);
  try {
    await waitForFragments(admin, stream, 2);
    const live = await liveTargets(gateway.url, gateway.apiKey, admin, stream, options.liveViewers);
    console.log(`  live stream ${stream} (producer running): ${options.liveViewers} viewers with ${live.distinctTokens} distinct tokens on one shared KVS session`);
    console.log(`  gateway live playlist: ${live.gateway[0].replace(/\/hls\/[^/]+\//, '/hls/<token>/')}; emulator live playlist: ${live.emulator.replace(/SessionToken=[^&]+/, 'SessionToken=<token>')}`);
    await viewerLoad(live.gateway, options.liveViewers, WARMUP_SECONDS, LIVE_POLL_MS);
    const unsharedUrls = live.gateway.map((u) => u.replace(gateway.url, unshared.url));
    await viewerLoad(unsharedUrls, options.liveViewers, WARMUP_SECONDS, LIVE_POLL_MS);
    await viewerLoad(live.emulator, options.liveViewers, WARMUP_SECONDS, LIVE_POLL_MS);
    const urls = { 'gateway live playlist': live.gateway, 'gateway, not shared': unsharedUrls, 'emulator live playlist': live.emulator };
    await measureRuns(options, ['low-latency'], urls, { main: gateway, unshared }, emulator, raw);
    return live.distinctTokens;
  } finally {
    await unshared.stop();
    await producer.stop();
  }
}

async function main(options: BenchOptions): Promise<void> {
  const session = new BenchSession('gateway', SOURCES);
  await withVideoEmulator('tributary-gateway-bench-data-', {}, async (emulator, admin) => {
    const stream = `bench-gateway-${process.pid}`;
    let gateway: (ServerProcess & { apiKey: string }) | undefined;
    try {
      const fragments = await recordVideo(emulator, admin, stream);
      gateway = await startGateway(emulator.url, [], { profile: options.profile });
      const urls = await targetUrls(gateway, admin, stream, fragments);
      const segmentBytes = (await (await fetch(urls['gateway segment'])).arrayBuffer()).byteLength;
      console.log(
        `Gateway serving bench: ${options.runs} runs x ${options.shapes.join(', ')}, ${options.connections} connections, ${options.liveViewers} live viewers, ${options.seconds} s each; ` +
          session.machineSummary(),
      );
      console.log(`  stream ${stream}: ${fragments.count} fragments of 1 s; segment ${(segmentBytes / 1024).toFixed(0)} KiB`);
      const raw = new Map<string, Measurement[]>();
      // The shapes over stored video first, with no producer running; then the live one, with one.
      const stored = options.shapes.filter((shape) => shape !== 'low-latency');
      if (stored.length > 0) {
        for (const t of TARGETS) console.log(`  ${t}: ${urls[t].replace(/\/hls\/[^/]+\//, '/hls/<token>/').replace(/SessionToken=[^&]+/, 'SessionToken=<token>')}`);
        for (const t of TARGETS) await cannon(urls[t], Math.min(50, options.connections), WARMUP_SECONDS, undefined);
        await measureRuns(options, stored, urls, { main: gateway }, emulator, raw);
      }
      const distinctTokens = options.shapes.includes('low-latency') ? await liveRuns(options, emulator, admin, gateway, raw) : undefined;
      const medians: Record<string, Measurement> = {};
      for (const [k, ms] of raw) medians[k] = mediansOfNumericFields(ms);
      const verdicts = printMedians(options, medians);
      session.printClosingNotes('the gateway, libs/media, libs/auth or the emulator');
      session.writeResults({
        options,
        segmentBytes,
        fragments: fragments.count,
        liveDistinctTokens: distinctTokens,
        target: { p99Ms: TARGET_P99_MS, cpuMsPerLivePlaylist: TARGET_CPU_MS_PER_PLAYLIST },
        verdicts,
        medians,
        runs: Object.fromEntries(raw),
      });
    } finally {
      if (gateway) await gateway.stop();
    }
  });
}

runBench(USAGE, parseOptions, main);
