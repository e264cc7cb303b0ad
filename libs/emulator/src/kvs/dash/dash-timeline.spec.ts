/**
 * The DASH session timeline over a real (in-memory) fragment log: gaps and backward producer jumps closed, whole
 * milliseconds without drift, durations that never change once listed, and `$Number$` per mode.
 */
import { MemorySegmentBackend } from '../../storage/segment-backend';
import { FragmentLog } from '../../storage/fragment-log';
import type { DashSession } from './dash-session';
import { dashTimeline, indexOfSequenceNumber, sequenceNumberOf } from './dash-timeline';

const T0 = Date.UTC(2026, 0, 1);
const none = new Uint8Array(0);

/** A log of fragments at these producer offsets (ms from T0), each `durationMs` long, arriving 1 s apart. */
function logOf(offsets: number[], durationMs = 960): FragmentLog {
  const log = new FragmentLog(new MemorySegmentBackend());
  offsets.forEach((o, i) =>
    log.append({ fragmentNumber: 1000n + BigInt(i), serverTimestampMs: T0 + i * 1000, producerTimestampMs: T0 + o, durationMs, header: none, cluster: none, tags: none }),
  );
  return log;
}

function sessionOf(mode: DashSession['mode'], extra: Partial<DashSession> = {}): DashSession {
  return {
    streamArn: 'arn',
    mode,
    selector: 'SERVER_TIMESTAMP',
    discontinuity: 'NEVER',
    displayTimestamp: false,
    displayFragmentNumber: false,
    maxResults: 1000,
    issuedAtMs: T0,
    expiresAtMs: T0 + 300_000,
    baseOrdinal: 0,
    ...(mode === 'LIVE' ? {} : { startMs: T0, endMs: T0 + 3_600_000 }),
    ...extra,
  };
}

const FRAME_MS = 40;

describe('dashTimeline', () => {
  it('places each fragment where the one before ends: a gap and a backward producer jump are closed', () => {
    // 0, 1000, then a 5 s gap, then a producer clock that went back 10 s.
    const log = logOf([0, 1000, 7000, -3000]);
    const tl = dashTimeline(log, sessionOf('ON_DEMAND'), T0 + 10_000, FRAME_MS);
    expect(tl.startMs).toEqual([0, 1000, 2000, 3000]);
    expect(tl.durationMs).toEqual([1000, 1000, 1000, 1000]);
  });

  it('rounds to whole milliseconds without drifting (30 fps: a frame is 33.3 ms)', () => {
    const log = logOf([0, 1000, 2000], 966);
    const tl = dashTimeline(log, sessionOf('ON_DEMAND'), T0 + 10_000, 1000 / 30);
    expect(tl.startMs).toEqual([0, 999, 1999]);
    expect(tl.durationMs).toEqual([999, 1000, 999]);
    expect(tl.startMs[2] + tl.durationMs[2]).toBe(Math.round(3 * (966 + 1000 / 30)));
  });

  it('never changes a listed fragment when the next one arrives (LIVE)', () => {
    const log = logOf([0, 1000]);
    const before = dashTimeline(log, sessionOf('LIVE'), T0 + 2000, FRAME_MS);
    log.append({ fragmentNumber: 2000n, serverTimestampMs: T0 + 2000, producerTimestampMs: T0 + 2000, durationMs: 960, header: none, cluster: none, tags: none });
    const after = dashTimeline(log, sessionOf('LIVE'), T0 + 3000, FRAME_MS);
    expect(after.startMs.slice(0, 2)).toEqual(before.startMs);
    expect(after.durationMs.slice(0, 2)).toEqual(before.durationMs);
  });
});

describe('sequence numbers', () => {
  it('count from 1 in the range for ON_DEMAND and LIVE_REPLAY', () => {
    const log = logOf([0, 1000, 2000]);
    const s = sessionOf('ON_DEMAND');
    const { list } = dashTimeline(log, s, T0 + 10_000, FRAME_MS).view;
    expect(list.map((_, i) => sequenceNumberOf(s, list, i))).toEqual([1, 2, 3]);
    expect([0, 1, 3, 4].map((n) => indexOfSequenceNumber(s, list, n))).toEqual([-1, 0, 2, -1]);
  });

  it('follow the log ordinal from the session start for LIVE, so a number keeps its fragment as the window slides', () => {
    const log = logOf([0, 1000, 2000, 3000, 4000, 5000]);
    const s = sessionOf('LIVE', { baseOrdinal: 2, maxResults: 2 });
    const { view } = dashTimeline(log, s, T0 + 6000, FRAME_MS);
    expect(view.list.map((e) => e.ordinal)).toEqual([2, 3, 4, 5]);
    expect(view.list.map((_, i) => sequenceNumberOf(s, view.list, i))).toEqual([1, 2, 3, 4]);
    expect([view.from, view.to]).toEqual([2, 4]);
    expect(indexOfSequenceNumber(s, view.list, 3)).toBe(2);
    expect(view.list[indexOfSequenceNumber(s, view.list, 3)].fragmentNumberText).toBe('1004');
    expect(indexOfSequenceNumber(s, view.list, 5)).toBe(-1);
  });
});
