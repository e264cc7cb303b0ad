import { GatewayError } from '../gateway-error';
import { TIMELINE_LIMITS, timelineWindow } from './timeline-route';

const NOW = 1_800_000_000_000;

describe('timelineWindow', () => {
  it('defaults to the hour before now, and to an hour before a given end', () => {
    expect(timelineWindow({}, NOW)).toEqual({ fromMs: NOW - TIMELINE_LIMITS.defaultWindowMs, toMs: NOW });
    expect(timelineWindow({ to: String(NOW - 5000) }, NOW)).toEqual({ fromMs: NOW - 5000 - 3_600_000, toMs: NOW - 5000 });
  });

  it('takes ISO-8601 times with an offset and epoch milliseconds', () => {
    const from = Date.parse('2027-01-15T10:00:00Z');
    expect(timelineWindow({ from: '2027-01-15T10:00:00Z', to: '2027-01-15T12:00:00+01:00' }, NOW)).toEqual({ fromMs: from, toMs: from + 3_600_000 });
    expect(timelineWindow({ from: String(from), to: String(from + 1000) }, NOW)).toEqual({ fromMs: from, toMs: from + 1000 });
  });

  it.each([
    [{ from: String(NOW), to: String(NOW) }, /to: must be after from/],
    [{ from: String(NOW - 25 * 3_600_000), to: String(NOW) }, /within 24 hours/],
    [{ from: 'yesterday' }, /from: /],
    [{ since: String(NOW) }, /unknown "since"/],
  ])('refuses %j as INVALID_REQUEST', (query, message) => {
    let thrown: unknown;
    try {
      timelineWindow(query as Record<string, string>, NOW);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(GatewayError);
    expect((thrown as GatewayError).code).toBe('INVALID_REQUEST');
    expect((thrown as GatewayError).message).toMatch(message);
  });
});
