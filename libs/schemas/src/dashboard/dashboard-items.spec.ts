import {
  DASHBOARD_ITEM_DEFAULTS,
  DASHBOARD_TABLE_DEFAULTS,
  parseCameraHealthItem,
  parseLeaseItem,
  parseRollupItem,
  parseRollupWindowKey,
  rollupWindowKey,
  rollupWindowRange,
  toRollupItem,
  type RollupItemSource,
} from './dashboard-items';

const T0 = Date.UTC(2026, 11, 5, 23, 0, 0);

const rollup = (over: Partial<RollupItemSource> = {}): RollupItemSource => ({
  deviceId: 'dev-1',
  metric: 'temp',
  windowStart: T0,
  windowEnd: T0 + 60_000,
  count: 3,
  sum: 6,
  min: 1,
  max: 3,
  mean: 2,
  closedBy: 'watermark',
  ...over,
});

describe('rollup window keys', () => {
  it('zero-pads the window start to 13 digits and appends the metric', () => {
    expect(rollupWindowKey(T0, 'temp')).toBe(`${T0}#temp`);
    expect(rollupWindowKey(5, 'cpu.load')).toBe('0000000000005#cpu.load');
    expect(parseRollupWindowKey('0000000000005#cpu.load')).toEqual({ windowStart: 5, metric: 'cpu.load' });
    expect(parseRollupWindowKey(rollupWindowKey(T0, 'a#b'))).toEqual({ windowStart: T0, metric: 'a#b' });
  });

  it('refuses what cannot be a key', () => {
    expect(() => rollupWindowKey(-1, 'temp')).toThrow(RangeError);
    expect(() => rollupWindowKey(1.5, 'temp')).toThrow(RangeError);
    expect(() => rollupWindowKey(10 ** 13, 'temp')).toThrow(RangeError);
    expect(() => rollupWindowKey(T0, '')).toThrow(RangeError);
    expect(parseRollupWindowKey('123#temp')).toBeUndefined();
    expect(parseRollupWindowKey(`${T0}temp`)).toBeUndefined();
  });

  it('sorts in time order as strings, as DynamoDB sorts the range key', () => {
    const keys = [rollupWindowKey(999_999_999_999, 'z'), rollupWindowKey(T0 + 60_000, 'a'), rollupWindowKey(T0, 'z'), rollupWindowKey(T0, 'a')];
    expect([...keys].sort()).toEqual([keys[0], keys[3], keys[2], keys[1]]);
  });

  it('gives Query bounds holding every metric of the windows in the range and nothing else', () => {
    const { lower, upper } = rollupWindowRange(T0, T0 + 60_000);
    const inside = (k: string): boolean => k >= lower && k <= upper;
    expect(inside(rollupWindowKey(T0, 'a'))).toBe(true);
    expect(inside(rollupWindowKey(T0 + 60_000, 'zzz'))).toBe(true);
    expect(inside(rollupWindowKey(T0 + 60_000, '~'))).toBe(true);
    expect(inside(rollupWindowKey(T0 - 60_000, 'zzz'))).toBe(false);
    expect(inside(rollupWindowKey(T0 + 60_001, 'a'))).toBe(false);
    expect(() => rollupWindowRange(T0, T0 - 1)).toThrow(RangeError);
  });
});

describe('rollup items', () => {
  it('builds an item that parses, expiring the TTL after the window end', () => {
    const item = toRollupItem(rollup());
    expect(item.window).toBe(`${T0}#temp`);
    expect(item.expiresAt).toBe((T0 + 60_000) / 1000 + DASHBOARD_ITEM_DEFAULTS.rollupTtlSeconds);
    expect(toRollupItem(rollup(), 60).expiresAt).toBe((T0 + 60_000) / 1000 + 60);
    const parsed = parseRollupItem(item);
    expect(parsed).toEqual({ ok: true, value: item });
  });

  it('rejects an item whose range key does not match its window and metric', () => {
    const parsed = parseRollupItem({ ...toRollupItem(rollup()), metric: 'humidity' });
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.issues.map((i) => i.path)).toContain('window');
  });

  it('names every bad field', () => {
    const parsed = parseRollupItem({ ...toRollupItem(rollup()), count: 0, closedBy: 'later', mean: 'x' });
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.issues.map((i) => i.path).sort()).toEqual(['closedBy', 'count', 'mean']);
  });
});

describe('lease items', () => {
  const kcl = { leaseKey: 'shardId-000000000001', leaseOwner: 'w1', leaseCounter: 7, checkpoint: 'TRIM_HORIZON', checkpointSubSequenceNumber: 0, ownerSwitchesSinceCheckpoint: 0 };

  it('parses a KCL item without progress attributes', () => {
    const parsed = parseLeaseItem({ ...kcl, parentShardId: ['shardId-000000000000'] });
    expect(parsed.ok).toBe(true);
    if (parsed.ok) expect(parsed.value.millisBehindLatest).toBeUndefined();
  });

  it('parses the progress written on renewal, and refuses a negative lag', () => {
    const parsed = parseLeaseItem({ ...kcl, millisBehindLatest: 1200, recordsProcessed: 40, statsUpdatedAt: T0 });
    expect(parsed.ok && parsed.value).toMatchObject({ millisBehindLatest: 1200, recordsProcessed: 40, statsUpdatedAt: T0 });
    expect(parseLeaseItem({ ...kcl, millisBehindLatest: -1 }).ok).toBe(false);
    expect(parseLeaseItem({ leaseKey: 'x', leaseCounter: 1 }).ok).toBe(false);
  });
});

describe('camera health items', () => {
  const item = {
    streamName: 'camera-1',
    producerId: 'edge-1',
    state: 'streaming',
    fragmentsAcked: 12,
    fragmentsPerSecond: 0.5,
    bitrateKbps: 980.4,
    ackLatencyP50Ms: 120,
    ackLatencyP99Ms: 340,
    lastFragmentAt: T0,
    lastAckAt: T0 + 300,
    spooledFragments: 1,
    intervalMs: 5000,
    updatedAt: T0 + 400,
  };

  it('parses a full item and one without acks in its interval', () => {
    expect(parseCameraHealthItem(item)).toEqual({ ok: true, value: item });
    const { ackLatencyP50Ms: _p50, ackLatencyP99Ms: _p99, lastAckAt: _a, ...quiet } = item;
    expect(parseCameraHealthItem({ ...quiet, state: 'reconnecting' }).ok).toBe(true);
  });

  it('parses a recording camera\'s backlog and upload rate, and refuses a negative backlog', () => {
    const recording = { ...item, recording: 'recording', backlogFragments: 121, backlogBytes: 1_970_842, backlogAgeSeconds: 10_800, uploadBytesPerSecond: 246_900 };
    expect(parseCameraHealthItem(recording)).toEqual({ ok: true, value: recording });
    const parsed = parseCameraHealthItem({ ...recording, backlogBytes: -1 });
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.issues[0].path).toBe('backlogBytes');
    expect(parseCameraHealthItem({ ...recording, recording: 'paused' }).ok).toBe(false);
  });

  it('refuses an unknown state', () => {
    const parsed = parseCameraHealthItem({ ...item, state: 'sleeping' });
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.issues[0].path).toBe('state');
  });

  it('has the default table names of the contract', () => {
    expect(DASHBOARD_TABLE_DEFAULTS).toEqual({ rollups: 'telemetry-rollups', cameraHealth: 'video-camera-health', deviceState: 'telemetry-device-state', leases: 'telemetry-consumer' });
  });
});
