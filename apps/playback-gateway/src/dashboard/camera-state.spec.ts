import { cameraState, lastFragmentAge, type CameraStateInput } from './camera-state';

const now = Date.parse('2026-12-07T08:00:00Z');
const producer = (state: 'streaming' | 'reconnecting' | 'buffering' | 'stopped', lastFragmentAgeMs: number | null, stale = false) => ({ state, stale, lastFragmentAgeMs });
const health = (status: 'live' | 'idle', ageMs: number | null) => ({ status, lastFragmentAt: ageMs === null ? null : new Date(now - ageMs).toISOString() });

describe('cameraState', () => {
  it.each<[string, CameraStateInput, string]>([
    ['streaming with a fresh fragment', { producer: producer('streaming', 800), health: null }, 'streaming'],
    ['streaming, the producer old but KVS fresh', { producer: producer('streaming', 30_000), health: health('live', 1_000) }, 'streaming'],
    ['says streaming, no fragment for 30 s', { producer: producer('streaming', 30_000), health: health('idle', 40_000) }, 'no-video'],
    ['says streaming, never a fragment', { producer: producer('streaming', null), health: null }, 'no-video'],
    ['reconnecting', { producer: producer('reconnecting', 30_000), health: null }, 'reconnecting'],
    ['stopped', { producer: producer('stopped', 5_000), health: null }, 'stopped'],
    ['producer silent, no video', { producer: producer('streaming', 90_000, true), health: health('idle', 90_000) }, 'stale'],
    ['producer silent, KVS still receives', { producer: producer('streaming', 90_000, true), health: health('live', 500) }, 'live'],
    ['no producer, KVS live', { producer: null, health: health('live', 2_000) }, 'live'],
    ['no producer, KVS says live but the fragment is old', { producer: null, health: health('live', 20_000) }, 'idle'],
    ['no producer, KVS idle', { producer: null, health: health('idle', null) }, 'idle'],
    ['nothing known', { producer: null, health: null }, 'unknown'],
  ])('%s', (_name, input, expected) => {
    expect(cameraState(input, now)).toBe(expected);
  });

  it('takes the younger of the two ages', () => {
    expect(lastFragmentAge({ producer: producer('streaming', 4_000), health: health('live', 1_500) }, now)).toBe(1_500);
    expect(lastFragmentAge({ producer: producer('streaming', 900), health: health('live', 1_500) }, now)).toBe(900);
    expect(lastFragmentAge({ producer: null, health: null }, now)).toBeNull();
  });
});
