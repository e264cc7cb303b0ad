/**
 * Recording and scheduled upload end to end, in process: the emulator (port 0, a data folder, closed and started
 * again on the same port for an outage), ffmpeg's test pattern as the live camera, and a backlog of hours.
 *
 * Hours of backlog in seconds of wall time: a short clip that ffmpeg encodes here is cut into fragments and
 * re-stamped with capture times spread over the last three hours, written through the recording store into the
 * camera's recording folder, as an earlier run would have left it while KVS was unreachable. The producer then
 * records live video through a real outage (the emulator closed for a few seconds: that video joins the backlog),
 * KVS comes back with the upload window still closed (only live goes up), and the window opens (a cron at a
 * given second): the backlog drains, oldest first, at the cap, while live keeps arriving with fresh timestamps.
 * Read back with ListFragments (SDK v3): every recorded fragment exactly once, under its capture time.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Fragment } from '@aws-sdk/client-kinesis-video-archived-media';
import { startEmulator, type RunningEmulator } from '@tributary/emulator';
import { listAllFragments } from '@tributary/kvs/testing';
import { Fragmenter, MatroskaStreamReader, msToTicks, writeFragment, writeStreamHeader, type MkvFragment } from '@tributary/media';
import { waitUntil } from '@tributary/runtime/testing';
import { RecordingStore } from '../recording/recording-store';
import { loadConfig, type VideoProducerConfig } from '../video-producer-config';
import { startVideoProducer, type RunningVideoProducer } from '../video-producer-app';

const region = 'us-east-1';
const credentials = { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' };
const HOUR = 3_600_000;
const BACKLOG_FRAGMENTS = 120;
/** Wall time the drain should take at the cap (the cap is set from the backlog's size). */
const DRAIN_SECONDS = 8;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'scheduled-upload-int-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A 4-s clip from ffmpeg (1-s GOPs, small), cut into fragments as the camera pipeline cuts them. */
function recordClip(): { header: Uint8Array; scaleNs: number; fragments: MkvFragment[] } {
  const mkv = execFileSync(
    'ffmpeg',
    ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=10', '-t', '4', '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', '10', '-keyint_min', '10', '-sc_threshold', '0', '-b:v', '100k', '-pix_fmt', 'yuv420p', '-f', 'matroska', '-'],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  const reader = new MatroskaStreamReader();
  const fragmenter = new Fragmenter({ minDurationMs: 1000, maxDurationMs: 10_000, originMs: 0 });
  let header: Uint8Array | undefined;
  let scaleNs = 1_000_000;
  const fragments: MkvFragment[] = [];
  for (const ev of [...reader.push(new Uint8Array(mkv)), ...reader.end()]) {
    if (ev.type === 'header') {
      header = writeStreamHeader(ev.header);
      scaleNs = ev.header.timecodeScaleNs;
    } else if (ev.type === 'cluster') {
      for (const frame of ev.cluster.frames) fragments.push(...fragmenter.push(frame));
    }
  }
  fragments.push(...fragmenter.flush());
  if (!header || fragments.length < 3) throw new Error(`clip: ${fragments.length} fragments`);
  return { header, scaleNs, fragments: fragments.slice(0, 3) };
}

/** The clip's fragment moved to capture time `atMs` (every frame shifted alike). */
function restamp(f: MkvFragment, atMs: number): MkvFragment {
  const shift = atMs - f.timestampMs;
  return { ...f, timestampMs: atMs, frames: f.frames.map((fr) => ({ ...fr, timestampMs: fr.timestampMs + shift })) };
}

/** A 6-field cron (seconds first, UTC) that fires once a day at the second of `ms`. */
function cronAt(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCSeconds()} ${d.getUTCMinutes()} ${d.getUTCHours()} * * *`;
}

const ms = (d: Date | undefined): number => d?.getTime() ?? NaN;
const byArrival = (a: Fragment, b: Fragment): number => (BigInt(a.FragmentNumber ?? '0') < BigInt(b.FragmentNumber ?? '0') ? -1 : 1);

describe('recording and scheduled upload → emulator', () => {
  let emulator: RunningEmulator | undefined;
  let producer: RunningVideoProducer | undefined;

  afterEach(async () => {
    await producer?.close();
    await emulator?.close();
  });

  it('drains hours of backlog at the cap when the window opens, oldest first, under capture times, while live keeps flowing; each fragment once', async () => {
    const stream = `vp-rec-${process.pid}`;
    const recordDir = join(dir, 'recording');
    const dataDir = join(dir, 'emulator-data');

    // The backlog of an earlier run: 120 fragments over the last three hours (one every 90 s).
    const clip = recordClip();
    const now0 = Date.now();
    const backlog = new RecordingStore({ dir: join(recordDir, stream), maxBytes: 1024 ** 3, maxAgeMs: 24 * HOUR, fsync: false });
    const synthesized = new Map<number, number>(); // timecode → bytes
    for (let i = 0; i < BACKLOG_FRAGMENTS; i++) {
      const at = now0 - 3 * HOUR + i * 90_000;
      const bytes = writeFragment(restamp(clip.fragments[i % clip.fragments.length], at), clip.scaleNs);
      const timecode = msToTicks(at, clip.scaleNs);
      await backlog.append({ timecode, header: clip.header, bytes });
      synthesized.set(timecode, bytes.length);
    }
    const backlogBytes = [...synthesized.values()].reduce((a, b) => a + b, 0);
    const capBytesPerSec = backlogBytes / DRAIN_SECONDS;
    const capMbps = Math.round(((capBytesPerSec * 8) / 1_000_000) * 1000) / 1000;

    emulator = await startEmulator({ port: 0, dynamodb: false, dataDir });
    const port = emulator.port;
    // The window opens once the outage below is over (the assertions do not depend on when exactly).
    const windowOpensAt = Math.ceil((Date.now() + 20_000) / 1000) * 1000;
    const loaded = loadConfig(
      [
        ...['--stream', stream, '--source', 'testsrc', '--fragment-ms', '1000', '--width', '320', '--height', '240', '--fps', '10'],
        ...['--bitrate', '100', '--preset', 'ultrafast', '--spool-dir', join(dir, 'spool'), '--spool-fsync', 'off', '--create-stream', 'on'],
        ...['--record', 'on', '--record-dir', recordDir, '--live-window-ms', '2000'],
        ...['--upload-schedule', cronAt(windowOpensAt), '--upload-window-seconds', '600', '--upload-max-mbps', String(capMbps)],
        ...['--port', '0', '--host', '127.0.0.1', '--shutdown-timeout', '15000', '--log-level', 'silent'],
      ],
      {},
    );
    if (loaded.help) throw new Error('unexpected --help');
    const config: VideoProducerConfig = loaded.config;
    const started = await startVideoProducer({
      config,
      kinesisVideo: { endpoint: emulator.url, region, credentials },
      reconnectBaseDelayMs: 100,
      reconnectMaxDelayMs: 300,
      uploadTickMs: 50,
      defaultMetrics: false,
    });
    producer = started;
    const camera = started.cameras[0];
    const recording = camera.recording;
    if (!recording?.uploader) throw new Error('the camera does not record');
    const live = new Set<number>();
    camera.session.on('fragment-persisted', (e) => live.add(e.timecode));
    const metric = async (name: string): Promise<number> => {
      const text = await (await fetch(`${started.url}/metrics`)).text();
      const line = text.split('\n').find((l) => l.startsWith(`${name}{stream="${stream}"}`));
      return Number(line?.split(' ')[1]);
    };

    // Live goes up; the earlier run's backlog waits for its window.
    await waitUntil('a live fragment persisted', () => live.size >= 1, { timeoutMs: 20_000 });
    expect(await metric('video_producer_recording_active')).toBe(1);
    expect(await metric('video_producer_backlog_fragments')).toBeGreaterThanOrEqual(BACKLOG_FRAGMENTS);
    expect(await metric('video_producer_backlog_age_seconds')).toBeGreaterThanOrEqual(3 * 3600 - 60);
    expect(await metric('video_producer_upload_window_open')).toBe(0);

    // An outage: what is captured meanwhile is recorded; what leaves the 2-s live window joins the backlog.
    await emulator.close();
    emulator = undefined;
    await sleep(5000);
    emulator = await startEmulator({ port, dynamodb: false, dataDir });
    const liveBefore = live.size;
    await waitUntil('live again after the outage', () => live.size > liveBefore, { timeoutMs: 15_000 });
    expect(Date.now()).toBeLessThan(windowOpensAt); // else the machine is too slow for this layout: the window opened already
    const health = (await (await fetch(`${started.url}/healthz`)).json()) as { cameras: Array<{ recording?: { backlogFragments: number; upload: { windowOpen: boolean; phase: string } } }> };
    expect(health.cameras[0].recording).toMatchObject({ upload: { windowOpen: false, phase: 'closed' } });
    expect(health.cameras[0].recording?.backlogFragments).toBeGreaterThan(BACKLOG_FRAGMENTS); // the outage's video too

    // Draining: the window is open and the upload rate (a 10-s average, live included) shows it: 60 fragments of
    // ~16 kB sent within the last 10 s are at least 0.2 × the cap however slow the machine.
    const before = recording.store.stats().pendingFragments;
    await waitUntil('the backlog draining', () => recording.store.stats().pendingFragments < before - 60, { timeoutMs: 40_000, intervalMs: 100 });
    expect(await metric('video_producer_upload_window_open')).toBe(1);
    expect(await metric('video_producer_upload_bytes_per_second')).toBeGreaterThan(capBytesPerSec * 0.2);
    await waitUntil('the backlog drained', () => recording.store.stats().pendingFragments === 0 && recording.store.list().length > BACKLOG_FRAGMENTS, { timeoutMs: 60_000, intervalMs: 200 });
    expect(await metric('video_producer_backlog_fragments')).toBe(0);
    expect(await metric('video_producer_backlog_age_seconds')).toBe(0);
    expect(await metric('video_producer_upload_backlog_fragments_total')).toBeGreaterThan(BACKLOG_FRAGMENTS);
    await sleep(1500); // live goes on after the drain
    expect(await started.close()).toMatchObject({ timedOut: false });
    producer = undefined;
    await recording.store.settled();

    // Every recorded fragment is in the stream exactly once, under its capture time.
    const listed = await listAllFragments({ endpoint: emulator.url, region, credentials }, stream);
    const recorded = recording.store.list();
    expect(recorded.every((r) => r.uploaded)).toBe(true);
    const producerTimes = listed.map((f) => ms(f.ProducerTimestamp));
    expect(new Set(producerTimes).size).toBe(listed.length);
    expect([...producerTimes].sort((a, b) => a - b)).toEqual(recorded.map((r) => r.timecode));
    for (const [timecode] of synthesized) expect(producerTimes).toContain(timecode);

    // The backlog (whatever the live session did not persist) went up only once the window was open, oldest first.
    const backlogListed = listed.filter((f) => !live.has(ms(f.ProducerTimestamp))).sort(byArrival);
    expect(backlogListed.length).toBeGreaterThan(BACKLOG_FRAGMENTS);
    for (const f of backlogListed) expect(ms(f.ServerTimestamp)).toBeGreaterThanOrEqual(windowOpensAt - 50);
    for (let i = 1; i < backlogListed.length; i++) expect(ms(backlogListed[i].ProducerTimestamp)).toBeGreaterThan(ms(backlogListed[i - 1].ProducerTimestamp));

    // At the cap: bytes over the arrival span (the bucket's first second of burst included, live charged too).
    const first = ms(backlogListed[0].ServerTimestamp);
    const last = ms(backlogListed[backlogListed.length - 1].ServerTimestamp);
    const drainSeconds = (last - first) / 1000;
    const drained = backlogListed.slice(1).reduce((sum, f) => sum + (f.FragmentSizeInBytes ?? 0), 0);
    const rate = drained / drainSeconds;
    process.stdout.write(`scheduled upload: ${backlogListed.length} backlog fragments, ${drained} bytes in ${drainSeconds.toFixed(2)} s = ${(rate / 1000).toFixed(1)} kB/s against a cap of ${(capBytesPerSec / 1000).toFixed(1)} kB/s (${capMbps} Mbit/s); ${recording.uploader.stats().backlogTurns} turns\n`);
    expect(rate).toBeLessThan(capBytesPerSec * 1.35);
    expect(rate).toBeGreaterThan(capBytesPerSec * 0.4);

    // Live kept flowing during the drain, with fresh timestamps.
    const liveDuringDrain = listed.filter((f) => live.has(ms(f.ProducerTimestamp)) && ms(f.ServerTimestamp) > first && ms(f.ServerTimestamp) < last);
    expect(liveDuringDrain.length).toBeGreaterThanOrEqual(Math.max(2, Math.floor(drainSeconds * 0.5) - 1));
    for (const f of liveDuringDrain) expect(ms(f.ServerTimestamp) - ms(f.ProducerTimestamp)).toBeLessThan(8_000);
  });
});
