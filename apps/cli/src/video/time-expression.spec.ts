import { parseDuration, parseTimeExpression, parseTimeRange } from './time-expression';

const now = new Date('2026-12-07T06:00:00.000Z');
const iso = (text: string): string | undefined => {
  const r = parseTimeExpression(text, now);
  return r.ok ? r.value.toISOString() : undefined;
};

describe('parseDuration', () => {
  it.each([
    ['5m', 300_000],
    ['90s', 90_000],
    ['1h30m', 5_400_000],
    ['2d', 172_800_000],
    ['0.5h', 1_800_000],
  ])('%s is %d ms', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['', '5', 'm', '5x', '5 m', '-5m', '1h 30m'])('refuses %j', (text) => expect(parseDuration(text)).toBeUndefined());
});

describe('parseTimeExpression', () => {
  it.each([
    ['now', '2026-12-07T06:00:00.000Z'],
    ['NOW', '2026-12-07T06:00:00.000Z'],
    ['-5m', '2026-12-07T05:55:00.000Z'],
    ['-1h30m', '2026-12-07T04:30:00.000Z'],
    ['90s ago', '2026-12-07T05:58:30.000Z'],
    ['1h 30m ago', '2026-12-07T04:30:00.000Z'],
    ['2026-12-07T05:00:00Z', '2026-12-07T05:00:00.000Z'],
    ['2026-12-07T05:00:00.250Z', '2026-12-07T05:00:00.250Z'],
    ['2026-12-07T07:00:00+02:00', '2026-12-07T05:00:00.000Z'],
    ['2026-12-07 05:00Z', '2026-12-07T05:00:00.000Z'],
    ['2028-02-29T00:00:00Z', '2028-02-29T00:00:00.000Z'],
  ])('%j is %s', (text, expected) => expect(iso(text)).toBe(expected));

  it('reads ISO without a zone, and a date alone, as local time', () => {
    expect(iso('2026-12-07T05:00:00')).toBe(new Date(2026, 11, 7, 5, 0, 0).toISOString());
    expect(iso('2026-12-07')).toBe(new Date(2026, 11, 7).toISOString());
  });

  it.each([
    ['', /empty time/],
    ['yesterday', /cannot read "yesterday" as a time: a time is `now`/],
    ['-5', /"-5" is not a duration/],
    ['5 minutes ago', /not a duration/],
    ['2026-13-45T99:00:00Z', /not a valid date/],
    ['2026-02-30T00:00:00Z', /"2026-02-30T00:00:00Z" is not a valid date or time/],
    ['2026-04-31', /not a valid date/],
    ['2026-01-01T25:00:00Z', /not a valid date/],
    ['Mon, 07 Dec 2026 06:00:00 GMT', /cannot read/],
    ['1700000000', /cannot read/],
  ])('refuses %j saying what is accepted', (text, message) => {
    const r = parseTimeExpression(text, now);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toMatch(message);
  });
});

describe('parseTimeRange', () => {
  it('parses both ends', () => {
    expect(parseTimeRange('-10m', '-5m', now)).toEqual({ ok: true, from: new Date('2026-12-07T05:50:00Z'), to: new Date('2026-12-07T05:55:00Z') });
  });

  it('defaults --to to now and --from to the default span before it', () => {
    expect(parseTimeRange(undefined, undefined, now, 60_000)).toEqual({ ok: true, from: new Date('2026-12-07T05:59:00Z'), to: now });
    expect(parseTimeRange(undefined, '-1h', now, 60_000)).toEqual({ ok: true, from: new Date('2026-12-07T04:59:00Z'), to: new Date('2026-12-07T05:00:00Z') });
  });

  it.each([
    [undefined, undefined, /--from is required/],
    ['-5m', '-10m', /--from \(2026-12-07T05:55:00.000Z\) must be before --to \(2026-12-07T05:50:00.000Z\)/],
    ['now', 'now', /must be before/],
    ['soon', undefined, /^--from: cannot read "soon"/],
    ['-5m', 'later', /^--to: cannot read "later"/],
  ])('refuses from=%j to=%j', (from, to, message) => {
    const r = parseTimeRange(from, to, now);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toMatch(message);
  });
});
