/**
 * One measured video-producer run, in a fresh process of its own (so that its CPU time is only this run's and it
 * gets a core while the emulator has the other). Started by video-bench.ts as
 *
 *   node --import tsx tools/bench/src/video-bench-worker.ts '<VideoWorkerInput as JSON>'
 *
 * it writes one line, the VideoWorkerResult as JSON, and exits.
 *
 * The run replays a cached ffmpeg recording (live Matroska, H.264) in real time for N streams: each stream's bytes
 * are handed over at the wall-clock pace of the file, one chunk per frame, ending where the frame's SimpleBlock
 * ends, at the frame's presentation time (what reading ffmpeg's stdout gives a live producer). Each stream goes
 * through the real pipeline: MatroskaStreamReader → Fragmenter (ABSOLUTE timecodes) → writeFragment →
 * PutMediaSession (@tributary/kvs, its default InMemoryFragmentStore) to its own KVS stream on the emulator.
 * Stream i starts i/N of a second after stream 0, so that the streams' keyframes (and fragments) do not all fall
 * on the same instant, as with unsynchronised cameras.
 *
 * Phases: `warmupSeconds` untimed (JIT, connections), then the steady window of `seconds`, over which this
 * process's CPU time (process.cpuUsage), the emulator's (/proc), the fragments sent and the bytes acknowledged
 * PERSISTED are counted; then the feeds stop, each Fragmenter is flushed and each session ended (end() resolves
 * once every fragment is PERSISTED or refused).
 */
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Fragmenter, MatroskaStreamReader, msToTicks, writeFragment, type MatroskaEvent, type MkvFragment } from '@tributary/media';
import { PutMediaClient, type PutMediaSession } from '@tributary/kvs';
import { BENCH_CREDENTIALS, BENCH_REGION, ownMemory, processCpuSeconds, sleep, startPeakSampling } from './bench-support';

export interface VideoWorkerInput {
  url: string;
  emulatorPid: number;
  /** The KVS streams, one per replayed camera (already ACTIVE). */
  streams: string[];
  /** The recording to replay (live Matroska from ffmpeg). */
  file: string;
  warmupSeconds: number;
  seconds: number;
}

export interface VideoWorkerResult {
  pid: number;
  streams: number;
  /** Length of the steady window as measured. */
  seconds: number;
  ownCpuSeconds: number;
  emulatorCpuSeconds: number;
  /** Bytes handed to the Matroska readers during the window (the recording's pace × streams). */
  bytesFed: number;
  /** Fragments first sent during the window, and their sent → PERSISTED latencies (ms). */
  fragmentsSentInWindow: number;
  latenciesMs: number[];
  /** Bytes (fragment sizes) and fragments acknowledged PERSISTED during the window. */
  persistedBytesInWindow: number;
  persistedInWindow: number;
  /** Whole run (warm-up, window and drain): fragments cut, PERSISTED (distinct), refused, resent; reconnects. */
  fragmentsCut: number;
  fragmentsPersisted: number;
  fragmentsFailed: number;
  fragmentsResent: number;
  reconnects: number;
  /** Fragments cut per stream, for the parent's ListFragments check. */
  fragmentsCutPerStream: number[];
  sessionErrors: string[];
  peakRssBytes: number;
  peakHeapUsedBytes: number;
  /** This process's CPU over one idle second before the streams start (after a second to settle), in s/s. */
  idleCpuFraction: number;
  /** Event-loop delay during the window (monitorEventLoopDelay at 20-ms resolution, the resolution taken off), p99 and max in ms. */
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
}

/** Where each frame of the recording ends in the file and when (ms from the first frame): one chunk per frame. */
interface ReplayPlan {
  bytes: Uint8Array;
  cuts: Array<{ end: number; atMs: number }>;
}

