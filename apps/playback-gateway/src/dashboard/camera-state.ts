/**
 * What a camera tile claims, from the producer's camera-health item and KVS' fragments. The producer's own `state`
 * says what it is trying to do; only a fresh fragment says that video arrives. A producer that reports `streaming`
 * while no fragment reached KVS for longer than `noVideoAfterMs` (a camera that froze, an encoder stuck, PutMedia
 * acknowledging nothing) is shown as `no-video`, and one that stopped reporting as `stale`. Pure: the figures and
 * "now" are given.
 */
import type { StreamHealth } from '../kvs/stream-health';
import type { CameraState } from './dashboard-views';

export const CAMERA_STATE_DEFAULTS = {
  /** No fragment for this long: not streaming, whatever the producer says (KVS health's rate window). */
  noVideoAfterMs: 10_000,
} as const;

export interface CameraStateInput {
  producer: { state: 'streaming' | 'reconnecting' | 'buffering' | 'stopped'; stale: boolean; lastFragmentAgeMs: number | null } | null;
  health: Pick<StreamHealth, 'status' | 'lastFragmentAt'> | null;
}

/** The younger of the two ages of the newest fragment (the producer reports every few seconds; KVS may be fresher). */
export function lastFragmentAge({ producer, health }: CameraStateInput, nowMs: number): number | null {
  const ages: number[] = [];
  if (producer && producer.lastFragmentAgeMs !== null) ages.push(producer.lastFragmentAgeMs);
  if (health && health.lastFragmentAt) {
    const at = Date.parse(health.lastFragmentAt);
    if (Number.isFinite(at)) ages.push(Math.max(0, nowMs - at));
  }
  return ages.length > 0 ? Math.min(...ages) : null;
}

export function cameraState(input: CameraStateInput, nowMs: number, settings = CAMERA_STATE_DEFAULTS): CameraState {
  const { producer, health } = input;
  const age = lastFragmentAge(input, nowMs);
  const fresh = age !== null && age <= settings.noVideoAfterMs;
  if (producer) {
    if (producer.stale) return fresh ? 'live' : 'stale';
    if (producer.state === 'streaming' && !fresh) return 'no-video';
    return producer.state;
  }
  if (health) return health.status === 'live' && fresh ? 'live' : 'idle';
  return 'unknown';
}
