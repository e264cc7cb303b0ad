/**
 * A camera-health item (the video producer's report, apps/video-producer camera-health-reporter.ts, replaced every
 * `intervalMs`) as the stream list's health, in the shape the KVS-derived health has (kvs/stream-health.ts), so the
 * pages need not know which source answered. Pure: the item and "now" are given.
 *
 *   status                 live when the report is fresh (younger than `staleIntervals` of its intervals) and a
 *                          fragment was acknowledged within `liveWindowMs` before it; else idle
 *   lastFragmentAt         the newest PERSISTED acknowledgement (KVS's receipt, the nearest the producer knows to the
 *                          server timestamp ListFragments gives)
 *   lastProducerTimestamp  the newest fragment's producer timestamp
 *   fragmentsPerSecond, bitrateBps   over the report's interval; 0 once the report is stale (its producer is gone)
 */
import type { CameraHealthItem } from '@tributary/schemas';
import type { StreamHealth } from '../kvs/stream-health';

export const CAMERA_HEALTH_STATUS_DEFAULTS = {
  /** A report older than this many of its intervals is stale (the dashboard's rule: DASHBOARD_DEFAULTS.staleIntervals). */
  staleIntervals: 3,
  /** The KVS-derived health's rate window: "live" means a fragment within it. */
  liveWindowMs: 10_000,
} as const;

export function cameraHealthStatus(item: CameraHealthItem, nowMs: number, settings = CAMERA_HEALTH_STATUS_DEFAULTS): StreamHealth {
  const stale = nowMs - item.updatedAt > settings.staleIntervals * item.intervalMs;
  const acked = item.lastAckAt !== undefined && item.updatedAt - item.lastAckAt <= settings.liveWindowMs;
  return {
    status: !stale && acked && item.state !== 'stopped' ? 'live' : 'idle',
    lastFragmentAt: item.lastAckAt !== undefined ? new Date(item.lastAckAt).toISOString() : null,
    lastProducerTimestamp: item.lastFragmentAt !== undefined ? new Date(item.lastFragmentAt).toISOString() : null,
    fragmentsPerSecond: stale ? 0 : item.fragmentsPerSecond,
    bitrateBps: stale ? 0 : Math.round(item.bitrateKbps * 1000),
    windowSeconds: item.intervalMs / 1000,
    source: 'camera-health',
  };
}
