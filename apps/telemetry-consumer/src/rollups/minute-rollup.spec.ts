import { MinuteRollup, type ClosedRollup, type RollupReading } from './minute-rollup';

const T0 = Date.UTC(2025, 5, 1, 12, 0, 0); // a minute boundary
const NOW = T0 + 3_600_000; // processing time: well after the readings (a replay), unless a test says otherwise
const s = (seconds: number): number => T0 + seconds * 1000;

let seqs = new Map<string, number>();
beforeEach(() => {
  seqs = new Map();
});

function reading(deviceId: string, tsSeconds: number, metrics: Record<string, number>, shardId = 'shardId-000000000000'): RollupReading {
  const seq = seqs.get(deviceId) ?? 0;
  seqs.set(deviceId, seq + 1);
  return { deviceId, seq, ts: s(tsSeconds), metrics, shardId };
}

const brief = (r: ClosedRollup): string =>
  `${r.deviceId} ${r.metric} @${(r.windowStart - T0) / 1000}s n=${r.count} sum=${r.sum} min=${r.min} max=${r.max} mean=${r.mean} ${r.closedBy}`;

describe('MinuteRollup', () => {
  it('computes count, sum, min, max and mean per device, minute and metric', () => {
    const rollup = new MinuteRollup({ allowedLatenessMs: 0 });
    rollup.add(reading('d1', 1, { t: 20, h: 50 }), NOW);
    rollup.add(reading('d1', 20, { t: 22 }), NOW);
    rollup.add(reading('d1', 59.999, { t: 18, h: 54 }), NOW);
    rollup.add(reading('d2', 30, { t: 5 }), NOW);
    const closed = rollup.add(reading('d1', 60, { t: 1 }), NOW).closed;
    expect(closed.map(brief)).toEqual(['d1 h @0s n=2 sum=104 min=50 max=54 mean=52 watermark', 'd1 t @0s n=3 sum=60 min=18 max=22 mean=20 watermark']);
    expect(closed[0]).toMatchObject({ windowStart: T0, windowEnd: T0 + 60_000 });
    // d2's minute is not closed by d1's progress: watermarks are per device.
    expect(rollup.openWindows).toBe(2);
    expect(rollup.closeAll().map(brief)).toEqual(['d2 t @0s n=1 sum=5 min=5 max=5 mean=5 shutdown', 'd1 t @60s n=1 sum=1 min=1 max=1 mean=1 shutdown']);
    expect(rollup.openWindows).toBe(0);
  });

  it('keeps a minute open for the allowed lateness, then counts later readings for it as late', () => {
    const rollup = new MinuteRollup({ allowedLatenessMs: 10_000 });
    rollup.add(reading('d1', 50, { t: 1 }), NOW);
    expect(rollup.add(reading('d1', 65, { t: 2 }), NOW).closed).toEqual([]);
    // 5 s late for minute 0, within the 10 s lateness: still counted.
    expect(rollup.add(reading('d1', 55, { t: 3 }), NOW)).toEqual({ outcome: 'counted', closed: [] });
    // The watermark reaches 60 + 10 s: minute 0 closes.
    const closed = rollup.add(reading('d1', 70, { t: 4 }), NOW).closed;
    expect(closed.map(brief)).toEqual(['d1 t @0s n=2 sum=4 min=1 max=3 mean=2 watermark']);
    // Too late now.
    expect(rollup.add(reading('d1', 59, { t: 100 }), NOW)).toEqual({ outcome: 'late', closed: [] });
    expect(rollup.closeAll().map(brief)).toEqual(['d1 t @60s n=2 sum=6 min=2 max=4 mean=3 shutdown']);
  });

  it('treats a reading for a minute with no open window but behind the watermark as late', () => {
    const rollup = new MinuteRollup({ allowedLatenessMs: 0 });
    rollup.add(reading('d1', 200, { t: 1 }), NOW);
    expect(rollup.add(reading('d1', 30, { t: 1 }), NOW).outcome).toBe('late');
    expect(rollup.openWindows).toBe(1);
  });

  it('counts a repeated (device, seq) once: a retried batch does not inflate the rollup', () => {
    const rollup = new MinuteRollup();
    const batch = [reading('d1', 1, { t: 10 }), reading('d1', 2, { t: 20 })];
    for (const r of batch) expect(rollup.add(r, NOW).outcome).toBe('counted');
    for (const r of batch) expect(rollup.add(r, NOW).outcome).toBe('duplicate');
    expect(rollup.closeAll().map(brief)).toEqual(['d1 t @0s n=2 sum=30 min=10 max=20 mean=15 shutdown']);
  });

  it('closes the windows of a silent device after idleCloseMs of processing time, and only then', () => {
    const rollup = new MinuteRollup({ idleCloseMs: 70_000 });
    const now = s(10);
    rollup.add(reading('quiet', 5, { t: 1 }), now);
    rollup.add(reading('busy', 5, { t: 1 }), now);
    rollup.add(reading('busy', 40, { t: 3 }), now + 60_000);
    expect(rollup.closeIdle(now + 69_999)).toEqual([]);
    expect(rollup.closeIdle(now + 70_000).map(brief)).toEqual(['quiet t @0s n=1 sum=1 min=1 max=1 mean=1 idle']);
    // A reading for the idle-closed minute arriving afterwards is late, not a second partial row.
    expect(rollup.add(reading('quiet', 30, { t: 9 }), now + 80_000).outcome).toBe('late');
    expect(rollup.openWindows).toBe(1);
  });

  it('forgets a device with nothing open after forgetDeviceAfterMs', () => {
    const rollup = new MinuteRollup({ idleCloseMs: 1_000, forgetDeviceAfterMs: 60_000 });
    rollup.add(reading('d1', 5, { t: 1 }), s(5));
    rollup.closeIdle(s(10));
    expect(rollup.trackedDevices).toBe(1);
    rollup.closeIdle(s(65));
    expect(rollup.trackedDevices).toBe(0);
  });

  it('closes the windows of the devices last seen on a shard whose lease was lost', () => {
    const rollup = new MinuteRollup();
    rollup.add(reading('a', 1, { t: 1 }, 'shard-A'), NOW);
    rollup.add(reading('b', 1, { t: 2 }, 'shard-B'), NOW);
    // After a split, device c's readings come from a child shard: it follows the newest.
    rollup.add(reading('c', 1, { t: 3 }, 'shard-A'), NOW);
    rollup.add(reading('c', 2, { t: 4 }, 'shard-C'), NOW);
    expect(rollup.closeShard('shard-A').map(brief)).toEqual(['a t @0s n=1 sum=1 min=1 max=1 mean=1 lease-lost']);
    expect(rollup.closeShard('shard-C').map((r) => `${r.deviceId} n=${r.count}`)).toEqual(['c n=2']);
    expect(rollup.openWindows).toBe(1);
  });

  it('does not roll up readings stamped beyond the future-skew limit', () => {
    const rollup = new MinuteRollup({ maxFutureSkewMs: 60_000 });
    const now = s(0);
    expect(rollup.add(reading('d1', 61, { t: 1 }), now).outcome).toBe('future');
    expect(rollup.add(reading('d1', 60, { t: 1 }), now).outcome).toBe('counted');
    // The bogus reading did not move the watermark: minute 1 is still open for a normal reading.
    expect(rollup.add(reading('d1', 1, { t: 1 }), now).outcome).toBe('counted');
  });

  it('returns closed rollups in a stable order: minute, device, metric', () => {
    const rollup = new MinuteRollup({ allowedLatenessMs: 0 });
    rollup.add(reading('z', 1, { b: 1, a: 2 }), NOW);
    rollup.add(reading('y', 61, { c: 1 }), NOW);
    rollup.add(reading('x', 1, { a: 1 }), NOW);
    expect(rollup.closeAll().map((r) => `${(r.windowStart - T0) / 1000}:${r.deviceId}:${r.metric}`)).toEqual(['0:x:a', '0:z:a', '0:z:b', '60:y:c']);
  });

  it('aligns windows on UTC minutes: :59.999 and :00.000 fall in different ones', () => {
    const rollup = new MinuteRollup({ windowMs: 60_000 });
    rollup.add({ deviceId: 'd', seq: 0, ts: T0 + 59_999, metrics: { t: 1 }, shardId: 's' }, NOW);
    rollup.add({ deviceId: 'd', seq: 1, ts: T0 + 60_000, metrics: { t: 1 }, shardId: 's' }, NOW);
    expect(rollup.closeAll().map((r) => r.windowStart - T0)).toEqual([0, 60_000]);
  });

  it.each([
    [{ windowMs: 0 }, /windowMs must be a positive integer/],
    [{ idleCloseMs: -1 }, /idleCloseMs must be a positive integer/],
    [{ allowedLatenessMs: 1.5 }, /allowedLatenessMs must be an integer >= 0/],
  ])('refuses bad options %j', (options, message) => {
    expect(() => new MinuteRollup(options)).toThrow(message);
  });
});
