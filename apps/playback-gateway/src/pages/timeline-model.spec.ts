/** The recording timeline's arithmetic (public/timeline-model.js): presets, positions, ticks, clip ranges. */
import { fractionOf, orderedRange, presetRequest, ticks, timeAt } from '../../public/timeline-model.js';

const local = (h: number, mi = 0, s = 0): number => new Date(2026, 11, 7, h, mi, s).getTime();
const NOW = local(10, 30, 15);

describe('timeline model', () => {
  it('turns the replay presets into playback requests ending now', () => {
    expect(presetRequest('live', NOW)).toEqual({ mode: 'LIVE' });
    expect(presetRequest('last5m', NOW)).toEqual({ mode: 'ON_DEMAND', start: NOW - 300_000, end: NOW });
    expect(presetRequest('last1h', NOW)).toEqual({ mode: 'ON_DEMAND', start: NOW - 3_600_000, end: NOW });
  });

  it('maps times to positions on the bar and back, clamped to the window, to the second', () => {
    const from = local(10);
    const to = local(11);
    expect(fractionOf(local(10, 15), from, to)).toBe(0.25);
    expect(fractionOf(local(9), from, to)).toBe(0);
    expect(fractionOf(local(12), from, to)).toBe(1);
    expect(fractionOf(from, from, from)).toBe(0);
    expect(timeAt(0.5, from, to)).toBe(local(10, 30));
    expect(timeAt(0.50001, from, to)).toBe(local(10, 30)); // 36 ms later: rounded
    expect(timeAt(-1, from, to)).toBe(from);
    expect(timeAt(2, from, to)).toBe(to);
  });

  it('puts ticks on round local minutes and hours, at most as many as asked', () => {
    const hour = ticks(local(9, 30, 15), local(10, 30, 15), 8);
    expect(hour.map((t) => t.label)).toEqual(['09:40', '09:50', '10:00', '10:10', '10:20', '10:30']);
    expect(hour[0]?.ms).toBe(local(9, 40));
    const quarter = ticks(local(10, 15, 15), local(10, 30, 15), 8);
    expect(quarter.map((t) => t.label)).toEqual(['10:16', '10:18', '10:20', '10:22', '10:24', '10:26', '10:28', '10:30']);
    const day = ticks(local(10) - 24 * 3_600_000, local(10), 8);
    expect(day.length).toBeLessThanOrEqual(8);
    expect(day.every((t) => t.label.endsWith(':00'))).toBe(true);
  });

  it('orders two marks into a clip range of at least one second', () => {
    expect(orderedRange(NOW, NOW - 30_000)).toEqual({ start: NOW - 30_000, end: NOW });
    expect(orderedRange(NOW, NOW)).toEqual({ start: NOW, end: NOW + 1000 });
  });
});
