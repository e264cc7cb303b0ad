/**
 * The dashboard's pure helpers (public/*.js, browser modules compiled for Jest): plurals, clock labels, the seq
 * column and the charts' y range.
 */
import { withGaps, yRange } from '../../public/dashboard-charts.js';
import { formatSeq } from '../../public/devices-panel.js';
import { formatBacklog, formatBytes, formatClock, formatUploadRate, plural } from '../../public/format.js';

describe('dashboard formatting', () => {
  it.each([
    [0, '0 streams'],
    [1, '1 stream'],
    [2, '2 streams'],
    [1000, '1,000 streams'],
  ])('plural(%d)', (n, text) => {
    expect(plural(n, 'stream')).toBe(text);
  });

  it('takes an irregular plural', () => {
    expect(plural(3, 'entry', 'entries')).toBe('3 entries');
  });

  it('labels the clock in local time, with seconds when asked', () => {
    const t = new Date(2026, 11, 7, 8, 5, 9).getTime();
    expect(formatClock(t)).toBe('08:05');
    expect(formatClock(t, true)).toBe('08:05:09');
  });

  it.each([
    [4, '4'],
    [1234, '1\u2009234'],
    [1_796_632_731_297, '1\u2009796\u2009632\u2009731\u2009297'],
  ])('groups seq %d', (seq, text) => {
    expect(formatSeq(seq)).toBe(text);
  });
});

describe('chart y range', () => {
  it.each<[string, number | null, number | null, boolean, number, [number, number]]>([
    ['no data', null, null, true, 100, [0, 100]],
    ['a flat zero lag', 0, 0, true, 100, [0, 100]],
    ['lag up to 250 ms', 0, 250, true, 100, [0, 300]],
    ['rates up to 18.2', 12, 18.2, true, 1, [0, 25]],
    ['a temperature between 20 and 22', 20, 22, false, 1, [19.8, 22.2]],
  ])('%s', (_name, min, max, zeroBased, minTop, expected) => {
    const [lo, hi] = yRange(min, max, zeroBased, minTop);
    expect([lo, hi].map((v) => Math.round(v * 1000) / 1000)).toEqual(expected);
  });

  it('gives a flat non-zero line some room around it', () => {
    const [lo, hi] = yRange(71.5, 71.5, false);
    expect(lo).toBeLessThan(71.5);
    expect(hi).toBeGreaterThan(71.5);
  });
});

describe('chart gaps', () => {
  it('breaks the line where points are further apart than the gap', () => {
    expect(withGaps([[0, 60, 120, 300, 360], [1, 2, 3, 4, 5]], 90)).toEqual([
      [0, 60, 120, 165, 300, 360],
      [1, 2, 3, null, 4, 5],
    ]);
    expect(withGaps([[0, 2, 4], [1, null, 3], [7, 8, 9]], 15)).toEqual([[0, 2, 4], [1, null, 3], [7, 8, 9]]);
  });
  it('shows a recording camera\'s backlog and upload rate, and a dash for a camera that does not record', () => {
    expect(formatBacklog({})).toBe('–');
    expect(formatBacklog({ recording: 'recording', backlogFragments: 0, backlogBytes: 0, backlogAgeSeconds: 0 })).toBe('none');
    expect(formatBacklog({ recording: 'recording', backlogFragments: 1210, backlogBytes: 1_970_842, backlogAgeSeconds: 3 * 3600 })).toBe('1,210 · 2.0 MB · 3.0 h');
    expect(formatBacklog({ recording: 'stopped', backlogFragments: 2, backlogBytes: 812, backlogAgeSeconds: 30 })).toBe('stopped · 2 · 812 B · 30.0 s');
    expect(formatBytes(123_456_789)).toBe('123 MB');
    expect(formatUploadRate(30_000)).toBe('240 kbit/s');
    expect(formatUploadRate(246_900)).toBe('2.0 Mbit/s');
    expect(formatUploadRate(undefined)).toBe('–');
  });
});
