import { formatAge, formatBytes, formatDuration, formatLocalTime, renderTable } from './camera-format';

describe('formatLocalTime', () => {
  it('prints the local wall time with milliseconds', () => {
    const ms = new Date(2026, 11, 7, 7, 0, 1, 250).getTime();
    expect(formatLocalTime(ms)).toBe('2026-12-07 07:00:01.250');
  });
});

describe('formatBytes', () => {
  it.each([
    [0, '0 B'],
    [1023, '1023 B'],
    [1536, '1.5 KiB'],
    [4 * 1024 * 1024, '4.0 MiB'],
    [1.2 * 1024 ** 3, '1.20 GiB'],
  ])('%d is %s', (bytes, text) => expect(formatBytes(bytes)).toBe(text));
});

describe('formatDuration and formatAge', () => {
  it.each([
    [850, '850 ms'],
    [4000, '4.0 s'],
    [125_000, '2m05s'],
    [11_220_000, '3h07m'],
  ])('%d ms is %s', (ms, text) => expect(formatDuration(ms)).toBe(text));

  it('says how long ago, never negative', () => {
    expect(formatAge(1000, 13_000)).toBe('12.0 s ago');
    expect(formatAge(2000, 1000)).toBe('0 ms ago');
  });
});

describe('renderTable', () => {
  it('pads each column to its widest cell, colour escapes taking no room', () => {
    const green = (s: string): string => `\u001b[32m${s}\u001b[39m`;
    expect(renderTable(['NAME', 'HEALTH', 'LAST'], [['door', green('receiving'), 'now'], ['garage-cam', 'stale', '']])).toEqual([
      'NAME        HEALTH     LAST',
      `door        ${green('receiving')}  now`,
      'garage-cam  stale',
    ]);
  });
});