function planReplay(file: string): ReplayPlan {
  const bytes = new Uint8Array(readFileSync(file));
  const reader = new MatroskaStreamReader();
  const cuts: Array<{ end: number; atMs: number }> = [];
  let first: number | undefined;
  for (const ev of [...reader.push(bytes), ...reader.end()]) {
    if (ev.type !== 'cluster') continue;
    const c = ev.cluster;
    for (const f of c.frames) {
      first ??= f.timestampMs;
      // Frames are views into the cluster's bytes, which start at c.offset in the file.
      const end = c.offset + (f.data.byteOffset - c.bytes.byteOffset) + f.data.length;
      const at = f.timestampMs - first;
      const last = cuts[cuts.length - 1];
      if (last && end <= last.end) continue;
      cuts.push({ end, atMs: Math.max(at, last?.atMs ?? 0) });
    }
  }
  if (cuts.length === 0) throw new Error(`${file} holds no frames`);
  // Whatever follows the last frame (cues, tags) goes with it.
  cuts[cuts.length - 1].end = bytes.length;
  return { bytes, cuts };
}

/** The histogram records the whole interval between its timer's runs, resolution included. */
const LOOP_DELAY_RESOLUTION_MS = 20;

interface Window {
  start: number;
  end: number;
}

/** One replayed camera: its reader, fragmenter and PutMedia session, and its bookkeeping. */
class ReplayedStream {
  readonly reader = new MatroskaStreamReader();
  readonly fragmenter: Fragmenter;
  scale = 1_000_000;
  cut = 0;
  headerWritten = false;
  chain: Promise<void> = Promise.resolve();
  failure: unknown;
  readonly persisted = new Set<number>();
  readonly sentAt = new Map<number, { at: number; bytes: number }>();

  constructor(
    readonly session: PutMediaSession,
    originMs: number,
  ) {
    this.fragmenter = new Fragmenter({ originMs });
  }

  handle(events: MatroskaEvent[]): void {
    for (const ev of events) {
      if (ev.type === 'header') {
        this.scale = ev.header.timecodeScaleNs;
        if (!this.headerWritten) {
          this.session.writeHeader(ev.bytes.slice());
          this.headerWritten = true;
        }
      } else if (ev.type === 'cluster') {
        for (const frame of ev.cluster.frames) for (const f of this.fragmenter.push(frame)) this.send(f);
      }
    }
  }

  send(f: MkvFragment): void {
    this.cut++;
    const bytes = writeFragment(f, this.scale);
    const timecode = msToTicks(f.timestampMs, this.scale);
    // In order, one at a time: writeFragment resolves once the fragment is stored and the socket took it.
    this.chain = this.chain
      .then(() => this.session.writeFragment(bytes, timecode))
      .catch((err: unknown) => {
        this.failure ??= err;
      });
  }
}

