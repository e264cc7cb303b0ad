import type { CameraHealthItem } from '@tributary/schemas';
import { classifyCameraHealth, lookbackWindows, producerStateOf } from './camera-health';

const now = Date.parse('2026-12-07T06:00:00Z');

describe('lookbackWindows', () => {
  it('is adjacent windows, newest first', () => {
    expect(lookbackWindows(now, [60_000, 600_000])).toEqual([
      { from: new Date(now - 60_000), to: new Date(now) },
      { from: new Date(now - 600_000), to: new Date(now - 60_000) },
    ]);
  });

  it('skips a span not longer than the one before', () => {
    expect(lookbackWindows(now, [60_000, 60_000, 120_000])).toHaveLength(2);
  });
});

describe('classifyCameraHealth', () => {
  it.each([
    ['ACTIVE', now - 2_000, 'receiving'],
    ['ACTIVE', now - 60_000, 'receiving'],
    ['ACTIVE', now - 60_001, 'stale'],
    ['ACTIVE', undefined, 'no data'],
    [undefined, undefined, 'no data'],
    ['CREATING', undefined, 'creating'],
    ['DELETING', now, 'deleting'],
  ] as const)('status %s, last fragment %s: %s', (status, last, health) => {
    expect(classifyCameraHealth({ status, retentionHours: 24, lastFragmentServerMs: last }, now)).toBe(health);
  });

  it('says nothing of a stream that keeps no fragments but that it is not archived', () => {
    expect(classifyCameraHealth({ status: 'ACTIVE', retentionHours: 0 }, now)).toBe('not archived');
  });

  it('takes the staleness given', () => {
    expect(classifyCameraHealth({ status: 'ACTIVE', lastFragmentServerMs: now - 5_000 }, now, 4_000)).toBe('stale');
  });
});

describe('producerStateOf', () => {
  const item: CameraHealthItem = {
    streamName: 'cam', producerId: 'edge-1', state: 'streaming', fragmentsAcked: 10, fragmentsPerSecond: 1, bitrateKbps: 500,
    spooledFragments: 0, intervalMs: 5_000, updatedAt: now - 15_000,
  };

  it('is the state while the item is refreshed, `gone` after three intervals', () => {
    expect(producerStateOf(item, now)).toBe('streaming');
    expect(producerStateOf({ ...item, state: 'reconnecting' }, now)).toBe('reconnecting');
    expect(producerStateOf({ ...item, updatedAt: now - 15_001 }, now)).toBe('gone');
    expect(producerStateOf(undefined, now)).toBeUndefined();
  });
});
