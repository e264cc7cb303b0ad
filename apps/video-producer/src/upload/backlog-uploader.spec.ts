/**
 * The backlog upload's turns, on fake time: the real PutMedia sessions of libs/kvs over fake connections (one
 * connector per client, as the app has one client for live and one for the backlog) play KVS, which takes one
 * connection per stream; the test checks after every step that live and backlog are never connected together.
 */
import { PutMediaConnectionError, type PutMediaSession, type ReplayableFragment } from '@tributary/kvs';
import { FakePutMediaConnector } from '@tributary/kvs/testing';
import { TokenBucket } from '@tributary/runtime';
import { FakeTimers } from '@tributary/runtime/testing';
import { LIVE_SESSION_OPTIONS } from '../recording/camera-recording';
import { LiveRecordingStore } from '../recording/live-recording-store';
import { BacklogUploader, type BacklogSource } from './backlog-uploader';
import { UploadSchedule } from './upload-schedule';

const enc = new TextEncoder();
const HEADER = enc.encode('HDR1');
const SIZE = 1000;
/** `F<timecode>` padded to SIZE bytes. */
const frag = (timecode: number): ReplayableFragment => {
  const bytes = new Uint8Array(SIZE).fill(0x20);
  bytes.set(enc.encode(`F${timecode}`));
  return { timecode, header: HEADER, bytes };
};

/** The recording, in memory (the real one is recording-store.spec.ts's). */
class MemoryRecording implements BacklogSource {
  readonly fragments = new Map<number, { fragment: ReplayableFragment; uploaded: boolean }>();
  append(fragment: ReplayableFragment): Promise<void> {
    this.fragments.set(fragment.timecode, { fragment, uploaded: false });
    return Promise.resolve();
  }
  nextPending(after = -Infinity, skip?: (t: number) => boolean): { timecode: number; size: number } | undefined {
    for (const [timecode, e] of [...this.fragments].sort((a, b) => a[0] - b[0])) {
      if (!e.uploaded && timecode > after && !skip?.(timecode)) return { timecode, size: e.fragment.bytes.length };
    }
    return undefined;
  }
  read(timecode: number): Promise<ReplayableFragment | undefined> {
    return Promise.resolve(this.fragments.get(timecode)?.fragment);
  }
  markUploaded(timecode: number): Promise<void> {
    const e = this.fragments.get(timecode);
    if (e) e.uploaded = true;
    return Promise.resolve();
  }
  sweep(): Promise<void> {
    return Promise.resolve();
  }
  get pending(): number[] {
    return [...this.fragments].filter(([, e]) => !e.uploaded).map(([t]) => t);
  }
}

const T0 = Date.parse('2026-12-07T10:00:30Z');


async function setup(options: { schedule?: string; windowSeconds?: number; capBytesPerSec?: number; backlog?: number[]; liveUpload?: boolean; liveWindowMs?: number } = {}) {
  const liveUpload = options.liveUpload ?? true;
  const timers = new FakeTimers(T0, 20);
  const liveFake = new FakePutMediaConnector();
  const backlogFake = new FakePutMediaConnector();
  const recording = new MemoryRecording();
  for (const t of options.backlog ?? []) await recording.append(frag(t));
  const liveStore = new LiveRecordingStore({ recording, windowMs: liveUpload ? (options.liveWindowMs ?? 30_000) : 0 });
  const liveClient = liveFake.client(timers);
  const backlogClient = backlogFake.client(timers);
  const live: PutMediaSession = liveClient.createSession({ streamName: 'cam', store: liveStore, ...LIVE_SESSION_OPTIONS });
  await live.open();
  live.writeHeader(HEADER);
  const persistedBy = new Map<number, 'live' | 'backlog'>();
  const uploader = new BacklogUploader({
    stream: 'cam',
    recording,
    liveStore,
    live,
    liveUpload,
    schedule: new UploadSchedule(options.schedule, (options.windowSeconds ?? 600) * 1000),
    ...(options.capBytesPerSec !== undefined ? { bucket: new TokenBucket(options.capBytesPerSec, options.capBytesPerSec, { now: () => timers.now() }) } : {}),
    createSession: () => backlogClient.createSession({ streamName: 'cam', endTimeoutMs: 5_000 }),
    now: () => timers.now(),
    timers,
    tickMs: 50,
  });
  let maxOpen = 0;
  let refuseBacklog = false;
  /** Plays KVS for one step: every fragment written is PERSISTED, an ended body gets its response ended. */
  const serve = (): void => {
    for (const [who, fake] of [['live', liveFake], ['backlog', backlogFake]] as const) {
      for (const conn of fake.connections) {
        if (conn.closed) continue;
        if (who === 'backlog' && refuseBacklog) {
          conn.close(new PutMediaConnectionError('cam', 'reset', 'ECONNRESET'));
          continue;
        }
        for (const text of conn.written()) {
          const m = /^F(\d+)/.exec(text);
          if (m && !persistedBy.has(Number(m[1]))) {
            persistedBy.set(Number(m[1]), who);
            conn.persist(Number(m[1]));
          }
        }
        if (conn.ended) conn.close();
      }
    }
    const open = [...liveFake.connections, ...backlogFake.connections].filter((c) => !c.closed).length;
    maxOpen = Math.max(maxOpen, open);
  };
  const run = async (ms: number, stepMs = 10): Promise<void> => {
    for (let t = 0; t < ms; t += stepMs) {
      serve();
      await timers.advance(stepMs);
    }
    serve();
  };
  const written = (fake: FakePutMediaConnector): number[] =>
    fake.connections.flatMap((c) => c.written().flatMap((t) => (/^F(\d+)/.exec(t) ? [Number(/^F(\d+)/.exec(t)?.[1])] : [])));
  return { timers, live, liveFake, backlogFake, recording, uploader, run, written, persistedBy, maxOpen: () => maxOpen, refuseBacklog: (on: boolean) => (refuseBacklog = on) };
}

