import type { CameraHealthItem } from '@tributary/schemas';
import { cameraHealthStatus } from './camera-health-status';

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);

const item = (extra: Partial<CameraHealthItem> = {}): CameraHealthItem => ({
  streamName: 'cam-1',
  producerId: 'edge-1',
  state: 'streaming',
  fragmentsAcked: 100,
  fragmentsPerSecond: 2,
  bitrateKbps: 812.5,
  lastFragmentAt: NOW - 1_400,
  lastAckAt: NOW - 1_000,
  spooledFragments: 0,
  intervalMs: 5_000,
  updatedAt: NOW - 500,
  ...extra,
});

describe('cameraHealthStatus', () => {
  it('reads a fresh report of a streaming camera as live, in the KVS health shape', () => {
    expect(cameraHealthStatus(item(), NOW)).toEqual({
      status: 'live',
      lastFragmentAt: new Date(NOW - 1_000).toISOString(),
      lastProducerTimestamp: new Date(NOW - 1_400).toISOString(),
      fragmentsPerSecond: 2,
      bitrateBps: 812_500,
      windowSeconds: 5,
      source: 'camera-health',
    });
  });

  it.each<[string, Partial<CameraHealthItem>, number]>([
    ['a stale report (over 3 intervals old): its producer is gone', { updatedAt: NOW - 15_001 }, 0],
    ['no acknowledgement within 10 s of the report', { lastAckAt: NOW - 500 - 10_001 }, 2],
    ['a stopped camera', { state: 'stopped' }, 2],
    ['no acknowledgement ever', { lastAckAt: undefined }, 2],
  ])('is idle for %s', (_what, extra, fps) => {
    const h = cameraHealthStatus(item(extra), NOW);
    expect(h.status).toBe('idle');
    expect(h.fragmentsPerSecond).toBe(fps);
  });

  it('keeps the last times of a stale report and zeroes its rates', () => {
    const h = cameraHealthStatus(item({ updatedAt: NOW - 60_000, lastAckAt: NOW - 61_000, lastFragmentAt: undefined }), NOW);
    expect(h).toMatchObject({ status: 'idle', lastFragmentAt: new Date(NOW - 61_000).toISOString(), lastProducerTimestamp: null, bitrateBps: 0, fragmentsPerSecond: 0 });
  });

  it('is live at exactly 3 intervals of age and 10 s between acknowledgement and report', () => {
    expect(cameraHealthStatus(item({ updatedAt: NOW - 15_000, lastAckAt: NOW - 25_000 }), NOW).status).toBe('live');
  });
});
