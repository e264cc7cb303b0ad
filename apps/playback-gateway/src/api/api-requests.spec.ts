import { invalid } from '../testing/invalid-request';
import { clipQuerySchema, playbackRequestSchema, queryRecord, snapshotQuerySchema, validate } from './api-requests';

const T = Date.parse('2026-01-01T10:00:00Z');

describe('playback requests', () => {
  it.each<[string, unknown, unknown]>([
    ['live by default', {}, { mode: 'LIVE' }],
    ['live, proxied', { mode: 'LIVE', delivery: 'proxied' }, { mode: 'LIVE', delivery: 'proxied' }],
    ['on demand with ISO times', { mode: 'ON_DEMAND', start: '2026-01-01T10:00:00Z', end: '2026-01-01T11:30:00+01:00' }, { mode: 'ON_DEMAND', start: T, end: T + 30 * 60_000 }],
    ['on demand with epoch ms', { mode: 'ON_DEMAND', start: T, end: T + 60_000 }, { mode: 'ON_DEMAND', start: T, end: T + 60_000 }],
    ['live replay from a start', { mode: 'LIVE_REPLAY', start: '2026-01-01T10:00:00Z' }, { mode: 'LIVE_REPLAY', start: T }],
  ])('accepts %s', (_name, body, expected) => {
    expect(validate(playbackRequestSchema, body, 'body')).toEqual(expected);
  });

  it.each<[string, unknown, RegExp]>([
    ['an unknown mode', { mode: 'REWIND' }, /mode: expected LIVE, LIVE_REPLAY or ON_DEMAND/],
    ['a start on LIVE', { mode: 'LIVE', start: T }, /start: LIVE plays from now/],
    ['ON_DEMAND without an end', { mode: 'ON_DEMAND', start: T }, /end: ON_DEMAND needs a start and an end/],
    ['LIVE_REPLAY without a start', { mode: 'LIVE_REPLAY' }, /start: LIVE_REPLAY needs a start/],
    ['an end before the start', { mode: 'ON_DEMAND', start: T, end: T - 1 }, /end: must be after start/],
    ['a range over 24 h', { mode: 'ON_DEMAND', start: T, end: T + 24 * 3600_000 + 1 }, /within 24 hours/],
    ['a time without an offset', { mode: 'LIVE_REPLAY', start: '2026-01-01T10:00:00' }, /start/],
    ['an unknown member', { mode: 'LIVE', SessionToken: 'x' }, /unknown "SessionToken"/],
    ['an unknown delivery', { delivery: 'cdn' }, /delivery: expected direct or proxied/],
    ['not an object', 'LIVE', /body/],
  ])('refuses %s', (_name, body, message) => {
    expect(invalid(() => validate(playbackRequestSchema, body, 'body'))).toMatch(message);
  });
});

describe('clip and snapshot queries', () => {
  it('reads a clip range', () => {
    expect(validate(clipQuerySchema, queryRecord('/x?start=2026-01-01T10:00:00Z&end=2026-01-01T10:00:10Z'), 'query')).toEqual({ start: T, end: T + 10_000 });
  });

  it.each([
    ['/x?start=2026-01-01T10:00:00Z', /end/],
    ['/x?start=2026-01-01T10:00:00Z&end=2026-01-01T10:00:10Z&extra=1', /unknown "extra"/],
    ['/x?start=2026-01-01T10:00:00Z&start=2026-01-01T10:00:00Z&end=2026-01-01T10:00:10Z', /given twice/],
    ['/x?start=../../etc&end=2026-01-01T10:00:10Z', /start/],
  ])('refuses the clip query %s', (url, message) => {
    expect(invalid(() => validate(clipQuerySchema, queryRecord(url), 'query'))).toMatch(message);
  });

  it('reads snapshot options with defaults', () => {
    expect(validate(snapshotQuerySchema, queryRecord('/x'), 'query')).toEqual({ format: 'JPEG' });
    expect(validate(snapshotQuerySchema, queryRecord(`/x?at=${T}&format=png&width=320`), 'query')).toEqual({ at: T, format: 'PNG', width: 320 });
  });

  it.each([['/x?format=gif'], ['/x?width=0'], ['/x?width=4000'], ['/x?width=1e3'], ['/x?=1']])('refuses the snapshot query %s', (url) => {
    invalid(() => validate(snapshotQuerySchema, queryRecord(url), 'query'));
  });
});