describe('BacklogUploader', () => {
  it('outside the window only live goes up; when it opens the backlog goes oldest first, at the cap, and is marked uploaded', async () => {
    // A window at 10:01:00 UTC, 30 s after the start.
    const backlog = [5000, 1000, 3000, 2000, 4000].map((s) => T0 - 3_600_000 + s);
    const h = await setup({ schedule: '0 1 10 * * *', capBytesPerSec: SIZE, backlog });
    h.uploader.start();
    await h.live.writeFragment(frag(T0).bytes, T0);
    await h.run(20_000, 100);
    expect(h.uploader.stats()).toMatchObject({ phase: 'closed', windowOpen: false, nextWindowAt: Date.parse('2026-12-07T10:01:00Z') });
    expect(h.backlogFake.connections).toHaveLength(0);
    expect(h.persistedBy.get(T0)).toBe('live');
    expect(h.recording.pending).toHaveLength(5);

    await h.run(10_000, 100); // the window opens at +30 s
    // One fragment per second at 1000 B/s (the first from the full bucket).
    await h.run(1_500, 50);
    expect(h.recording.pending.length).toBeGreaterThanOrEqual(2);
    expect(h.recording.pending.length).toBeLessThanOrEqual(3);
    await h.run(4_000, 50);
    expect(h.recording.pending).toEqual([]);
    expect(h.written(h.backlogFake)).toEqual([...backlog].sort((a, b) => a - b));
    expect(h.uploader.stats()).toMatchObject({ windowOpen: true, backlogFragmentsUploaded: 5, backlogBytesUploaded: 5 * SIZE });
    expect(h.maxOpen()).toBe(1);
    await h.uploader.stop();
    expect(h.uploader.phase).toBe('stopped');
  });

  it('live keeps priority: a backlog turn gives the connection back once live has a fragment waiting (after the 1-s minimum)', async () => {
    const backlog = Array.from({ length: 40 }, (_, i) => T0 - 3_600_000 + i * 1000);
    const h = await setup({ capBytesPerSec: 4 * SIZE, backlog }); // always open; 10 s of backlog at the cap
    h.uploader.start();
    const persistedAt = new Map<number, number>();
    h.live.on('fragment-persisted', (e) => persistedAt.set(e.timecode, h.timers.now()));
    const liveTimes: Array<{ timecode: number; writtenAt: number }> = [];
    for (let i = 1; i <= 8; i++) {
      await h.run(1_000, 20);
      const tc = T0 + i * 1000;
      liveTimes.push({ timecode: tc, writtenAt: h.timers.now() });
      await h.live.writeFragment(frag(tc).bytes, tc);
    }
    await h.run(12_000, 20);
    expect(h.recording.pending).toEqual([]);
    // Every fragment once, each by one of the two, never both connected at once.
    expect(h.written(h.backlogFake)).toEqual(backlog);
    expect(h.written(h.liveFake)).toEqual(liveTimes.map((l) => l.timecode));
    expect(h.maxOpen()).toBe(1);
    // The backlog took turns (more than one), and live went out between them.
    expect(h.uploader.stats().backlogTurns).toBeGreaterThan(2);
    expect(h.liveFake.connections.length).toBeGreaterThan(2);
    for (const l of liveTimes) expect(h.persistedBy.get(l.timecode)).toBe('live');
    // A live fragment waits at most the rest of the 1-s minimum turn, plus the backlog's last acks and a reconnect.
    const waits = liveTimes.map((l) => (persistedAt.get(l.timecode) ?? Infinity) - l.writtenAt);
    expect(Math.max(...waits)).toBeLessThanOrEqual(1_200);
    await h.uploader.stop();
  });

  it('does not take the connection while live has fragments unsettled (KVS not answering live)', async () => {
    const h = await setup({ backlog: [T0 - 10_000] });
    await h.live.writeFragment(frag(T0).bytes, T0);
    h.uploader.start();
    // Nobody plays KVS: the live fragment stays in flight.
    await h.timers.advance(2_000);
    expect(h.uploader.phase).toBe('live');
    expect(h.backlogFake.connections).toHaveLength(0);
    await h.run(2_000);
    expect(h.recording.pending).toEqual([]);
    await h.uploader.stop();
  });

  it('with live upload off nothing goes up live: what the camera records waits for the window and goes with the backlog', async () => {
    const h = await setup({ liveUpload: false, schedule: '0 1 10 * * *', backlog: [T0 - 60_000] });
    h.uploader.start();
    for (let i = 1; i <= 5; i++) {
      await h.live.writeFragment(frag(T0 + i * 1000).bytes, T0 + i * 1000);
      await h.run(1_000, 50);
    }
    expect(h.liveFake.connections).toHaveLength(0);
    expect(h.recording.pending).toHaveLength(6);
    await h.run(30_000, 100); // the window opens at +30 s
    expect(h.recording.pending).toEqual([]);
    expect(h.written(h.backlogFake)).toEqual([T0 - 60_000, ...[1, 2, 3, 4, 5].map((i) => T0 + i * 1000)]);
    expect(h.liveFake.connections).toHaveLength(0);
    await h.uploader.stop();
  });

  it('live video that left the live window before it went up is the backlog\'s, not sent live in front of newer video', async () => {
    // Live held (as during a long backlog turn) while 5 s of video arrive, with a 2-s live window.
    const h = await setup({ liveWindowMs: 2_000, schedule: '0 1 10 * * *' });
    await h.live.hold();
    for (let i = 1; i <= 5; i++) await h.live.writeFragment(frag(T0 + i * 1000).bytes, T0 + i * 1000);
    h.live.resume();
    h.uploader.start();
    await h.run(5_000, 50);
    // The last 2 s went live; the older 3 s wait for the window.
    expect(h.written(h.liveFake)).toEqual([T0 + 3000, T0 + 4000, T0 + 5000]);
    expect(h.recording.pending).toEqual([T0 + 1000, T0 + 2000]);
    await h.run(30_000, 100);
    expect(h.written(h.backlogFake)).toEqual([T0 + 1000, T0 + 2000]);
    expect(h.recording.pending).toEqual([]);
    await h.uploader.stop();
  });

  it('ends a turn whose connections keep failing, leaves its fragments in the backlog, and lets live go on', async () => {
    const backlog = Array.from({ length: 10 }, (_, i) => T0 - 600_000 + i * 1000);
    const h = await setup({ backlog });
    h.refuseBacklog(true);
    h.uploader.start();
    await h.run(500, 20);
    expect(h.uploader.phase).toBe('backlog');
    await h.live.writeFragment(frag(T0).bytes, T0);
    const writtenAt = h.timers.now();
    let persistedAt: number | undefined;
    h.live.on('fragment-persisted', () => (persistedAt ??= h.timers.now()));
    await h.run(10_000, 20);
    // Far sooner than the backlog session's 5-s end timeout would allow: the third failed attempt ends the turn.
    expect((persistedAt ?? Infinity) - writtenAt).toBeLessThan(4_000);
    expect(h.recording.pending).toEqual(backlog);
    h.refuseBacklog(false);
    await h.run(10_000, 20);
    expect(h.recording.pending).toEqual([]);
    expect(h.maxOpen()).toBe(1);
    await h.uploader.stop();
  });
});
