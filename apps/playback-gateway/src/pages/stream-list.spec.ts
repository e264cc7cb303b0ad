/** A camera's health in the player's list and readouts (public/stream-list.js healthText). */
import { healthText } from '../../public/stream-list.js';

const NOW = Date.parse('2026-12-07T10:00:00Z');
const health = {
  status: 'live' as const,
  lastFragmentAt: new Date(NOW - 1_200).toISOString(),
  lastProducerTimestamp: null,
  fragmentsPerSecond: 1.96,
  bitrateBps: 501_400,
  windowSeconds: 10,
  source: 'kvs' as const,
};

describe('healthText', () => {
  it('says a live camera\'s rate, bitrate and the age of its last fragment', () => {
    expect(healthText(health, NOW)).toBe('live · 2.0 fragments/s · 501 kbit/s · last fragment 1.2 s ago');
  });

  it('says a camera is not sending, and since when if it knows', () => {
    expect(healthText({ ...health, status: 'idle', lastFragmentAt: new Date(NOW - 600_000).toISOString() }, NOW)).toBe('not sending · last fragment 10 min ago');
    expect(healthText({ ...health, status: 'idle', lastFragmentAt: null }, NOW)).toBe('not sending · no fragment in the last minute');
    expect(healthText(null, NOW)).toBe('health unknown');
  });
});
