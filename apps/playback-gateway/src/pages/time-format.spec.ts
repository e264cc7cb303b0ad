/**
 * The player's one time format (public/time-format.js): local, 24-hour. Expected values are built with the local
 * Date constructor, so the spec holds in any time zone the machine runs in.
 */
import { formatClock, formatClockShort, formatDuration, formatTime, parseTime } from '../../public/time-format.js';

const local = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0): number => new Date(y, mo - 1, d, h, mi, s).getTime();
const NOW = local(2026, 12, 7, 10, 30, 15);

describe('time format', () => {
  it('writes HH:MM:SS today and the day before it otherwise, 24-hour, zero-padded', () => {
    expect(formatClock(local(2026, 12, 7, 9, 5, 3))).toBe('09:05:03');
    expect(formatClockShort(local(2026, 12, 7, 21, 7, 59))).toBe('21:07');
    expect(formatTime(local(2026, 12, 7, 0, 0, 0), NOW)).toBe('00:00:00');
    expect(formatTime(local(2026, 12, 6, 23, 59, 59), NOW)).toBe('2026-12-06 23:59:59');
  });

  it.each([
    [850, '850 ms'],
    [4_240, '4.2 s'],
    [30_000, '30 s'],
    [300_000, '5 min'],
    [330_000, '5 min 30 s'],
    [3_600_000, '1 h'],
    [3_900_000, '1 h 5 min'],
  ])('says %d ms as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('reads HH:MM and HH:MM:SS as today, or the day before when that time is still to come', () => {
    expect(parseTime('10:02', NOW)).toBe(local(2026, 12, 7, 10, 2, 0));
    expect(parseTime(' 9:02:30 ', NOW)).toBe(local(2026, 12, 7, 9, 2, 30));
    expect(parseTime('23:00:00', NOW)).toBe(local(2026, 12, 6, 23, 0, 0));
  });

  it('reads a day and a time, and refuses what is not a time', () => {
    expect(parseTime('2026-12-05 08:00:01', NOW)).toBe(local(2026, 12, 5, 8, 0, 1));
    expect(parseTime('2026-12-05T08:00', NOW)).toBe(local(2026, 12, 5, 8, 0, 0));
    for (const bad of ['', 'now', '25:00', '10:60', '10:00:61', '2026-13-01 10:00', '10.02']) expect(parseTime(bad, NOW)).toBeUndefined();
  });

  it('reads back what it writes', () => {
    const at = local(2026, 12, 6, 17, 45, 9);
    expect(parseTime(formatTime(at, NOW), NOW)).toBe(at);
    expect(parseTime(formatTime(NOW - 60_000, NOW), NOW)).toBe(NOW - 60_000);
  });
});