async function main(): Promise<void> {
  const input = JSON.parse(process.argv[2]) as VideoWorkerInput;
  const plan = planReplay(input.file);
  // The idle baseline: what the process costs with nothing to do, once the collection after loading and
  // reading the recording is over (the first second after it costs 1-3 % of a core).
  await sleep(1000);
  const idle0 = process.cpuUsage();
  const idleStart = performance.now();
  await sleep(1000);
  const idle = process.cpuUsage(idle0);
  const idleCpuFraction = (idle.user + idle.system) / 1e3 / (performance.now() - idleStart);
  const client = new PutMediaClient({ endpoint: input.url, region: BENCH_REGION, credentials: BENCH_CREDENTIALS });
  const n = input.streams.length;
  const sessionErrors: string[] = [];
  const window: Window = { start: Number.POSITIVE_INFINITY, end: Number.POSITIVE_INFINITY };
  const inWindow = (t: number): boolean => t >= window.start && t < window.end;
  let fragmentsSentInWindow = 0;
  let persistedInWindow = 0;
  let persistedBytesInWindow = 0;
  let fragmentsFailed = 0;
  const latenciesMs: number[] = [];
  let bytesFed = 0;

  const streams: ReplayedStream[] = [];
  const t0 = Date.now() + 200;
  for (let i = 0; i < n; i++) {
    const name = input.streams[i];
    const session = client.createSession({ streamName: name });
    const s = new ReplayedStream(session, t0 + Math.round((i * 1000) / n));
    session.on('fragment-sent', (e) => {
      if (e.sendCount !== 1) return;
      const at = performance.now();
      s.sentAt.set(e.timecode, { at, bytes: e.bytes });
      if (inWindow(at)) fragmentsSentInWindow++;
    });
    session.on('fragment-persisted', (e) => {
      s.persisted.add(e.timecode);
      const sent = s.sentAt.get(e.timecode);
      s.sentAt.delete(e.timecode);
      const now = performance.now();
      if (inWindow(now)) {
        persistedInWindow++;
        persistedBytesInWindow += sent?.bytes ?? 0;
      }
      // Latency of the fragments first sent in the window.
      if (sent && inWindow(sent.at)) latenciesMs.push(e.ackLatencyMs);
    });
    session.on('fragment-failed', () => fragmentsFailed++);
    session.on('session-error', (e) => sessionErrors.push(`${name}: ${e.code} ${e.message}`));
    await session.open();
    streams.push(s);
  }

  // The feeds: one async loop per stream, each chunk at its frame's time from the stream's own start.
  let stopFeeding = false;
  const feed = async (s: ReplayedStream, startAt: number): Promise<void> => {
    let from = 0;
    for (const cut of plan.cuts) {
      if (stopFeeding) return;
      const wait = startAt + cut.atMs - performance.now();
      if (wait > 0) await sleep(wait);
      if (stopFeeding) return;
      const chunk = plan.bytes.subarray(from, cut.end);
      from = cut.end;
      if (inWindow(performance.now())) bytesFed += chunk.length;
      s.handle(s.reader.push(chunk));
    }
  };
  const base = performance.now() + 200;
  const feeds = streams.map((s, i) => feed(s, base + (i * 1000) / n));
  const needMs = (input.warmupSeconds + input.seconds) * 1000 + 1000;
  const recordingMs = plan.cuts[plan.cuts.length - 1].atMs;
  if (needMs > recordingMs) throw new Error(`the recording lasts ${(recordingMs / 1000).toFixed(1)} s, the run needs ${(needMs / 1000).toFixed(1)} s`);

  await sleep(200 + input.warmupSeconds * 1000);
  // The steady window.
  const stopPeak = startPeakSampling(ownMemory, 500);
  const loopDelay = monitorEventLoopDelay({ resolution: LOOP_DELAY_RESOLUTION_MS });
  loopDelay.enable();
  const cpu0 = process.cpuUsage();
  const emu0 = processCpuSeconds(input.emulatorPid);
  window.start = performance.now();
  await sleep(input.seconds * 1000);
  window.end = performance.now();
  const cpu = process.cpuUsage(cpu0);
  const emulatorCpuSeconds = processCpuSeconds(input.emulatorPid) - emu0;
  loopDelay.disable();
  const peak = stopPeak();

  // Drain: stop the feeds, flush each fragmenter (the GOP in progress), end each session.
  stopFeeding = true;
  await Promise.all(feeds);
  for (const s of streams) for (const f of s.fragmenter.flush()) s.send(f);
  await Promise.all(
    streams.map(async (s) => {
      await s.chain;
      await s.session.end();
    }),
  );
  client.destroy();

  let fragmentsResent = 0;
  let reconnects = 0;
  for (const s of streams) {
    const totals = s.session.stats().totals;
    fragmentsResent += totals.fragmentsResent;
    reconnects += totals.reconnects;
    if (s.failure) sessionErrors.push(String(s.failure));
  }
  const result: VideoWorkerResult = {
    pid: process.pid,
    streams: n,
    seconds: (window.end - window.start) / 1000,
    ownCpuSeconds: (cpu.user + cpu.system) / 1e6,
    emulatorCpuSeconds,
    bytesFed,
    fragmentsSentInWindow,
    latenciesMs,
    persistedBytesInWindow,
    persistedInWindow,
    fragmentsCut: streams.reduce((a, s) => a + s.cut, 0),
    fragmentsPersisted: streams.reduce((a, s) => a + s.persisted.size, 0),
    fragmentsFailed,
    fragmentsResent,
    reconnects,
    fragmentsCutPerStream: streams.map((s) => s.cut),
    sessionErrors,
    peakRssBytes: peak.rssBytes,
    peakHeapUsedBytes: peak.heapUsedBytes,
    idleCpuFraction,
    loopDelayP99Ms: Math.max(0, loopDelay.percentile(99) / 1e6 - LOOP_DELAY_RESOLUTION_MS),
    loopDelayMaxMs: Math.max(0, loopDelay.max / 1e6 - LOOP_DELAY_RESOLUTION_MS),
  };
  process.stdout.write(JSON.stringify(result) + '\n');
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error('video bench worker failed:', err);
    process.exit(1);
  },
);
